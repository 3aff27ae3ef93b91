//! The device, service and station threads behind the core. Each owns its device; results come back to
//! the UI thread through one channel that the core drains on a timer, so the event loop never
//! blocks on I/O and tests with mock time see results deterministically.

mod camera;
mod card;
mod fee;
mod fee_card;
mod mrz;
mod payment_step;
mod records;
mod service;
mod staff;
mod station;
mod voice;

pub use camera::{CameraCommand, HolderJob, HolderReference, HolderUpdate, PreviewSlot, camera};
pub use card::card;
pub use fee::{FeeThread, fee};
pub use mrz::{ScannerThread, mrz_scanner};
pub use payment_step::{FeeCommand, FeeUpdate};
pub use records::{RecordsQuery, records};
pub use service::{ServiceJob, service};
pub use staff::{StaffCommand, staff};
pub use station::{StationCommand, StationHandle, station};
pub use voice::{VoiceCommand, VoiceThread, voice};

use crate::devices::card::CardEvent;
use crate::domain::app_number::AppNumber;
use crate::domain::photo::Photo;
use crate::photo::Hint;

use super::screen::Rejection;

/// What the workers report to the UI thread.
#[derive(Debug)]
pub enum Inbound {
    /// A form printed again for the central's `reprint` command, or why not.
    Reprinted {
        command_id: String,
        result: Result<(), String>,
    },
    Card(CardEvent),
    Photo(Result<Photo, Rejection>),
    /// The camera stopped delivering frames.
    CameraFailed(String),
    /// Frames flow again after a failure.
    CameraRecovered,
    Hint(Hint),
    Saved(AppNumber),
    /// Logged where it happened; the UI only needs to know.
    SaveFailed,
    /// The save failed for want of room: nothing was saved.
    StorageFull,
    /// Whether one more application fits (reported when it changes).
    Room(bool),
    /// Printed; `paper_low` when the printer said its paper is near the end.
    Printed {
        paper_low: bool,
    },
    PrintFailed,
    /// The printer's state asked between jobs (at start, then every minute while idle), so the
    /// technician screen and the heartbeat know it before the first print.
    PrinterStatus(crate::devices::printer::PrinterState),
    /// The start-up check of the camera: one frame could be read (`Ok`), or why not.
    CameraChecked(Result<(), String>),
    /// A document read by the MRZ scanner: its text (personal data, wiped when dropped).
    MrzScan(zeroize::Zeroizing<String>),
    /// The MRZ scanner stopped answering (`false`) or answers again.
    MrzScanner {
        available: bool,
    },
    /// A report of a holder check, for the visit it names.
    Holder {
        visit: u64,
        update: HolderUpdate,
    },
    /// The applicant's documents on record, for the hall visit that asked (`None`: no usable
    /// answer).
    Records {
        visit: u64,
        records: Option<Vec<crate::domain::records::DocumentOnRecord>>,
    },
    /// Today's booking of the applicant, for the hall visit that asked (`None`: no usable
    /// answer; `Some(None)`: no booking).
    Appointment {
        visit: u64,
        appointment: Option<Option<crate::domain::appointment::Appointment>>,
    },
    /// A report of the fee thread, for the hall visit it names.
    Fee {
        visit: u64,
        update: FeeUpdate,
    },
    /// Whether staff call `call_id` reached the central.
    StaffCall {
        call_id: String,
        reached: bool,
    },
    /// A report of the station thread, for the visit it names.
    Station {
        visit: u64,
        event: crate::flow::station::Event,
    },
}

fn spawn(name: &str, f: impl FnOnce() + Send + 'static) {
    if let Err(e) = std::thread::Builder::new().name(name.into()).spawn(f) {
        tracing::error!(thread = name, error = %e, "cannot start worker thread");
    }
}
