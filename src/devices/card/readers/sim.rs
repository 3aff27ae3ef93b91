//! The simulated ID-card reader of demo mode and the tests. The sample cards
//! (`domain::samples`) travel as 256-byte text blocks through the same parser as real cards;
//! with `card_photo`, each comes with the photo a reader's photo decoder would give: the demo
//! subject, who is also the simulated camera's face, so the hall's holder check can be shown
//! in demo mode.

use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::Duration;

use chrono::NaiveDate;

use crate::devices::card::idcard::cnid::{encode_text_block, parse_text_block};
use crate::devices::card::idcard::portrait;
use crate::devices::card::{CardEvent, CardReader, DemoCards};
use crate::domain::identity::CardType;
use crate::domain::samples::{SAMPLE_PORTRAIT, sample_identities};

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
    /// The cards' photo as decoded photos are: 102×126 RGB.
    photo: Option<Vec<u8>>,
    today: NaiveDate,
    inserted: bool,
}

/// Where the head lies in the 600×600 demo portrait: crown and chin rows.
const CROWN_Y: u32 = 98;
const CHIN_Y: u32 = 435;

/// The demo subject's portrait framed as an ID card photo is (the head about 70 % of the
/// height, a little space above the crown) and scaled to its 102×126 pixels, RGB, as the
/// vendor's decoder delivers a card's photo. `None` only if the bundled picture did not decode.
fn demo_card_photo() -> Option<Vec<u8>> {
    let picture = match image::load_from_memory(SAMPLE_PORTRAIT) {
        Ok(p) => p.to_rgb8(),
        Err(e) => {
            tracing::error!(error = %e, "demo portrait does not decode: sample cards have no photo");
            return None;
        }
    };
    let head = CHIN_Y - CROWN_Y;
    let height = (head * 10 / 7).min(picture.height());
    let width = (height * portrait::WIDTH / portrait::HEIGHT).min(picture.width());
    let left = (picture.width() - width) / 2;
    let top = CROWN_Y
        .saturating_sub(height / 10)
        .min(picture.height() - height);
    let cut = image::imageops::crop_imm(&picture, left, top, width, height).to_image();
    let photo = image::imageops::resize(
        &cut,
        portrait::WIDTH,
        portrait::HEIGHT,
        image::imageops::FilterType::Triangle,
    );
    Some(photo.into_raw())
}

/// A simulated reader and the slot that feeds it; `card_photo`: as if a photo decoder were
/// configured (the kiosk's simulated reader always is), else the cards come without a photo,
/// as from a reader without one.
pub fn sim_reader(today: NaiveDate, card_photo: bool) -> (SimCardReader, SimCardSlot) {
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
            photo: card_photo.then(demo_card_photo).flatten(),
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
                    Ok(mut identity) => {
                        identity.portrait = self.photo.clone();
                        CardEvent::Inserted(Box::new(identity))
                    }
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
