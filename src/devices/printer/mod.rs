//! Receipt printers. The printed form is built as a layout (`receipt`), turned into ESC/POS bytes
//! for the configured printer profile (`escpos`, with `raster` for what the printer cannot draw;
//! both split barcode data with `code128`), and sent through a transport (`transport`) by the
//! printer adapter, which checks the printer's status (`status`) before and after each job.
//! `interpret` reads jobs back; `preview` draws them as paper for demo mode, technicians and
//! tests. The commands and status bits are explained in docs/PRINTING.md.

mod code128;
pub mod escpos;
mod font;
pub mod interpret;
pub mod preview;
pub mod profile;
pub mod raster;
pub mod receipt;
pub mod status;
pub mod test_page;
pub mod transport;
mod wrap;

use std::path::PathBuf;

pub use profile::PrinterProfile;
pub use status::PrinterState;
use transport::Transport;

#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    /// Nothing was sent: the printer cannot print now.
    #[error("printer not ready: {0}")]
    NotReady(PrinterState),
    /// The job was sent (or partly sent) but the printer reports a problem afterwards, so the
    /// paper may be incomplete. There is no automatic reprint: staff reprint from the store.
    #[error("job may be incomplete: printer {0} after printing")]
    Incomplete(PrinterState),
    #[error("printer output failed: {0}")]
    Io(#[from] std::io::Error),
    #[error("preview could not be written: {0}")]
    Preview(String),
}

pub trait Printer: Send {
    /// Asks the printer how it is.
    fn status(&mut self) -> PrinterState;
    /// Prints one job; `job` names it (the application number) for files and logs. Returns the
    /// state after printing (e.g. paper near end, for a staff alert).
    fn print(&mut self, job: &str, bytes: &[u8]) -> Result<PrinterState, PrintError>;
}

/// An ESC/POS printer on a transport, asked for its status before and after every job.
pub struct EscPosPrinter {
    transport: Box<dyn Transport>,
}

impl EscPosPrinter {
    pub fn new(transport: Box<dyn Transport>) -> EscPosPrinter {
        EscPosPrinter { transport }
    }

    fn query_status(&mut self) -> PrinterState {
        let mut answers = [None; 3];
        for (answer, n) in answers.iter_mut().zip(status::QUERIES) {
            *answer = match self.transport.query(&[0x10, 0x04, n]) {
                Ok(a) => a,
                Err(e) => {
                    tracing::warn!(printer = %self.transport.describe(), error = %e, "printer: no status");
                    None
                }
            };
            if answer.is_none() {
                // A one-way printer: ask the kernel instead, where the transport can.
                if let Some(state) = self.transport.kernel_status() {
                    return state;
                }
                break;
            }
        }
        status::from_answers(answers)
    }
}

impl Printer for EscPosPrinter {
    fn status(&mut self) -> PrinterState {
        let state = self.query_status();
        self.transport.finish();
        state
    }

    fn print(&mut self, job: &str, bytes: &[u8]) -> Result<PrinterState, PrintError> {
        let result = (|| {
            let before = self.query_status();
            if !before.can_print() {
                return Err(PrintError::NotReady(before));
            }
            if let Err(e) = self.transport.send(bytes) {
                tracing::error!(job, printer = %self.transport.describe(), error = %e, "printer: job not sent completely");
                return Err(PrintError::Io(e));
            }
            let after = self.query_status();
            if !after.can_print() {
                return Err(PrintError::Incomplete(after));
            }
            Ok(after)
        })();
        self.transport.finish();
        result
    }
}

/// Writes each job's bytes to `<dir>/<job>.bin`, and with `preview` a PNG of the paper to
/// `<dir>/<job>.png`. The simulated printer of demo mode is this with previews on; a spooler
/// can be fed through it too. It has no status channel.
pub struct FilePrinter {
    dir: PathBuf,
    dots: u32,
    preview: bool,
}

impl FilePrinter {
    pub fn new(dir: PathBuf, dots: u32, preview: bool) -> FilePrinter {
        FilePrinter { dir, dots, preview }
    }
}

impl Printer for FilePrinter {
    fn status(&mut self) -> PrinterState {
        PrinterState::Unknown
    }

    fn print(&mut self, job: &str, bytes: &[u8]) -> Result<PrinterState, PrintError> {
        std::fs::create_dir_all(&self.dir)?;
        std::fs::write(self.dir.join(format!("{job}.bin")), bytes)?;
        if self.preview {
            preview::render(bytes, self.dots)
                .map_err(|e| PrintError::Preview(e.to_string()))?
                .save(self.dir.join(format!("{job}.png")))
                .map_err(|e| PrintError::Preview(e.to_string()))?;
        }
        Ok(PrinterState::Unknown)
    }
}

/// The site name printed on the sample form.
pub const SAMPLE_SITE: &str = "厦门市出入境接待大厅";

/// A synthetic application (a sample card's person) for `kiosk print sample|test`, benchmarks
/// and tests: fixed number and time so its bytes are stable.
pub fn sample_application() -> crate::domain::application::Application {
    use crate::domain::app_number::AppNumber;
    use crate::domain::application::{Application, Choices};
    use crate::domain::photo::Photo;
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 25).expect("constant date");
    let identity = crate::domain::samples::sample_identities(today).remove(0);
    Application {
        number: AppNumber::compose("XMH01", today, 42),
        identity,
        choices: Choices {
            green_channel: Some("funeral".into()),
            emergency_contact: Some(crate::domain::contact::EmergencyContact {
                name: "曾大明".into(),
                mobile: "13800000000".into(),
            }),
            pinyin_surname: "ZENG".into(),
            pinyin_given: "XIAOFANG".into(),
            ..crate::domain::application::samples::sample_choices()
        },
        photo: Some(Photo {
            jpeg: vec![0xFF, 0xD8],
            width: 354,
            height: 472,
        }),
        photo_report: None,
        holder: None,
        guardian: None,
        previous_spelling: None,
        booking: None,
        payment: None,
        fee: 225,
        created_at: today.and_hms_opt(9, 30, 0).expect("constant date"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_printer_writes_bytes_and_a_preview_of_the_paper() {
        let dir = tempfile::tempdir().unwrap();
        let app = sample_application();
        let form = receipt::application_form(
            &app,
            &crate::domain::catalogue::Catalogue::builtin(),
            "厦门",
        );
        for name in ["generic-58", "generic-80"] {
            let profile = PrinterProfile::builtin(name).unwrap();
            let mut p = FilePrinter::new(dir.path().to_path_buf(), profile.dots, true);
            let job = escpos::encode(&form, &profile);
            p.print(app.number.as_str(), &job).unwrap();
            let bin = std::fs::read(dir.path().join(format!("{}.bin", app.number))).unwrap();
            assert_eq!(bin, job, "{name}: the job, byte for byte");
            let png = image::open(dir.path().join(format!("{}.png", app.number))).unwrap();
            assert_eq!(png.width(), profile.dots);
            assert!(png.height() > 600, "a whole form is long: {}", png.height());
        }
    }
}
