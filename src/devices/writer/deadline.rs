//! A time limit on every call to a writer module. A vendor module that hangs would otherwise
//! hold the station's thread for good: the applicant stuck on the writing page, and every later
//! applicant's command queued behind it. Each call runs on a thread of its own and is given up
//! after the limit with [`WriterError::Unavailable`]; the caller then treats the job as it
//! treats any failure — the chip decides, and while it cannot be read the transaction stays in
//! flight for staff and start-up recovery. A call given up never reaches the module later: one
//! that was still waiting for the module (behind the hung call) is dropped when the module
//! frees. While a call is hung, [`EndorsementWriter::answering`] says no, so the kiosk takes
//! no money for an endorsement it cannot write.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, TryLockError};
use std::time::Duration;

use super::{ChipEndorsement, EndorsementWriter, IssuanceJob, WriterError};

/// How long the kiosk waits for one call of a module: writing an endorsement and reprinting a
/// card's back take tens of seconds on the modules in service; two minutes is far beyond that.
pub const WRITER_LIMIT: Duration = Duration::from_secs(120);

/// A writer module whose every call is bounded by a time limit.
pub struct Deadline {
    module: Arc<Mutex<Box<dyn EndorsementWriter>>>,
    limit: Duration,
    reprints: bool,
}

impl Deadline {
    /// `module` with each call given up after `limit`.
    pub fn new(module: Box<dyn EndorsementWriter>, limit: Duration) -> Deadline {
        let reprints = module.can_reprint_back();
        Deadline {
            module: Arc::new(Mutex::new(module)),
            limit,
            reprints,
        }
    }

    /// Runs `call` on the module on a thread of its own and waits up to the limit.
    fn call<T: Send + 'static>(
        &self,
        what: &'static str,
        call: impl FnOnce(&mut dyn EndorsementWriter) -> Result<T, WriterError> + Send + 'static,
    ) -> Result<T, WriterError> {
        let (tx, rx) = mpsc::channel();
        let given_up = Arc::new(AtomicBool::new(false));
        let (module, dropped) = (self.module.clone(), given_up.clone());
        let spawned = std::thread::Builder::new()
            .name("writer".into())
            .spawn(move || {
                let mut module = module.lock().unwrap_or_else(|p| p.into_inner());
                // Given up while waiting behind a hung call: never sent to the module.
                if dropped.load(Ordering::SeqCst) {
                    return;
                }
                let _ = tx.send(call(&mut **module));
            });
        if let Err(e) = spawned {
            return Err(WriterError::Unavailable(format!(
                "no thread for {what}: {e}"
            )));
        }
        match rx.recv_timeout(self.limit) {
            Ok(answer) => answer,
            Err(_) => {
                given_up.store(true, Ordering::SeqCst);
                tracing::error!(
                    call = what,
                    limit_s = self.limit.as_secs_f32(),
                    "writer: the module does not answer; given up"
                );
                Err(WriterError::Unavailable(format!(
                    "no answer to {what} within {} s",
                    self.limit.as_secs_f32()
                )))
            }
        }
    }
}

impl EndorsementWriter for Deadline {
    fn write(&mut self, job: &IssuanceJob) -> Result<(), WriterError> {
        let job = job.clone();
        self.call("write", move |m| m.write(&job))
    }

    fn read_back(&mut self, document_number: &str) -> Result<Vec<ChipEndorsement>, WriterError> {
        let number = document_number.to_string();
        self.call("read back", move |m| m.read_back(&number))
    }

    fn can_reprint_back(&self) -> bool {
        self.reprints
    }

    fn reprint_back(&mut self, document_number: &str) -> Result<(), WriterError> {
        let number = document_number.to_string();
        self.call("reprint the back", move |m| m.reprint_back(&number))
    }

    /// The station makes one call at a time, so a module still held when it asks is one a
    /// given-up call is hung in.
    fn answering(&self) -> bool {
        !matches!(self.module.try_lock(), Err(TryLockError::WouldBlock))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc::{Receiver, Sender};

    use super::*;
    use crate::devices::writer::{SimWriter, WriterScript};

    /// A module that answers each write only when the test says so, and counts the writes
    /// it received.
    struct Held {
        release: Receiver<()>,
        writes: Arc<Mutex<u32>>,
    }

    impl EndorsementWriter for Held {
        fn write(&mut self, _job: &IssuanceJob) -> Result<(), WriterError> {
            *self.writes.lock().unwrap() += 1;
            self.release
                .recv()
                .map_err(|_| WriterError::Failed("gone".into()))
        }
        fn read_back(&mut self, _n: &str) -> Result<Vec<ChipEndorsement>, WriterError> {
            Ok(Vec::new())
        }
        fn can_reprint_back(&self) -> bool {
            false
        }
        fn reprint_back(&mut self, _n: &str) -> Result<(), WriterError> {
            Err(WriterError::NoReprint)
        }
    }

    fn job() -> IssuanceJob {
        let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        IssuanceJob {
            job_id: "J-1".into(),
            document_number: "C12345678".into(),
            destination: "hk".into(),
            kind: "G".into(),
            trips: "3m1".into(),
            valid_from: day,
            valid_until: day,
            stay_days: 7,
            payload: Vec::new(),
        }
    }

    fn held() -> (Deadline, Sender<()>, Arc<Mutex<u32>>) {
        let (release, rx) = mpsc::channel();
        let writes = Arc::new(Mutex::new(0));
        let module = Held {
            release: rx,
            writes: writes.clone(),
        };
        (
            Deadline::new(Box::new(module), Duration::from_millis(200)),
            release,
            writes,
        )
    }

    #[test]
    fn a_module_that_answers_in_time_is_passed_through() {
        let mut w = Deadline::new(
            Box::new(SimWriter::new(WriterScript::Succeed, true)),
            Duration::from_secs(5),
        );
        assert!(w.can_reprint_back());
        w.write(&job()).expect("written");
        assert_eq!(w.read_back("C12345678").expect("read").len(), 1);
        assert!(w.answering());
    }

    #[test]
    fn a_hung_call_is_given_up_and_a_call_behind_it_never_reaches_the_module() {
        let (mut w, release, writes) = held();
        assert!(matches!(w.write(&job()), Err(WriterError::Unavailable(_))));
        assert!(!w.answering(), "hung: no money may be taken");
        // Waits behind the hung write, and is given up too.
        assert!(matches!(w.write(&job()), Err(WriterError::Unavailable(_))));
        // The module answers the first write at last; the second, given up, is dropped.
        release.send(()).expect("release");
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while !w.answering() && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        assert!(w.answering(), "answering again once the module returned");
        std::thread::sleep(Duration::from_millis(100));
        assert_eq!(
            *writes.lock().unwrap(),
            1,
            "the given-up write was never sent"
        );
        // And the module is used normally again.
        release.send(()).expect("release");
        w.write(&job()).expect("answered in time");
        assert_eq!(*writes.lock().unwrap(), 2);
    }
}
