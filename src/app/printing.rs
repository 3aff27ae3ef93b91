//! The kiosk's one receipt printer, shared by the hall's service thread and the station
//! worker: jobs serialise on its lock, so two jobs never interleave on paper. Each job's result
//! is logged with its number (never its content), and the printer's state after every job —
//! paper near its end, out of paper, cover open — goes to the controller at once, whichever
//! product printed, so the technician screen and the heartbeat tell staff before the next
//! applicant finds out.

use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex};

use super::workers::Inbound;
use crate::devices::printer::{PrintError, Printer, PrinterState};

#[derive(Clone)]
pub struct SharedPrinter {
    device: Arc<Mutex<Box<dyn Printer>>>,
    report: Sender<Inbound>,
}

/// The printer, ready to share; its state after each job is sent to `report`.
pub fn share(printer: Box<dyn Printer>, report: Sender<Inbound>) -> SharedPrinter {
    SharedPrinter {
        device: Arc::new(Mutex::new(printer)),
        report,
    }
}

/// The printer of a process without a controller (a tool, a test of the station's use
/// cases): jobs are logged as usual, and the states after them go nowhere.
pub fn unattended(printer: Box<dyn Printer>) -> SharedPrinter {
    share(printer, std::sync::mpsc::channel().0)
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
        .device
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .print(number, bytes);
    let state = match &printed {
        Ok(state) => {
            if *state == PrinterState::PaperNearEnd {
                tracing::warn!("printer: paper near end, change the roll soon");
            }
            tracing::info!(%number, bytes = bytes.len(), "printer: printed");
            Some(*state)
        }
        Err(e) => {
            tracing::error!(%number, error = %e, "printer: not printed");
            match e {
                PrintError::NotReady(state) => Some(*state),
                _ => None,
            }
        }
    };
    if let Some(state) = state {
        // A controller gone means the kiosk is stopping: nobody is left to tell.
        let _ = printer.report.send(Inbound::PrinterStatus(state));
    }
    printed
}

/// Asks the printer how it is (between jobs: at start and while the kiosk waits).
pub fn status(printer: &SharedPrinter) -> PrinterState {
    printer
        .device
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .status()
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;

    use super::*;

    /// Prints fine, and its roll runs low from the second job on.
    struct RunningLow(u32);

    impl Printer for RunningLow {
        fn status(&mut self) -> PrinterState {
            PrinterState::Ready
        }

        fn print(&mut self, _: &str, _: &[u8]) -> Result<PrinterState, PrintError> {
            self.0 += 1;
            Ok(if self.0 >= 2 {
                PrinterState::PaperNearEnd
            } else {
                PrinterState::Ready
            })
        }
    }

    #[test]
    fn every_job_reports_the_printers_state_whoever_printed() {
        let (tx, rx) = mpsc::channel();
        let printer = share(Box::new(RunningLow(0)), tx);
        let station_side = printer.clone();
        print(&printer, "A1", b"form").unwrap();
        print(&station_side, "T1", b"receipt").unwrap();
        let states: Vec<PrinterState> = rx
            .try_iter()
            .map(|m| match m {
                Inbound::PrinterStatus(s) => s,
                _ => panic!("only printer states are sent"),
            })
            .collect();
        assert_eq!(
            states,
            [PrinterState::Ready, PrinterState::PaperNearEnd],
            "the receipt's low roll reaches the controller"
        );
    }
}
