//! The writer module's calls bounded in time (`devices::deadline`): a module that hangs is given
//! up with [`WriterError::Unavailable`], which the desk treats as any failure — the chip
//! decides, and while it cannot be read the transaction stays in flight for staff and start-up
//! recovery. While a call is hung, [`EndorsementWriter::answering`] says no, so the kiosk takes
//! no money for an endorsement it cannot write.

use std::time::Duration;

use super::{ChipEndorsement, EndorsementWriter, IssuanceJob, WriterError};
use crate::devices::deadline::{Deadline, Refused};

/// How long the kiosk waits for one call of a module: writing an endorsement and reprinting a
/// card's back take tens of seconds on the modules in service; two minutes is far beyond that.
pub const WRITER_LIMIT: Duration = Duration::from_secs(120);

/// A writer module with each call given up after `limit`.
pub fn bounded(
    module: Box<dyn EndorsementWriter>,
    limit: Duration,
) -> Deadline<dyn EndorsementWriter> {
    Deadline::new(module, limit, "writer")
}

/// Either way the module did not answer: the port has one error for that.
fn unanswered(refused: Refused) -> WriterError {
    match refused {
        Refused::Unanswered(why) | Refused::NotSent(why) => WriterError::Unavailable(why),
    }
}

impl EndorsementWriter for Deadline<dyn EndorsementWriter> {
    fn write(&mut self, job: &IssuanceJob) -> Result<(), WriterError> {
        let job = job.clone();
        self.call("write", move |m| m.write(&job))
            .map_err(unanswered)?
    }

    fn read_back(&mut self, document_number: &str) -> Result<Vec<ChipEndorsement>, WriterError> {
        let number = document_number.to_string();
        self.call("read back", move |m| m.read_back(&number))
            .map_err(unanswered)?
    }

    /// No while a call is hung in the module (it cannot reprint then either).
    fn can_reprint_back(&self) -> bool {
        self.peek(|m| m.can_reprint_back()).unwrap_or(false)
    }

    fn reprint_back(&mut self, document_number: &str) -> Result<(), WriterError> {
        let number = document_number.to_string();
        self.call("reprint the back", move |m| m.reprint_back(&number))
            .map_err(unanswered)?
    }

    fn answering(&self) -> bool {
        self.free()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc::{self, Receiver, Sender};
    use std::sync::{Arc, Mutex};

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

    fn held() -> (Deadline<dyn EndorsementWriter>, Sender<()>, Arc<Mutex<u32>>) {
        let (release, rx) = mpsc::channel();
        let writes = Arc::new(Mutex::new(0));
        let module = Held {
            release: rx,
            writes: writes.clone(),
        };
        (
            bounded(Box::new(module), Duration::from_millis(200)),
            release,
            writes,
        )
    }

    #[test]
    fn a_module_that_answers_in_time_is_passed_through() {
        let mut w = bounded(
            Box::new(SimWriter::new(WriterScript::Succeed, true)),
            Duration::from_secs(5),
        );
        assert!(w.can_reprint_back());
        w.write(&job()).expect("written");
        assert_eq!(w.read_back("C12345678").expect("read").len(), 1);
        assert!(w.answering());
    }

    #[test]
    fn a_hung_call_is_given_up_and_the_next_never_reaches_the_module() {
        let (mut w, release, writes) = held();
        assert!(matches!(w.write(&job()), Err(WriterError::Unavailable(_))));
        assert!(!w.answering(), "hung: no money may be taken");
        // Refused at once while the first is hung.
        assert!(matches!(w.write(&job()), Err(WriterError::Unavailable(_))));
        // The module answers the first write at last; the second was never sent.
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
