//! The MRZ scanner thread: waits on the scanner and forwards each document it reads. A scanner
//! that fails (unplugged, wrong device) is reported once per failure spell — the keys page then
//! offers the keypad only — and tried again every few seconds. The thread ends when the core
//! drops its [`ScannerThread`].

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::time::{Duration, Instant};

use super::{Inbound, spawn};
use crate::devices::mrz::MrzScanner;

/// How long one wait for a scan lasts: the thread notices it should stop this often.
const WAIT: Duration = Duration::from_millis(500);
/// Pause before a failed scanner is tried again.
const RETRY: Duration = Duration::from_secs(5);

/// The core's hold on the scanner thread: dropped, the thread stops (and closes the device)
/// within [`WAIT`].
pub struct ScannerThread {
    stop: Arc<AtomicBool>,
}

impl Drop for ScannerThread {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Watches the scanner until the core drops the returned hold or goes away.
pub fn mrz_scanner(mut scanner: Box<dyn MrzScanner>, tx: Sender<Inbound>) -> ScannerThread {
    let stop = Arc::new(AtomicBool::new(false));
    let stopped = stop.clone();
    spawn("mrz-scanner", move || {
        let mut failing = false;
        while !stopped.load(Ordering::Relaxed) {
            let report = match scanner.next_scan(Instant::now() + WAIT) {
                Ok(scan) => {
                    let back = failing.then_some(Inbound::MrzScanner { available: true });
                    if failing {
                        tracing::info!("MRZ scanner: answering again");
                        failing = false;
                    }
                    back.into_iter().chain(scan.map(Inbound::MrzScan)).collect()
                }
                Err(e) if !failing => {
                    tracing::warn!(error = %e, "MRZ scanner unavailable: typing only");
                    failing = true;
                    vec![Inbound::MrzScanner { available: false }]
                }
                Err(_) => Vec::new(),
            };
            for message in report {
                if tx.send(message).is_err() {
                    return;
                }
            }
            if failing {
                let until = Instant::now() + RETRY;
                while Instant::now() < until && !stopped.load(Ordering::Relaxed) {
                    std::thread::sleep(WAIT.min(until.saturating_duration_since(Instant::now())));
                }
            }
        }
    });
    ScannerThread { stop }
}
