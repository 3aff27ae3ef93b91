//! One identity type for every card the ID reader accepts: the mainland resident ID card and the
//! J (HK/Macau/Taiwan residents), I (foreigner 2017) and Y (foreigner 2023) cards
//! (docs/DOMAIN.md, "Identity cards"). Everything here is personal data: it is wiped from
//! memory on drop and its `Debug` output is masked so it can never reach a log by accident.

use chrono::NaiveDate;
use std::fmt;
use zeroize::Zeroize;

use super::nation::Nation;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sex {
    Male,
    Female,
    Unknown,
}

impl Sex {
    /// GB/T 2261.1 code as stored on cards.
    pub fn from_code(code: &str) -> Sex {
        match code.trim() {
            "1" => Sex::Male,
            "2" => Sex::Female,
            _ => Sex::Unknown,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Sex::Male => "1",
            Sex::Female => "2",
            Sex::Unknown => "0",
        }
    }
}

/// The card's type flag at text-block offset 248.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardType {
    /// 居民身份证 (flag ' ').
    Mainland,
    /// 港澳台居民居住证 (flag 'J').
    ResidencePermitHkMoTw,
    /// 外国人永久居留身份证, 2017 version (flag 'I').
    ForeignerPermanent2017,
    /// 外国人永久居留身份证, 2023 version (flag 'Y').
    ForeignerPermanent2023,
}

impl CardType {
    /// Whether the holder is a PRC citizen who may apply for exit-entry documents here.
    pub fn is_mainland_citizen(self) -> bool {
        self == CardType::Mainland
    }
}

/// End of a card's validity: a date or 长期 (long-term).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValidUntil {
    Date(NaiveDate),
    LongTerm,
}

#[derive(Clone, PartialEq, Eq)]
pub struct Identity {
    pub card_type: CardType,
    /// Chinese name; may be empty on a 2017 foreigner card.
    pub name: String,
    /// Latin name from foreigner cards.
    pub name_latin: String,
    pub sex: Sex,
    pub nation: Option<Nation>,
    pub birth_date: NaiveDate,
    pub address: String,
    /// 18-character number (mainland, J, Y) or 15-character number (I, no checksum).
    pub id_number: String,
    pub issuer: String,
    pub valid_from: NaiveDate,
    pub valid_until: ValidUntil,
    /// J cards: the HK/Macau/Taiwan travel-permit number.
    pub permit_number: String,
    /// J and Y cards: how many times the card was issued.
    pub issue_count: Option<u8>,
    /// I and Y cards: ISO 3166-1 alpha-3 nationality.
    pub nationality: String,
    /// The card's photo as 102×126 RGB, when a vendor decoder is configured (the block itself
    /// is encrypted); the screen shows a placeholder otherwise.
    pub portrait: Option<Vec<u8>>,
}

impl Identity {
    /// Masked number for receipts and staff screens: first 4 and last 4 characters.
    pub fn masked_id(&self) -> String {
        mask(&self.id_number)
    }

    /// Whether the card has expired on `today`.
    pub fn expired(&self, today: NaiveDate) -> bool {
        matches!(self.valid_until, ValidUntil::Date(d) if d < today)
    }
}

/// Masks all but the first and last four characters.
pub fn mask(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= 8 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 8))
}

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Identity")
            .field("card_type", &self.card_type)
            .field("id_number", &self.masked_id())
            .finish_non_exhaustive()
    }
}

impl Drop for Identity {
    fn drop(&mut self) {
        for s in [
            &mut self.name,
            &mut self.name_latin,
            &mut self.address,
            &mut self.id_number,
            &mut self.issuer,
            &mut self.permit_number,
            &mut self.nationality,
        ] {
            s.zeroize();
        }
        if let Some(p) = &mut self.portrait {
            p.zeroize();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masking() {
        assert_eq!(mask("35020319900101123X"), "3502**********123X");
        assert_eq!(mask("ABC123"), "******");
    }

    #[test]
    fn sex_codes() {
        assert_eq!(Sex::from_code("1"), Sex::Male);
        assert_eq!(Sex::from_code("2"), Sex::Female);
        assert_eq!(Sex::from_code("9"), Sex::Unknown);
    }
}
