//! Receipt printers: the layout of the form, its ESC/POS bytes and a preview image, and the
//! printer port with its adapters. Demo mode prints to files (bytes + PNG preview); TCP, USB and
//! serial transports and status queries come with issue 4 behind the same trait.

pub mod escpos;
pub mod preview;
pub mod receipt;

use std::path::PathBuf;

use receipt::Receipt;

/// Paper geometry of a printer model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PaperProfile {
    /// Printable dots per line.
    pub dots: u32,
    /// Font A characters per line.
    pub columns: usize,
}

impl PaperProfile {
    pub const MM58: PaperProfile = PaperProfile {
        dots: 384,
        columns: 32,
    };
    pub const MM80: PaperProfile = PaperProfile {
        dots: 576,
        columns: 48,
    };
}

#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    #[error("printer output failed: {0}")]
    Io(#[from] std::io::Error),
    #[error("preview could not be written: {0}")]
    Preview(String),
}

pub trait Printer: Send {
    /// Prints `receipt`; `job` names the job (the application number) for files and logs.
    fn print(&mut self, job: &str, receipt: &Receipt) -> Result<(), PrintError>;
}

/// Writes each job's ESC/POS bytes to `<dir>/<job>.bin`, and with `preview` a PNG of the paper to
/// `<dir>/<job>.png`. The simulated printer of demo mode is this with previews on.
pub struct FilePrinter {
    dir: PathBuf,
    profile: PaperProfile,
    preview: bool,
}

impl FilePrinter {
    pub fn new(dir: PathBuf, profile: PaperProfile, preview: bool) -> FilePrinter {
        FilePrinter {
            dir,
            profile,
            preview,
        }
    }
}

impl Printer for FilePrinter {
    fn print(&mut self, job: &str, receipt: &Receipt) -> Result<(), PrintError> {
        std::fs::create_dir_all(&self.dir)?;
        let bytes = escpos::encode(receipt, self.profile.columns);
        std::fs::write(self.dir.join(format!("{job}.bin")), bytes)?;
        if self.preview {
            preview::render(receipt, self.profile.dots)
                .save(self.dir.join(format!("{job}.png")))
                .map_err(|e| PrintError::Preview(e.to_string()))?;
        }
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::domain::app_number::AppNumber;
    use crate::domain::application::{Application, Choices};
    use crate::domain::photo::Photo;
    use chrono::NaiveDate;

    pub fn sample_application() -> Application {
        let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        let identity = crate::devices::card::sim::sample_identities(today).remove(0);
        Application {
            number: AppNumber::compose("XMH01", today, 42),
            identity,
            choices: Choices {
                green_channel: Some("funeral".into()),
                ..crate::domain::application::fixtures::sample_choices()
            },
            photo: Photo {
                jpeg: vec![0xFF, 0xD8],
                width: 354,
                height: 472,
            },
            fee: 225,
            created_at: today.and_hms_opt(9, 30, 0).unwrap(),
        }
    }

    #[test]
    fn file_printer_writes_bytes_and_a_preview_of_the_paper() {
        let dir = tempfile::tempdir().unwrap();
        let app = sample_application();
        let form = receipt::application_form(
            &app,
            &crate::domain::catalogue::Catalogue::builtin(),
            "厦门",
        );
        for profile in [PaperProfile::MM58, PaperProfile::MM80] {
            let mut p = FilePrinter::new(dir.path().to_path_buf(), profile, true);
            p.print(app.number.as_str(), &form).unwrap();
            let bin = std::fs::read(dir.path().join(format!("{}.bin", app.number))).unwrap();
            assert!(
                bin.windows(app.number.as_str().len())
                    .any(|w| w == app.number.as_str().as_bytes())
            );
            let png = image::open(dir.path().join(format!("{}.png", app.number))).unwrap();
            assert_eq!(png.width(), profile.dots);
            assert!(png.height() > 600, "a whole form is long: {}", png.height());
        }
    }
}
