//! The MRZ scanner port: an OCR reader beside the chip reader that reads the machine-readable
//! zone printed on a document, for when the central has no record of the permit on the reader
//! and the applicant would otherwise type its number and expiry. The station kiosk uses it on
//! its keys step (docs/STATION.md, "MRZ scanner").
//!
//! * `framing`: bytes → scans (pure);
//! * `serial`: readers that send the MRZ as text lines over a serial or USB CDC-ACM port;
//! * `sim`: the scanner the tests (and anyone without one) drive by hand.

pub mod framing;
mod serial;
mod sim;

use std::time::Instant;

use chrono::NaiveDate;
use zeroize::Zeroizing;

use crate::devices::card::icao::mrz::{self, MrzKind};
use crate::domain::permit::{ScanRefusal, ScannedPermit};

pub use serial::SerialScanner;
pub use sim::{DemoScan, SimScanner, SimScannerHand};

#[derive(Debug, thiserror::Error)]
pub enum ScannerError {
    /// The device could not be opened or stopped answering (unplugged): the kiosk logs it once
    /// and offers typing only.
    #[error("MRZ scanner {path}: {source}")]
    Device {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// An MRZ scanner.
pub trait MrzScanner: Send {
    /// Waits until `until` for the next scan: the MRZ text as read, lines joined by `\n`
    /// (`Ok(None)` when nothing was scanned by then). The text is personal data: wiped when
    /// dropped, never logged.
    ///
    /// Errors: [`ScannerError::Device`] when the device is gone.
    fn next_scan(&mut self, until: Instant) -> Result<Option<Zeroizing<String>>, ScannerError>;
}

/// What a scan says about the document on the glass: a card permit's number, birth date and
/// expiry from its one-line MRZ (every check digit verified, docs/CARDS.md "Chinese travel
/// permits"), or why not.
pub fn read_permit(scan: &str) -> Result<ScannedPermit, ScanRefusal> {
    let mrz = mrz::parse(scan).map_err(|_| ScanRefusal::Unreadable)?;
    if !matches!(mrz.kind, MrzKind::PermitHkMacau | MrzKind::PermitTaiwan) {
        return Err(ScanRefusal::NotCardPermit);
    }
    // Card permits were first issued in 2014 and last ten years: every expiry is in this
    // century.
    let expiry = NaiveDate::parse_from_str(&format!("20{}", mrz.expiry_date), "%Y%m%d")
        .map_err(|_| ScanRefusal::Unreadable)?;
    Ok(ScannedPermit {
        document_number: mrz.document_number.clone(),
        birth_yymmdd: mrz.birth_date.clone(),
        expiry,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::permit::WindowReason;

    #[test]
    fn a_permit_scan_gives_the_key_for_its_holder_only() {
        let line = mrz::permit_line("CS", "C12345678", "310101", "900215");
        let p = read_permit(&line).unwrap();
        assert_eq!(p.document_number, "C12345678");
        assert_eq!(p.expiry, NaiveDate::from_ymd_opt(2031, 1, 1).unwrap());
        let holder = NaiveDate::from_ymd_opt(1990, 2, 15).unwrap();
        let key = p.key_for(holder).unwrap();
        assert_eq!(
            (key.document_number.as_str(), key.birth_date),
            ("C12345678", holder)
        );
        let other = NaiveDate::from_ymd_opt(1990, 2, 16).unwrap();
        assert_eq!(p.key_for(other).unwrap_err(), WindowReason::NotTheHolder);
    }

    #[test]
    fn a_misread_or_another_document_gives_no_key() {
        let line = mrz::permit_line("CD", "T87654321", "300630", "851120");
        assert!(read_permit(&line).is_ok());
        // One character misread: a check digit fails.
        let misread = line.replacen("T876", "T878", 1);
        assert_eq!(read_permit(&misread).unwrap_err(), ScanRefusal::Unreadable);
        assert_eq!(read_permit("").unwrap_err(), ScanRefusal::Unreadable);
        let passport = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10";
        assert_eq!(
            read_permit(passport).unwrap_err(),
            ScanRefusal::NotCardPermit
        );
    }
}
