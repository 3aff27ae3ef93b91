//! How the hall kiosk's fee stands when the form is printed (docs/DOMAIN.md, "Paying the fee").
//! The central is the authority on the money: it issues the payment for the application number
//! and learns from the payment network when it is paid; the kiosk shows the payment's QR,
//! watches it for a while and prints what it last knew. An unpaid fee is never a reason to hold
//! the form back: it prints with the QR (payable until the end of the day) or "pay at the window".
//!
//! Where the kiosk has a bank-card terminal, the card is a second way to pay the same payment.
//! A terminal that took (or may have taken) money the central has not confirmed is never
//! followed by a payment code on the form: the applicant could pay twice.

/// The fee's state on the form and in the submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeePayment {
    /// Confirmed by the central; `reference` is the payment network's (printed masked).
    Paid {
        payment_id: String,
        reference: Option<String>,
    },
    /// Issued and not paid yet (the applicant chose to pay later, or the kiosk stopped
    /// waiting): the form carries the same QR, payable until `pay_by` ("YYYY-MM-DDTHH:MM:SS").
    Pending {
        payment_id: String,
        qr: String,
        pay_by: String,
    },
    /// The payment network declined it: the fee is paid at the window.
    Declined { payment_id: String },
    /// No payment could be issued (the central did not answer usably): paid at the window.
    NotIssued,
    /// The card terminal took the money, or may have (it did not answer a cancellation), and
    /// the central has not confirmed it: staff check the payment before the applicant pays
    /// again; `reference` is the terminal's, where it gave one.
    Unconfirmed {
        payment_id: String,
        reference: Option<String>,
    },
    /// The kiosk stopped during a card payment and, at its next start, the terminal said it
    /// took nothing: the form was never printed; the fee is paid at the window.
    Interrupted { payment_id: String },
}

impl FeePayment {
    /// Its name in logs and in the contract: `paid`, `pending`, `declined`, `not_issued`,
    /// `unconfirmed`, `interrupted`.
    pub fn state(&self) -> &'static str {
        match self {
            FeePayment::Paid { .. } => "paid",
            FeePayment::Pending { .. } => "pending",
            FeePayment::Declined { .. } => "declined",
            FeePayment::NotIssued => "not_issued",
            FeePayment::Unconfirmed { .. } => "unconfirmed",
            FeePayment::Interrupted { .. } => "interrupted",
        }
    }

    /// The central's id of the payment, where one was issued.
    pub fn payment_id(&self) -> Option<&str> {
        match self {
            FeePayment::Paid { payment_id, .. }
            | FeePayment::Pending { payment_id, .. }
            | FeePayment::Declined { payment_id }
            | FeePayment::Unconfirmed { payment_id, .. }
            | FeePayment::Interrupted { payment_id } => Some(payment_id),
            FeePayment::NotIssued => None,
        }
    }
}

/// Why the kiosk stopped asking for the card and offers the phone QR instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardEnd {
    /// The bank declined the card, or the applicant cancelled at the terminal.
    Declined,
    /// The terminal does not work now.
    Unavailable,
    /// The applicant chose to pay by phone.
    Chosen,
}
