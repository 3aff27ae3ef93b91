//! The card permit at the police-station kiosk: who the kiosk can serve, the chip's access key,
//! and whether the permit on the reader belongs to the person whose ID card was read
//! (docs/STATION.md, "Who the kiosk serves"). Everything here is personal data: wiped on drop,
//! `Debug` masked.

use std::fmt;

use chrono::{Datelike, NaiveDate};
use zeroize::Zeroize;

use super::holder::Portrait;
use super::identity::{Identity, mask};

/// The printed data of a card permit as an MRZ scanner read it (its one-line MRZ, check digits
/// verified): enough for the chip's access key once the birth date is compared with the ID card's.
#[derive(Clone, PartialEq, Eq)]
pub struct ScannedPermit {
    pub document_number: String,
    /// The MRZ's birth date, `YYMMDD`: compared with the ID card's, never used on its own.
    pub birth_yymmdd: String,
    pub expiry: NaiveDate,
}

impl fmt::Debug for ScannedPermit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScannedPermit")
            .field("document_number", &mask(&self.document_number))
            .finish_non_exhaustive()
    }
}

impl Drop for ScannedPermit {
    fn drop(&mut self) {
        self.document_number.zeroize();
        self.birth_yymmdd.zeroize();
    }
}

impl ScannedPermit {
    /// The chip's access key for the holder born on `birth_date` (the ID card's).
    ///
    /// Errors: [`WindowReason::NotTheHolder`] when the permit's birth date is another.
    pub fn key_for(&self, birth_date: NaiveDate) -> Result<AccessKey, WindowReason> {
        if birth_date.format("%y%m%d").to_string() != self.birth_yymmdd {
            return Err(WindowReason::NotTheHolder);
        }
        Ok(AccessKey {
            document_number: self.document_number.clone(),
            birth_date,
            expiry: self.expiry,
        })
    }
}

/// Why a scan gives no access key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanRefusal {
    /// Not an MRZ, or a check digit fails: misread or moved; scan again or type.
    Unreadable,
    /// A valid MRZ of another document (passport, booklet, ID card).
    NotCardPermit,
}

/// Youngest age the kiosk serves on its own: under-16s apply with a guardian at a window.
pub const MIN_AGE: u32 = 16;

/// Which permit the chip says it is (the MRZ's first two characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PermitKind {
    /// 往来港澳通行证, card type (`CS`).
    HkMacau,
    /// 往来台湾通行证, card type (`CD`).
    Taiwan,
    /// Anything else: a passport, a booklet, another country's card.
    Other,
}

impl PermitKind {
    /// The catalogue's document code (`hk_macau_permit`, `taiwan_permit`), none for others.
    pub fn document_code(self) -> Option<&'static str> {
        match self {
            PermitKind::HkMacau => Some("hk_macau_permit"),
            PermitKind::Taiwan => Some("taiwan_permit"),
            PermitKind::Other => None,
        }
    }
}

/// Passive authentication's verdict (ICAO Doc 9303-11 §5.1), as recorded with the transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChipVerdict {
    /// The data groups' hashes, the SOD signature and the chain to a configured CSCA hold.
    Verified,
    /// The signature holds but no configured CSCA anchors it.
    NoTrustAnchor,
    /// A hash, the signature or the chain failed: the chip's data cannot be trusted.
    Failed,
}

/// BAC's key seed input (ICAO Doc 9303-11 §4.3.2 via Doc 9303-4 §4.2.2): document number,
/// birth date and expiry as in the MRZ. Where it comes from: the central's record of the
/// person's documents, the keypad, or an MRZ reader — the birth date always from the ID card.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessKey {
    pub document_number: String,
    pub birth_date: NaiveDate,
    pub expiry: NaiveDate,
}

impl fmt::Debug for AccessKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessKey")
            .field("document_number", &mask(&self.document_number))
            .finish_non_exhaustive()
    }
}

impl Drop for AccessKey {
    fn drop(&mut self) {
        self.document_number.zeroize();
    }
}

/// What the kiosk learned from the permit's chip.
#[derive(Clone, PartialEq, Eq)]
pub struct PermitFacts {
    pub kind: PermitKind,
    /// As in the MRZ (`C12345678`).
    pub document_number: String,
    pub birth_date: NaiveDate,
    pub expiry: NaiveDate,
    /// The holder's Chinese name: DG11's full name, else the GBK name after the MRZ line in
    /// DG1; none when the chip carries neither.
    pub chinese_name: Option<String>,
    pub verdict: ChipVerdict,
    /// The holder's portrait from DG2, for the holder check (none when the chip's DG2 could
    /// not be read).
    pub portrait: Option<Portrait>,
}

impl fmt::Debug for PermitFacts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PermitFacts")
            .field("kind", &self.kind)
            .field("document_number", &mask(&self.document_number))
            .field("verdict", &self.verdict)
            .finish_non_exhaustive()
    }
}

impl Drop for PermitFacts {
    fn drop(&mut self) {
        self.document_number.zeroize();
        if let Some(name) = &mut self.chinese_name {
            name.zeroize();
        }
    }
}

/// Why the applicant is sent to a window: what the screen says, in plain words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowReason {
    /// A J, I or Y card: endorsements are for mainland residents' permits.
    CardType,
    CardExpired,
    /// Under 16: a guardian applies with them at a window.
    UnderAge,
    /// The document on the reader is not a card permit (booklet, passport, other card).
    NotCardPermit,
    PermitExpired,
    /// The permit's birth date or name differs from the ID card's.
    NotTheHolder,
    /// The chip's data could not be verified (passive authentication).
    ChipNotVerified,
    /// The chip could not be read with any key the kiosk has.
    PermitUnreadable,
    /// The holder check did not confirm the person at the kiosk as the permit's holder (or the
    /// challenge was not completed): staff compare person and document.
    HolderNotConfirmed,
}

/// Age in whole years on `today`.
pub fn age(birth: NaiveDate, today: NaiveDate) -> u32 {
    let mut years = today.year() - birth.year();
    if (today.month(), today.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    years.max(0) as u32
}

/// Whether the station kiosk can serve the holder of this ID card on their own: a mainland
/// resident, card valid, at least [`MIN_AGE`].
///
/// Errors: the [`WindowReason`] to show.
pub fn can_serve(identity: &Identity, today: NaiveDate) -> Result<(), WindowReason> {
    if !identity.card_type.is_mainland_citizen() {
        return Err(WindowReason::CardType);
    }
    if identity.expired(today) {
        return Err(WindowReason::CardExpired);
    }
    if age(identity.birth_date, today) < MIN_AGE {
        return Err(WindowReason::UnderAge);
    }
    Ok(())
}

/// Names compare without spaces (some chips pad the national name).
fn same_name(a: &str, b: &str) -> bool {
    let strip = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    strip(a) == strip(b)
}

/// Whether the permit read belongs to the ID card's holder and can be endorsed: a card permit,
/// verified chip, not expired, same birth date, and — where the chip carries a Chinese name —
/// the same name.
///
/// Errors: the [`WindowReason`] to show; nothing of the permit is kept by the caller.
pub fn holder_check(
    identity: &Identity,
    permit: &PermitFacts,
    today: NaiveDate,
) -> Result<(), WindowReason> {
    if permit.kind == PermitKind::Other {
        return Err(WindowReason::NotCardPermit);
    }
    if permit.verdict != ChipVerdict::Verified {
        return Err(WindowReason::ChipNotVerified);
    }
    if permit.expiry < today {
        return Err(WindowReason::PermitExpired);
    }
    let name_differs = permit
        .chinese_name
        .as_deref()
        .is_some_and(|n| !same_name(n, &identity.name));
    if permit.birth_date != identity.birth_date || name_differs {
        return Err(WindowReason::NotTheHolder);
    }
    Ok(())
}

/// A `YYMMDD` MRZ date as a day. Birth dates are placed in the century that puts them on or
/// before `today`; expiry dates in the 2000s (card permits were first issued in 2014).
pub fn mrz_date(yymmdd: &str, birth: bool, today: NaiveDate) -> Option<NaiveDate> {
    if yymmdd.len() != 6 || !yymmdd.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let yy: i32 = yymmdd[0..2].parse().ok()?;
    let mm: u32 = yymmdd[2..4].parse().ok()?;
    let dd: u32 = yymmdd[4..6].parse().ok()?;
    let mut year = 2000 + yy;
    if birth && year > today.year() {
        year -= 100;
    }
    NaiveDate::from_ymd_opt(year, mm, dd)
}

/// A day as an MRZ `YYMMDD` date.
pub fn yymmdd(day: NaiveDate) -> String {
    day.format("%y%m%d").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::identity::CardType;
    use crate::domain::samples::sample_identities;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn today() -> NaiveDate {
        day(2026, 11, 30)
    }

    fn applicant() -> Identity {
        sample_identities(today()).remove(0)
    }

    fn permit_of(id: &Identity) -> PermitFacts {
        PermitFacts {
            kind: PermitKind::HkMacau,
            document_number: "C12345678".into(),
            birth_date: id.birth_date,
            expiry: day(2031, 1, 1),
            chinese_name: Some(id.name.clone()),
            verdict: ChipVerdict::Verified,
            portrait: None,
        }
    }

    #[test]
    fn the_holders_own_permit_passes() {
        let id = applicant();
        assert_eq!(holder_check(&id, &permit_of(&id), today()), Ok(()));
        let mut no_name = permit_of(&id);
        no_name.chinese_name = None;
        assert_eq!(holder_check(&id, &no_name, today()), Ok(()));
        let mut padded = permit_of(&id);
        padded.chinese_name = Some(format!(" {} ", id.name));
        assert_eq!(holder_check(&id, &padded, today()), Ok(()));
    }

    #[test]
    fn anything_else_goes_to_a_window_with_its_reason() {
        let id = applicant();
        type Change = fn(&mut PermitFacts);
        let cases: [(Change, WindowReason); 6] = [
            (|p| p.kind = PermitKind::Other, WindowReason::NotCardPermit),
            (
                |p| p.verdict = ChipVerdict::Failed,
                WindowReason::ChipNotVerified,
            ),
            (
                |p| p.verdict = ChipVerdict::NoTrustAnchor,
                WindowReason::ChipNotVerified,
            ),
            (
                |p| p.expiry = day(2026, 11, 29),
                WindowReason::PermitExpired,
            ),
            (
                |p| p.birth_date = day(1990, 1, 1),
                WindowReason::NotTheHolder,
            ),
            (
                |p| p.chinese_name = Some("王五".into()),
                WindowReason::NotTheHolder,
            ),
        ];
        for (change, reason) in cases {
            let mut permit = permit_of(&id);
            change(&mut permit);
            assert_eq!(
                holder_check(&id, &permit, today()),
                Err(reason),
                "{permit:?}"
            );
        }
        let mut expires_today = permit_of(&id);
        expires_today.expiry = today();
        assert_eq!(holder_check(&id, &expires_today, today()), Ok(()));
    }

    #[test]
    fn card_type_expiry_and_age_decide_who_is_served() {
        let mut id = applicant();
        assert_eq!(can_serve(&id, today()), Ok(()));
        id.card_type = CardType::ForeignerPermanent2023;
        assert_eq!(can_serve(&id, today()), Err(WindowReason::CardType));
        id.card_type = CardType::Mainland;
        id.birth_date = day(2010, 12, 1);
        assert_eq!(can_serve(&id, today()), Err(WindowReason::UnderAge), "15");
        id.birth_date = day(2010, 11, 30);
        assert_eq!(can_serve(&id, today()), Ok(()), "16 today");
        id.valid_until = crate::domain::identity::ValidUntil::Date(day(2026, 11, 1));
        assert_eq!(can_serve(&id, today()), Err(WindowReason::CardExpired));
    }

    #[test]
    fn mrz_dates_land_in_the_right_century() {
        assert_eq!(mrz_date("920418", true, today()), Some(day(1992, 4, 18)));
        assert_eq!(mrz_date("100101", true, today()), Some(day(2010, 1, 1)));
        assert_eq!(mrz_date("310101", false, today()), Some(day(2031, 1, 1)));
        assert_eq!(mrz_date("311301", false, today()), None);
        assert_eq!(mrz_date("31010", false, today()), None);
        assert_eq!(yymmdd(day(1992, 4, 18)), "920418");
    }

    #[test]
    fn debug_output_masks_the_numbers() {
        let id = applicant();
        let text = format!(
            "{:?} {:?}",
            permit_of(&id),
            AccessKey {
                document_number: "C12345678".into(),
                birth_date: id.birth_date,
                expiry: today(),
            }
        );
        assert!(
            !text.contains("C12345678") && !text.contains(&id.name),
            "{text}"
        );
    }
}
