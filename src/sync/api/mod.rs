//! Wire types of the central contract (`docs/central-api.yaml`), shared by the kiosk's sync worker
//! and the development central so the two cannot drift apart. The wire owns these types: each
//! is named as its schema in the contract and converted from the kiosk's own types here, at the
//! edge, so that renaming a `kiosk.toml` key or a domain field cannot change what is sent. The
//! contract's examples round-trip through them (`tests/it/contract.rs`).

pub mod fleet;
pub mod hall;
mod holder;
pub mod staff;
pub mod station;

pub use holder::{HolderCheck, HolderCheckOutcome};

use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::domain::application::{self as domain, Application};
use crate::domain::identity::CardType;

pub const SUBMISSIONS_PATH: &str = "/v1/submissions";
pub const IDEMPOTENCY_KEY: &str = "Idempotency-Key";
/// The digest of the request body (RFC 9530 §2), so a body changed on the way (a proxy, a
/// broken middlebox) is refused instead of stored.
pub const CONTENT_DIGEST: &str = "Content-Digest";
/// What a window clerk's scanner asks: the application behind a printed number.
pub const APPLICATIONS_PATH: &str = "/v1/applications";

/// `POST /v1/devices/{id}/heartbeat` and `GET /v1/devices/{id}/config`.
pub fn heartbeat_path(device_id: &str) -> String {
    format!("/v1/devices/{device_id}/heartbeat")
}

pub fn config_path(device_id: &str) -> String {
    format!("/v1/devices/{device_id}/config")
}

/// `sha-256=:<base64>:` for `body`: RFC 9530's `sha-256` algorithm, its value a Structured
/// Field byte sequence (RFC 8941 §3.3.5).
pub fn content_digest(body: &[u8]) -> String {
    format!(
        "sha-256=:{}:",
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(body))
    )
}

/// The received application behind a number, as the central answers the lookup.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApplicationRecord {
    pub number: String,
    pub receipt_no: String,
    pub received_at: String,
    pub device_id: String,
    pub submission: Submission,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Applicant {
    pub card_type: String,
    pub name: String,
    pub name_latin: String,
    pub pinyin_surname: String,
    pub pinyin_given: String,
    pub sex: String,
    pub nation_code: Option<String>,
    pub birth_date: String,
    pub id_number: String,
    pub address: String,
    pub phone: String,
}

/// One endorsement asked for with a travel permit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endorsement {
    pub destination: String,
    pub kind: String,
    pub trips: String,
}

/// One document on the form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentRequest {
    pub document: String,
    pub category: String,
    pub endorsements: Vec<Endorsement>,
}

/// Someone the administration can reach if the applicant cannot be reached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmergencyContact {
    pub name: String,
    pub mobile: String,
}

/// How the applicant receives the documents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum Delivery {
    Collect,
    Ems {
        /// The whole address as written on the waybill.
        address: String,
        /// GB/T 2260 code of the county chosen; absent for the ID card's household address.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        division_code: Option<String>,
        /// Who receives it, where not the applicant.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        recipient: Option<String>,
        /// The recipient's mobile number, where not the applicant's.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        mobile: Option<String>,
    },
}

impl From<&domain::DocumentRequest> for DocumentRequest {
    fn from(d: &domain::DocumentRequest) -> DocumentRequest {
        DocumentRequest {
            document: d.document.clone(),
            category: d.category.clone(),
            endorsements: d
                .endorsements
                .iter()
                .map(|e| Endorsement {
                    destination: e.destination.clone(),
                    kind: e.kind.clone(),
                    trips: e.trips.clone(),
                })
                .collect(),
        }
    }
}

impl From<&domain::Delivery> for Delivery {
    fn from(d: &domain::Delivery) -> Delivery {
        match d {
            domain::Delivery::Collect => Delivery::Collect,
            domain::Delivery::Ems(ems) => Delivery::Ems {
                address: ems.address.clone(),
                division_code: ems.division.clone(),
                recipient: ems.recipient.clone(),
                mobile: ems.mobile.clone(),
            },
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhotoPayload {
    pub mime: String,
    pub data_b64: String,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Submission {
    pub submission_id: String,
    pub device_id: String,
    pub number: String,
    pub form_type: String,
    pub captured_at: String,
    pub applicant: Applicant,
    pub documents: Vec<DocumentRequest>,
    pub delivery: Option<Delivery>,
    pub green_channel: Option<String>,
    /// The emergency contact, where the applicant gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emergency_contact: Option<EmergencyContact>,
    pub fee: u32,
    /// Absent when the photo is to be taken at the window.
    pub photo: Option<PhotoPayload>,
    /// Why the kiosk's photo was not accepted (the compliance report), for the window clerk.
    pub photo_report: Option<PhotoReport>,
    /// The holder check against the ID card's photo, where the hall kiosk runs one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holder_check: Option<HolderCheck>,
    /// The guardian of an applicant under 16.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guardian: Option<GuardianPayload>,
    /// The name as the last passport on record spells it, where that differs from the pinyin
    /// of this application.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_passport_spelling: Option<String>,
    /// Today's booking the application was made under, where the applicant had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appointment: Option<hall::AppointmentRef>,
    /// The fee as the kiosk last knew it when the form was printed, where it takes payments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment: Option<hall::FeePaymentState>,
}

/// The guardian as the central receives it: who, from their ID card, and how related.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GuardianPayload {
    pub name: String,
    pub id_number: String,
    /// `father`, `mother` or `other_guardian`.
    pub relationship: String,
}

/// The photo compliance report: every check made on the last capture.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhotoReport {
    /// The photo specification checked against (`exit-entry`, `exit-entry-blue`, `390x567`).
    pub spec: String,
    pub checks: Vec<PhotoCheck>,
    /// JPEG quality of the final file, when one was made.
    pub quality: Option<u8>,
}

/// One compliance check: what was measured, against which limit, and what the applicant was
/// told (an advice code; the sentences are the kiosk's, translated on its screen).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhotoCheck {
    pub id: String,
    pub value: f64,
    pub limit: String,
    pub passed: bool,
    pub advice: String,
}

/// The central's acknowledgement (201 first time, 200 with the same body on a replay).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ack {
    pub receipt_no: String,
    pub number: String,
    pub received_at: String,
}

/// `GET /v1/submissions/{key}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmissionState {
    pub state: String,
    pub receipt_no: String,
    pub number: String,
}

/// Problem details (RFC 9457 §3.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    #[serde(default)]
    pub detail: String,
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// What a submission is: an applicant's form, or a technician's test (`kiosk queue test`) that
/// the central must receive and acknowledge like any other but never act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormType {
    HallSelfFill,
    TechnicianTest,
}

impl FormType {
    /// Its name in the contract (`Submission.form_type`).
    pub fn code(self) -> &'static str {
        match self {
            FormType::HallSelfFill => "hall_self_fill",
            FormType::TechnicianTest => "technician_test",
        }
    }
}

impl Submission {
    pub fn new(app: &Application, device_id: &str, idem_key: &str, form: FormType) -> Submission {
        let id = &app.identity;
        Submission {
            submission_id: idem_key.to_string(),
            device_id: device_id.to_string(),
            number: app.number.to_string(),
            form_type: form.code().to_string(),
            captured_at: app.created_at.format("%Y-%m-%dT%H:%M:%S").to_string(),
            applicant: Applicant {
                card_type: card_type(id.card_type).to_string(),
                name: id.name.clone(),
                name_latin: id.name_latin.clone(),
                pinyin_surname: app.choices.pinyin_surname.clone(),
                pinyin_given: app.choices.pinyin_given.clone(),
                sex: id.sex.code().to_string(),
                nation_code: id.nation.as_ref().map(|n| n.code().to_string()),
                birth_date: id.birth_date.format("%Y-%m-%d").to_string(),
                id_number: id.id_number.clone(),
                address: id.address.clone(),
                phone: app.choices.phone.clone(),
            },
            documents: app.choices.documents.iter().map(Into::into).collect(),
            delivery: app.choices.delivery.as_ref().map(Into::into),
            green_channel: app.choices.green_channel.clone(),
            emergency_contact: app
                .choices
                .emergency_contact
                .as_ref()
                .map(|c| EmergencyContact {
                    name: c.name.clone(),
                    mobile: c.mobile.clone(),
                }),
            fee: app.fee,
            photo: app.photo.as_ref().map(|p| PhotoPayload {
                mime: "image/jpeg".to_string(),
                data_b64: base64::engine::general_purpose::STANDARD.encode(&p.jpeg),
                sha256: sha256_hex(&p.jpeg),
            }),
            photo_report: app.photo_report.as_deref().and_then(photo_report),
            holder_check: app.holder.as_ref().map(Into::into),
            previous_passport_spelling: app.previous_spelling.clone(),
            appointment: app
                .booking
                .as_ref()
                .and_then(hall::AppointmentRef::from_booking),
            payment: app
                .payment
                .as_ref()
                .map(|p| hall::FeePaymentState::new(p, app.fee)),
            guardian: app.guardian.as_ref().map(|g| GuardianPayload {
                name: g.identity.name.clone(),
                id_number: g.identity.id_number.clone(),
                relationship: g.relationship.code().to_string(),
            }),
        }
    }
}

/// The contract's name of a card type.
fn card_type(t: CardType) -> &'static str {
    match t {
        CardType::Mainland => "Mainland",
        CardType::ResidencePermitHkMoTw => "ResidencePermitHkMoTw",
        CardType::ForeignerPermanent2017 => "ForeignerPermanent2017",
        CardType::ForeignerPermanent2023 => "ForeignerPermanent2023",
    }
}

/// The report the photo checks wrote (JSON), in the contract's shape. A report that does not
/// fit is logged and left out rather than sent in a shape the central does not know.
fn photo_report(json: &str) -> Option<PhotoReport> {
    serde_json::from_str(json)
        .inspect_err(|e| tracing::warn!(error = %e, "sync: photo report left out, not in the contract's shape"))
        .ok()
}

/// What a kiosk reports every minute: enough for the fleet view to tell a healthy kiosk from
/// one whose queue is stuck, without any personal data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Heartbeat {
    pub device_id: String,
    pub seq: u64,
    pub sent_at: String,
    pub app_version: String,
    pub queue_pending: u64,
    /// Seconds since the oldest waiting application was captured.
    pub oldest_pending_age_s: Option<u64>,
    pub dead_letters: u64,
    /// Endorsement moves the central has not acknowledged yet (station kiosk; 0 on a hall
    /// kiosk). Absent from older kiosks.
    #[serde(default)]
    pub unsent_moves: u64,
    /// Done-page ratings the central has not counted yet (hall kiosk; they go in batches of ten
    /// of the day, so a few waiting is normal). Absent from older kiosks.
    #[serde(default)]
    pub unsent_ratings: u64,
    /// Applicants' staff calls open at the central (0 or 1). Absent from older kiosks.
    #[serde(default)]
    pub staff_calls_open: u64,
    /// Why the queue is paused, if it is.
    pub paused: Option<String>,
    /// The configuration version the kiosk runs.
    pub config_version: Option<String>,
    /// Each device and its state ("ok", "offline: …", "sim").
    pub devices: std::collections::BTreeMap<String, String>,
    /// What the devices did since the program started. Absent from older kiosks.
    #[serde(default)]
    pub counters: fleet::DeviceCounters,
    /// False while the central has taken the kiosk out of service (`out_of_service`).
    /// Absent from older kiosks.
    #[serde(default = "in_service_default")]
    pub in_service: bool,
}

fn in_service_default() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeartbeatReply {
    /// The configuration version the central wants the kiosk to run: a different one makes the
    /// kiosk pull at once.
    pub config_version: Option<String>,
    /// Commands for the kiosk, repeated until it reports their results.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub commands: Vec<fleet::FleetCommand>,
}

/// The settings the central may change on a running kiosk. Absent parts keep `kiosk.toml`'s
/// (and are left out when written back, as the contract has no nulls for them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceConfig {
    pub config_version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeouts: Option<Timeouts>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub languages: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_language: Option<String>,
    /// The fee and endorsement catalogue, in the TOML form of `assets/catalogue.toml`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub catalogue_toml: Option<String>,
    /// The administrative division table the address page chooses from, in the form of
    /// `assets/divisions/gbt2260.tsv`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub divisions_tsv: Option<String>,
    /// Local opening hours, "HH:MM": outside them the kiosk takes no applicants.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opening_hours: Option<OpeningHours>,
}

/// The idle timeouts in seconds, held to the same rules as `kiosk.toml`'s `[timeouts]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timeouts {
    pub idle_seconds: u64,
    pub warning_seconds: u64,
    pub done_seconds: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpeningHours {
    pub open: String,
    pub close: String,
}
