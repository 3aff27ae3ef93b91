//! The hall kiosk's ID-card reader over PC/SC: the monitor's insert and remove events on the
//! configured reader become card events; an inserted card is read through the reader module's
//! pseudo-APDUs and its text block parsed and cross-checked. Anything that goes wrong becomes
//! `Unreadable` with the precise reason for the log; the applicant is asked to place the card
//! again.

use std::time::Duration;

use chrono::NaiveDate;

use super::monitor::{Monitor, ReaderEvent, reader_matches};
use crate::devices::card::error::CardError;
use crate::devices::card::idcard::idmodule::{self, PseudoApdu};
use crate::devices::card::idcard::portrait::PortraitDecoder;
use crate::devices::card::transport::pcsc::PcscCard;
use crate::devices::card::{CardEvent, CardReader};
use crate::domain::identity::Identity;

pub struct PcscIdReader {
    monitor: Monitor,
    /// Reader name or part of it; `None` takes the first reader with a card.
    pattern: Option<String>,
    command: PseudoApdu,
    today: fn() -> NaiveDate,
    decoder: Option<PortraitDecoder>,
    /// The reader whose card the session holds.
    holding: Option<String>,
    pending: std::collections::VecDeque<CardEvent>,
}

impl PcscIdReader {
    pub fn new(
        pattern: Option<String>,
        command: PseudoApdu,
        today: fn() -> NaiveDate,
        decoder: Option<PortraitDecoder>,
    ) -> Self {
        PcscIdReader {
            monitor: Monitor::new(),
            pattern,
            command,
            today,
            decoder,
            holding: None,
            pending: Default::default(),
        }
    }

    fn read(&mut self, reader: &str) -> Result<Identity, CardError> {
        let ctx = self.monitor.context()?;
        let mut card = PcscCard::connect(ctx, reader)?;
        idmodule::read(&mut card, &self.command)?.identity((self.today)(), self.decoder.as_ref())
    }

    /// Whether `reader` shows a card now (false when PC/SC cannot say).
    fn still_holds_a_card(&mut self, reader: &str) -> bool {
        self.monitor
            .snapshot()
            .is_ok_and(|readers| readers.iter().any(|r| r.name == reader && r.atr.is_some()))
    }

    fn handle(&mut self, event: ReaderEvent) {
        match event {
            ReaderEvent::CardInserted { reader, .. }
                if self.holding.is_none() && reader_matches(&reader, self.pattern.as_deref()) =>
            {
                self.holding = Some(reader.clone());
                let mut outcome = self.read(&reader);
                // "Gone during the read" while the reader still holds a card: the card was
                // reset under the read (re-powered by the reader as it settled, or by another
                // program). It is read once more before the applicant is asked to place it again.
                if matches!(outcome, Err(CardError::Removed)) && self.still_holds_a_card(&reader) {
                    tracing::info!(reader = %reader, "card: reset during the read, reading again");
                    std::thread::sleep(Duration::from_millis(300));
                    outcome = self.read(&reader);
                }
                self.pending.push_back(match outcome {
                    Ok(identity) => CardEvent::Inserted(Box::new(identity)),
                    Err(e) => CardEvent::Unreadable(format!("reader {reader:?}: {e}")),
                });
            }
            ReaderEvent::CardRemoved(reader)
                if self.holding.as_deref() == Some(reader.as_str()) =>
            {
                self.holding = None;
                self.pending.push_back(CardEvent::Removed);
            }
            ReaderEvent::ServiceLost(reason) => {
                tracing::warn!(%reason, "card: PC/SC service lost, reconnecting");
            }
            ReaderEvent::ServiceBack => tracing::info!("card: PC/SC service back"),
            ReaderEvent::Attached(r) => tracing::info!(reader = %r, "card: reader attached"),
            ReaderEvent::Detached(r) => tracing::warn!(reader = %r, "card: reader detached"),
            _ => {}
        }
    }
}

impl CardReader for PcscIdReader {
    fn wait_event(&mut self, timeout: Duration) -> Option<CardEvent> {
        if self.pending.is_empty() {
            for event in self.monitor.next(timeout) {
                self.handle(event);
            }
        }
        self.pending.pop_front()
    }
}
