//! A time limit on every call to a vendor device (the writer module, the payment terminal). A
//! device that hangs would otherwise hold the thread that called it for good: the applicant
//! stuck on one page, and every later command queued behind it. Each call runs on a thread of
//! its own and is given up after the limit; the port's adapter (`writer::deadline`,
//! `payment::deadline`) turns that into its own "does not answer" error, which the callers
//! already treat as "the outcome is unknown". A call given up while it was still waiting behind
//! a hung one never reaches the device later. While a given-up call is still hung in the
//! device, [`Deadline::free`] says no, so the kiosk can stop offering what needs that device.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, TryLockError, mpsc};
use std::time::Duration;

/// A device whose every call is bounded by a time limit.
pub struct Deadline<D: ?Sized> {
    device: Arc<Mutex<Box<D>>>,
    limit: Duration,
    /// For the log: `writer`, `payment terminal`.
    name: &'static str,
}

impl<D: ?Sized + Send + 'static> Deadline<D> {
    /// `device`, each call given up after `limit`.
    pub fn new(device: Box<D>, limit: Duration, name: &'static str) -> Deadline<D> {
        Deadline {
            device: Arc::new(Mutex::new(device)),
            limit,
            name,
        }
    }

    /// Runs `call` on the device on a thread of its own; `Err` with what to log when no
    /// answer came within the limit (or no thread could be started).
    pub fn call<T: Send + 'static>(
        &self,
        what: &'static str,
        call: impl FnOnce(&mut D) -> T + Send + 'static,
    ) -> Result<T, String> {
        let (tx, rx) = mpsc::channel();
        let given_up = Arc::new(AtomicBool::new(false));
        let (device, dropped) = (self.device.clone(), given_up.clone());
        std::thread::Builder::new()
            .name(self.name.into())
            .spawn(move || {
                let mut device = device.lock().unwrap_or_else(|p| p.into_inner());
                // Given up while waiting behind a hung call: never sent to the device.
                if dropped.load(Ordering::SeqCst) {
                    return;
                }
                let _ = tx.send(call(&mut **device));
            })
            .map_err(|e| format!("no thread for {what}: {e}"))?;
        rx.recv_timeout(self.limit).map_err(|_| {
            given_up.store(true, Ordering::SeqCst);
            tracing::error!(
                device = self.name,
                call = what,
                limit_s = self.limit.as_secs_f32(),
                "device does not answer; call given up"
            );
            format!("no answer to {what} within {} s", self.limit.as_secs_f32())
        })
    }

    /// Whether no given-up call is still hung in the device. The kiosk makes one call at a
    /// time on each device, so a device still held when it asks is a hung one.
    pub fn free(&self) -> bool {
        !matches!(self.device.try_lock(), Err(TryLockError::WouldBlock))
    }

    /// Reads something of the device that needs no call to it (a capability); `None` while a
    /// call is hung in it.
    pub fn peek<T>(&self, read: impl FnOnce(&D) -> T) -> Option<T> {
        match self.device.try_lock() {
            Ok(device) => Some(read(&**device)),
            Err(TryLockError::Poisoned(p)) => Some(read(&**p.into_inner())),
            Err(TryLockError::WouldBlock) => None,
        }
    }
}
