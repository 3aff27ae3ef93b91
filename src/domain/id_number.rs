//! Citizen identity numbers (公民身份号码, GB 11643-1999) and the 18-character foreigner
//! permanent-residence numbers that share their checksum.
//!
//! Structure and checksum (GB 11643-1999; docs/DOMAIN.md, "Identity numbers"): six-digit
//! division code, `YYYYMMDD` birth date, three-digit sequence (odd = male), ISO 7064 MOD 11-2
//! check character.
//! Numbers keep the division code of the time of registration, so only the province prefix is
//! checked here; a retired county code (e.g. 350202 鼓浪屿区) is still a valid number.

use chrono::NaiveDate;
use std::fmt;

use super::identity::Sex;

/// Weights W_i = 2^(17-i) mod 11 for the first 17 characters.
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS: &[u8; 11] = b"10X98765432";

/// Province-level prefixes of GB/T 2260 in use since 1985, plus 71 (Taiwan, in the standard).
const PROVINCES: &[u8] = &[
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
    53, 54, 61, 62, 63, 64, 65, 71,
];

/// Earliest birth date accepted: the standard's own example (1880) must pass.
const EARLIEST_BIRTH: (i32, u32, u32) = (1800, 1, 1);

/// Where an identity number says its holder is registered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Region {
    /// Mainland division code; the two-digit province prefix.
    Mainland { province: u8 },
    /// 810000: Hong Kong residents' residence permit (港澳台居民居住证).
    HongKong,
    /// 820000: Macau residents.
    Macau,
    /// 830000: Taiwan residents.
    Taiwan,
    /// 9 + accepting province + ISO 3166 numeric country code: foreigners' permanent residence (2023).
    Foreigner { province: u8, country: u16 },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdNumberError {
    #[error("an identity number has 18 characters, this one has {0}")]
    Length(usize),
    #[error("character {position} must be a digit{}", if *.position == 18 { " or X" } else { "" })]
    Character { position: usize },
    #[error("check character is {found}, the number's digits require {expected}")]
    Checksum { expected: char, found: char },
    #[error("birth date {0} is not a possible date")]
    BirthDate(String),
    #[error("region prefix {0} is not a known province or special region")]
    Region(String),
}

/// A validated 18-character identity number. The text is personal data: it is wiped on drop
/// and never shown unmasked in logs (see [`IdNumber::masked`]).
#[derive(Clone, PartialEq, Eq, zeroize::ZeroizeOnDrop, zeroize::Zeroize)]
pub struct IdNumber(String);

impl fmt::Debug for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdNumber({})", self.masked())
    }
}

/// The MOD 11-2 check character for the first 17 digits.
pub fn check_char(first17: &[u8; 17]) -> char {
    let sum: u32 = first17
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    CHECK_CHARS[(sum % 11) as usize] as char
}

impl IdNumber {
    /// Validates `text` against `today` (a birth date after today is impossible).
    pub fn parse(text: &str, today: NaiveDate) -> Result<Self, IdNumberError> {
        let upper = text.trim().to_ascii_uppercase();
        let bytes = upper.as_bytes();
        if bytes.len() != 18 {
            return Err(IdNumberError::Length(upper.chars().count()));
        }
        if let Some(i) = bytes[..17].iter().position(|b| !b.is_ascii_digit()) {
            return Err(IdNumberError::Character { position: i + 1 });
        }
        let last = bytes[17];
        if !(last.is_ascii_digit() || last == b'X') {
            return Err(IdNumberError::Character { position: 18 });
        }
        let mut first17 = [0u8; 17];
        first17.copy_from_slice(&bytes[..17]);
        let expected = check_char(&first17);
        if expected != last as char {
            return Err(IdNumberError::Checksum {
                expected,
                found: last as char,
            });
        }
        let number = IdNumber(upper);
        number.region()?;
        let birth = number.birth_date_checked()?;
        let earliest =
            NaiveDate::from_ymd_opt(EARLIEST_BIRTH.0, EARLIEST_BIRTH.1, EARLIEST_BIRTH.2)
                .expect("constant date");
        if birth > today || birth < earliest {
            return Err(IdNumberError::BirthDate(number.0[6..14].to_string()));
        }
        Ok(number)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn birth_date_checked(&self) -> Result<NaiveDate, IdNumberError> {
        let digits = &self.0[6..14];
        let parse = |r: std::ops::Range<usize>| digits[r].parse::<u32>().unwrap_or(0);
        NaiveDate::from_ymd_opt(parse(0..4) as i32, parse(4..6), parse(6..8))
            .ok_or_else(|| IdNumberError::BirthDate(digits.to_string()))
    }

    /// Birth date encoded in characters 7–14.
    pub fn birth_date(&self) -> NaiveDate {
        self.birth_date_checked()
            .expect("validated at construction")
    }

    /// Sex encoded by the parity of the sequence number (odd = male).
    pub fn sex(&self) -> Sex {
        if (self.0.as_bytes()[16] - b'0') % 2 == 1 {
            Sex::Male
        } else {
            Sex::Female
        }
    }

    pub fn region(&self) -> Result<Region, IdNumberError> {
        let digit = |i: usize| self.0.as_bytes()[i] - b'0';
        let two = |i: usize| digit(i) * 10 + digit(i + 1);
        let bad = || IdNumberError::Region(self.0[..6].to_string());
        match digit(0) {
            9 => {
                let province = two(1);
                if !PROVINCES.contains(&province) {
                    return Err(bad());
                }
                let country = self.0[3..6].parse().map_err(|_| bad())?;
                Ok(Region::Foreigner { province, country })
            }
            8 => match &self.0[..6] {
                "810000" => Ok(Region::HongKong),
                "820000" => Ok(Region::Macau),
                "830000" => Ok(Region::Taiwan),
                _ => Err(bad()),
            },
            _ => {
                let province = two(0);
                if PROVINCES.contains(&province) {
                    Ok(Region::Mainland { province })
                } else {
                    Err(bad())
                }
            }
        }
    }

    /// The form printed on receipts and shown to staff: first 4 and last 4 characters.
    pub fn masked(&self) -> String {
        format!("{}**********{}", &self.0[..4], &self.0[14..])
    }
}

/// Completes 17 digits with their check character: how synthetic test and demo numbers are made.
pub fn with_check_char(first17: &str) -> String {
    let mut digits = [0u8; 17];
    digits.copy_from_slice(first17.as_bytes());
    format!("{first17}{}", check_char(&digits))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
    }

    #[test]
    fn reference_vectors_pass() {
        // The two examples printed in GB 11643-1999, and one recent number worked by hand.
        for n in [
            "11010519491231002X",
            "440524188001010014",
            "110101202311012176",
        ] {
            let id = IdNumber::parse(n, today()).unwrap_or_else(|e| panic!("{n}: {e}"));
            assert_eq!(id.as_str(), n);
        }
    }

    #[test]
    fn lowercase_x_is_accepted_and_normalised() {
        let id = IdNumber::parse("11010519491231002x", today()).unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
    }

    #[test]
    fn bad_checksum_names_the_expected_character() {
        assert_eq!(
            IdNumber::parse("110105194912310021", today()),
            Err(IdNumberError::Checksum {
                expected: 'X',
                found: '1'
            })
        );
    }

    #[test]
    fn every_single_digit_change_is_caught() {
        let good = "350203199001011234";
        let good = with_check_char(&good[..17]);
        for pos in 0..17 {
            for d in b'0'..=b'9' {
                let mut b = good.clone().into_bytes();
                if b[pos] == d {
                    continue;
                }
                b[pos] = d;
                let s = String::from_utf8(b).unwrap();
                assert!(IdNumber::parse(&s, today()).is_err(), "{s} accepted");
            }
        }
    }

    #[test]
    fn impossible_dates_are_rejected() {
        for body in [
            "35020319900230123",
            "35020319901301123",
            "35020317990101123",
            "35020320301201123",
        ] {
            let n = with_check_char(body);
            assert!(
                matches!(
                    IdNumber::parse(&n, today()),
                    Err(IdNumberError::BirthDate(_))
                ),
                "{n}"
            );
        }
    }

    #[test]
    fn unknown_regions_are_rejected() {
        for body in [
            "00010119900101123",
            "99010119900101123",
            "84000019900101123",
            "27010119900101123",
        ] {
            let n = with_check_char(body);
            assert!(
                matches!(IdNumber::parse(&n, today()), Err(IdNumberError::Region(_))),
                "{n}"
            );
        }
    }

    #[test]
    fn special_regions_and_foreigners() {
        let cases = [
            ("81000019900101123", Region::HongKong),
            ("82000019900101123", Region::Macau),
            ("83000019900101123", Region::Taiwan),
            (
                "93515619900101123",
                Region::Foreigner {
                    province: 35,
                    country: 156,
                },
            ),
            ("35020319900101123", Region::Mainland { province: 35 }),
        ];
        for (body, region) in cases {
            let id = IdNumber::parse(&with_check_char(body), today()).unwrap();
            assert_eq!(id.region(), Ok(region));
        }
    }

    #[test]
    fn length_and_characters() {
        assert_eq!(
            IdNumber::parse("1234", today()),
            Err(IdNumberError::Length(4))
        );
        assert_eq!(
            IdNumber::parse("1101051949A231002X", today()),
            Err(IdNumberError::Character { position: 11 })
        );
    }

    #[test]
    fn sex_birth_and_mask() {
        let id = IdNumber::parse("11010519491231002X", today()).unwrap();
        assert_eq!(id.sex(), Sex::Female);
        assert_eq!(
            id.birth_date(),
            NaiveDate::from_ymd_opt(1949, 12, 31).unwrap()
        );
        assert_eq!(id.masked(), "1101**********002X");
        assert!(!format!("{id:?}").contains("19491231"));
    }
}
