//! The endorsement area of the virtual card permit, and the permit card that carries it next to
//! its eMRTD application.
//!
//! A real permit's endorsement area opens only with the issuing authority's keys, which the
//! writer module holds, and its commands are not public (docs/STATION.md, "Devices"). This is
//! the project's own stand-in, built from plain ISO/IEC 7816-4 commands so that the simulated
//! writer (`dev::vcard::writer`) goes through the real `pcscd` like a vendor module would:
//!
//! | Command | APDU | Answers |
//! |---|---|---|
//! | SELECT the area by AID | `00 A4 04 0C 09` [`AREA_AID`] | `90 00`; any other AID goes to the eMRTD application |
//! | GET DATA, document number | `00 CA 00 5A 00` | the permit's number (ASCII) |
//! | GET CHALLENGE | `00 84 00 00 08` | 8 random bytes; another Le `67 00` |
//! | EXTERNAL AUTHENTICATE | `00 82 00 00 08` MAC | `90 00`; a wrong MAC `63 00` (the challenge is spent either way) |
//! | READ RECORD n | `00 B2 n 04 00` | record n; `6A 83` past the last; `6C xx` for a short Le |
//! | APPEND RECORD | `00 E2 00 00 Lc` data | `90 00`; `6A 84` when the area is full |
//! | UPDATE RECORD n | `00 DC n 04 Lc` data | `90 00`; `6A 83` when there is no record n |
//!
//! The MAC is the ISO/IEC 9797-1 algorithm 3 MAC (as in BAC) of the padded challenge under
//! [`MODULE_KEY`]. READ, APPEND and UPDATE RECORD need it first (`69 82`); selecting
//! again, a reset or a power cycle forget it. Records are 1 to [`RECORD_MAX`] bytes (`67 00`
//! otherwise), at most [`RECORDS_MAX`] of them; a record is the endorsement as ASCII
//! `destination/kind/trips/YYYYMMDD/YYYYMMDD/serial` ([`encode`], [`decode`]). Like the eMRTD
//! application, the area accepts class `00` only (`6E 00`) and short APDUs only (`67 00`); wrong
//! P1-P2 answer `6A 86`.

use std::sync::{Arc, Mutex, MutexGuard};

use chrono::NaiveDate;

use super::emrtd::EmrtdCard;
use super::{VirtualCard, challenge, sw};
use crate::devices::card::emrtd::bac::{pad, retail_mac};
use crate::devices::card::transport::apdu;
use crate::devices::writer::ChipEndorsement;

/// The area's application identifier: `F` in the first nibble makes it a proprietary,
/// unregistered AID (ISO/IEC 7816-4 §12.2.3), as fits a stand-in.
pub const AREA_AID: [u8; 9] = [0xF0, b'K', b'I', b'O', b'S', b'K', b'E', b'N', b'D'];

/// The simulated module's key for EXTERNAL AUTHENTICATE (a test key: the area is synthetic).
pub const MODULE_KEY: [u8; 16] = *b"kiosk-sim-module";

/// Longest record, in bytes.
pub const RECORD_MAX: usize = 64;

/// Most records the area holds.
pub const RECORDS_MAX: usize = 8;

/// The area's records, shared with whoever made the card, so a test can see what the chip
/// holds without going through a reader.
#[derive(Debug, Clone, Default)]
pub struct AreaRecords(Arc<Mutex<Vec<Vec<u8>>>>);

impl AreaRecords {
    /// An area personalised with these endorsements.
    pub fn holding(endorsements: &[ChipEndorsement]) -> AreaRecords {
        AreaRecords(Arc::new(Mutex::new(
            endorsements.iter().map(encode).collect(),
        )))
    }

    fn lock(&self) -> MutexGuard<'_, Vec<Vec<u8>>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The endorsements as the chip holds them now (records that do not decode are skipped).
    pub fn endorsements(&self) -> Vec<ChipEndorsement> {
        self.lock().iter().filter_map(|r| decode(r)).collect()
    }

    /// How many records the area holds.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }
}

/// One endorsement as a record of the area.
pub fn encode(e: &ChipEndorsement) -> Vec<u8> {
    format!(
        "{}/{}/{}/{}/{}/{}",
        e.destination,
        e.kind,
        e.trips,
        e.valid_from.format("%Y%m%d"),
        e.valid_until.format("%Y%m%d"),
        e.serial
    )
    .into_bytes()
}

/// A record of the area as an endorsement; none when it is not one.
pub fn decode(record: &[u8]) -> Option<ChipEndorsement> {
    let text = std::str::from_utf8(record).ok()?;
    let mut parts = text.split('/');
    let mut next = || parts.next().filter(|p| !p.is_empty());
    let (destination, kind, trips) = (next()?, next()?, next()?);
    let day = |p: &str| NaiveDate::parse_from_str(p, "%Y%m%d").ok();
    let valid_from = day(next()?)?;
    let valid_until = day(next()?)?;
    let serial = next()?.to_string();
    if next().is_some() {
        return None;
    }
    Some(ChipEndorsement {
        destination: destination.into(),
        kind: kind.into(),
        trips: trips.into(),
        valid_from,
        valid_until,
        serial,
    })
}

/// The endorsement area's application state.
struct Area {
    document_number: String,
    records: AreaRecords,
    challenge: Option<[u8; 8]>,
    authenticated: bool,
}

impl Area {
    fn forget(&mut self) {
        self.challenge = None;
        self.authenticated = false;
    }

    fn respond(&mut self, p: &apdu::Parsed<'_>) -> Vec<u8> {
        let record_ok = |data: &[u8]| !data.is_empty() && data.len() <= RECORD_MAX;
        match p.header {
            [0x00, 0xCA, 0x00, 0x5A] => {
                let mut out = self.document_number.as_bytes().to_vec();
                out.extend(sw(0x9000));
                out
            }
            [0x00, 0x84, 0x00, 0x00] if p.le != Some(8) || !p.data.is_empty() => sw(0x6700),
            [0x00, 0x84, 0x00, 0x00] => challenge(&mut self.challenge),
            [0x00, 0x82, p1, p2] if (p1, p2) != (0, 0) => sw(0x6A86),
            [0x00, 0x82, 0x00, 0x00] => {
                let Some(challenge) = self.challenge.take() else {
                    return sw(0x6985);
                };
                if p.data.len() != 8 {
                    return sw(0x6700);
                }
                self.authenticated = retail_mac(&MODULE_KEY, &pad(&challenge)) == p.data;
                if self.authenticated {
                    sw(0x9000)
                } else {
                    sw(0x6300)
                }
            }
            [0x00, 0xB2 | 0xE2 | 0xDC, ..] if !self.authenticated => sw(0x6982),
            [0x00, 0xB2, n, 0x04] if n > 0 => {
                if !p.data.is_empty() {
                    return sw(0x6700);
                }
                match self.records.lock().get(usize::from(n) - 1) {
                    // Le shorter than the record: the exact length, to ask again
                    // (ISO/IEC 7816-4 `6C xx`).
                    Some(record) if p.le.is_some_and(|le| le < record.len()) => {
                        sw(0x6C00 | record.len() as u16)
                    }
                    Some(record) => {
                        let mut out = record.clone();
                        out.extend(sw(0x9000));
                        out
                    }
                    None => sw(0x6A83),
                }
            }
            [0x00, 0xE2, 0x00, 0x00] if record_ok(p.data) => {
                let mut records = self.records.lock();
                if records.len() >= RECORDS_MAX {
                    return sw(0x6A84);
                }
                records.push(p.data.to_vec());
                sw(0x9000)
            }
            [0x00, 0xDC, n, 0x04] if n > 0 && record_ok(p.data) => {
                match self.records.lock().get_mut(usize::from(n) - 1) {
                    Some(record) => {
                        *record = p.data.to_vec();
                        sw(0x9000)
                    }
                    None => sw(0x6A83),
                }
            }
            [0x00, 0xE2, 0x00, 0x00] | [0x00, 0xDC, 1..=0xFF, 0x04] => sw(0x6700),
            // Wrong P1-P2 (ISO/IEC 7816-4: incorrect parameters).
            [0x00, 0xB2 | 0xE2 | 0xDC, ..] => sw(0x6A86),
            [cla, ..] if cla != 0x00 => sw(0x6E00),
            _ => sw(0x6D00),
        }
    }
}

/// Which application the card's last SELECT chose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Selected {
    Chip,
    Area,
}

/// A card permit: its eMRTD application (read by the permit reader) and its endorsement area
/// (written and read back by the writer module).
pub struct PermitCard {
    chip: EmrtdCard,
    area: Area,
    selected: Selected,
}

impl PermitCard {
    /// `records` is the area's content, shared with the caller.
    pub fn new(chip: EmrtdCard, document_number: &str, records: AreaRecords) -> PermitCard {
        PermitCard {
            chip,
            area: Area {
                document_number: document_number.into(),
                records,
                challenge: None,
                authenticated: false,
            },
            selected: Selected::Chip,
        }
    }
}

impl VirtualCard for PermitCard {
    fn atr(&self) -> Vec<u8> {
        self.chip.atr()
    }

    fn reset(&mut self) {
        self.chip.reset();
        self.area.forget();
        self.selected = Selected::Chip;
    }

    fn respond(&mut self, raw: &[u8]) -> Vec<u8> {
        if raw.starts_with(&[0x00, 0xA4, 0x04]) {
            let to_area = apdu::parse_command(raw).is_some_and(|p| p.data == AREA_AID);
            // Selecting an application ends the other's session, as on a multi-application
            // chip.
            self.chip.reset();
            self.area.forget();
            if to_area {
                self.selected = Selected::Area;
                return sw(0x9000);
            }
            self.selected = Selected::Chip;
        }
        match self.selected {
            Selected::Chip => self.chip.respond(raw),
            Selected::Area => {
                if apdu::is_extended(raw) {
                    return sw(0x6700);
                }
                match apdu::parse_command(raw) {
                    Some(p) => self.area.respond(&p),
                    None => sw(0x6700),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dev::vcard::pki::TestPki;
    use crate::dev::vcard::samples;
    use crate::devices::card::transport::apdu::Command;

    fn card() -> (PermitCard, AreaRecords) {
        let pki = TestPki::generate("Kiosk Test CSCA").expect("test PKI");
        let records = AreaRecords::default();
        let card = samples::permit_card(&pki, Default::default(), records.clone());
        (card, records)
    }

    fn send(card: &mut PermitCard, cmd: Command) -> (Vec<u8>, u16) {
        apdu::split(&card.respond(&cmd.encode()), "test").expect("status word")
    }

    fn authenticate(card: &mut PermitCard) -> u16 {
        let (challenge, _) = send(card, Command::new(0, 0x84, 0, 0).le(8));
        let mac = retail_mac(&MODULE_KEY, &pad(&challenge));
        send(card, Command::new(0, 0x82, 0, 0).data(mac.to_vec())).1
    }

    fn select(card: &mut PermitCard) -> u16 {
        send(card, Command::new(0, 0xA4, 4, 0x0C).data(AREA_AID.to_vec())).1
    }

    fn hk() -> ChipEndorsement {
        ChipEndorsement {
            destination: "hk".into(),
            kind: "G".into(),
            trips: "3m1".into(),
            valid_from: NaiveDate::from_ymd_opt(2026, 12, 1).expect("date"),
            valid_until: NaiveDate::from_ymd_opt(2027, 2, 28).expect("date"),
            serial: "J-000001".into(),
        }
    }

    #[test]
    fn records_round_trip_and_odd_ones_do_not_decode() {
        assert_eq!(decode(&encode(&hk())), Some(hk()));
        for odd in [
            &b"hk/G/3m1/20261201"[..],
            b"hk/G/3m1/20261201/20270228",
            b"hk/G/3m1/20261201/20270228/J-1/x",
            b"hk//3m1/20261201/20270228/J-1",
            b"hk/G/3m1/20261301/20270228/J-1",
            b"\xFF",
        ] {
            assert_eq!(decode(odd), None, "{odd:?}");
        }
    }

    #[test]
    fn the_area_opens_only_with_the_module_key_and_keeps_what_is_written() {
        let (mut card, records) = card();
        assert_eq!(select(&mut card), 0x9000);
        let (number, status) = send(&mut card, Command::new(0, 0xCA, 0, 0x5A).le(256));
        assert_eq!((number.as_slice(), status), (&b"C12345678"[..], 0x9000));
        let append = Command::new(0, 0xE2, 0, 0).data(encode(&hk()));
        assert_eq!(
            send(&mut card, append.clone()).1,
            0x6982,
            "not authenticated"
        );
        // A MAC under another key is refused and spends the challenge.
        let (challenge, _) = send(&mut card, Command::new(0, 0x84, 0, 0).le(8));
        let wrong = retail_mac(&[7; 16], &pad(&challenge));
        assert_eq!(
            send(&mut card, Command::new(0, 0x82, 0, 0).data(wrong.to_vec())).1,
            0x6300
        );
        let again = Command::new(0, 0x82, 0, 0).data(wrong.to_vec());
        assert_eq!(send(&mut card, again).1, 0x6985, "no challenge");
        assert_eq!(authenticate(&mut card), 0x9000);
        assert_eq!(send(&mut card, append).1, 0x9000);
        let (record, status) = send(&mut card, Command::new(0, 0xB2, 1, 4).le(256));
        assert_eq!((decode(&record), status), (Some(hk()), 0x9000));
        let short = Command::new(0, 0xB2, 1, 4).le(4);
        assert_eq!(
            send(&mut card, short).1,
            0x6C00 | encode(&hk()).len() as u16
        );
        assert_eq!(
            send(&mut card, Command::new(0, 0xB2, 2, 4).le(256)).1,
            0x6A83
        );
        let update = Command::new(0, 0xDC, 2, 4).data(encode(&hk()));
        assert_eq!(send(&mut card, update).1, 0x6A83, "no record 2");
        assert_eq!(records.endorsements(), [hk()]);
        // Reset and reselection forget the authentication.
        card.reset();
        assert_eq!(select(&mut card), 0x9000);
        let read = Command::new(0, 0xB2, 1, 4).le(256);
        assert_eq!(send(&mut card, read).1, 0x6982);
    }

    #[test]
    fn the_area_refuses_what_a_strict_card_refuses() {
        let (mut card, records) = card();
        select(&mut card);
        authenticate(&mut card);
        let long = Command::new(0, 0xE2, 0, 0).data(vec![b'x'; RECORD_MAX + 1]);
        assert_eq!(send(&mut card, long).1, 0x6700);
        assert_eq!(send(&mut card, Command::new(0, 0xE2, 0, 0)).1, 0x6700);
        assert_eq!(
            send(&mut card, Command::new(0x80, 0xB2, 1, 4).le(256)).1,
            0x6E00
        );
        let extended = Command::new(0, 0xB2, 1, 4).le(1024);
        assert_eq!(send(&mut card, extended).1, 0x6700);
        assert_eq!(
            send(&mut card, Command::new(0, 0x84, 0, 0).le(16)).1,
            0x6700
        );
        let wrong_p1p2 = Command::new(0, 0xE2, 1, 0).data(encode(&hk()));
        assert_eq!(send(&mut card, wrong_p1p2).1, 0x6A86);
        assert_eq!(
            send(&mut card, Command::new(0, 0xB2, 0, 4).le(256)).1,
            0x6A86
        );
        for _ in 0..RECORDS_MAX {
            let append = Command::new(0, 0xE2, 0, 0).data(encode(&hk()));
            assert_eq!(send(&mut card, append).1, 0x9000);
        }
        let full = Command::new(0, 0xE2, 0, 0).data(encode(&hk()));
        assert_eq!(send(&mut card, full).1, 0x6A84);
        assert_eq!(records.len(), RECORDS_MAX);
        // The eMRTD application is still there, and selecting it closes the area.
        let emrtd = Command::new(0, 0xA4, 4, 0x0C)
            .data(crate::devices::card::emrtd::chip::EMRTD_AID.to_vec());
        assert_eq!(send(&mut card, emrtd).1, 0x9000);
        assert_eq!(
            send(&mut card, Command::new(0, 0xB2, 1, 4).le(256)).1,
            0x6D00,
            "the eMRTD application has no READ RECORD"
        );
    }
}
