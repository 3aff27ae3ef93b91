//! A time limit on every call to a vendor device (the writer module, the payment terminal). A
//! device that hangs would otherwise hold the thread that called it for good: the applicant
//! stuck on one page, and every later command queued behind it. Each call runs on a thread of
//! its own and is given up after the limit; while that call is still hung in the device, the
//! next ones are refused at once without reaching it ([`Refused::NotSent`]), and
//! [`Deadline::free`] says no, so the kiosk can stop offering what needs that device. The
//! port's adapter (`writer::deadline`, `payment::deadline`) turns a refusal into its own error.
//! A device that panics panics on the caller's thread, as it did before it was bounded.

use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex, TryLockError, mpsc};
use std::time::Duration;

/// Why a bounded call gave no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// The call reached the device, or may have, and no answer came within the limit: its
    /// outcome is unknown.
    Unanswered(String),
    /// The call never reached the device (an earlier call is still hung in it, or no thread
    /// could be started): it did nothing.
    NotSent(String),
}

/// Where a call stands, between the caller and the call's thread.
const WAITING: u8 = 0;
const RUNNING: u8 = 1;
const GIVEN_UP: u8 = 2;

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

    /// Runs `call` on the device on a thread of its own and waits up to the limit.
    ///
    /// Errors: [`Refused`]. Panics when the device's call panics.
    pub fn call<T: Send + 'static>(
        &self,
        what: &'static str,
        call: impl FnOnce(&mut D) -> T + Send + 'static,
    ) -> Result<T, Refused> {
        if !self.free() {
            return Err(Refused::NotSent(format!(
                "{what} not sent: an earlier call is still hung in the {}",
                self.name
            )));
        }
        let (tx, rx) = mpsc::channel();
        let stage = Arc::new(AtomicU8::new(WAITING));
        let (device, seen) = (self.device.clone(), stage.clone());
        std::thread::Builder::new()
            .name(self.name.into())
            .spawn(move || {
                let mut device = device.lock().unwrap_or_else(|p| p.into_inner());
                // Given up before it started: it never reaches the device.
                if seen
                    .compare_exchange(WAITING, RUNNING, Ordering::SeqCst, Ordering::SeqCst)
                    .is_err()
                {
                    return;
                }
                let answer = catch_unwind(AssertUnwindSafe(|| call(&mut **device)));
                // Free before answering, so that the device is free once the caller has its
                // answer.
                drop(device);
                let _ = tx.send(answer);
            })
            .map_err(|e| Refused::NotSent(format!("no thread for {what}: {e}")))?;
        match rx.recv_timeout(self.limit) {
            Ok(Ok(answer)) => Ok(answer),
            Ok(Err(panic)) => resume_unwind(panic),
            Err(_) => {
                let never_started = stage
                    .compare_exchange(WAITING, GIVEN_UP, Ordering::SeqCst, Ordering::SeqCst)
                    .is_ok();
                tracing::error!(
                    device = self.name,
                    call = what,
                    limit_s = self.limit.as_secs_f32(),
                    never_started,
                    "device does not answer; call given up"
                );
                let text = format!("no answer to {what} within {} s", self.limit.as_secs_f32());
                Err(if never_started {
                    Refused::NotSent(text)
                } else {
                    Refused::Unanswered(text)
                })
            }
        }
    }

    /// Whether no call is in the device now. The kiosk makes one call at a time on each device
    /// and the call's thread lets go of it before answering, so between the kiosk's calls a
    /// device that is not free has a given-up call hung in it.
    pub fn free(&self) -> bool {
        !matches!(self.device.try_lock(), Err(TryLockError::WouldBlock))
    }

    /// Reads something of the device that needs no call to it (a capability); `None` while a
    /// call is in it.
    pub fn peek<T>(&self, read: impl FnOnce(&D) -> T) -> Option<T> {
        match self.device.try_lock() {
            Ok(device) => Some(read(&**device)),
            Err(TryLockError::Poisoned(p)) => Some(read(&**p.into_inner())),
            Err(TryLockError::WouldBlock) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A device that answers `hold`'s messages.
    struct Echo(mpsc::Receiver<u32>);

    #[test]
    fn a_hung_call_is_given_up_and_the_next_is_refused_without_reaching_the_device() {
        let (send, hold) = mpsc::channel();
        let d: Deadline<Echo> =
            Deadline::new(Box::new(Echo(hold)), Duration::from_millis(200), "echo");
        assert!(matches!(
            d.call("first", |e| e.0.recv()),
            Err(Refused::Unanswered(_))
        ));
        assert!(!d.free());
        assert!(matches!(
            d.call("second", |e| e.0.recv()),
            Err(Refused::NotSent(_))
        ));
        send.send(1).expect("the hung call answers at last");
        let until = std::time::Instant::now() + Duration::from_secs(5);
        while !d.free() && std::time::Instant::now() < until {
            std::thread::sleep(Duration::from_millis(10));
        }
        send.send(2).expect("queued");
        // The second call never ran: the message it would have taken is still there.
        assert_eq!(d.call("third", |e| e.0.recv()), Ok(Ok(2)));
        assert!(d.free(), "free as soon as the answer is in");
    }

    #[test]
    #[should_panic(expected = "the device broke")]
    fn a_device_that_panics_panics_on_the_callers_thread() {
        let (_send, hold) = mpsc::channel::<u32>();
        let d: Deadline<Echo> = Deadline::new(Box::new(Echo(hold)), Duration::from_secs(5), "echo");
        let _ = d.call("break", |_| -> u32 { panic!("the device broke") });
    }
}
