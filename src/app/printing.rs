//! The kiosk's one receipt printer, shared by the hall's service thread and the station
//! worker: jobs serialise on its lock, so two jobs never interleave on paper. Each job's result
//! is logged with its number (never its content); paper near its end is logged for staff.

use std::sync::{Arc, Mutex};

use crate::devices::printer::{PrintError, Printer, PrinterState};

pub type SharedPrinter = Arc<Mutex<Box<dyn Printer>>>;

/// The printer, ready to share.
pub fn share(printer: Box<dyn Printer>) -> SharedPrinter {
    Arc::new(Mutex::new(printer))
}

/// Prints one job (`number` names it in the log and the printer adapter's files).
///
/// Errors: as [`Printer::print`].
pub fn print(
    printer: &SharedPrinter,
    number: &str,
    bytes: &[u8],
) -> Result<PrinterState, PrintError> {
    let printed = printer
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .print(number, bytes);
    match &printed {
        Ok(state) => {
            if *state == PrinterState::PaperNearEnd {
                tracing::warn!("printer: paper near end, change the roll soon");
            }
            tracing::info!(%number, bytes = bytes.len(), "printer: printed");
        }
        Err(e) => tracing::error!(%number, error = %e, "printer: not printed"),
    }
    printed
}

/// Asks the printer how it is (between jobs: at start and while the kiosk waits).
pub fn status(printer: &SharedPrinter) -> PrinterState {
    printer.lock().unwrap_or_else(|p| p.into_inner()).status()
}
