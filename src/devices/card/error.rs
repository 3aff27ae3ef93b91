//! One error type for everything that can go wrong between a reader and a parsed document, with
//! the plain sentence an applicant sees next to the precise reason a technician reads in the log.
//! The two parsers' own errors live here too, so that every layer of the card room can use this
//! file without it importing any of them.

use crate::domain::id_number::IdNumberError;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CardError {
    /// The PC/SC service, the reader or the serial port failed.
    #[error("reader: {0}")]
    Reader(String),
    #[error("no card on the reader")]
    NoCard,
    #[error("the card was removed during the read")]
    Removed,
    #[error("{command}: card answered status {sw:04X}")]
    Status { command: &'static str, sw: u16 },
    #[error("{command}: {detail}")]
    Malformed {
        command: &'static str,
        detail: String,
    },
    /// BAC mutual authentication refused: the MRZ data typed or scanned does not fit the chip.
    #[error("basic access control refused (status {0:04X}): wrong document number or dates")]
    AccessDenied(u16),
    #[error("secure messaging: {0}")]
    SecureMessaging(&'static str),
    #[error("malformed TLV: {0}")]
    Tlv(String),
    #[error("text block: {0}")]
    TextBlock(#[from] CnidError),
    #[error("MRZ: {0}")]
    Mrz(#[from] MrzError),
    #[error("reader module frame: {0}")]
    Frame(String),
    #[error("reader module status {code:#04x}: {meaning}")]
    Module { code: u8, meaning: &'static str },
}

/// Why a resident ID card's text block (`idcard::cnid`) is not an identity.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CnidError {
    #[error("text block has {0} bytes, expected 256")]
    Length(usize),
    #[error("unknown card type flag {0:#06x} at offset 248")]
    TypeFlag(u16),
    #[error("field {field} is not valid UCS-2 text")]
    Text { field: &'static str },
    #[error("field {field} is not a date: {value:?}")]
    Date { field: &'static str, value: String },
    #[error("identity number rejected: {0}")]
    IdNumber(#[from] IdNumberError),
    #[error("identity number disagrees with the card's {0}")]
    Inconsistent(&'static str),
    #[error("required field {0} is empty")]
    Empty(&'static str),
}

/// Why a machine-readable zone (`icao::mrz`) was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MrzError {
    #[error("not a TD1, TD3 or permit MRZ: {0} line(s) of {1} characters")]
    Shape(usize, usize),
    #[error("character {0:?} is not allowed in an MRZ")]
    Character(char),
    #[error("check digit of the {0} does not match: the MRZ was mistyped or misread")]
    CheckDigit(&'static str),
}

/// What the applicant is asked to do, in Chinese and English.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Advice {
    pub zh: &'static str,
    pub en: &'static str,
}

impl CardError {
    pub fn advice(&self) -> Advice {
        match self {
            CardError::Reader(_) | CardError::Module { .. } => Advice {
                zh: "读卡器暂时无法使用，请联系工作人员。",
                en: "The card reader is not available. Please ask a member of staff.",
            },
            CardError::AccessDenied(_) | CardError::Mrz(_) => Advice {
                zh: "证件号码或日期与芯片不符，请核对后重新输入。",
                en: "The document number or dates do not match the chip. Please check them and try again.",
            },
            _ => Advice {
                zh: "未能读取证件，请重新放置证件。",
                en: "The card could not be read. Please place the card again.",
            },
        }
    }
}
