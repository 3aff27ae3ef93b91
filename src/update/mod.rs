//! A/B updates that roll back: the kiosk's side of the update engine. After the machine boots a
//! newly installed slot, the kiosk marks it good only once it is healthy — on screen and READY,
//! its store intact, a heartbeat acknowledged by the central — and marks it bad when it is not
//! within `update.confirm_minutes`; the engine's bootloader then boots the previous slot
//! (README "Updates"). `engine` is the port, `rauc` its adapter over RAUC's command line, `gate`
//! the decision and the thread that waits for it.

pub mod engine;
pub mod gate;
pub mod rauc;

pub use engine::{BootedSlot, UpdateEngine, UpdateError, Verdict};
pub use gate::{Decision, Gate, Health, decide};
