//! The 256-byte text block of the resident ID card and its J, I and Y siblings.
//!
//! No public standard prints the byte layouts; they are the ones public reader software uses,
//! set out in docs/CARDS.md ("The text block"). The codes inside are public: sex GB/T 2261.1,
//! nation GB/T 3304, identity number GB 11643-1999. Text is UCS-2 little-endian, padded with
//! U+0020; the card type flag is at offset 248. A card whose number fails its checksum or
//! disagrees with the card's own birth date or sex is an error, never an identity.

use chrono::NaiveDate;

use crate::devices::card::error::CnidError;
use crate::domain::id_number::IdNumber;
use crate::domain::identity::{CardType, Identity, Sex, ValidUntil};
use crate::domain::nation::Nation;

pub const TEXT_BLOCK_LEN: usize = 256;
const TYPE_FLAG: usize = 248;

/// A field: offset and length in bytes.
#[derive(Clone, Copy)]
struct Field(usize, usize, &'static str);

mod mainland {
    use super::Field;
    pub const NAME: Field = Field(0, 30, "name");
    pub const SEX: Field = Field(30, 2, "sex");
    pub const NATION: Field = Field(32, 4, "nation");
    pub const BIRTH: Field = Field(36, 16, "birth date");
    pub const ADDRESS: Field = Field(52, 70, "address");
    pub const NUMBER: Field = Field(122, 36, "identity number");
    pub const ISSUER: Field = Field(158, 30, "issuer");
    pub const VALID_FROM: Field = Field(188, 16, "valid from");
    pub const VALID_UNTIL: Field = Field(204, 16, "valid until");
    /// J cards only.
    pub const PERMIT: Field = Field(220, 18, "permit number");
    pub const ISSUE_COUNT: Field = Field(238, 4, "issue count");
}

mod foreigner2017 {
    use super::Field;
    pub const NAME_EN: Field = Field(0, 120, "English name");
    pub const SEX: Field = Field(120, 2, "sex");
    pub const NUMBER: Field = Field(122, 30, "permit number");
    pub const NATIONALITY: Field = Field(152, 6, "nationality");
    pub const NAME_ZH: Field = Field(158, 30, "Chinese name");
    pub const VALID_FROM: Field = Field(188, 16, "valid from");
    pub const VALID_UNTIL: Field = Field(204, 16, "valid until");
    pub const BIRTH: Field = Field(220, 16, "birth date");
}

mod foreigner2023 {
    use super::Field;
    pub const NAME_ZH: Field = Field(0, 30, "Chinese name");
    pub const SEX: Field = Field(30, 2, "sex");
    pub const ISSUE_COUNT: Field = Field(32, 4, "issue count");
    pub const BIRTH: Field = Field(36, 16, "birth date");
    pub const NAME_EN_1: Field = Field(52, 70, "English name");
    pub const NUMBER: Field = Field(122, 36, "identity number");
    pub const VALID_FROM: Field = Field(188, 16, "valid from");
    pub const VALID_UNTIL: Field = Field(204, 16, "valid until");
    pub const NAME_EN_2: Field = Field(220, 22, "English name");
    pub const NATIONALITY: Field = Field(242, 6, "nationality");
}

fn read(block: &[u8], f: Field) -> Result<String, CnidError> {
    let units: Vec<u16> = block[f.0..f.0 + f.1]
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    let text = String::from_utf16(&units).map_err(|_| CnidError::Text { field: f.2 })?;
    if text.chars().any(|c| c.is_control() && c != '\0') {
        return Err(CnidError::Text { field: f.2 });
    }
    Ok(text.trim_end_matches([' ', '\0']).to_string())
}

fn date(block: &[u8], f: Field) -> Result<NaiveDate, CnidError> {
    let s = read(block, f)?;
    NaiveDate::parse_from_str(&s, "%Y%m%d")
        .ok()
        .filter(|_| s.len() == 8)
        .ok_or(CnidError::Date {
            field: f.2,
            value: s,
        })
}

fn valid_until(block: &[u8], f: Field) -> Result<ValidUntil, CnidError> {
    if read(block, f)? == "长期" {
        Ok(ValidUntil::LongTerm)
    } else {
        date(block, f).map(ValidUntil::Date)
    }
}

fn required(value: String, field: &'static str) -> Result<String, CnidError> {
    if value.is_empty() {
        Err(CnidError::Empty(field))
    } else {
        Ok(value)
    }
}

/// Parses a text block read from a card. `today` bounds plausible birth dates.
pub fn parse_text_block(block: &[u8], today: NaiveDate) -> Result<Identity, CnidError> {
    if block.len() != TEXT_BLOCK_LEN {
        return Err(CnidError::Length(block.len()));
    }
    let flag = u16::from_le_bytes([block[TYPE_FLAG], block[TYPE_FLAG + 1]]);
    match flag {
        0x0020 | 0x0000 => parse_mainland_layout(block, CardType::Mainland, today),
        0x004A => parse_mainland_layout(block, CardType::ResidencePermitHkMoTw, today),
        0x0049 => parse_2017(block),
        0x0059 => parse_2023(block, today),
        other => Err(CnidError::TypeFlag(other)),
    }
}

/// Checks an 18-character number against the card's own birth date and sex.
fn checked_number(
    text: &str,
    birth: NaiveDate,
    sex: Sex,
    today: NaiveDate,
) -> Result<String, CnidError> {
    let number = IdNumber::parse(text, today)?;
    if number.birth_date() != birth {
        return Err(CnidError::Inconsistent("birth date"));
    }
    if sex != Sex::Unknown && number.sex() != sex {
        return Err(CnidError::Inconsistent("sex"));
    }
    Ok(number.as_str().to_string())
}

fn parse_mainland_layout(
    block: &[u8],
    card_type: CardType,
    today: NaiveDate,
) -> Result<Identity, CnidError> {
    use mainland::*;
    let sex = Sex::from_code(&read(block, SEX)?);
    let birth_date = date(block, BIRTH)?;
    let nation = read(block, NATION)?;
    let (permit_number, issue_count) = if card_type == CardType::ResidencePermitHkMoTw {
        (read(block, PERMIT)?, read(block, ISSUE_COUNT)?.parse().ok())
    } else {
        (String::new(), None)
    };
    Ok(Identity {
        card_type,
        name: required(read(block, NAME)?, NAME.2)?,
        name_latin: String::new(),
        sex,
        nation: (!nation.is_empty()).then(|| Nation::from_code(&nation)),
        birth_date,
        address: read(block, ADDRESS)?,
        id_number: checked_number(&read(block, NUMBER)?, birth_date, sex, today)?,
        issuer: read(block, ISSUER)?,
        valid_from: date(block, VALID_FROM)?,
        valid_until: valid_until(block, VALID_UNTIL)?,
        permit_number,
        issue_count,
        nationality: String::new(),
        portrait: None,
    })
}

fn parse_2017(block: &[u8]) -> Result<Identity, CnidError> {
    use foreigner2017::*;
    Ok(Identity {
        card_type: CardType::ForeignerPermanent2017,
        name: read(block, NAME_ZH)?,
        name_latin: required(read(block, NAME_EN)?, NAME_EN.2)?,
        sex: Sex::from_code(&read(block, SEX)?),
        nation: None,
        birth_date: date(block, BIRTH)?,
        address: String::new(),
        // The 15-character 2017 number has no checksum.
        id_number: required(read(block, NUMBER)?, NUMBER.2)?,
        issuer: String::new(),
        valid_from: date(block, VALID_FROM)?,
        valid_until: valid_until(block, VALID_UNTIL)?,
        permit_number: String::new(),
        issue_count: None,
        nationality: read(block, NATIONALITY)?,
        portrait: None,
    })
}

fn parse_2023(block: &[u8], today: NaiveDate) -> Result<Identity, CnidError> {
    use foreigner2023::*;
    let sex = Sex::from_code(&read(block, SEX)?);
    let birth_date = date(block, BIRTH)?;
    let name_latin = format!("{}{}", read(block, NAME_EN_1)?, read(block, NAME_EN_2)?);
    Ok(Identity {
        card_type: CardType::ForeignerPermanent2023,
        name: read(block, NAME_ZH)?,
        name_latin: required(name_latin.trim().to_string(), NAME_EN_1.2)?,
        sex,
        nation: None,
        birth_date,
        address: String::new(),
        id_number: checked_number(&read(block, NUMBER)?, birth_date, sex, today)?,
        issuer: String::new(),
        valid_from: date(block, VALID_FROM)?,
        valid_until: valid_until(block, VALID_UNTIL)?,
        permit_number: String::new(),
        issue_count: read(block, ISSUE_COUNT)?.parse().ok(),
        nationality: read(block, NATIONALITY)?,
        portrait: None,
    })
}

/// Writes text into a field, UCS-2 LE, space-padded; longer text is cut at the field's end.
fn write(block: &mut [u8], f: Field, text: &str) {
    let mut units = text.encode_utf16().chain(std::iter::repeat(0x20));
    for chunk in block[f.0..f.0 + f.1].chunks_exact_mut(2) {
        let u = units.next().unwrap_or(0x20);
        chunk.copy_from_slice(&u.to_le_bytes());
    }
}

fn until_text(v: ValidUntil) -> String {
    match v {
        ValidUntil::LongTerm => "长期".to_string(),
        ValidUntil::Date(d) => d.format("%Y%m%d").to_string(),
    }
}

/// The text block a card holding `id` would return: used by the simulated reader (demo mode)
/// and the virtual cards of the tests, so both go through the same parser as real cards.
pub fn encode_text_block(id: &Identity) -> [u8; TEXT_BLOCK_LEN] {
    let mut b = [0u8; TEXT_BLOCK_LEN];
    write(&mut b, Field(0, TEXT_BLOCK_LEN, "all"), "");
    let ymd = |d: NaiveDate| d.format("%Y%m%d").to_string();
    let flag = match id.card_type {
        CardType::Mainland | CardType::ResidencePermitHkMoTw => {
            use mainland::*;
            write(&mut b, NAME, &id.name);
            write(&mut b, SEX, id.sex.code());
            write(&mut b, NATION, id.nation.as_ref().map_or("", |n| n.code()));
            write(&mut b, BIRTH, &ymd(id.birth_date));
            write(&mut b, ADDRESS, &id.address);
            write(&mut b, NUMBER, &id.id_number);
            write(&mut b, ISSUER, &id.issuer);
            write(&mut b, VALID_FROM, &ymd(id.valid_from));
            write(&mut b, VALID_UNTIL, &until_text(id.valid_until));
            if id.card_type == CardType::ResidencePermitHkMoTw {
                write(&mut b, PERMIT, &id.permit_number);
                write(
                    &mut b,
                    ISSUE_COUNT,
                    &format!("{:02}", id.issue_count.unwrap_or(0)),
                );
                "J"
            } else {
                " "
            }
        }
        CardType::ForeignerPermanent2017 => {
            use foreigner2017::*;
            write(&mut b, NAME_EN, &id.name_latin);
            write(&mut b, SEX, id.sex.code());
            write(&mut b, NUMBER, &id.id_number);
            write(&mut b, NATIONALITY, &id.nationality);
            write(&mut b, NAME_ZH, &id.name);
            write(&mut b, VALID_FROM, &ymd(id.valid_from));
            write(&mut b, VALID_UNTIL, &until_text(id.valid_until));
            write(&mut b, BIRTH, &ymd(id.birth_date));
            "I"
        }
        CardType::ForeignerPermanent2023 => {
            use foreigner2023::*;
            write(&mut b, NAME_ZH, &id.name);
            write(&mut b, SEX, id.sex.code());
            write(
                &mut b,
                ISSUE_COUNT,
                &format!("{:02}", id.issue_count.unwrap_or(0)),
            );
            write(&mut b, BIRTH, &ymd(id.birth_date));
            let latin: Vec<char> = id.name_latin.chars().collect();
            let split = latin.len().min(35);
            write(
                &mut b,
                NAME_EN_1,
                &latin[..split].iter().collect::<String>(),
            );
            write(
                &mut b,
                NAME_EN_2,
                &latin[split..].iter().collect::<String>(),
            );
            write(&mut b, NUMBER, &id.id_number);
            write(&mut b, VALID_FROM, &ymd(id.valid_from));
            write(&mut b, VALID_UNTIL, &until_text(id.valid_until));
            write(&mut b, NATIONALITY, &id.nationality);
            "Y"
        }
    };
    write(&mut b, Field(TYPE_FLAG, 2, "type"), flag);
    b
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::samples::sample_identities;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
    }

    #[test]
    fn reference_hex_dump_fields() {
        // The published mainland dump of docs/CARDS.md ("The text block"): name 王美娜 =
        // 8B 73 8E 7F 1C 5A, sex `32 00`, nation `30 00 31 00`.
        let mut id = sample_identities(today()).remove(0);
        id.name = "王美娜".into();
        let b = encode_text_block(&id);
        assert_eq!(&b[0..8], &[0x8B, 0x73, 0x8E, 0x7F, 0x1C, 0x5A, 0x20, 0x00]);
        assert_eq!(&b[32..36], &[0x30, 0x00, 0x31, 0x00]);
    }

    #[test]
    fn every_sample_card_round_trips() {
        for id in sample_identities(today()) {
            let parsed = parse_text_block(&encode_text_block(&id), today())
                .unwrap_or_else(|e| panic!("{:?}: {e}", id.card_type));
            assert_eq!(parsed, id);
        }
    }

    #[test]
    fn long_term_validity_bytes() {
        let id = sample_identities(today())
            .into_iter()
            .find(|i| i.valid_until == ValidUntil::LongTerm)
            .unwrap();
        let b = encode_text_block(&id);
        assert_eq!(&b[204..208], &[0x7F, 0x95, 0x1F, 0x67]);
    }

    #[test]
    fn inconsistent_cards_are_errors() {
        let id = sample_identities(today()).remove(0);
        let mut b = encode_text_block(&id);
        write(&mut b, mainland::BIRTH, "19700101");
        assert_eq!(
            parse_text_block(&b, today()),
            Err(CnidError::Inconsistent("birth date"))
        );
        let mut b = encode_text_block(&id);
        let flipped = if id.sex == Sex::Male { "2" } else { "1" };
        write(&mut b, mainland::SEX, flipped);
        assert_eq!(
            parse_text_block(&b, today()),
            Err(CnidError::Inconsistent("sex"))
        );
        let mut b = encode_text_block(&id);
        b[122 + 34] ^= 0x01; // last character of the number
        assert!(matches!(
            parse_text_block(&b, today()),
            Err(CnidError::IdNumber(_))
        ));
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert_eq!(
            parse_text_block(&[0u8; 10], today()),
            Err(CnidError::Length(10))
        );
        let mut b = encode_text_block(&sample_identities(today()).remove(0));
        b[248] = b'Z';
        assert_eq!(
            parse_text_block(&b, today()),
            Err(CnidError::TypeFlag(0x5A))
        );
        let mut b = encode_text_block(&sample_identities(today()).remove(0));
        b[36..40].copy_from_slice(&[0x00, 0xD8, 0x00, 0xD8]); // unpaired surrogates
        assert!(matches!(
            parse_text_block(&b, today()),
            Err(CnidError::Text { .. })
        ));
        // Pseudo-random blocks never panic.
        let mut x: u32 = 12345;
        for _ in 0..2000 {
            let mut block = [0u8; 256];
            for byte in block.iter_mut() {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
                *byte = (x >> 16) as u8;
            }
            let _ = parse_text_block(&block, today());
        }
    }
}
