//! The serial reader module (`idcard::sam`) as a `CardReader`.

use std::time::{Duration, Instant};

use chrono::NaiveDate;

use crate::devices::card::idcard::portrait::PortraitDecoder;
use crate::devices::card::idcard::sam::SamModule;
use crate::devices::card::{CardEvent, CardReader};

/// The hall kiosk's ID-card reader on a serial module: polls for a card, reads it once, and
/// reports its removal when the module stops finding it.
pub struct SamReader {
    module: SamModule,
    today: fn() -> NaiveDate,
    decoder: Option<PortraitDecoder>,
    present: bool,
    last_error: Option<String>,
}

impl SamReader {
    pub fn new(
        module: SamModule,
        today: fn() -> NaiveDate,
        decoder: Option<PortraitDecoder>,
    ) -> Self {
        SamReader {
            module,
            today,
            decoder,
            present: false,
            last_error: None,
        }
    }
}

impl CardReader for SamReader {
    fn wait_event(&mut self, timeout: Duration) -> Option<CardEvent> {
        let started = Instant::now();
        let found = match self.module.card_present() {
            Ok(found) => {
                self.last_error = None;
                found
            }
            Err(e) => {
                let text = e.to_string();
                if self.last_error.as_ref() != Some(&text) {
                    tracing::warn!(error = %text, "card: reader module");
                    self.last_error = Some(text);
                }
                false
            }
        };
        let event = match (self.present, found) {
            (false, true) => {
                self.present = true;
                let read = self
                    .module
                    .read()
                    .and_then(|d| d.identity((self.today)(), self.decoder.as_ref()));
                Some(match read {
                    Ok(identity) => CardEvent::Inserted(Box::new(identity)),
                    Err(e) => CardEvent::Unreadable(format!("reader module: {e}")),
                })
            }
            (true, false) => {
                self.present = false;
                Some(CardEvent::Removed)
            }
            _ => None,
        };
        if event.is_none() {
            std::thread::sleep(timeout.saturating_sub(started.elapsed()));
        }
        event
    }
}
