//! The police-station endorsement kiosk's part of the contract (`docs/central-api.yaml`,
//! `/v1/people/documents`, `/v1/endorsements/…`, `/v1/payments…`, `/v1/issuance…`): the
//! central is the authority on what a person may be given, takes the money, and issues the job
//! the writer module executes; the kiosk reports what the re-read chip showed, and every move of
//! its transactions (`EndorsementTransition`). Dates are
//! `YYYY-MM-DD`, times `YYYY-MM-DDTHH:MM:SS` (local), amounts in fen. Requests are strict
//! (`deny_unknown_fields`); answers are read tolerantly, so a field the central adds later does
//! not turn every answer into "no answer" (the contract test still holds the examples to the
//! schema). A payment state the kiosk does not know reads as `Unknown`: ask again.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::holder::HolderCheck;
use crate::domain::endorsement::{OfferLine, Offers, RefusalLine, TripsLeft};
use crate::domain::records::{DocumentOnRecord, RecordStatus};

/// `POST /v1/people/documents`: whose documents (the ID number goes in the body, never a URL).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentsQuery {
    pub id_number: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentsOnRecord {
    pub documents: Vec<RecordedDocument>,
}

/// A passport or permit the administration holds for the person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedDocument {
    /// Catalogue document code: `passport`, `hk_macau_permit`, `taiwan_permit`.
    pub kind: String,
    /// As in the document's MRZ: with the expiry and the birth date, the chip's BAC keys.
    pub number: String,
    pub form: DocumentForm,
    pub issued_on: String,
    pub expires_on: String,
    pub status: DocumentStatus,
    /// The name as spelled on the document.
    pub name_latin: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentForm {
    Card,
    /// Booklet permits are no longer issued; the station kiosk sends their holders to a window.
    Booklet,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentStatus {
    Valid,
    Expired,
    ReportedLost,
    Cancelled,
}

impl DocumentsOnRecord {
    /// The documents as the hall kiosk's rules read them; a kind the kiosk does not know (a
    /// later contract's) is left out, as the rules only ask about the catalogue's documents.
    ///
    /// Errors: a date that is not `YYYY-MM-DD` (the whole answer is then unusable: nothing is
    /// suggested from half of it).
    pub fn to_domain(&self) -> Result<Vec<DocumentOnRecord>, String> {
        self.documents
            .iter()
            .filter(|d| {
                matches!(
                    d.kind.as_str(),
                    "passport" | "hk_macau_permit" | "taiwan_permit"
                )
            })
            .map(|d| {
                let date = |s: &str, field: &str| day(s).ok_or(format!("{field} is not a date"));
                Ok(DocumentOnRecord {
                    kind: d.kind.clone(),
                    number: d.number.clone(),
                    issued_on: date(&d.issued_on, "issued_on")?,
                    expires_on: date(&d.expires_on, "expires_on")?,
                    status: match d.status {
                        DocumentStatus::Valid => RecordStatus::Valid,
                        DocumentStatus::Expired => RecordStatus::Expired,
                        DocumentStatus::ReportedLost => RecordStatus::ReportedLost,
                        DocumentStatus::Cancelled => RecordStatus::Cancelled,
                    },
                    name_latin: d.name_latin.clone(),
                })
            })
            .collect()
    }
}

/// `POST /v1/endorsements/eligibility`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EligibilityRequest {
    pub device_id: String,
    pub site_code: String,
    pub id_number: String,
    pub permit_number: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Eligibility {
    pub offers: Vec<EndorsementOffer>,
    pub refusals: Vec<Refusal>,
}

/// One endorsement the kiosk may offer (labels come from the local catalogue by its codes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndorsementOffer {
    pub offer_id: String,
    pub destination: String,
    pub kind: String,
    pub trips: String,
    pub valid_from: String,
    pub valid_until: String,
    /// Days the holder may stay per trip.
    pub stay_days: u32,
    pub fee_fen: u64,
    /// Issuing it cancels the valid endorsement for the same destination: the kiosk warns.
    pub cancels_current: bool,
}

/// `POST /v1/endorsements/approved` (asked with an [`EligibilityRequest`]): the endorsements
/// approved and paid online for this person and permit that wait to be written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approvals {
    pub approvals: Vec<Approval>,
}

/// An endorsement approved and paid online: the offer it is (its `offer_id` names the approval
/// in the issuance request) and the payment that paid for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approval {
    pub offer: EndorsementOffer,
    pub payment_id: String,
    /// When it was paid (`YYYY-MM-DDTHH:MM:SS`, local).
    pub paid_at: String,
}

impl Approvals {
    /// The approvals as lines the kiosk writes, each carrying its payment; one whose dates do
    /// not read is left out, as an offer would be.
    pub fn to_lines(&self) -> Vec<OfferLine> {
        self.approvals
            .iter()
            .filter_map(|a| {
                let mut line = a.offer.to_line()?;
                line.paid_online = Some(a.payment_id.clone());
                Some(line)
            })
            .collect()
    }
}

/// Why something is not offered, in words the kiosk shows as they are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    /// None: for every destination.
    pub destination: Option<String>,
    pub code: String,
    pub zh: String,
    pub en: String,
}

/// `POST /v1/payments` (with `Idempotency-Key` = the transaction's id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaymentRequest {
    pub txn_id: String,
    pub device_id: String,
    pub method: PaymentMethod,
    pub amount_fen: u64,
    pub offer_ids: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    /// The bank-card terminal in the kiosk.
    Terminal,
    /// A QR the central issues, paid by phone.
    Qr,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    pub payment_id: String,
    pub txn_id: String,
    pub state: PaymentState,
    pub amount_fen: u64,
    /// Shown as a QR while a phone payment is pending.
    pub qr_content: Option<String>,
    pub expires_at: String,
    /// The payment network's reference once paid (printed masked on the receipt).
    pub transaction_ref: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentState {
    Pending,
    Paid,
    Declined,
    Cancelled,
    Expired,
    /// A state this kiosk does not know yet: nothing may be concluded from it.
    #[serde(other)]
    Unknown,
}

/// `POST /v1/issuance` (with `Idempotency-Key` = transaction id `:` offer id).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssuanceRequest {
    pub txn_id: String,
    pub offer_id: String,
    pub payment_id: String,
    pub permit_number: String,
    /// The holder check that confirmed the person at the kiosk, where the station runs one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holder_check: Option<HolderCheck>,
}

/// The job the writer module executes, as the central issued it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuanceJob {
    pub job_id: String,
    pub document_number: String,
    pub destination: String,
    pub kind: String,
    pub trips: String,
    pub valid_from: String,
    pub valid_until: String,
    pub stay_days: u32,
    /// The issuing authority's data for the module, base64; opaque to the kiosk.
    pub payload_b64: String,
}

/// `POST /v1/issuance/{job_id}/confirmation`: what the re-read chip showed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssuanceConfirmation {
    pub job_id: String,
    pub outcome: IssuanceOutcome,
    pub read_at: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IssuanceOutcome {
    Verified,
    /// The chip does not carry it: the central refunds a kiosk payment, or keeps an online
    /// approval open.
    NotWritten,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuanceState {
    pub job_id: String,
    pub state: IssuanceStateKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IssuanceStateKind {
    Confirmed,
    RefundRequested,
    /// An online approval not written: it stays open for another try.
    ApprovalKept,
}

/// `POST /v1/endorsements/records`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndorsementQuery {
    pub permit_number: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndorsementRecords {
    pub endorsements: Vec<EndorsementRecord>,
}

/// A valid endorsement on the permit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndorsementRecord {
    pub destination: String,
    pub kind: String,
    pub trips: String,
    /// None for multiple-trip endorsements.
    pub trips_left: Option<u32>,
    pub valid_until: String,
}

/// A contract date (`YYYY-MM-DD`).
pub fn day(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

impl EndorsementOffer {
    /// The offer as the domain holds it; none when a date is not a date (the offer is not
    /// shown: a kiosk must not guess an endorsement's validity).
    pub fn to_line(&self) -> Option<OfferLine> {
        Some(OfferLine {
            offer_id: self.offer_id.clone(),
            destination: self.destination.clone(),
            kind: self.kind.clone(),
            trips: self.trips.clone(),
            valid_from: day(&self.valid_from)?,
            valid_until: day(&self.valid_until)?,
            stay_days: self.stay_days,
            fee_fen: self.fee_fen,
            cancels_current: self.cancels_current,
            paid_online: None,
        })
    }
}

impl Eligibility {
    /// What the applicant may be shown: every offer whose dates read, every refusal.
    pub fn to_offers(&self) -> Offers {
        Offers {
            offers: self
                .offers
                .iter()
                .filter_map(EndorsementOffer::to_line)
                .collect(),
            refusals: self
                .refusals
                .iter()
                .map(|r| RefusalLine {
                    destination: r.destination.clone(),
                    zh: r.zh.clone(),
                    en: r.en.clone(),
                })
                .collect(),
        }
    }
}

impl EndorsementRecords {
    /// The valid endorsements whose dates read.
    pub fn to_trips(&self) -> Vec<TripsLeft> {
        self.endorsements
            .iter()
            .filter_map(|r| {
                Some(TripsLeft {
                    destination: r.destination.clone(),
                    kind: r.kind.clone(),
                    trips: r.trips.clone(),
                    trips_left: r.trips_left,
                    valid_until: day(&r.valid_until)?,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offers_with_dates_that_do_not_read_are_not_shown() {
        let offer = |from: &str| EndorsementOffer {
            offer_id: "O-1".into(),
            destination: "hk".into(),
            kind: "G".into(),
            trips: "3m1".into(),
            valid_from: from.into(),
            valid_until: "2027-02-28".into(),
            stay_days: 7,
            fee_fen: 1500,
            cancels_current: true,
        };
        let answer = Eligibility {
            offers: vec![offer("2026-11-30"), offer("30/11/2026")],
            refusals: vec![Refusal {
                destination: Some("taiwan".into()),
                code: "suspended".into(),
                zh: "暂停".into(),
                en: "Suspended".into(),
            }],
        };
        let offers = answer.to_offers();
        assert_eq!(offers.offers.len(), 1);
        assert_eq!(offers.offers[0].valid_from, day("2026-11-30").unwrap());
        assert!(offers.offers[0].cancels_current);
        assert_eq!(offers.refusals[0].en, "Suspended");
    }
}

/// `POST /v1/endorsements/transitions`: one committed move of an endorsement transaction
/// (`Idempotency-Key: {txn_id}:{seq}`), sent through the outbox in the order the kiosk
/// committed them, so the central's journal of every transaction matches the kiosk's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndorsementTransition {
    pub txn_id: String,
    /// 0 for the first state (`offered`, or `paid` for an approval paid online), then one more
    /// per move.
    pub seq: u32,
    /// The state entered, as the kiosk's store names it (`payment_pending`, `refund_requested`).
    pub state: String,
    pub at: String,
}

/// The central's acknowledgement of a transition (a repeat answers the same).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransitionAck {
    pub txn_id: String,
    pub seq: u32,
}

/// `GET /v1/endorsements/{txn_id}/transitions`: the moves the central holds for one of the
/// kiosk's transactions, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndorsementJournal {
    pub txn_id: String,
    pub transitions: Vec<EndorsementTransition>,
}

/// Where the transitions go.
pub const TRANSITIONS_PATH: &str = "/v1/endorsements/transitions";
