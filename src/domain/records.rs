//! The applicant's documents on record (the central's answer to `POST /v1/people/documents`)
//! and what the hall kiosk suggests from them: the application category of each document, and
//! the passport spelling of the name the last passport used. The rules are data in the
//! catalogue (`[record_rules]`, each document's `renewal_months`); docs/DOMAIN.md, "Documents
//! on record", gives their sources.

use std::fmt;

use chrono::{Months, NaiveDate};
use zeroize::{Zeroize, Zeroizing};

use super::catalogue::Catalogue;
use super::identity::mask;

/// Whose documents to look up: the ID number, personal data — masked in `Debug`, wiped on drop.
#[derive(Clone, PartialEq, Eq)]
pub struct WhoseRecords(pub Zeroizing<String>);

impl fmt::Debug for WhoseRecords {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "WhoseRecords({})", mask(&self.0))
    }
}

/// A passport or permit the administration holds for the person. Personal data: it lives in the
/// session's draft, `Debug` masks the number and leaves out the name, and the text is wiped on
/// drop.
#[derive(Clone, PartialEq, Eq)]
pub struct DocumentOnRecord {
    /// Catalogue document code: `passport`, `hk_macau_permit`, `taiwan_permit`.
    pub kind: String,
    pub number: String,
    pub issued_on: NaiveDate,
    pub expires_on: NaiveDate,
    pub status: RecordStatus,
    /// The name as spelled on the document.
    pub name_latin: Option<String>,
}

impl fmt::Debug for DocumentOnRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DocumentOnRecord")
            .field("kind", &self.kind)
            .field("number", &mask(&self.number))
            .field("expires_on", &self.expires_on)
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

impl Drop for DocumentOnRecord {
    fn drop(&mut self) {
        self.number.zeroize();
        if let Some(name) = &mut self.name_latin {
            name.zeroize();
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordStatus {
    Valid,
    Expired,
    ReportedLost,
    Cancelled,
}

/// Why a category is suggested, for the applicant to read beside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// Nothing of this kind on record.
    NoneOnRecord,
    /// The latest one expired, on this day where its date is past (a document the central
    /// marks expired before its date — cancelled on renewal, say — has none).
    Expired(Option<NaiveDate>),
    /// The latest one is valid but expires on this day, within the renewal window.
    Expiring(NaiveDate),
    /// The latest one was reported lost.
    ReportedLost,
}

/// A category the kiosk proposes for a document; the applicant may choose another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    /// Catalogue category code.
    pub category: String,
    pub reason: Reason,
}

/// What the latest document of kind `document` on record says about the next application:
/// `None` when nothing applies (a valid one far from expiry, a cancelled one), when the rule's
/// category is not offered for that document, or when the catalogue has no rules.
pub fn suggest(
    catalogue: &Catalogue,
    document: &str,
    records: &[DocumentOnRecord],
    today: NaiveDate,
) -> Option<Suggestion> {
    let rules = catalogue.record_rules.as_ref()?;
    let doc = catalogue.document(document)?;
    let latest = latest(records, document);
    let (category, reason) = match latest {
        None => (&rules.none, Reason::NoneOnRecord),
        Some(r) => match r.status {
            RecordStatus::ReportedLost => (&rules.reported_lost, Reason::ReportedLost),
            RecordStatus::Cancelled => return None,
            RecordStatus::Expired => {
                let past = (r.expires_on < today).then_some(r.expires_on);
                (&rules.expired, Reason::Expired(past))
            }
            RecordStatus::Valid if r.expires_on < today => {
                (&rules.expired, Reason::Expired(Some(r.expires_on)))
            }
            RecordStatus::Valid => {
                let window = today.checked_add_months(Months::new(doc.renewal_months))?;
                if r.expires_on > window {
                    return None;
                }
                (&rules.expiring, Reason::Expiring(r.expires_on))
            }
        },
    };
    doc.categories.contains(category).then(|| Suggestion {
        category: category.clone(),
        reason,
    })
}

/// The latest document of kind `document`: issued last; on the same day (a lost one and its
/// replacement) the one that expires last.
fn latest<'a>(records: &'a [DocumentOnRecord], document: &str) -> Option<&'a DocumentOnRecord> {
    records
        .iter()
        .filter(|r| r.kind == document)
        .max_by_key(|r| (r.issued_on, r.expires_on))
}

/// The name as the latest passport on record spells it, where the record has one.
pub fn last_passport_spelling(records: &[DocumentOnRecord]) -> Option<&str> {
    latest(records, "passport")
        .and_then(|r| r.name_latin.as_deref())
        .filter(|s| !s.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn passport(issued: NaiveDate, expires: NaiveDate, status: RecordStatus) -> DocumentOnRecord {
        DocumentOnRecord {
            kind: "passport".into(),
            number: "E12345678".into(),
            issued_on: issued,
            expires_on: expires,
            status,
            name_latin: Some("ZENG XIAOFANG".into()),
        }
    }

    const TODAY: (i32, u32, u32) = (2026, 12, 1);

    fn today() -> NaiveDate {
        day(TODAY.0, TODAY.1, TODAY.2)
    }

    fn suggestion(records: &[DocumentOnRecord]) -> Option<(String, Reason)> {
        suggest(&Catalogue::builtin(), "passport", records, today()).map(|s| (s.category, s.reason))
    }

    #[test]
    fn each_situation_on_record_suggests_its_category() {
        assert_eq!(
            suggestion(&[]),
            Some(("first_issue".into(), Reason::NoneOnRecord))
        );
        let expiring = day(2027, 3, 1);
        assert_eq!(
            suggestion(&[passport(day(2017, 3, 2), expiring, RecordStatus::Valid)]),
            Some(("renewal".into(), Reason::Expiring(expiring)))
        );
        let far = day(2030, 3, 1);
        assert_eq!(
            suggestion(&[passport(day(2020, 3, 2), far, RecordStatus::Valid)]),
            None,
            "valid beyond the renewal window: no suggestion"
        );
        let gone = day(2025, 3, 1);
        assert_eq!(
            suggestion(&[passport(day(2015, 3, 2), gone, RecordStatus::Expired)]),
            Some(("expired_reapply".into(), Reason::Expired(Some(gone))))
        );
        assert_eq!(
            suggestion(&[passport(day(2015, 3, 2), gone, RecordStatus::Valid)]),
            Some(("expired_reapply".into(), Reason::Expired(Some(gone)))),
            "a record not yet marked expired is judged by its date"
        );
        assert_eq!(
            suggestion(&[passport(day(2020, 3, 2), far, RecordStatus::Expired)]),
            Some(("expired_reapply".into(), Reason::Expired(None))),
            "marked expired before its date: no date to show"
        );
        assert_eq!(
            suggestion(&[passport(day(2020, 3, 2), far, RecordStatus::ReportedLost)]),
            Some(("reissue_lost".into(), Reason::ReportedLost))
        );
        assert_eq!(
            suggestion(&[passport(day(2020, 3, 2), far, RecordStatus::Cancelled)]),
            None
        );
    }

    #[test]
    fn on_the_same_issue_day_the_replacement_decides_and_debug_masks_the_number() {
        let lost = passport(day(2024, 1, 1), day(2034, 1, 1), RecordStatus::ReportedLost);
        let replacement = passport(day(2024, 1, 1), day(2034, 1, 2), RecordStatus::Valid);
        assert_eq!(suggestion(&[replacement.clone(), lost.clone()]), None);
        assert_eq!(suggestion(&[lost, replacement.clone()]), None);
        let shown = format!("{replacement:?}");
        assert!(
            !shown.contains("E12345678") && !shown.contains("ZENG"),
            "{shown}"
        );
    }

    #[test]
    fn the_latest_document_decides_and_other_kinds_do_not_count() {
        let old = passport(day(2010, 1, 1), day(2020, 1, 1), RecordStatus::ReportedLost);
        let new = passport(day(2021, 1, 1), day(2031, 1, 1), RecordStatus::Valid);
        assert_eq!(suggestion(&[old, new.clone()]), None);
        let mut permit = new.clone();
        permit.kind = "hk_macau_permit".into();
        assert_eq!(
            suggestion(&[permit]),
            Some(("first_issue".into(), Reason::NoneOnRecord))
        );
    }

    #[test]
    fn the_window_edge_and_the_spelling_of_the_latest_passport() {
        // Exactly six months ahead is inside the window; a day later is not.
        let edge = today().checked_add_months(Months::new(6)).unwrap();
        assert!(suggestion(&[passport(day(2017, 1, 1), edge, RecordStatus::Valid)]).is_some());
        let after = edge.succ_opt().unwrap();
        assert!(suggestion(&[passport(day(2017, 1, 1), after, RecordStatus::Valid)]).is_none());
        let mut older = passport(day(2006, 1, 1), day(2016, 1, 1), RecordStatus::Expired);
        older.name_latin = Some("TSANG SIU FONG".into());
        let newer = passport(day(2016, 2, 1), day(2026, 2, 1), RecordStatus::Expired);
        assert_eq!(
            last_passport_spelling(&[older, newer]),
            Some("ZENG XIAOFANG")
        );
        assert_eq!(last_passport_spelling(&[]), None);
    }
}
