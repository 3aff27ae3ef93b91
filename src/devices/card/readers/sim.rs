//! The simulated ID-card reader of demo mode and the tests. The sample cards
//! (`domain::samples`) travel as 256-byte text blocks through the same parser as real cards.

use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::Duration;

use chrono::NaiveDate;

use crate::devices::card::idcard::cnid::{encode_text_block, parse_text_block};
use crate::devices::card::{CardEvent, CardReader, DemoCards};
use crate::domain::identity::CardType;
use crate::domain::samples::sample_identities;

enum Command {
    Insert(usize),
    Remove,
}

/// What demo mode's attract screen uses to put a sample card on the simulated reader.
#[derive(Clone)]
pub struct SimCardSlot {
    tx: Sender<Command>,
    labels: Vec<String>,
}

impl DemoCards for SimCardSlot {
    fn labels(&self) -> &[String] {
        &self.labels
    }

    fn insert(&self, index: usize) {
        let _ = self.tx.send(Command::Insert(index));
    }

    fn remove(&self) {
        let _ = self.tx.send(Command::Remove);
    }
}

pub struct SimCardReader {
    rx: Receiver<Command>,
    blocks: Vec<[u8; 256]>,
    today: NaiveDate,
    inserted: bool,
}

/// A simulated reader and the slot that feeds it.
pub fn sim_reader(today: NaiveDate) -> (SimCardReader, SimCardSlot) {
    let (tx, rx) = mpsc::channel();
    let samples = sample_identities(today);
    let labels = samples
        .iter()
        .map(|id| {
            let kind = match id.card_type {
                CardType::Mainland => "居民身份证 ID card",
                CardType::ResidencePermitHkMoTw => "港澳台居民居住证 J",
                CardType::ForeignerPermanent2017 => "永居证 2017 I",
                CardType::ForeignerPermanent2023 => "永居证 2023 Y",
            };
            format!("DEMO · {} · {kind}", id.name)
        })
        .collect();
    let blocks = samples.iter().map(encode_text_block).collect();
    (
        SimCardReader {
            rx,
            blocks,
            today,
            inserted: false,
        },
        SimCardSlot { tx, labels },
    )
}

impl CardReader for SimCardReader {
    fn wait_event(&mut self, timeout: Duration) -> Option<CardEvent> {
        match self.rx.recv_timeout(timeout) {
            Ok(Command::Insert(i)) => {
                let block = self.blocks.get(i)?;
                self.inserted = true;
                Some(match parse_text_block(block, self.today) {
                    Ok(identity) => CardEvent::Inserted(Box::new(identity)),
                    Err(e) => CardEvent::Unreadable(e.to_string()),
                })
            }
            Ok(Command::Remove) if self.inserted => {
                self.inserted = false;
                Some(CardEvent::Removed)
            }
            Ok(Command::Remove) | Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => {
                std::thread::sleep(timeout);
                None
            }
        }
    }
}
