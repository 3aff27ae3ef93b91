//! The payment port: a bank-card terminal at the kiosk (or, behind the same port, the central's
//! payment QR paid by phone). Terminal makers publish no common protocol — each ships its own
//! SDK — so the kiosk defines what it needs and an adapter per terminal model implements it.
//!
//! Every request carries the transaction's own reference (its idempotency key), so that asking
//! twice — after a lost answer or a restart — can never charge twice: a terminal adapter must
//! map the reference to the vendor's order number and answer a repeated `start` with the state
//! of the existing order. That mapping must outlive a restart of the kiosk: after a crash the
//! kiosk cancels by the same reference, and takes [`PaymentError::Unknown`] to mean that nothing
//! was ever started under it.

mod deadline;
mod sim;

pub use deadline::{TERMINAL_LIMIT, bounded};
pub use sim::{SimOutcome, SimTerminal};

/// Amounts are in fen (0.01 yuan), as payment terminals count them.
pub type Fen = u64;

/// Where one payment stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentStatus {
    /// Asked for; the applicant has not finished paying.
    Pending,
    /// Paid. `transaction` is the terminal's or bank's reference, printed masked on the receipt.
    Paid { transaction: String },
    /// Declined by the bank or cancelled at the terminal: nothing was taken.
    Declined { reason: String },
    /// The kiosk cancelled it (applicant gave up, timeout) before it was paid.
    Cancelled,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PaymentError {
    /// The request may have reached the terminal but no answer came back (a timeout, a
    /// connection lost mid-request): the payment's state is unknown until it answers again.
    #[error("the payment terminal does not answer: {0}")]
    Unavailable(String),
    /// The terminal could not be reached at all (unplugged, powered off, its port or socket
    /// refused): the request was not delivered, so it started and changed nothing.
    #[error("the payment terminal cannot be reached: {0}")]
    NotConnected(String),
    /// No payment with this reference was ever started.
    #[error("no payment with reference {0}")]
    Unknown(String),
    /// A repeated `start` named another amount than the first.
    #[error("payment {reference} was started for {first} fen, not {asked}")]
    AmountMismatch {
        reference: String,
        first: Fen,
        asked: Fen,
    },
}

/// A payment terminal.
pub trait PaymentTerminal: Send {
    /// Asks for `amount` fen under `reference`. Starting a reference that exists already does
    /// not charge again: it returns that payment's state.
    ///
    /// Errors: [`PaymentError::Unavailable`], [`PaymentError::NotConnected`];
    /// [`PaymentError::AmountMismatch`] when the
    /// reference exists with another amount.
    fn start(&mut self, reference: &str, amount: Fen) -> Result<PaymentStatus, PaymentError>;

    /// The payment's state now.
    ///
    /// Errors: [`PaymentError::Unavailable`], [`PaymentError::NotConnected`],
    /// [`PaymentError::Unknown`].
    fn status(&mut self, reference: &str) -> Result<PaymentStatus, PaymentError>;

    /// Cancels a payment that is still pending; a paid one stays paid (the answer says so).
    ///
    /// Errors: [`PaymentError::Unavailable`], [`PaymentError::NotConnected`],
    /// [`PaymentError::Unknown`].
    fn cancel(&mut self, reference: &str) -> Result<PaymentStatus, PaymentError>;

    /// Whether the terminal can take a new payment now. An adapter that cannot tell says yes
    /// (the default); a [`bounded`] terminal says no while a call it gave up is still hung in it.
    fn answering(&self) -> bool {
        true
    }
}
