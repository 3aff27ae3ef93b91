//! The MRZ scanner thread: waits on the scanner and forwards each document it reads. A scanner
//! that fails (unplugged, wrong device) is logged once per failure spell and tried again every
//! few seconds; the keys page keeps the keypad meanwhile.

use std::sync::mpsc::Sender;
use std::time::{Duration, Instant};

use super::{Inbound, spawn};
use crate::devices::mrz::MrzScanner;

/// How long one wait for a scan lasts: the thread notices a closed core this often.
const WAIT: Duration = Duration::from_millis(500);
/// Pause before a failed scanner is tried again.
const RETRY: Duration = Duration::from_secs(5);

/// Watches the scanner until the core goes away.
pub fn mrz_scanner(mut scanner: Box<dyn MrzScanner>, tx: Sender<Inbound>) {
    spawn("mrz-scanner", move || {
        let mut failing = false;
        loop {
            match scanner.next_scan(Instant::now() + WAIT) {
                Ok(scan) => {
                    if failing {
                        tracing::info!("MRZ scanner: answering again");
                        failing = false;
                    }
                    if let Some(text) = scan
                        && tx.send(Inbound::MrzScan(text)).is_err()
                    {
                        return;
                    }
                }
                Err(e) => {
                    if !failing {
                        tracing::warn!(error = %e, "MRZ scanner unavailable: typing only");
                        failing = true;
                    }
                    std::thread::sleep(RETRY);
                }
            }
        }
    });
}
