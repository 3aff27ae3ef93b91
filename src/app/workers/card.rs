//! The card thread: waits on the reader and forwards what happens on it.

use std::sync::mpsc::Sender;
use std::time::Duration;

use super::{Inbound, spawn};
use crate::devices::card::{CardEvent, CardReader};

/// Watches the card reader until the core goes away.
pub fn card(mut reader: Box<dyn CardReader>, tx: Sender<Inbound>) {
    spawn("card", move || {
        loop {
            if let Some(event) = reader.wait_event(Duration::from_millis(200)) {
                if let CardEvent::Unreadable(reason) = &event {
                    tracing::warn!(%reason, "card: unreadable");
                }
                if tx.send(Inbound::Card(event)).is_err() {
                    return;
                }
            }
        }
    });
}
