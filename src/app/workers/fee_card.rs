//! The hall kiosk's fee collected at its bank-card terminal (docs/DOMAIN.md, "Paying the
//! fee"): the same payment the central issued for the application, collected under the
//! application number as the terminal's reference (its idempotency key, so asking again never
//! charges twice). Before the terminal is asked, the store records it on the held application;
//! a kiosk that stops mid-payment settles the record at its next start ([`recover`]).
//!
//! The central is the authority on the money and the terminal's own answers only ever make the
//! kiosk more careful, as in the endorsement kiosk: money the terminal took, or may have taken,
//! is never followed by a payment code the applicant could pay a second time with.

use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::thread::sleep;
use std::time::{Duration, Instant};

use super::payment_step::{
    Asked, FeeCommand, FeeUpdate, Gone, Reporter, interrupting, settled, status,
};
use crate::devices::payment::{PaymentError, PaymentStatus, PaymentTerminal};
use crate::domain::fee_payment::{CardEnd, FeePayment};
use crate::store::{HeldAtTerminal, SharedStore, lock};
use crate::sync::api::hall::FeePaymentState;
use crate::sync::api::station::{Payment, PaymentState};
use crate::sync::station::StationClient;

/// How many times a cancellation is asked before the terminal's state counts as unknown.
const CANCEL_TRIES: u32 = 3;
/// The least time the central is given to confirm a payment the terminal took, however
/// little was left of the applicant's wait.
const CONFIRM_WAIT: Duration = Duration::from_secs(30);

/// How the card step ended.
pub(super) enum Collected {
    /// Settled (paid, or taken and not confirmed), with a new payment asked for meanwhile.
    Done(FeePayment, Option<Asked>),
    /// Nothing was taken: the QR is offered for the rest of the wait.
    ByPhone(CardEnd),
    /// Nothing was taken and the applicant pays later (or the wait is over), with a new
    /// payment asked for meanwhile.
    Later(Option<Asked>),
}

/// What a cancellation at the terminal showed.
enum Cancelled {
    NothingTaken,
    /// Paid after all, with the terminal's reference.
    Taken(Option<String>),
    /// The terminal did not say.
    Unknown,
}

/// One payment collected at the terminal.
pub(super) struct Collect<'a> {
    pub terminal: &'a mut dyn PaymentTerminal,
    pub store: &'a SharedStore,
    pub client: &'a StationClient,
    pub poll: Duration,
}

impl Collect<'_> {
    /// Asks the terminal for the fee and follows it until the card is paid or refused, the
    /// applicant chooses the phone or to pay later, or `deadline`; money the terminal took is
    /// then confirmed with the central. (The central is not asked while the card is: the
    /// applicant is at the terminal, and it is the terminal that knows first.)
    pub fn collect(
        mut self,
        payment: &Payment,
        asked: &Asked,
        deadline: Instant,
        commands: &Receiver<FeeCommand>,
        reporter: &Reporter<'_>,
    ) -> Result<Collected, Gone> {
        let number = asked.number.as_str();
        match lock(self.store).mark_at_terminal(number, &payment.payment_id) {
            Ok(true) => {}
            Ok(false) | Err(_) => {
                // Without the record a stopped kiosk could not settle the card payment.
                tracing::error!(%number, "fee: card payment not recorded, the card is not asked for");
                return Ok(Collected::ByPhone(CardEnd::Unavailable));
            }
        }
        match self.terminal.start(number, asked.amount_fen) {
            Ok(PaymentStatus::Pending) => reporter.send(FeeUpdate::AtTerminal)?,
            Ok(PaymentStatus::Paid { transaction }) => {
                return self.confirm(payment, asked, Some(transaction), deadline, reporter);
            }
            Ok(PaymentStatus::Declined { .. } | PaymentStatus::Cancelled) => {
                return Ok(Collected::ByPhone(CardEnd::Declined));
            }
            Err(e @ PaymentError::NotConnected(_)) => {
                // Nothing was delivered, so nothing started: the phone is offered.
                tracing::warn!(%number, error = %e, "payment terminal: cannot be reached, the phone is offered");
                return Ok(Collected::ByPhone(CardEnd::Unavailable));
            }
            Err(e) => {
                // The request may have reached the terminal, which may show the amount and
                // take a card: it is cancelled before the phone is offered.
                tracing::warn!(%number, error = %e, "payment terminal: no answer to the start, cancelling it");
                let why = CardEnd::Unavailable;
                return self.end_card(payment, asked, deadline, why, Started::Maybe, reporter);
            }
        }
        let mut interrupted = None;
        let choice = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break None;
            }
            match commands.recv_timeout(self.poll.min(left)) {
                Ok(FeeCommand::Stop { visit }) if visit == asked.visit => break None,
                Ok(FeeCommand::UsePhone { visit }) if visit == asked.visit => {
                    break Some(CardEnd::Chosen);
                }
                Ok(FeeCommand::Stop { .. } | FeeCommand::UsePhone { .. })
                | Err(RecvTimeoutError::Timeout) => {}
                Ok(start @ FeeCommand::Start { .. }) => {
                    interrupted = interrupting(start);
                    break None;
                }
                Err(RecvTimeoutError::Disconnected) => break None,
            }
            match self.terminal.status(number) {
                Ok(PaymentStatus::Paid { transaction }) => {
                    let done =
                        self.confirm(payment, asked, Some(transaction), deadline, reporter)?;
                    return Ok(with(done, interrupted));
                }
                Ok(PaymentStatus::Declined { reason }) => {
                    tracing::info!(%number, %reason, "payment terminal: declined");
                    break Some(CardEnd::Declined);
                }
                Ok(PaymentStatus::Cancelled) => break Some(CardEnd::Declined),
                Ok(PaymentStatus::Pending) => {}
                Err(e) => tracing::warn!(%number, error = %e, "payment terminal: no status"),
            }
        };
        let done = match choice {
            Some(why) => self.end_card(payment, asked, deadline, why, Started::Yes, reporter)?,
            // Cancelled for "pay later", the end of the wait or a new payment: nothing taken
            // means the QR goes on the form, not on screen.
            None => match self.end_card(
                payment,
                asked,
                deadline,
                CardEnd::Chosen,
                Started::Yes,
                reporter,
            )? {
                Collected::ByPhone(_) => Collected::Later(None),
                other => other,
            },
        };
        Ok(with(done, interrupted))
    }

    /// Cancels the card payment; the QR is offered only when the terminal says nothing was
    /// taken. Taken after all: the central is waited for; unknown: staff check.
    fn end_card(
        &mut self,
        payment: &Payment,
        asked: &Asked,
        deadline: Instant,
        why: CardEnd,
        started: Started,
        reporter: &Reporter<'_>,
    ) -> Result<Collected, Gone> {
        match cancel(self.terminal, &asked.number, CANCEL_TRIES, started) {
            Cancelled::NothingTaken => Ok(Collected::ByPhone(why)),
            Cancelled::Taken(reference) => {
                self.confirm(payment, asked, reference, deadline, reporter)
            }
            Cancelled::Unknown => {
                tracing::error!(number = %asked.number, "payment terminal: outcome unknown, left to staff; no payment code on the form");
                Ok(Collected::Done(unconfirmed(payment, None), None))
            }
        }
    }

    /// The terminal took the money: the central is followed until it confirms it, for the rest
    /// of the wait and at least [`CONFIRM_WAIT`]. Not confirmed: staff check, no QR.
    fn confirm(
        &self,
        payment: &Payment,
        asked: &Asked,
        reference: Option<String>,
        deadline: Instant,
        reporter: &Reporter<'_>,
    ) -> Result<Collected, Gone> {
        reporter.send(FeeUpdate::CardTaken)?;
        let until = deadline.max(Instant::now() + CONFIRM_WAIT);
        loop {
            match status(self.client, payment, asked) {
                Some(p) if p.state == PaymentState::Paid => {
                    return Ok(Collected::Done(paid(&p, reference), None));
                }
                Some(p) if settled(&p).is_some() => {
                    tracing::error!(number = %asked.number, state = ?p.state, "payment: the terminal took it, the central did not: left to staff");
                    break;
                }
                _ => {}
            }
            if Instant::now() >= until {
                tracing::error!(number = %asked.number, "payment: the terminal took it, the central has not confirmed it: left to staff");
                break;
            }
            sleep(self.poll);
        }
        Ok(Collected::Done(unconfirmed(payment, reference), None))
    }
}

/// Passes on a new payment asked for during the card step.
fn with(done: Collected, interrupted: Option<Asked>) -> Collected {
    match (done, interrupted) {
        (Collected::Done(p, None), next @ Some(_)) => Collected::Done(p, next),
        (Collected::Later(None), next @ Some(_)) => Collected::Later(next),
        (done, _) => done,
    }
}

/// Paid as the central confirmed it; its reference, else the terminal's.
fn paid(p: &Payment, terminal_reference: Option<String>) -> FeePayment {
    FeePayment::Paid {
        payment_id: p.payment_id.clone(),
        reference: p.transaction_ref.clone().or(terminal_reference),
    }
}

fn unconfirmed(payment: &Payment, reference: Option<String>) -> FeePayment {
    FeePayment::Unconfirmed {
        payment_id: payment.payment_id.clone(),
        reference,
    }
}

/// Whether the terminal is known to have started the payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Started {
    /// It answered the start: a terminal that later says it never heard of the reference has
    /// lost it (rebooted), and what it took is unknown.
    Yes,
    /// It may have (no answer to the start, or a kiosk that stopped around it): a reference it
    /// never heard of took nothing.
    Maybe,
}

/// Cancels the payment `reference` at the terminal, asking up to `tries` times before its state
/// counts as unknown.
fn cancel(
    terminal: &mut dyn PaymentTerminal,
    reference: &str,
    tries: u32,
    started: Started,
) -> Cancelled {
    for attempt in 1..=tries {
        match terminal.cancel(reference) {
            Ok(PaymentStatus::Paid { transaction }) => return Cancelled::Taken(Some(transaction)),
            Ok(PaymentStatus::Cancelled | PaymentStatus::Declined { .. }) => {
                return Cancelled::NothingTaken;
            }
            Err(PaymentError::Unknown(_)) if started == Started::Maybe => {
                return Cancelled::NothingTaken;
            }
            Ok(PaymentStatus::Pending) => {
                tracing::warn!(
                    reference,
                    attempt,
                    "payment terminal: still pending after cancel"
                )
            }
            Err(e) => {
                tracing::warn!(reference, attempt, error = %e, "payment terminal: cancel not answered")
            }
        }
        if attempt < tries {
            sleep(Duration::from_secs(1));
        }
    }
    Cancelled::Unknown
}

/// Settles the card payments a kiosk that stopped mid-payment left: each is cancelled at the
/// terminal and asked of the central, and its application released to the central with what
/// became of the money (paid, taken and unconfirmed, or interrupted with nothing taken). Its
/// form was never printed; staff reprint it by number. Returns how many were released.
pub fn recover(
    store: &SharedStore,
    terminal: &mut dyn PaymentTerminal,
    client: &StationClient,
) -> usize {
    settle_each(store, |row| {
        let central = client
            .payment(&row.payment_id)
            .ok()
            .filter(|p| p.payment_id == row.payment_id && p.txn_id == row.number);
        let cancelled = cancel(terminal, &row.number, CANCEL_TRIES, Started::Maybe);
        match (central, cancelled) {
            (Some(p), _) if p.state == PaymentState::Paid => paid(&p, None),
            (_, Cancelled::Taken(reference)) => FeePayment::Unconfirmed {
                payment_id: row.payment_id.clone(),
                reference,
            },
            (_, Cancelled::Unknown) => FeePayment::Unconfirmed {
                payment_id: row.payment_id.clone(),
                reference: None,
            },
            (_, Cancelled::NothingTaken) => FeePayment::Interrupted {
                payment_id: row.payment_id.clone(),
            },
        }
    })
}

/// Releases the card payments a stopped kiosk left when it has no terminal any more (the
/// configuration changed): nobody can ask the terminal what it took, so each goes to the
/// central `unconfirmed`, for staff. Returns how many were released.
pub fn settle_without_terminal(store: &SharedStore) -> usize {
    settle_each(store, |row| FeePayment::Unconfirmed {
        payment_id: row.payment_id.clone(),
        reference: None,
    })
}

/// Releases each held card payment with the fee's state `decide` gives it. An application the
/// store cannot release stays held for the next start.
fn settle_each(
    store: &SharedStore,
    mut decide: impl FnMut(&HeldAtTerminal) -> FeePayment,
) -> usize {
    let held = match lock(store).held_at_terminal() {
        Ok(held) => held,
        Err(e) => {
            tracing::error!(error = %e, "store: card payments left mid-payment not listed");
            return 0;
        }
    };
    let mut released = 0;
    for row in held {
        let number = row.number.as_str();
        let payment = decide(&row);
        let body = match with_payment(&row.body, &payment) {
            Ok(body) => body,
            Err(e) => {
                tracing::error!(%number, error = %e, "store: saved submission unreadable, released as saved");
                row.body.clone()
            }
        };
        match lock(store).release_held(number, &body) {
            Ok(_) => {
                released += 1;
                tracing::warn!(%number, state = payment.state(), "fee: card payment left by a stopped kiosk settled; the form was not printed, the window prints it from the number");
            }
            Err(e) => {
                tracing::error!(%number, error = %e, "store: application not released, tried at the next start")
            }
        }
    }
    released
}

/// The saved submission `body` with the fee's state set.
fn with_payment(body: &str, payment: &FeePayment) -> Result<String, serde_json::Error> {
    let mut submission: serde_json::Value = serde_json::from_str(body)?;
    let fee = submission
        .get("fee")
        .and_then(serde_json::Value::as_u64)
        .and_then(|f| u32::try_from(f).ok())
        .ok_or_else(|| serde::de::Error::custom("the submission has no fee"))?;
    submission["payment"] = serde_json::to_value(FeePaymentState::new(payment, fee))?;
    serde_json::to_string(&submission)
}
