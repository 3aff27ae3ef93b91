//! The hall kiosk's fee payment by phone, on its own thread: asks the central for a payment of
//! the application's fee (`POST /v1/applications/{number}/payment`), reports its QR, follows
//! its state (`GET /v1/payments/{id}`) until it is settled, the applicant chooses to pay later,
//! or the kiosk's wait is over — then reports what the form should say. The central is the
//! authority: the last word is always a fresh status request, never a guess; an answer about
//! another payment, number or amount than the one asked for is no answer.

use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use super::{Inbound, spawn};
use crate::domain::fee_payment::FeePayment;
use crate::sync::api::hall::FeePaymentRequest;
use crate::sync::api::station::{Payment, PaymentState};
use crate::sync::station::StationClient;

/// The longest payment QR content the form can carry (a QR of version 20 at level M holds
/// about 500 bytes; a longer one would not print at a scannable size on 80 mm paper).
const MAX_QR: usize = 500;

/// What the core asks of the fee thread.
pub enum FeeCommand {
    /// Ask for the payment of `amount_fen` for application `number` and follow it, for at
    /// most `wait`.
    Start {
        visit: u64,
        number: String,
        amount_fen: u64,
        wait: Duration,
    },
    /// Visit `visit`'s applicant pays later (with the QR on the form): stop following.
    Stop { visit: u64 },
}

/// A report of the fee thread for the visit that asked.
#[derive(Debug)]
pub enum FeeUpdate {
    /// The payment is issued: show its QR.
    Offered { qr: String },
    /// The payment step is over: what the form says.
    Settled(FeePayment),
}

/// One payment asked for.
struct Asked {
    visit: u64,
    number: String,
    amount_fen: u64,
    wait: Duration,
}

/// Starts the thread; `poll` is the time between status requests.
pub fn fee(
    client: StationClient,
    device_id: String,
    poll: Duration,
    tx: Sender<Inbound>,
) -> Sender<FeeCommand> {
    let (command_tx, commands) = mpsc::channel();
    spawn("fee", move || {
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
                    // A late "pay later" of a payment already settled.
                    Ok(FeeCommand::Stop { .. }) => continue,
                    Err(_) => return,
                },
            };
            let request = FeePaymentRequest {
                device_id: device_id.clone(),
                amount_fen: asked.amount_fen,
            };
            let number = asked.number.as_str();
            let settled = match client.fee_payment(number, &request) {
                Err(e) => {
                    tracing::warn!(%number, error = %e, "fee: no payment issued, the fee is paid at the window");
                    FeePayment::NotIssued
                }
                Ok(payment) if !for_this(&payment, &asked) => {
                    tracing::warn!(%number, payment = %payment.payment_id, "fee: the central answered with another payment than asked for: the fee is paid at the window");
                    FeePayment::NotIssued
                }
                Ok(payment) => match (settled(&payment), payment.qr_content.clone()) {
                    (Some(done), _) => done,
                    (None, Some(qr)) if !qr.is_empty() && qr.len() <= MAX_QR => {
                        let offered = Inbound::Fee {
                            visit: asked.visit,
                            update: FeeUpdate::Offered { qr },
                        };
                        if tx.send(offered).is_err() {
                            return;
                        }
                        let (done, interrupted) =
                            follow(&client, &payment, &asked, &commands, poll);
                        next = interrupted;
                        done
                    }
                    (None, _) => {
                        tracing::warn!(%number, "fee: the central issued a payment without a usable QR: the fee is paid at the window");
                        FeePayment::NotIssued
                    }
                },
            };
            tracing::info!(%number, state = settled.state(), "fee: payment step over");
            let report = Inbound::Fee {
                visit: asked.visit,
                update: FeeUpdate::Settled(settled),
            };
            if tx.send(report).is_err() {
                return;
            }
        }
    });
    command_tx
}

/// Whether the central's answer is about the payment asked for: this application, this amount.
fn for_this(payment: &Payment, asked: &Asked) -> bool {
    payment.txn_id == asked.number && payment.amount_fen == asked.amount_fen
}

/// What a payment's state settles, if it is settled.
fn settled(payment: &Payment) -> Option<FeePayment> {
    let payment_id = payment.payment_id.clone();
    match payment.state {
        PaymentState::Paid => Some(FeePayment::Paid {
            payment_id,
            reference: payment.transaction_ref.clone(),
        }),
        PaymentState::Declined | PaymentState::Cancelled | PaymentState::Expired => {
            Some(FeePayment::Declined { payment_id })
        }
        PaymentState::Pending | PaymentState::Unknown => None,
    }
}

/// Follows the payment until it settles, the applicant stops, or the wait is over; then one
/// more status request decides between paid and still to pay (with the same QR). Returns the
/// outcome, and a new payment asked for meanwhile (which ends this one's wait).
fn follow(
    client: &StationClient,
    payment: &Payment,
    asked: &Asked,
    commands: &Receiver<FeeCommand>,
    poll: Duration,
) -> (FeePayment, Option<Asked>) {
    let deadline = Instant::now() + asked.wait;
    let mut interrupted = None;
    // The state of this very payment: answers about another one are not taken.
    let status = || {
        client
            .payment(&payment.payment_id)
            .ok()
            .filter(|now| now.payment_id == payment.payment_id && for_this(now, asked))
    };
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        match commands.recv_timeout(poll.min(left)) {
            Ok(FeeCommand::Stop { visit }) if visit == asked.visit => break,
            Ok(FeeCommand::Stop { .. }) | Err(RecvTimeoutError::Timeout) => {}
            Ok(FeeCommand::Start {
                visit,
                number,
                amount_fen,
                wait,
            }) => {
                tracing::error!(
                    "fee: a new payment asked for while one is followed: this one ends"
                );
                interrupted = Some(Asked {
                    visit,
                    number,
                    amount_fen,
                    wait,
                });
                break;
            }
            Err(RecvTimeoutError::Disconnected) => break,
        }
        if let Some(done) = status().as_ref().and_then(settled) {
            return (done, interrupted);
        }
    }
    if let Some(done) = status().as_ref().and_then(settled) {
        return (done, interrupted);
    }
    let pending = FeePayment::Pending {
        payment_id: payment.payment_id.clone(),
        qr: payment.qr_content.clone().unwrap_or_default(),
        pay_by: payment.expires_at.clone(),
    };
    (pending, interrupted)
}
