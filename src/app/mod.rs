//! The application core: the runtime behind the screen. It hosts the session (`flow`), runs the
//! device and service threads, carries out the session's effects (the save → outbox → print use
//! case in `submit`), applies the central's live settings between applicants, keeps the kiosk out
//! of service while it cannot take applicants, and guards the technician screen. A station
//! kiosk runs the endorsement session (`flow::station`) instead, with its use cases in
//! `endorse` on a thread of its own.
//!
//! The front end (`ui`) sees only what this room hands it: [`Input`]s it may send, and a
//! [`View`] to render. It never learns about stores, printers, card readers or the central, so
//! a second kind of session (the endorsement kiosk) lands here without `ui` changing its
//! dependencies.

mod controller;
mod endorse;
mod kiosk;
mod memory;
mod printing;
mod screen;
mod staff_call;
mod submit;
mod technician;
mod typing;
mod workers;

pub use controller::{Controller, Input, Refresh, TICK_MS};
pub use endorse::{EndorsementDesk, Recovered};
pub use kiosk::{
    Devices, DisplayMode, FeeDesk, HolderCheckSetup, Kiosk, Settings, Station, VoiceSetup,
};
pub use printing::{SharedPrinter, unattended};
pub use screen::{
    Advice, Device, DeviceState, Hint, KioskStatus, Lang, PinRefusal, QueueBadge, RejectReason,
    Screen, TechnicianScreen, View, Visit,
};
pub use staff_call::{CallStatus, OpenCall, Place, StaffCalls};
pub use submit::{SaveJob, Saved, queue};
pub use typing::{ImeState, KeyboardKey, Typing};
