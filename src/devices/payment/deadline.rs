//! The payment terminal's calls bounded in time (`devices::deadline`): a terminal that hangs
//! is given up with [`PaymentError::Unavailable`] — "the request may have reached it, its state
//! is unknown" — which the payment loop already treats with care: never concluded as nothing
//! taken, cancelled only on the terminal's own word, left to staff otherwise. While a call is
//! hung, the next calls are refused at once as [`PaymentError::NotConnected`] (not delivered:
//! they did nothing) and [`PaymentTerminal::answering`] says no, so no new payment is started
//! on it.

use std::time::Duration;

use super::{Fen, PaymentError, PaymentStatus, PaymentTerminal};
use crate::devices::deadline::{Deadline, Refused};

/// How long the kiosk waits for one call of a terminal. Starting, asking and cancelling a
/// payment are answered at once (the applicant's part happens between the calls, watched by
/// polling); 30 seconds is far beyond what a terminal on a local link needs.
pub const TERMINAL_LIMIT: Duration = Duration::from_secs(30);

/// A payment terminal with each call given up after `limit`.
pub fn bounded(
    terminal: Box<dyn PaymentTerminal>,
    limit: Duration,
) -> Deadline<dyn PaymentTerminal> {
    Deadline::new(terminal, limit, "payment terminal")
}

/// A call that may have reached the terminal leaves its state unknown; one that was never sent
/// (an earlier call is hung in it) was not delivered, so it started and changed nothing.
fn unanswered(refused: Refused) -> PaymentError {
    match refused {
        Refused::Unanswered(why) => PaymentError::Unavailable(why),
        Refused::NotSent(why) => PaymentError::NotConnected(why),
    }
}

impl PaymentTerminal for Deadline<dyn PaymentTerminal> {
    fn start(&mut self, reference: &str, amount: Fen) -> Result<PaymentStatus, PaymentError> {
        let reference = reference.to_string();
        self.call("start", move |t| t.start(&reference, amount))
            .map_err(unanswered)?
    }

    fn status(&mut self, reference: &str) -> Result<PaymentStatus, PaymentError> {
        let reference = reference.to_string();
        self.call("status", move |t| t.status(&reference))
            .map_err(unanswered)?
    }

    fn cancel(&mut self, reference: &str) -> Result<PaymentStatus, PaymentError> {
        let reference = reference.to_string();
        self.call("cancel", move |t| t.cancel(&reference))
            .map_err(unanswered)?
    }

    fn answering(&self) -> bool {
        self.free()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::sync::mpsc::{self, Receiver};

    use super::*;
    use crate::devices::payment::{SimOutcome, SimTerminal};

    /// A terminal whose status never answers while the test holds it.
    struct Stuck(Mutex<Receiver<()>>);

    impl PaymentTerminal for Stuck {
        fn start(&mut self, _r: &str, _a: Fen) -> Result<PaymentStatus, PaymentError> {
            Ok(PaymentStatus::Pending)
        }
        fn status(&mut self, _r: &str) -> Result<PaymentStatus, PaymentError> {
            let _ = self.0.lock().map(|r| r.recv());
            Ok(PaymentStatus::Pending)
        }
        fn cancel(&mut self, _r: &str) -> Result<PaymentStatus, PaymentError> {
            Ok(PaymentStatus::Cancelled)
        }
    }

    #[test]
    fn a_terminal_that_answers_is_passed_through_and_a_hung_one_is_unknown_not_nothing() {
        let mut fine = bounded(
            Box::new(SimTerminal::new(SimOutcome::Approve)),
            Duration::from_secs(5),
        );
        assert!(fine.start("T1", 1500).is_ok());
        assert!(fine.answering());
        let (release, hold) = mpsc::channel();
        let mut stuck = bounded(
            Box::new(Stuck(Mutex::new(hold))),
            Duration::from_millis(200),
        );
        assert_eq!(stuck.start("T1", 1500), Ok(PaymentStatus::Pending));
        // Unknown, never "no such payment" or "cancelled": the money may have been taken.
        assert!(matches!(
            stuck.status("T1"),
            Err(PaymentError::Unavailable(_))
        ));
        assert!(!stuck.answering());
        // Not sent while the status call is hung: it did nothing.
        assert!(matches!(
            stuck.cancel("T1"),
            Err(PaymentError::NotConnected(_))
        ));
        release.send(()).expect("release");
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while !stuck.answering() && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        assert!(stuck.answering());
        assert_eq!(stuck.cancel("T1"), Ok(PaymentStatus::Cancelled));
    }
}
