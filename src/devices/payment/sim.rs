//! A simulated payment terminal for demo mode and the tests: each payment ends as scripted, and
//! it keeps the books a real terminal keeps, so a test can count what was charged.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use super::{Fen, PaymentError, PaymentStatus, PaymentTerminal};

/// How the simulated applicant pays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SimOutcome {
    /// Paid at the first status request after the start.
    Approve,
    Decline(String),
    /// Never finishes: stays pending until cancelled (the applicant walked away).
    Never,
    /// The terminal cannot be reached at all (unplugged): nothing is delivered.
    Offline,
    /// Requests reach the terminal but no answer comes back: `start` begins the payment (the
    /// applicant could pay it) and then every call fails as if timed out.
    Silent,
    /// The adapter itself fails (a vendor SDK that panics) once the payment has begun.
    Panics,
}

#[derive(Debug, Default)]
struct Books {
    payments: BTreeMap<String, (Fen, PaymentStatus)>,
    charges: Vec<(String, Fen)>,
    next_transaction: u32,
}

/// The simulated terminal; clones share the same books.
#[derive(Debug, Clone)]
pub struct SimTerminal {
    outcome: SimOutcome,
    books: Arc<Mutex<Books>>,
}

impl SimTerminal {
    pub fn new(outcome: SimOutcome) -> SimTerminal {
        SimTerminal {
            outcome,
            books: Arc::default(),
        }
    }

    /// Every charge made, in order: (reference, fen).
    pub fn charges(&self) -> Vec<(String, Fen)> {
        self.books().charges.clone()
    }

    fn books(&self) -> std::sync::MutexGuard<'_, Books> {
        self.books.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn online(&self) -> Result<(), PaymentError> {
        match self.outcome {
            SimOutcome::Offline => Err(PaymentError::NotConnected("simulated: unplugged".into())),
            SimOutcome::Silent => Err(PaymentError::Unavailable("simulated: no answer".into())),
            _ => Ok(()),
        }
    }
}

impl PaymentTerminal for SimTerminal {
    fn start(&mut self, reference: &str, amount: Fen) -> Result<PaymentStatus, PaymentError> {
        if self.outcome == SimOutcome::Silent {
            // Delivered and begun; the answer is lost.
            self.books()
                .payments
                .entry(reference.into())
                .or_insert((amount, PaymentStatus::Pending));
        }
        self.online()?;
        let mut books = self.books();
        if let Some((first, status)) = books.payments.get(reference) {
            if *first != amount {
                return Err(PaymentError::AmountMismatch {
                    reference: reference.into(),
                    first: *first,
                    asked: amount,
                });
            }
            return Ok(status.clone());
        }
        books
            .payments
            .insert(reference.into(), (amount, PaymentStatus::Pending));
        Ok(PaymentStatus::Pending)
    }

    fn status(&mut self, reference: &str) -> Result<PaymentStatus, PaymentError> {
        if self.outcome == SimOutcome::Panics {
            panic!("simulated: the terminal's adapter failed");
        }
        self.online()?;
        let outcome = self.outcome.clone();
        let mut books = self.books();
        let Some((amount, status)) = books.payments.get(reference).cloned() else {
            return Err(PaymentError::Unknown(reference.into()));
        };
        if status != PaymentStatus::Pending {
            return Ok(status);
        }
        let settled = match outcome {
            SimOutcome::Approve => {
                books.next_transaction += 1;
                let transaction = format!("SIM{:08}", books.next_transaction);
                books.charges.push((reference.into(), amount));
                PaymentStatus::Paid { transaction }
            }
            SimOutcome::Decline(reason) => PaymentStatus::Declined { reason },
            SimOutcome::Never | SimOutcome::Offline | SimOutcome::Silent | SimOutcome::Panics => {
                PaymentStatus::Pending
            }
        };
        books
            .payments
            .insert(reference.into(), (amount, settled.clone()));
        Ok(settled)
    }

    fn cancel(&mut self, reference: &str) -> Result<PaymentStatus, PaymentError> {
        self.online()?;
        let mut books = self.books();
        let Some((amount, status)) = books.payments.get(reference).cloned() else {
            return Err(PaymentError::Unknown(reference.into()));
        };
        let after = match status {
            PaymentStatus::Pending => PaymentStatus::Cancelled,
            settled => settled,
        };
        books
            .payments
            .insert(reference.into(), (amount, after.clone()));
        Ok(after)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repeated_start_never_charges_twice() {
        let mut t = SimTerminal::new(SimOutcome::Approve);
        assert_eq!(t.start("tx-1", 1500), Ok(PaymentStatus::Pending));
        let paid = t.status("tx-1").expect("status");
        assert!(matches!(paid, PaymentStatus::Paid { .. }), "{paid:?}");
        assert_eq!(t.start("tx-1", 1500), Ok(paid.clone()), "the same payment");
        assert_eq!(t.status("tx-1"), Ok(paid));
        assert_eq!(t.charges(), [("tx-1".to_string(), 1500)]);
        assert!(matches!(
            t.start("tx-1", 3000),
            Err(PaymentError::AmountMismatch { .. })
        ));
    }

    #[test]
    fn declined_cancelled_and_offline_payments_take_nothing() {
        let mut declined = SimTerminal::new(SimOutcome::Decline("insufficient funds".into()));
        declined.start("a", 1500).expect("start");
        assert_eq!(
            declined.status("a"),
            Ok(PaymentStatus::Declined {
                reason: "insufficient funds".into()
            })
        );
        let mut never = SimTerminal::new(SimOutcome::Never);
        never.start("b", 1500).expect("start");
        assert_eq!(never.status("b"), Ok(PaymentStatus::Pending));
        assert_eq!(never.cancel("b"), Ok(PaymentStatus::Cancelled));
        assert_eq!(never.status("b"), Ok(PaymentStatus::Cancelled));
        let mut offline = SimTerminal::new(SimOutcome::Offline);
        assert!(matches!(
            offline.start("c", 1500),
            Err(PaymentError::NotConnected(_))
        ));
        let mut silent = SimTerminal::new(SimOutcome::Silent);
        assert!(matches!(
            silent.start("d", 1500),
            Err(PaymentError::Unavailable(_))
        ));
        assert!(matches!(
            silent.cancel("d"),
            Err(PaymentError::Unavailable(_))
        ));
        assert!(declined.charges().is_empty() && never.charges().is_empty());
        assert_eq!(
            SimTerminal::new(SimOutcome::Approve).status("nope"),
            Err(PaymentError::Unknown("nope".into()))
        );
    }

    #[test]
    fn a_paid_payment_cannot_be_cancelled() {
        let mut t = SimTerminal::new(SimOutcome::Approve);
        t.start("p", 8000).expect("start");
        let paid = t.status("p").expect("paid");
        assert_eq!(t.cancel("p"), Ok(paid));
    }
}
