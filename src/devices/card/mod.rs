//! Card readers: the port the session listens to and its adapters. Demo mode and the tests use
//! the simulated reader; PC/SC readers come next (issue 3) behind the same trait.

pub mod bac;
pub mod cnid;
pub mod mrz;
pub mod sim;

use std::time::Duration;

use crate::domain::identity::Identity;

#[derive(Debug)]
pub enum CardEvent {
    Inserted(Identity),
    /// A card is present but its data cannot be trusted; the reason is for the log.
    Unreadable(String),
    Removed,
}

/// A reader watched by the card worker thread.
pub trait CardReader: Send {
    /// Waits up to `timeout` for something to happen on the reader.
    fn wait_event(&mut self, timeout: Duration) -> Option<CardEvent>;
}
