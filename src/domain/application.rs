//! The combined application (三表合一): every document wanted, its category and endorsements, the
//! contact and delivery details, and the rules that decide whether it may be submitted.
//! Validation returns every problem at once so the applicant can fix them in one pass.

use chrono::NaiveDate;

use super::app_number::AppNumber;
use super::catalogue::{Catalogue, Offer};
use super::contact::{ContactProblem, EmergencyContact};
use super::delivery::{AddressProblem, EmsAddress};
use super::guardian::Guardian;
use super::holder::HolderVerdict;
use super::identity::Identity;
pub use super::mobile::valid_mobile;
use super::photo::Photo;

/// A stored application: what the receipt prints and the central receives.
#[derive(Debug, Clone)]
pub struct Application {
    pub number: AppNumber,
    pub identity: Identity,
    pub choices: Choices,
    /// `None` when the kiosk could not take a compliant photo: staff take it at the window.
    pub photo: Option<Photo>,
    /// The last photo check report (JSON) when the photo goes to the window.
    pub photo_report: Option<String>,
    /// The holder check's verdict, where the hall kiosk runs one (printed for the clerk).
    pub holder: Option<HolderVerdict>,
    /// The guardian of an applicant under 16.
    pub guardian: Option<Guardian>,
    /// The last passport's spelling of the name, where it differs from the pinyin on the form
    /// (the clerk checks which is right).
    pub previous_spelling: Option<String>,
    /// Today's booking as the central knew it at card read (`None`: no central was asked).
    pub booking: Option<crate::domain::appointment::Booking>,
    /// The fee's state when the form was printed, where the kiosk takes payments.
    pub payment: Option<crate::domain::fee_payment::FeePayment>,
    pub fee: u32,
    pub created_at: chrono::NaiveDateTime,
}

/// One endorsement: a kind and trip option for one destination (HK and Macau are chosen separately).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endorsement {
    pub destination: String,
    pub kind: String,
    pub trips: String,
}

/// One document on the form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentRequest {
    pub document: String,
    pub category: String,
    pub endorsements: Vec<Endorsement>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// Collect at the exit-entry hall.
    Collect,
    /// EMS to the household address from the card, or to an address chosen on the address
    /// page.
    Ems(EmsAddress),
}

/// The choices an applicant makes on the kiosk; the identity comes from the card.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Choices {
    pub documents: Vec<DocumentRequest>,
    pub phone: String,
    pub delivery: Option<Delivery>,
    pub green_channel: Option<String>,
    pub pinyin_surname: String,
    pub pinyin_given: String,
    pub pinyin_confirmed: bool,
    /// The emergency contact, where the applicant gave one.
    pub emergency_contact: Option<EmergencyContact>,
}

/// A problem with an application, in the applicant's terms.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    #[error("choose at least one document")]
    NoDocument,
    #[error("{0}: choose an application category")]
    NoCategory(String),
    #[error("{document}: category {category} is not offered for this document")]
    CategoryNotOffered { document: String, category: String },
    #[error("{0}: an endorsement-only application needs at least one endorsement")]
    EndorsementRequired(String),
    #[error("{document}: {destination} is not a destination of this document")]
    WrongDestination {
        document: String,
        destination: String,
    },
    #[error("{document}: only one endorsement per destination ({destination})")]
    DuplicateDestination {
        document: String,
        destination: String,
    },
    #[error("{destination}: endorsement {kind} is not offered")]
    KindNotOffered { destination: String, kind: String },
    #[error("{destination}: endorsement {kind} is suspended")]
    KindSuspended { destination: String, kind: String },
    #[error("{kind} for {destination} is only for residents of the province the rule names")]
    KindResidentsOnly { destination: String, kind: String },
    #[error("{kind}: trip option {trips} is not offered")]
    TripsNotOffered { kind: String, trips: String },
    #[error("{0}: the document was chosen twice")]
    DuplicateDocument(String),
    #[error("mobile number must be 11 digits starting with 1 and a valid network prefix")]
    Phone,
    #[error("choose collection or EMS delivery")]
    NoDelivery,
    #[error("EMS delivery needs an address")]
    EmsAddress,
    #[error("green-channel reason {0} is not known")]
    GreenChannel(String),
    #[error("confirm the name in pinyin")]
    PinyinNotConfirmed,
    /// The address page is not done (docs/DOMAIN.md, "Delivery addresses").
    #[error("delivery address: {0}")]
    Address(AddressProblem),
    /// The emergency contact page is not done.
    #[error("emergency contact: {0}")]
    Contact(ContactProblem),
}

impl Choices {
    /// Problems with the document part of the form (the documents step). `address` is the
    /// household registration on the applicant's ID card and `today` the day of application:
    /// the catalogue's rules are dated and some are for one province's residents only.
    pub fn document_problems(
        &self,
        cat: &Catalogue,
        address: &str,
        today: NaiveDate,
    ) -> Vec<Problem> {
        let mut problems = Vec::new();
        if self.documents.is_empty() {
            problems.push(Problem::NoDocument);
        }
        for (i, req) in self.documents.iter().enumerate() {
            if self.documents[..i]
                .iter()
                .any(|r| r.document == req.document)
            {
                problems.push(Problem::DuplicateDocument(req.document.clone()));
            }
            let Some(doc) = cat.document(&req.document) else {
                problems.push(Problem::NoDocument);
                continue;
            };
            if req.category.is_empty() {
                problems.push(Problem::NoCategory(doc.code.clone()));
            } else if !doc.categories.contains(&req.category) {
                problems.push(Problem::CategoryNotOffered {
                    document: doc.code.clone(),
                    category: req.category.clone(),
                });
            } else if cat
                .category(&req.category)
                .is_some_and(|c| c.requires_endorsement)
                && req.endorsements.is_empty()
            {
                problems.push(Problem::EndorsementRequired(doc.code.clone()));
            }
            for (j, e) in req.endorsements.iter().enumerate() {
                if !doc.destinations.contains(&e.destination) {
                    problems.push(Problem::WrongDestination {
                        document: doc.code.clone(),
                        destination: e.destination.clone(),
                    });
                    continue;
                }
                if req.endorsements[..j]
                    .iter()
                    .any(|o| o.destination == e.destination)
                {
                    problems.push(Problem::DuplicateDestination {
                        document: doc.code.clone(),
                        destination: e.destination.clone(),
                    });
                }
                match cat.endorsement(&e.destination, &e.kind) {
                    None => problems.push(Problem::KindNotOffered {
                        destination: e.destination.clone(),
                        kind: e.kind.clone(),
                    }),
                    Some(kind) if kind.offer(address, today) == Offer::Suspended => {
                        problems.push(Problem::KindSuspended {
                            destination: e.destination.clone(),
                            kind: e.kind.clone(),
                        })
                    }
                    Some(kind) if kind.offer(address, today) != Offer::Offered => {
                        problems.push(Problem::KindResidentsOnly {
                            destination: e.destination.clone(),
                            kind: e.kind.clone(),
                        })
                    }
                    Some(kind) if !kind.trips.contains(&e.trips) => {
                        problems.push(Problem::TripsNotOffered {
                            kind: e.kind.clone(),
                            trips: e.trips.clone(),
                        })
                    }
                    Some(_) => {}
                }
            }
        }
        problems
    }

    /// Problems with the details step: contact, delivery, green channel and pinyin.
    pub fn detail_problems(&self, cat: &Catalogue) -> Vec<Problem> {
        let mut problems = Vec::new();
        if !valid_mobile(&self.phone) {
            problems.push(Problem::Phone);
        }
        match &self.delivery {
            None => problems.push(Problem::NoDelivery),
            Some(Delivery::Ems(ems)) if ems.address.trim().is_empty() => {
                problems.push(Problem::EmsAddress)
            }
            Some(_) => {}
        }
        if let Some(code) = &self.green_channel
            && cat.green_channel_reason(code).is_none()
        {
            problems.push(Problem::GreenChannel(code.clone()));
        }
        if !self.pinyin_confirmed {
            problems.push(Problem::PinyinNotConfirmed);
        }
        problems
    }

    /// Every problem; an empty list means the application may be submitted.
    pub fn problems(&self, cat: &Catalogue, address: &str, today: NaiveDate) -> Vec<Problem> {
        let mut all = self.document_problems(cat, address, today);
        all.extend(self.detail_problems(cat));
        all
    }

    /// Total fee in yuan under the catalogue's schedule (unknown codes count zero; they are
    /// reported by validation).
    pub fn fee(&self, cat: &Catalogue) -> u32 {
        self.documents
            .iter()
            .map(|req| {
                let doc_fee = match (cat.document(&req.document), cat.category(&req.category)) {
                    (Some(_), Some(c)) if c.fee_override.is_some() => c.fee_override.unwrap_or(0),
                    (Some(d), Some(c)) if c.document_fee => d.fee,
                    (Some(d), None) => d.fee,
                    _ => 0,
                };
                let endorsement_fee: u32 = req
                    .endorsements
                    .iter()
                    .filter_map(|e| cat.trip(&e.trips))
                    .map(|t| t.fee)
                    .sum();
                doc_fee + endorsement_fee
            })
            .sum()
    }
}

/// Synthetic sample data for demo commands (`kiosk print sample`), benchmarks and tests.
pub mod samples {
    use super::*;

    pub fn endorsement(destination: &str, kind: &str, trips: &str) -> Endorsement {
        Endorsement {
            destination: destination.into(),
            kind: kind.into(),
            trips: trips.into(),
        }
    }

    /// A complete application: passport + HK/Macau permit with two endorsements, collection at
    /// the hall (fee ¥225).
    pub fn sample_choices() -> Choices {
        Choices {
            documents: vec![
                DocumentRequest {
                    document: "passport".into(),
                    category: "first_issue".into(),
                    endorsements: vec![],
                },
                DocumentRequest {
                    document: "hk_macau_permit".into(),
                    category: "first_issue".into(),
                    endorsements: vec![
                        endorsement("hk", "G", "1y2"),
                        endorsement("macau", "L", "3m1"),
                    ],
                },
            ],
            phone: "13912345678".into(),
            delivery: Some(Delivery::Collect),
            green_channel: None,
            pinyin_surname: "ZHANG".into(),
            pinyin_given: "SAN".into(),
            pinyin_confirmed: true,
            emergency_contact: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::samples::endorsement;
    use super::*;

    /// A household registration outside Fujian, on a day every rule of the catalogue applies.
    const ADDRESS: &str = "北京市东城区示例街1号";
    #[allow(non_snake_case)]
    fn TODAY() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 30).expect("date")
    }

    fn complete() -> Choices {
        super::samples::sample_choices()
    }

    #[test]
    fn complete_application_has_no_problems_and_the_2019_fee() {
        let cat = Catalogue::builtin();
        let c = complete();
        assert_eq!(c.problems(&cat, ADDRESS, TODAY()), vec![]);
        // passport 120 + permit 60 + HK 1y2 30 + Macau 3m1 15
        assert_eq!(c.fee(&cat), 225);
    }

    #[test]
    fn endorsement_only_and_annotation_fees() {
        let cat = Catalogue::builtin();
        let mut c = complete();
        c.documents[0].category = "annotation".into();
        c.documents[1].category = "endorsement_only".into();
        assert_eq!(c.fee(&cat), 20 + 30 + 15);
        c.documents[1].endorsements.clear();
        assert_eq!(
            c.document_problems(&cat, ADDRESS, TODAY()),
            vec![Problem::EndorsementRequired("hk_macau_permit".into())]
        );
    }

    #[test]
    fn document_rules() {
        let cat = Catalogue::builtin();
        let mut c = complete();
        c.documents[0].category = "endorsement_only".into();
        c.documents[1].endorsements = vec![
            endorsement("taiwan", "L", "6m1"),
            endorsement("hk", "X", "3m1"),
            endorsement("macau", "G", "6m1"),
        ];
        let p = c.document_problems(&cat, ADDRESS, TODAY());
        assert!(p.contains(&Problem::CategoryNotOffered {
            document: "passport".into(),
            category: "endorsement_only".into()
        }));
        assert!(p.contains(&Problem::WrongDestination {
            document: "hk_macau_permit".into(),
            destination: "taiwan".into()
        }));
        assert!(p.contains(&Problem::KindNotOffered {
            destination: "hk".into(),
            kind: "X".into()
        }));
        assert!(p.contains(&Problem::TripsNotOffered {
            kind: "G".into(),
            trips: "6m1".into()
        }));
        assert_eq!(
            Choices::default().document_problems(&cat, ADDRESS, TODAY()),
            vec![Problem::NoDocument]
        );
    }

    #[test]
    fn suspended_taiwan_individual_travel_is_refused() {
        let cat = Catalogue::builtin();
        let mut c = complete();
        c.documents.push(DocumentRequest {
            document: "taiwan_permit".into(),
            category: "renewal".into(),
            endorsements: vec![endorsement("taiwan", "G", "6m1")],
        });
        assert_eq!(
            c.document_problems(&cat, ADDRESS, TODAY()),
            vec![Problem::KindSuspended {
                destination: "taiwan".into(),
                kind: "G".into()
            }]
        );
    }

    #[test]
    fn kinmen_is_for_fujian_residents() {
        let cat = Catalogue::builtin();
        let mut c = complete();
        c.documents.push(DocumentRequest {
            document: "taiwan_permit".into(),
            category: "renewal".into(),
            endorsements: vec![endorsement("kinmen", "G", "6m1")],
        });
        assert_eq!(
            c.document_problems(&cat, ADDRESS, TODAY()),
            vec![Problem::KindResidentsOnly {
                destination: "kinmen".into(),
                kind: "G".into()
            }]
        );
        let fujian = "福建省厦门市思明区示例路3号";
        assert_eq!(c.document_problems(&cat, fujian, TODAY()), vec![]);
        let before = NaiveDate::from_ymd_opt(2024, 9, 26).expect("date");
        assert_eq!(
            c.document_problems(&cat, fujian, before),
            vec![Problem::KindSuspended {
                destination: "kinmen".into(),
                kind: "G".into()
            }],
            "not before the rule applies"
        );
    }

    #[test]
    fn one_endorsement_per_destination() {
        let cat = Catalogue::builtin();
        let mut c = complete();
        c.documents[1]
            .endorsements
            .push(endorsement("hk", "L", "3m1"));
        assert_eq!(
            c.document_problems(&cat, ADDRESS, TODAY()),
            vec![Problem::DuplicateDestination {
                document: "hk_macau_permit".into(),
                destination: "hk".into()
            }]
        );
    }

    #[test]
    fn detail_rules() {
        let cat = Catalogue::builtin();
        let mut c = complete();
        c.phone = "12012345678".into();
        c.delivery = Some(Delivery::Ems(EmsAddress::card_address("  ")));
        c.green_channel = Some("holiday".into());
        c.pinyin_confirmed = false;
        assert_eq!(
            c.detail_problems(&cat),
            vec![
                Problem::Phone,
                Problem::EmsAddress,
                Problem::GreenChannel("holiday".into()),
                Problem::PinyinNotConfirmed
            ]
        );
        c.delivery = None;
        assert!(c.detail_problems(&cat).contains(&Problem::NoDelivery));
    }

    #[test]
    fn mobile_numbers() {
        for good in [
            "13012345678",
            "14512345678",
            "16612345678",
            "17812345678",
            "19912345678",
            "18800000000",
        ] {
            assert!(valid_mobile(good), "{good}");
        }
        for bad in [
            "1301234567",
            "130123456789",
            "23012345678",
            "11012345678",
            "14012345678",
            "19412345678",
            "1301234567a",
            "",
        ] {
            assert!(!valid_mobile(bad), "{bad}");
        }
    }
}
