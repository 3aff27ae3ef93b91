//! The hall kiosk's fee payment by phone, on its own thread: asks the central for a payment of
//! the application's fee (`POST /v1/applications/{number}/payment`), reports its QR, follows
//! its state (`GET /v1/payments/{id}`) until it is settled, the applicant chooses to pay later,
//! or the kiosk's wait is over — then reports what the form should say. The central is the
//! authority: the last word is always a fresh status request, never a guess.

use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use super::{Inbound, spawn};
use crate::domain::fee_payment::FeePayment;
use crate::sync::api::hall::FeePaymentRequest;
use crate::sync::api::station::{Payment, PaymentState};
use crate::sync::station::StationClient;

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
    /// The applicant pays later (with the QR on the form): stop following.
    Stop,
}

/// A report of the fee thread for the visit that asked.
#[derive(Debug)]
pub enum FeeUpdate {
    /// The payment is issued: show its QR.
    Offered { qr: String },
    /// The payment step is over: what the form says.
    Settled(FeePayment),
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
        while let Ok(command) = commands.recv() {
            let FeeCommand::Start {
                visit,
                number,
                amount_fen,
                wait,
            } = command
            else {
                continue;
            };
            let request = FeePaymentRequest {
                device_id: device_id.clone(),
                amount_fen,
            };
            let settled = match client.fee_payment(&number, &request) {
                Err(e) => {
                    tracing::warn!(%number, error = %e, "fee: no payment issued, the fee is paid at the window");
                    FeePayment::NotIssued
                }
                Ok(payment) => match (settled(&payment), payment.qr_content.clone()) {
                    (Some(done), _) => done,
                    (None, None) => {
                        tracing::warn!(%number, "fee: the central issued a payment without a QR: the fee is paid at the window");
                        FeePayment::NotIssued
                    }
                    (None, Some(qr)) => {
                        let offered = Inbound::Fee {
                            visit,
                            update: FeeUpdate::Offered { qr },
                        };
                        if tx.send(offered).is_err() {
                            return;
                        }
                        follow(&client, &payment, &commands, poll, wait)
                    }
                },
            };
            tracing::info!(%number, state = settled.state(), "fee: payment step over");
            if tx
                .send(Inbound::Fee {
                    visit,
                    update: FeeUpdate::Settled(settled),
                })
                .is_err()
            {
                return;
            }
        }
    });
    command_tx
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

/// Follows the payment until it settles, the applicant stops, or `wait` is over; then one more
/// status request decides between paid and still to pay (with the same QR).
fn follow(
    client: &StationClient,
    payment: &Payment,
    commands: &Receiver<FeeCommand>,
    poll: Duration,
    wait: Duration,
) -> FeePayment {
    let deadline = Instant::now() + wait;
    let mut last = payment.clone();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        match commands.recv_timeout(poll.min(left)) {
            Ok(FeeCommand::Stop) | Err(RecvTimeoutError::Disconnected) => break,
            Ok(FeeCommand::Start { .. }) => {
                tracing::error!("fee: a new payment asked for while one is followed: ignored")
            }
            Err(RecvTimeoutError::Timeout) => {}
        }
        match client.payment(&payment.payment_id) {
            Ok(now) => {
                if let Some(done) = settled(&now) {
                    return done;
                }
                last = now;
            }
            Err(e) => tracing::debug!(error = %e, "fee: payment state not known this time"),
        }
    }
    if let Ok(now) = client.payment(&payment.payment_id) {
        if let Some(done) = settled(&now) {
            return done;
        }
        last = now;
    }
    FeePayment::Pending {
        payment_id: last.payment_id.clone(),
        qr: last
            .qr_content
            .clone()
            .or_else(|| payment.qr_content.clone())
            .unwrap_or_default(),
        pay_by: last.expires_at.clone(),
    }
}
