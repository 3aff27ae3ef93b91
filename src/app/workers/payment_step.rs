//! What the fee thread's parts (`fee.rs`, `fee_card.rs`) share: the core's commands, the
//! reports back, the payment asked for, and the central's word on it, read strictly: an answer
//! about another payment, number or amount than the one asked for is no answer.

use std::sync::mpsc::Sender;
use std::time::Duration;

use super::Inbound;
use crate::domain::fee_payment::{CardEnd, FeePayment};
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
    /// Visit `visit`'s applicant pays by phone instead of by card.
    UsePhone { visit: u64 },
    /// Visit `visit`'s applicant pays later (with the QR on the form): stop following.
    Stop { visit: u64 },
}

/// A report of the fee thread for the visit that asked.
#[derive(Debug)]
pub enum FeeUpdate {
    /// The card terminal waits for the applicant's card.
    AtTerminal,
    /// The terminal took the card payment: the kiosk waits for the central to confirm it.
    CardTaken,
    /// The payment's QR, to be paid by phone; `card` says why the card is no longer asked
    /// for, where it was.
    Offered { qr: String, card: Option<CardEnd> },
    /// The payment step is over: what the form says.
    Settled(FeePayment),
}

/// One payment asked for.
pub(super) struct Asked {
    pub visit: u64,
    pub number: String,
    pub amount_fen: u64,
    pub wait: Duration,
}

/// How one payment step went on: reported, or the UI has gone away.
pub(super) struct Gone;

/// The reports of one visit's payment step.
pub(super) struct Reporter<'a> {
    pub visit: u64,
    pub tx: &'a Sender<Inbound>,
}

impl Reporter<'_> {
    pub fn send(&self, update: FeeUpdate) -> Result<(), Gone> {
        let report = Inbound::Fee {
            visit: self.visit,
            update,
        };
        self.tx.send(report).map_err(|_| Gone)
    }
}

/// A new payment asked for while one is followed: it ends this one's wait and is taken next.
pub(super) fn interrupting(command: FeeCommand) -> Option<Asked> {
    match command {
        FeeCommand::Start {
            visit,
            number,
            amount_fen,
            wait,
        } => {
            tracing::error!("fee: a new payment asked for while one is followed: this one ends");
            Some(Asked {
                visit,
                number,
                amount_fen,
                wait,
            })
        }
        FeeCommand::Stop { .. } | FeeCommand::UsePhone { .. } => None,
    }
}

/// Whether the central's answer is about the payment asked for: this application, this amount.
pub(super) fn for_this(payment: &Payment, asked: &Asked) -> bool {
    payment.txn_id == asked.number && payment.amount_fen == asked.amount_fen
}

/// The state of this very payment now; answers about another one are not taken.
pub(super) fn status(client: &StationClient, payment: &Payment, asked: &Asked) -> Option<Payment> {
    client
        .payment(&payment.payment_id)
        .ok()
        .filter(|now| now.payment_id == payment.payment_id && for_this(now, asked))
}

/// What a payment's state settles, if it is settled.
pub(super) fn settled(payment: &Payment) -> Option<FeePayment> {
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
