//! Card readers: the port the session listens to and its adapters. Demo mode and the tests use
//! the simulated reader; PC/SC readers come next (issue 3) behind the same trait.

pub mod apdu;
pub mod bac;
pub mod cnid;
pub mod document;
pub mod emrtd;
pub mod error;
pub mod idmodule;
pub mod lds;
pub mod mrz;
pub mod pa;
pub mod pcsc;
pub mod pcsc_id;
pub mod portrait;
pub mod sam;
pub mod sim;
pub mod sm;
pub mod tlv;

use std::time::Duration;

use crate::domain::identity::Identity;

#[derive(Debug)]
pub enum CardEvent {
    Inserted(Box<Identity>),
    /// A card is present but its data cannot be trusted; the reason is for the log.
    Unreadable(String),
    Removed,
}

/// A reader watched by the card worker thread.
pub trait CardReader: Send {
    /// Waits up to `timeout` for something to happen on the reader.
    fn wait_event(&mut self, timeout: Duration) -> Option<CardEvent>;
}

/// The sample cards demo mode offers on the start screen: the applicant taps one and it is put
/// on the (simulated) reader. The core offers them without knowing the reader behind them.
pub trait DemoCards: Send {
    /// One label per sample card, in order.
    fn labels(&self) -> Vec<String>;
    /// Puts sample card `index` on the reader (out of range: nothing happens).
    fn insert(&self, index: usize);
    /// Takes the card off the reader.
    fn remove(&self);
}
