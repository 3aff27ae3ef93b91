//! The application number (一号到底): the one key that photo, acceptance, payment, delivery and
//! issuance use to find an application.
//!
//! Format: `<device id><YYMMDD><sequence, 5 digits><check>`, e.g. `XMH01261125000423`.
//! * Unique without asking the central: the device id is unique in the fleet and the store hands
//!   out each day's sequence numbers once.
//! * Check character: ISO 7064 MOD 37,36 (hybrid system) over the alphanumeric text, so a single
//!   mistyped or misread character and most adjacent swaps are detected.
//! * CODE128-friendly: upper-case letters and digits only; the 11-digit date + sequence run packs
//!   into code set C.

use chrono::NaiveDate;
use std::fmt;

const ALPHABET: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const M: u32 = 36;

/// Device ids are 2–8 upper-case letters or digits, starting with a letter (kiosk.toml).
pub fn valid_device_id(id: &str) -> bool {
    (2..=8).contains(&id.len())
        && id.as_bytes()[0].is_ascii_uppercase()
        && id
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

fn value(c: u8) -> Option<u32> {
    ALPHABET.iter().position(|&a| a == c).map(|p| p as u32)
}

/// ISO 7064 MOD 37,36 check character; `None` if `text` has a character outside 0-9A-Z.
pub fn check_char(text: &str) -> Option<char> {
    let mut p = M;
    for c in text.bytes() {
        let mut s = (p + value(c)?) % M;
        if s == 0 {
            s = M;
        }
        p = (2 * s) % (M + 1);
    }
    let check = (M + 1 - p) % M;
    Some(ALPHABET[check as usize] as char)
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AppNumber(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AppNumberError {
    #[error("not an application number: wrong length or characters")]
    Format,
    #[error("check character does not match: the number was mistyped or misread")]
    Check,
}

impl AppNumber {
    /// Composes the number for the `sequence`-th application of `date` on `device_id`.
    pub fn compose(device_id: &str, date: NaiveDate, sequence: u32) -> AppNumber {
        debug_assert!(valid_device_id(device_id));
        let body = format!(
            "{device_id}{}{:05}",
            date.format("%y%m%d"),
            sequence % 100_000
        );
        let check = check_char(&body).expect("device id validated by config");
        AppNumber(format!("{body}{check}"))
    }

    /// Parses a number read back from a barcode or typed by a clerk.
    pub fn parse(text: &str) -> Result<AppNumber, AppNumberError> {
        let text = text.trim().to_ascii_uppercase();
        if !(14..=20).contains(&text.len()) {
            return Err(AppNumberError::Format);
        }
        let (body, check) = text.split_at(text.len() - 1);
        let device_len = body.len() - 11;
        if !valid_device_id(&body[..device_len])
            || !body[device_len..].bytes().all(|b| b.is_ascii_digit())
        {
            return Err(AppNumberError::Format);
        }
        match check_char(body) {
            Some(c) if check.starts_with(c) => Ok(AppNumber(text)),
            Some(_) => Err(AppNumberError::Check),
            None => Err(AppNumberError::Format),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AppNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
    }

    #[test]
    fn compose_and_parse_round_trip() {
        let n = AppNumber::compose("XMH01", date(), 42);
        assert!(n.as_str().starts_with("XMH0126112500042"));
        assert_eq!(n.as_str().len(), 17);
        assert_eq!(AppNumber::parse(&n.as_str().to_lowercase()), Ok(n));
    }

    #[test]
    fn every_single_substitution_is_detected() {
        let n = AppNumber::compose("XMH01", date(), 42).as_str().to_string();
        for pos in 0..n.len() {
            for &c in ALPHABET {
                let mut b = n.clone().into_bytes();
                if b[pos] == c {
                    continue;
                }
                b[pos] = c;
                let s = String::from_utf8(b).unwrap();
                assert!(AppNumber::parse(&s).is_err(), "{s} accepted");
            }
        }
    }

    #[test]
    fn adjacent_transpositions_are_detected() {
        let n = AppNumber::compose("KS2", date(), 1234).as_str().to_string();
        let b = n.as_bytes();
        for i in 0..b.len() - 1 {
            if b[i] == b[i + 1] {
                continue;
            }
            let mut t = b.to_vec();
            t.swap(i, i + 1);
            let s = String::from_utf8(t).unwrap();
            assert!(AppNumber::parse(&s).is_err(), "{s} accepted");
        }
    }

    #[test]
    fn distinct_devices_and_sequences_give_distinct_numbers() {
        let mut seen = std::collections::HashSet::new();
        for dev in ["XMH01", "XMH02", "XMH1"] {
            for seq in 0..500 {
                assert!(seen.insert(AppNumber::compose(dev, date(), seq)));
            }
        }
    }

    #[test]
    fn malformed_numbers() {
        assert_eq!(AppNumber::parse("short"), Err(AppNumberError::Format));
        assert_eq!(
            AppNumber::parse("1MH0126112500042Z"),
            Err(AppNumberError::Format)
        );
        assert_eq!(
            AppNumber::parse("XMH01261125000A2Z"),
            Err(AppNumberError::Format)
        );
    }

    #[test]
    fn device_ids() {
        assert!(valid_device_id("XMH01"));
        assert!(!valid_device_id("xmh01"));
        assert!(!valid_device_id("1XM"));
        assert!(!valid_device_id("X"));
        assert!(!valid_device_id("XMH-01"));
    }
}
