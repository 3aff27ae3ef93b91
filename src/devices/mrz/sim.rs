//! A scanner driven by hand: demo mode's button (and any test) puts a document's MRZ on it as a
//! person lays the document on the glass.

use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::time::Instant;

use zeroize::Zeroizing;

use super::{MrzScanner, ScannerError};
use crate::devices::card::permit::SimPermitSlot;

pub struct SimScanner {
    scans: Receiver<Zeroizing<String>>,
}

/// The hand that lays documents on a [`SimScanner`].
#[derive(Clone)]
pub struct SimScannerHand {
    scans: Sender<Zeroizing<String>>,
}

impl SimScannerHand {
    /// Scans a document whose MRZ reads `text` (lines joined by `\n`).
    pub fn scan(&self, text: &str) {
        let _ = self.scans.send(Zeroizing::new(text.to_owned()));
    }
}

impl SimScanner {
    pub fn new() -> (SimScanner, SimScannerHand) {
        let (tx, rx) = channel();
        (SimScanner { scans: rx }, SimScannerHand { scans: tx })
    }
}

impl MrzScanner for SimScanner {
    fn next_scan(&mut self, until: Instant) -> Result<Option<Zeroizing<String>>, ScannerError> {
        let wait = until.saturating_duration_since(Instant::now());
        match self.scans.recv_timeout(wait) {
            Ok(scan) => Ok(Some(scan)),
            Err(RecvTimeoutError::Timeout) => Ok(None),
            // No hand is left to lay anything on it: nothing comes, but the wait still lasts
            // (an immediate answer would have its reader spin).
            Err(RecvTimeoutError::Disconnected) => {
                std::thread::sleep(until.saturating_duration_since(Instant::now()));
                Ok(None)
            }
        }
    }
}

/// Demo mode's "scan" button: lays the sample permit that is on the simulated permit reader on
/// the simulated scanner.
pub struct DemoScan {
    slot: SimPermitSlot,
    hand: SimScannerHand,
}

impl DemoScan {
    pub fn new(slot: SimPermitSlot, hand: SimScannerHand) -> DemoScan {
        DemoScan { slot, hand }
    }

    /// Scans the permit on the reader; nothing happens when none lies there.
    pub fn scan(&self) {
        if let Some(line) = self.slot.placed_mrz() {
            self.hand.scan(&line);
        }
    }
}
