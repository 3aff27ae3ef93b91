//! The simulated ID-card reader of demo mode and the tests. Sample cards are synthetic people
//! with valid-checksum numbers; they travel as 256-byte text blocks through the same parser as
//! real cards.

use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::Duration;

use chrono::NaiveDate;

use super::cnid::{encode_text_block, parse_text_block};
use super::{CardEvent, CardReader, DemoCards};
use crate::domain::id_number::with_check_char;
use crate::domain::identity::{CardType, Identity, Sex, ValidUntil};
use crate::domain::nation::Nation;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("constant sample date")
}

#[allow(clippy::too_many_arguments)]
fn person(
    card_type: CardType,
    name: &str,
    sex: Sex,
    nation: &str,
    birth: NaiveDate,
    address: &str,
    number17: &str,
    valid_until: ValidUntil,
) -> Identity {
    Identity {
        card_type,
        name: name.into(),
        name_latin: String::new(),
        sex,
        nation: (!nation.is_empty()).then(|| Nation::from_code(nation)),
        birth_date: birth,
        address: address.into(),
        id_number: with_check_char(number17),
        issuer: "厦门市公安局思明分局".into(),
        valid_from: date(2016, 3, 1),
        valid_until,
        permit_number: String::new(),
        issue_count: None,
        nationality: String::new(),
        portrait: None,
    }
}

/// Synthetic sample cards: mainland (three people, one with a polyphonic surname, one elderly
/// with long-term validity), a J card and a Y card. `today` is unused for now but keeps dates
/// plausible if samples are ever made relative to the current date.
pub fn sample_identities(_today: NaiveDate) -> Vec<Identity> {
    let mut hk = person(
        CardType::ResidencePermitHkMoTw,
        "陈大文",
        Sex::Male,
        "",
        date(1988, 8, 8),
        "福建省厦门市湖里区示例街88号",
        "81000019880808003",
        ValidUntil::Date(date(2031, 3, 1)),
    );
    hk.permit_number = "H12345678".into();
    hk.issue_count = Some(1);
    let mut foreigner = person(
        CardType::ForeignerPermanent2023,
        "史密斯",
        Sex::Male,
        "",
        date(1979, 5, 15),
        "",
        "93584019790515001",
        ValidUntil::Date(date(2033, 12, 1)),
    );
    foreigner.name_latin = "SMITH JOHN".into();
    foreigner.nationality = "USA".into();
    foreigner.issue_count = Some(0);
    foreigner.issuer = String::new();
    vec![
        person(
            CardType::Mainland,
            "曾小芳",
            Sex::Female,
            "01",
            date(1992, 4, 18),
            "福建省厦门市思明区示例路1号",
            "35020319920418002",
            ValidUntil::Date(date(2036, 3, 1)),
        ),
        person(
            CardType::Mainland,
            "单建国",
            Sex::Male,
            "01",
            date(1951, 10, 1),
            "福建省厦门市集美区示例村2号",
            "35021119511001001",
            ValidUntil::LongTerm,
        ),
        person(
            CardType::Mainland,
            "吕思远",
            Sex::Male,
            "22",
            date(2001, 7, 9),
            "福建省宁德市示例镇3号",
            "35090220010709003",
            ValidUntil::Date(date(2031, 7, 9)),
        ),
        hk,
        foreigner,
    ]
}

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
    /// One label per sample card: masked, and marked as a demo card.
    fn labels(&self) -> Vec<String> {
        self.labels.clone()
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
