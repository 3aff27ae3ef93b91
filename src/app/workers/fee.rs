//! The hall kiosk's fee payment, on its own thread: asks the central for a payment of the
//! application's fee (`POST /v1/applications/{number}/payment`), collects it at the card
//! terminal where the kiosk has one (`fee_card.rs`) or shows its QR to be paid by phone, follows
//! its state (`GET /v1/payments/{id}`) until it is settled, the applicant chooses to pay later,
//! or the kiosk's wait is over — then reports what the form should say. The central is the
//! authority: the last word is always a fresh status request, never a guess; an answer about
//! another payment, number or amount than the one asked for is no answer.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use super::fee_card::{self, Collected};
use super::payment_step::{
    Asked, FeeCommand, FeeUpdate, Gone, Reporter, for_this, interrupting, settled, status,
};
use super::{Inbound, spawn};
use crate::devices::payment::PaymentTerminal;
use crate::domain::fee_payment::FeePayment;
use crate::store::SharedStore;
use crate::sync::api::hall::FeePaymentRequest;
use crate::sync::api::station::Payment;
use crate::sync::station::StationClient;

/// The longest payment QR content the form can carry (a QR of version 20 at level M holds
/// about 500 bytes; a longer one would not print at a scannable size on 80 mm paper).
const MAX_QR: usize = 500;

/// What the fee thread works with.
pub struct FeeThread {
    pub client: StationClient,
    pub device_id: String,
    /// Time between status requests.
    pub poll: Duration,
    /// The kiosk's card terminal, where it has one.
    pub terminal: Option<Box<dyn PaymentTerminal>>,
    /// Where a card payment is recorded before the terminal is asked, so that a kiosk that
    /// stops mid-payment settles it at its next start.
    pub store: SharedStore,
}

/// Starts the thread. With a terminal, it first settles the card payments a stopped kiosk
/// left (`fee_card::recover`).
pub fn fee(mut thread: FeeThread, tx: Sender<Inbound>) -> Sender<FeeCommand> {
    let (command_tx, commands) = mpsc::channel();
    spawn("fee", move || {
        if let Some(terminal) = thread.terminal.as_deref_mut() {
            // A vendor adapter that panics leaves those applications held for the next start.
            let recovered = catch_unwind(AssertUnwindSafe(|| {
                fee_card::recover(&thread.store, terminal, &thread.client)
            }));
            if recovered.is_err() {
                tracing::error!(
                    "payment terminal: adapter failed while settling card payments a stopped kiosk left; tried again at the next start"
                );
            }
        }
        // A new payment asked for while one was followed is taken next, not dropped.
        let mut next: Option<Asked> = None;
        loop {
            let asked = match next.take() {
                Some(asked) => asked,
                None => match commands.recv() {
                    Ok(FeeCommand::Start {
                        visit,
                        number,
                        amount_fen,
                        wait,
                    }) => Asked {
                        visit,
                        number,
                        amount_fen,
                        wait,
                    },
                    // A late "pay later" or "by phone" of a payment already settled.
                    Ok(FeeCommand::Stop { .. } | FeeCommand::UsePhone { .. }) => continue,
                    Err(_) => return,
                },
            };
            let reporter = Reporter {
                visit: asked.visit,
                tx: &tx,
            };
            let Ok((settled, interrupted)) = thread.step(&asked, &commands, &reporter) else {
                return;
            };
            next = interrupted;
            tracing::info!(number = %asked.number, state = settled.state(), "fee: payment step over");
            if reporter.send(FeeUpdate::Settled(settled)).is_err() {
                return;
            }
        }
    });
    command_tx
}

impl FeeThread {
    /// One application's payment step: issued, then collected by card or phone. Returns what
    /// the form says, and a new payment asked for meanwhile (which ends this one's wait).
    fn step(
        &mut self,
        asked: &Asked,
        commands: &Receiver<FeeCommand>,
        reporter: &Reporter<'_>,
    ) -> Result<(FeePayment, Option<Asked>), Gone> {
        let request = FeePaymentRequest {
            device_id: self.device_id.clone(),
            amount_fen: asked.amount_fen,
        };
        let number = asked.number.as_str();
        let payment = match self.client.fee_payment(number, &request) {
            Err(e) => {
                tracing::warn!(%number, error = %e, "fee: no payment issued, the fee is paid at the window");
                return Ok((FeePayment::NotIssued, None));
            }
            Ok(payment) if !for_this(&payment, asked) => {
                tracing::warn!(%number, payment = %payment.payment_id, "fee: the central answered with another payment than asked for: the fee is paid at the window");
                return Ok((FeePayment::NotIssued, None));
            }
            Ok(payment) => payment,
        };
        if let Some(done) = settled(&payment) {
            return Ok((done, None));
        }
        // The QR is the way to pay later (on the form) even where the card is offered first.
        let Some(qr) = payment
            .qr_content
            .clone()
            .filter(|qr| !qr.is_empty() && qr.len() <= MAX_QR)
        else {
            tracing::warn!(%number, "fee: the central issued a payment without a usable QR: the fee is paid at the window");
            return Ok((FeePayment::NotIssued, None));
        };
        let deadline = Instant::now() + asked.wait;
        let card = match self.terminal.as_deref_mut() {
            None => None,
            Some(terminal) => {
                let at = fee_card::Collect {
                    terminal,
                    store: &self.store,
                    client: &self.client,
                    poll: self.poll,
                };
                // A vendor adapter that panics must not leave the applicant on a page that
                // never ends, nor be taken as "nothing charged": staff check the payment.
                let collected = catch_unwind(AssertUnwindSafe(|| {
                    at.collect(&payment, asked, deadline, commands, reporter)
                }));
                let Ok(collected) = collected else {
                    tracing::error!(%number, "payment terminal: adapter failed during the payment, left to staff; no payment code on the form");
                    let unconfirmed = FeePayment::Unconfirmed {
                        payment_id: payment.payment_id.clone(),
                        reference: None,
                    };
                    return Ok((unconfirmed, None));
                };
                match collected? {
                    Collected::Done(done, interrupted) => return Ok((done, interrupted)),
                    Collected::ByPhone(why) => Some(why),
                    Collected::Later(interrupted) => {
                        return Ok((self.last_word(&payment, asked, &qr), interrupted));
                    }
                }
            }
        };
        reporter.send(FeeUpdate::Offered {
            qr: qr.clone(),
            card,
        })?;
        Ok(self.follow(&payment, asked, &qr, deadline, commands))
    }

    /// Follows the payment by phone until it settles, the applicant stops, or `deadline`; then
    /// one more status request decides between paid and still to pay (with the same QR).
    fn follow(
        &self,
        payment: &Payment,
        asked: &Asked,
        qr: &str,
        deadline: Instant,
        commands: &Receiver<FeeCommand>,
    ) -> (FeePayment, Option<Asked>) {
        let mut interrupted = None;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            match commands.recv_timeout(self.poll.min(left)) {
                Ok(FeeCommand::Stop { visit }) if visit == asked.visit => break,
                Ok(FeeCommand::Stop { .. } | FeeCommand::UsePhone { .. })
                | Err(RecvTimeoutError::Timeout) => {}
                Ok(start @ FeeCommand::Start { .. }) => {
                    interrupted = interrupting(start);
                    break;
                }
                Err(RecvTimeoutError::Disconnected) => break,
            }
            if let Some(done) = status(&self.client, payment, asked)
                .as_ref()
                .and_then(settled)
            {
                return (done, interrupted);
            }
        }
        (self.last_word(payment, asked, qr), interrupted)
    }

    /// A fresh status request after the wait: paid, or still to pay with the QR on the form.
    fn last_word(&self, payment: &Payment, asked: &Asked, qr: &str) -> FeePayment {
        if let Some(done) = status(&self.client, payment, asked)
            .as_ref()
            .and_then(settled)
        {
            return done;
        }
        FeePayment::Pending {
            payment_id: payment.payment_id.clone(),
            qr: qr.to_string(),
            pay_by: payment.expires_at.clone(),
        }
    }
}
