//! The exit-entry catalogue — documents, categories, endorsement kinds and trip options, green-channel
//! reasons and fees — loaded from data (`assets/catalogue.toml`) so that a policy change is a data
//! change. Cross-references are checked when a catalogue is loaded, so the rest of the program can
//! look codes up without handling dangling ones.

use chrono::NaiveDate;
use serde::Deserialize;

/// A bilingual label.
pub trait Labelled {
    fn zh(&self) -> &str;
    fn en(&self) -> &str;
    fn code(&self) -> &str;
}

macro_rules! labelled {
    ($($t:ty),*) => {$(
        impl Labelled for $t {
            fn zh(&self) -> &str { &self.zh }
            fn en(&self) -> &str { &self.en }
            fn code(&self) -> &str { &self.code }
        }
    )*};
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Document {
    pub code: String,
    pub zh: String,
    pub en: String,
    pub fee: u32,
    pub categories: Vec<String>,
    pub destinations: Vec<String>,
    /// A valid document expiring within this many months is due for renewal (the documents
    /// on record suggest it: `records::suggest`).
    #[serde(default = "six")]
    pub renewal_months: u32,
}

fn six() -> u32 {
    6
}

/// The category each situation on record suggests (`records::suggest`; docs/DOMAIN.md,
/// "Documents on record").
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordRules {
    /// Nothing of the document's kind on record.
    pub none: String,
    /// The latest one expired.
    pub expired: String,
    /// The latest one is valid but within its renewal window.
    pub expiring: String,
    /// The latest one was reported lost.
    pub reported_lost: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    pub code: String,
    pub zh: String,
    pub en: String,
    #[serde(default = "yes")]
    pub document_fee: bool,
    #[serde(default)]
    pub fee_override: Option<u32>,
    #[serde(default)]
    pub requires_endorsement: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Destination {
    pub code: String,
    pub zh: String,
    pub en: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TripOption {
    pub code: String,
    pub zh: String,
    pub en: String,
    /// Yuan.
    pub fee: u32,
    /// Validity in months.
    pub months: u32,
    /// Multiple trips (its fee is its validity's tier, [`FeeTier`]).
    pub multiple: bool,
}

/// The fee of multiple-trip endorsements valid up to `up_to_months` (none: any longer).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeeTier {
    pub up_to_months: Option<u32>,
    /// Yuan.
    pub fee: u32,
    pub source: String,
}

/// An endorsement kind for some destinations, as a dated rule: where it comes from, since when
/// it applies, and to whom.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndorsementKind {
    pub code: String,
    pub destinations: Vec<String>,
    pub zh: String,
    pub en: String,
    pub trips: Vec<String>,
    /// False while the kind is suspended: it is still listed, so applicants see why it is not
    /// offered.
    #[serde(default = "yes")]
    pub available: bool,
    /// The notice or service guide the rule comes from, so a reader can check it.
    pub source: String,
    /// The first day the rule applies (`YYYY-MM-DD`); before it the kind is not offered.
    #[serde(default)]
    pub from: Option<NaiveDate>,
    /// Only for applicants whose household registration (the address on the ID card) is in
    /// this province, e.g. `福建省`. Holders of that province's residence permit qualify too, but
    /// the ID card cannot show that: they are sent to a window.
    #[serde(default)]
    pub hukou_province: Option<String>,
    /// Days the holder may stay per trip, where the rule in `source` sets one for every trip
    /// option of the kind. Absent where the stay follows another document (the Taiwan side's
    /// entry permit, an approval), differs between trip options, or no public rule could be
    /// confirmed: the central's offer carries the figure in every case.
    #[serde(default)]
    pub stay_days: Option<u32>,
}

/// Whether an endorsement kind is offered to one applicant on one day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Offer {
    Offered,
    /// Suspended, or not yet in force.
    Suspended,
    /// Only for residents of this province.
    ResidentsOnly(String),
}

impl EndorsementKind {
    /// Whether the kind is offered on `today` to someone whose ID card gives `address` as the
    /// household registration.
    pub fn offer(&self, address: &str, today: NaiveDate) -> Offer {
        if !self.available || self.from.is_some_and(|from| today < from) {
            return Offer::Suspended;
        }
        match &self.hukou_province {
            Some(p) if !address.starts_with(p.as_str()) => Offer::ResidentsOnly(p.clone()),
            _ => Offer::Offered,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GreenChannelReason {
    pub code: String,
    pub zh: String,
    pub en: String,
}

labelled!(
    Document,
    Category,
    Destination,
    TripOption,
    EndorsementKind,
    GreenChannelReason
);

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalogue {
    pub version: String,
    pub documents: Vec<Document>,
    pub categories: Vec<Category>,
    pub destinations: Vec<Destination>,
    pub trips: Vec<TripOption>,
    pub endorsements: Vec<EndorsementKind>,
    pub green_channel: Vec<GreenChannelReason>,
    /// Ordered by `up_to_months`, the open-ended tier last.
    pub multiple_fee_tiers: Vec<FeeTier>,
    /// What the documents on record suggest; absent: nothing is suggested.
    #[serde(default)]
    pub record_rules: Option<RecordRules>,
}

#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    #[error("catalogue is not valid TOML: {0}")]
    Syntax(#[from] toml::de::Error),
    #[error("catalogue refers to unknown {kind} `{code}` (in {place})")]
    Dangling {
        kind: &'static str,
        code: String,
        place: String,
    },
    #[error("trip option `{code}` costs {fee} yuan, but its fee tier says {tier}")]
    FeeTier { code: String, fee: u32, tier: u32 },
}

const BUILTIN: &str = include_str!("../../assets/catalogue.toml");

impl Catalogue {
    /// The catalogue shipped with this build.
    pub fn builtin() -> Catalogue {
        Catalogue::from_toml(BUILTIN).expect("the bundled catalogue is checked by a unit test")
    }

    pub fn from_toml(text: &str) -> Result<Catalogue, CatalogueError> {
        let catalogue: Catalogue = toml::from_str(text)?;
        catalogue.check_references()?;
        catalogue.check_fee_tiers()?;
        Ok(catalogue)
    }

    /// The fee of a multiple-trip endorsement valid for `months`, from the tiers.
    pub fn multiple_fee(&self, months: u32) -> Option<u32> {
        self.multiple_fee_tiers
            .iter()
            .find(|t| t.up_to_months.is_none_or(|up_to| months <= up_to))
            .map(|t| t.fee)
    }

    fn check_fee_tiers(&self) -> Result<(), CatalogueError> {
        for t in self.trips.iter().filter(|t| t.multiple) {
            let tier = self.multiple_fee(t.months).unwrap_or(0);
            if tier != t.fee {
                return Err(CatalogueError::FeeTier {
                    code: t.code.clone(),
                    fee: t.fee,
                    tier,
                });
            }
        }
        Ok(())
    }

    fn check_references(&self) -> Result<(), CatalogueError> {
        let dangling = |kind, code: &str, place: &str| CatalogueError::Dangling {
            kind,
            code: code.to_string(),
            place: place.to_string(),
        };
        for d in &self.documents {
            for c in &d.categories {
                self.category(c)
                    .ok_or_else(|| dangling("category", c, &d.code))?;
            }
            for dest in &d.destinations {
                self.destination(dest)
                    .ok_or_else(|| dangling("destination", dest, &d.code))?;
            }
        }
        if let Some(r) = &self.record_rules {
            for c in [&r.none, &r.expired, &r.expiring, &r.reported_lost] {
                self.category(c)
                    .ok_or_else(|| dangling("category", c, "record_rules"))?;
            }
        }
        for e in &self.endorsements {
            for dest in &e.destinations {
                self.destination(dest)
                    .ok_or_else(|| dangling("destination", dest, &e.code))?;
            }
            for t in &e.trips {
                self.trip(t)
                    .ok_or_else(|| dangling("trip option", t, &e.code))?;
            }
        }
        Ok(())
    }

    pub fn document(&self, code: &str) -> Option<&Document> {
        self.documents.iter().find(|d| d.code == code)
    }

    pub fn category(&self, code: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.code == code)
    }

    pub fn destination(&self, code: &str) -> Option<&Destination> {
        self.destinations.iter().find(|d| d.code == code)
    }

    pub fn trip(&self, code: &str) -> Option<&TripOption> {
        self.trips.iter().find(|t| t.code == code)
    }

    /// Endorsement kinds offered for a destination, in catalogue order.
    pub fn endorsements_for<'a>(
        &'a self,
        destination: &'a str,
    ) -> impl Iterator<Item = &'a EndorsementKind> + 'a {
        self.endorsements
            .iter()
            .filter(move |e| e.destinations.iter().any(|d| d == destination))
    }

    pub fn endorsement(&self, destination: &str, kind: &str) -> Option<&EndorsementKind> {
        self.endorsements
            .iter()
            .find(|e| e.code == kind && e.destinations.iter().any(|d| d == destination))
    }

    pub fn green_channel_reason(&self, code: &str) -> Option<&GreenChannelReason> {
        self.green_channel.iter().find(|r| r.code == code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_catalogue_loads_and_is_consistent() {
        let c = Catalogue::builtin();
        assert_eq!(c.documents.len(), 3);
        assert_eq!(c.green_channel.len(), 8);
        assert_eq!(c.document("passport").unwrap().fee, 120);
        assert_eq!(c.document("hk_macau_permit").unwrap().fee, 60);
        assert_eq!(c.category("annotation").unwrap().fee_override, Some(20));
        assert!(!c.endorsement("taiwan", "G").unwrap().available);
        assert_eq!(c.endorsements_for("hk").count(), 5);
        assert!(c.endorsements.iter().all(|e| !e.source.trim().is_empty()));
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    #[test]
    fn macau_individual_visits_are_once_only_and_hong_kong_keeps_twice() {
        let c = Catalogue::builtin();
        assert_eq!(c.endorsement("macau", "G").unwrap().trips, ["3m1", "1y1"]);
        assert_eq!(
            c.endorsement("hk", "G").unwrap().trips,
            ["3m1", "3m2", "1y1", "1y2"]
        );
    }

    #[test]
    fn taiwan_tours_are_suspended_and_kinmen_matsu_are_for_fujian_residents_from_their_dates() {
        let c = Catalogue::builtin();
        let today = day("2026-11-30");
        let beijing = "北京市东城区示例街1号";
        let fuzhou = "福建省福州市鼓楼区示例路8号";
        for kind in ["G", "L"] {
            let taiwan = c.endorsement("taiwan", kind).unwrap();
            assert_eq!(taiwan.offer(fuzhou, today), Offer::Suspended, "{kind}");
            for island in ["kinmen", "matsu"] {
                let e = c.endorsement(island, kind).unwrap();
                assert_eq!(e.trips, ["6m1"]);
                assert_eq!(e.offer(fuzhou, today), Offer::Offered, "{island} {kind}");
                assert_eq!(
                    e.offer(beijing, today),
                    Offer::ResidentsOnly("福建省".into())
                );
            }
        }
        let matsu = c.endorsement("matsu", "G").unwrap();
        assert_eq!(matsu.offer(fuzhou, day("2024-08-21")), Offer::Suspended);
        assert_eq!(matsu.offer(fuzhou, day("2024-08-22")), Offer::Offered);
        let kinmen = c.endorsement("kinmen", "L").unwrap();
        assert_eq!(kinmen.offer(fuzhou, day("2024-09-26")), Offer::Suspended);
        assert_eq!(kinmen.offer(fuzhou, day("2024-09-27")), Offer::Offered);
    }

    #[test]
    fn dangling_reference_is_an_error() {
        let broken = BUILTIN.replace("trips = [\"3m1\", \"1y1\"]", "trips = [\"9y9\"]");
        assert_ne!(broken, BUILTIN, "the test edits the catalogue");
        assert!(matches!(
            Catalogue::from_toml(&broken),
            Err(CatalogueError::Dangling {
                kind: "trip option",
                ..
            })
        ));
    }

    #[test]
    fn unknown_field_is_an_error() {
        let broken = format!("{BUILTIN}\nsurprise = 1\n");
        assert!(matches!(
            Catalogue::from_toml(&broken),
            Err(CatalogueError::Syntax(_))
        ));
    }

    #[test]
    fn multiple_trip_fees_follow_their_validity_tier() {
        let cat = Catalogue::builtin();
        let fee = |months| cat.multiple_fee(months);
        assert_eq!(
            [fee(3), fee(12), fee(13), fee(24), fee(30), fee(36), fee(60)],
            [
                Some(80),
                Some(80),
                Some(120),
                Some(120),
                Some(160),
                Some(240),
                Some(240)
            ]
        );
        for (code, yuan) in [("3mM", 80), ("1yM", 80), ("2yM", 120), ("3yM", 240)] {
            assert_eq!(cat.trip(code).map(|t| t.fee), Some(yuan), "{code}");
        }
        let taiwan_family = cat.endorsement("taiwan", "T").expect("T");
        assert!(taiwan_family.trips.iter().any(|t| t == "3yM"));
        // A set whose multiple-trip fee contradicts its tier is refused.
        let wrong = BUILTIN.replace(
            "code = \"2yM\"\nzh = \"两年多次\"\nen = \"2 years, multiple trips\"\nfee = 120",
            "code = \"2yM\"\nzh = \"两年多次\"\nen = \"2 years, multiple trips\"\nfee = 80",
        );
        assert_ne!(wrong, BUILTIN, "the test edits the catalogue");
        assert!(matches!(
            Catalogue::from_toml(&wrong),
            Err(CatalogueError::FeeTier { tier: 120, .. })
        ));
    }
}
