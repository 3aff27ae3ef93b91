//! The station kiosk's side of the contract, for development and tests: documents on record,
//! eligibility, approvals paid online (`approvals`), payments, issuance jobs and their
//! confirmation, endorsement records. All of it
//! is synthetic and kept in memory (a restart forgets it). Offers follow the kiosk's own
//! catalogue: every available kind and trip option for the permit's destinations, Kinmen and
//! Matsu only for ID numbers of Fujian (region code 35), suspended kinds as refusals.
//!
//! Payments and jobs belong to the device that made them: another device asking about them is
//! refused (403).
//!
//! `--station-fault` makes it misbehave as a real central can: `decline` (every payment is
//! declined), `slow-payment` (a payment confirms only at the fourth status request),
//! `never-pays` (a payment stays pending), `issuance-error` (asking for an issuance job fails
//! with 503), `refuse-all` (eligibility offers nothing, with the reason); for the hall kiosk's
//! look-ups, `documents-down` (503), `appointment-down` (503) and `appointment-nonsense` (a
//! booking for another day); `fee-down` (the hall's fee payments, 503) and `ratings-down`
//! (503).

mod approvals;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use axum::Extension;
use axum::extract::Path;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::{Local, Months, NaiveDate};
use kiosk::domain::catalogue::{Catalogue, Offer};
use kiosk::domain::records::RecordStatus;
use kiosk::domain::samples::{sample_passports, sample_permits};
use kiosk::sync::api::station::{
    DocumentForm, DocumentStatus, DocumentsOnRecord, DocumentsQuery, Eligibility,
    EligibilityRequest, EndorsementOffer, EndorsementQuery, EndorsementRecord, EndorsementRecords,
    IssuanceConfirmation, IssuanceJob, IssuanceOutcome, IssuanceRequest, IssuanceState,
    IssuanceStateKind, Payment, PaymentMethod, PaymentRequest, PaymentState, RecordedDocument,
    Refusal,
};

use crate::routes::{Device, idempotency_key, json, problem};

pub use approvals::approved;

/// How the station endpoints misbehave (`--station-fault`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StationFault {
    Decline,
    SlowPayment,
    /// A payment never confirms (the applicant never pays).
    NeverPays,
    IssuanceError,
    /// Eligibility offers nothing, with a reason for every destination.
    RefuseAll,
    /// The documents on record are not available (503).
    DocumentsDown,
    /// Appointments are not available (503).
    AppointmentDown,
    /// Appointments answer with a booking for another day.
    AppointmentNonsense,
    /// The hall's fee payments are not available (503).
    FeeDown,
    /// Ratings are not taken (503).
    RatingsDown,
    /// Staff calls are not taken (503).
    StaffDown,
}

pub const FAULTS: &str = "decline|slow-payment|never-pays|issuance-error|refuse-all|documents-down|appointment-down|appointment-nonsense|fee-down|ratings-down|staff-down";

impl StationFault {
    pub fn parse(s: &str) -> Option<StationFault> {
        Some(match s {
            "decline" => StationFault::Decline,
            "slow-payment" => StationFault::SlowPayment,
            "issuance-error" => StationFault::IssuanceError,
            "never-pays" => StationFault::NeverPays,
            "refuse-all" => StationFault::RefuseAll,
            "documents-down" => StationFault::DocumentsDown,
            "appointment-down" => StationFault::AppointmentDown,
            "appointment-nonsense" => StationFault::AppointmentNonsense,
            "fee-down" => StationFault::FeeDown,
            "ratings-down" => StationFault::RatingsDown,
            "staff-down" => StationFault::StaffDown,
            _ => return None,
        })
    }
}

/// The stay per trip the development central offers for kinds whose catalogue entry gives none
/// (the figure then comes from a document or rule the development central does not have).
const STAY_DAYS_STAND_IN: u32 = 7;

/// Status requests before a slow payment confirms.
const SLOW_POLLS: u32 = 4;

#[derive(Default)]
struct Book {
    /// Offers made, by id.
    offers: BTreeMap<String, EndorsementOffer>,
    /// Payments by id, with their offers and the status requests seen so far.
    payments: BTreeMap<String, (Payment, Vec<String>, u32)>,
    /// The device each payment and job belongs to: only it may ask about them.
    owners: BTreeMap<String, String>,
    /// The outcome each confirmed job was reported with.
    outcomes: BTreeMap<String, IssuanceOutcome>,
    /// Payment ids by transaction id (the idempotency key).
    by_txn: BTreeMap<String, String>,
    /// Jobs by idempotency key.
    jobs: BTreeMap<String, IssuanceJob>,
    /// Confirmed endorsements by permit number.
    records: BTreeMap<String, Vec<EndorsementRecord>>,
    /// Endorsements approved and paid online, by approval id (also their offer id).
    approvals: BTreeMap<String, approvals::Approved>,
    /// Permits the sample approval was made for (once each).
    approvals_made: BTreeSet<String>,
    next: u64,
}

/// The station endpoints' state, shared by the handlers.
#[derive(Clone)]
pub struct Station {
    pub fault: Option<StationFault>,
    catalogue: Arc<Catalogue>,
    book: Arc<Mutex<Book>>,
}

impl Station {
    pub fn new(fault: Option<StationFault>) -> Station {
        Station {
            fault,
            catalogue: Arc::new(Catalogue::builtin()),
            book: Arc::default(),
        }
    }

    fn book(&self) -> std::sync::MutexGuard<'_, Book> {
        self.book.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A phone payment of `amount_fen` for hall application `number` (its transaction id),
    /// payable until the end of the day; the same payment again for a repeated request, `Err`
    /// with the payment's id when the amount differs. Followed and faulted like any other payment.
    pub fn fee_payment(
        &self,
        device: &str,
        number: &str,
        amount_fen: u64,
    ) -> Result<Payment, String> {
        let mut book = self.book();
        if let Some(id) = book.by_txn.get(number).cloned()
            && let Some((payment, _, _)) = book.payments.get(&id)
        {
            return if payment.amount_fen == amount_fen {
                Ok(payment.clone())
            } else {
                Err(payment.payment_id.clone())
            };
        }
        book.next += 1;
        let id = format!("F-{:06}", book.next);
        let payment = Payment {
            payment_id: id.clone(),
            txn_id: number.into(),
            state: PaymentState::Pending,
            amount_fen,
            qr_content: Some(format!(
                "https://pay.example.invalid/fee/{number}?fen={amount_fen}"
            )),
            expires_at: format!("{}T23:59:59", today().format("%Y-%m-%d")),
            transaction_ref: None,
        };
        book.by_txn.insert(number.into(), id.clone());
        book.owners.insert(id.clone(), device.into());
        book.payments.insert(id, (payment.clone(), Vec::new(), 0));
        Ok(payment)
    }
}

fn today() -> NaiveDate {
    Local::now().date_naive()
}

fn date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// The request body, or the 400 answer that says why it is not one.
pub fn parse<T: serde::de::DeserializeOwned>(body: &str, what: &str) -> Result<T, Box<Response>> {
    serde_json::from_str(body).map_err(|e| {
        Box::new(problem(
            StatusCode::BAD_REQUEST,
            &format!("{what} is not valid"),
            e.to_string(),
        ))
    })
}

/// The 503 a look-up answers while its fault is switched on.
pub fn unavailable(what: &str) -> Response {
    problem(
        StatusCode::SERVICE_UNAVAILABLE,
        &format!("{what} unavailable"),
        "switched off with --station-fault".into(),
    )
}

pub fn not_yours(device: &Device, claimed: &str) -> Option<Response> {
    (device.0 != claimed).then(|| {
        problem(
            StatusCode::FORBIDDEN,
            "Another device than the certificate names",
            format!("certificate {}, request {claimed}", device.0),
        )
    })
}

pub async fn documents(Extension(station): Extension<Station>, body: String) -> Response {
    let query: DocumentsQuery = match parse(&body, "Documents query") {
        Ok(q) => q,
        Err(r) => return *r,
    };
    if station.fault == Some(StationFault::DocumentsDown) {
        return unavailable("Documents on record");
    }
    // The sample people's sample permits (the demo's and the tests'); anyone else has one card
    // permit for HK and Macau, numbered from the ID number (synthetic).
    let samples: Vec<RecordedDocument> = sample_permits(today())
        .into_iter()
        .filter(|p| p.on_record && p.holder_id_number == query.id_number)
        .filter_map(|p| {
            let kind = p.facts.kind.document_code()?;
            Some(RecordedDocument {
                kind: kind.into(),
                number: p.facts.document_number.clone(),
                form: DocumentForm::Card,
                issued_on: date(p.facts.expiry - Months::new(120)),
                expires_on: date(p.facts.expiry),
                status: if p.facts.expiry < today() {
                    DocumentStatus::Expired
                } else {
                    DocumentStatus::Valid
                },
                name_latin: None,
            })
        })
        .collect();
    let mut documents = if samples.is_empty() {
        let tail: String = query.id_number.chars().rev().take(8).collect();
        vec![RecordedDocument {
            kind: "hk_macau_permit".into(),
            number: format!("C{}", tail.chars().rev().collect::<String>()),
            form: DocumentForm::Card,
            issued_on: date(today() - Months::new(24)),
            expires_on: date(today() + Months::new(96)),
            status: DocumentStatus::Valid,
            name_latin: None,
        }]
    } else {
        samples
    };
    // The sample people's passports, for the hall kiosk's suggestions.
    documents.extend(
        sample_passports(today())
            .into_iter()
            .filter(|(holder, _)| *holder == query.id_number)
            .map(|(_, p)| RecordedDocument {
                kind: p.kind.clone(),
                number: p.number.clone(),
                form: DocumentForm::Booklet,
                issued_on: date(p.issued_on),
                expires_on: date(p.expires_on),
                status: match p.status {
                    RecordStatus::Valid => DocumentStatus::Valid,
                    RecordStatus::Expired => DocumentStatus::Expired,
                    RecordStatus::ReportedLost => DocumentStatus::ReportedLost,
                    RecordStatus::Cancelled => DocumentStatus::Cancelled,
                },
                name_latin: p.name_latin.clone(),
            }),
    );
    json(StatusCode::OK, &DocumentsOnRecord { documents })
}

pub async fn eligibility(
    Extension(station): Extension<Station>,
    Extension(device): Extension<Device>,
    body: String,
) -> Response {
    let request: EligibilityRequest = match parse(&body, "Eligibility request") {
        Ok(r) => r,
        Err(r) => return *r,
    };
    if let Some(refusal) = not_yours(&device, &request.device_id) {
        return refusal;
    }
    if station.fault == Some(StationFault::RefuseAll) {
        let refusals = vec![Refusal {
            destination: None,
            code: "application_pending".into(),
            zh: "您有一项签注申请尚未办结，请到窗口咨询".into(),
            en: "An endorsement application of yours is still in progress: please ask at a window"
                .into(),
        }];
        return json(
            StatusCode::OK,
            &Eligibility {
                offers: Vec::new(),
                refusals,
            },
        );
    }
    let cat = &station.catalogue;
    let document = if request.permit_number.starts_with('T') {
        "taiwan_permit"
    } else {
        "hk_macau_permit"
    };
    // The development central knows a person's household registration only by the ID number's
    // region code (GB 11643): 35 is Fujian.
    let registration = if request.id_number.starts_with("35") {
        "福建省"
    } else {
        ""
    };
    let mut book = station.book();
    let mut offers = Vec::new();
    let mut refusals = Vec::new();
    let destinations = cat
        .document(document)
        .map(|d| d.destinations.clone())
        .unwrap_or_default();
    for destination in destinations {
        let Some(place) = cat.destination(&destination) else {
            continue;
        };
        for kind in cat.endorsements_for(&destination) {
            let code = match kind.offer(registration, today()) {
                Offer::Offered => None,
                Offer::Suspended => Some("suspended"),
                Offer::ResidentsOnly(_) => Some("residents_only"),
            };
            if let Some(code) = code {
                refusals.push(Refusal {
                    destination: Some(destination.clone()),
                    code: code.into(),
                    zh: format!("{}（{}）暂不可办理", place.zh, kind.zh),
                    en: format!("{} ({}) cannot be issued", place.en, kind.en),
                });
                continue;
            }
            for trips in &kind.trips {
                let Some(option) = cat.trip(trips) else {
                    continue;
                };
                book.next += 1;
                let offer = EndorsementOffer {
                    offer_id: format!("O-{:06}", book.next),
                    destination: destination.clone(),
                    kind: kind.code.clone(),
                    trips: trips.clone(),
                    valid_from: date(today()),
                    valid_until: date(today() + Months::new(option.months)),
                    stay_days: kind.stay_days.unwrap_or(STAY_DAYS_STAND_IN),
                    fee_fen: u64::from(option.fee) * 100,
                    // One valid endorsement per destination: a new one replaces it.
                    cancels_current: book
                        .records
                        .get(&request.permit_number)
                        .is_some_and(|held| held.iter().any(|r| r.destination == destination)),
                };
                book.offers.insert(offer.offer_id.clone(), offer.clone());
                offers.push(offer);
            }
        }
    }
    json(StatusCode::OK, &Eligibility { offers, refusals })
}

pub async fn create_payment(
    Extension(station): Extension<Station>,
    Extension(device): Extension<Device>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let request: PaymentRequest = match parse(&body, "Payment request") {
        Ok(r) => r,
        Err(r) => return *r,
    };
    if let Some(refusal) = not_yours(&device, &request.device_id) {
        return refusal;
    }
    let key = idempotency_key(&headers);
    if key != request.txn_id {
        return problem(
            StatusCode::BAD_REQUEST,
            "Idempotency-Key must be the transaction id",
            request.txn_id,
        );
    }
    let mut offer_ids = request.offer_ids.clone();
    offer_ids.sort();
    offer_ids.dedup();
    if offer_ids.is_empty() || offer_ids.len() != request.offer_ids.len() {
        return problem(
            StatusCode::BAD_REQUEST,
            "A payment names each offer once, and at least one",
            request.offer_ids.join(","),
        );
    }
    let mut book = station.book();
    if let Some(id) = book.by_txn.get(&request.txn_id).cloned()
        && let Some((payment, offers, _)) = book.payments.get(&id)
    {
        if *offers != request.offer_ids || payment.amount_fen != request.amount_fen {
            return problem(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Idempotency-Key reused with another body",
                request.txn_id,
            );
        }
        return json(StatusCode::CREATED, payment);
    }
    // An offer already in a payment that is not settled as unpaid cannot be paid again.
    let taken = book.payments.values().find(|(p, offers, _)| {
        matches!(p.state, PaymentState::Pending | PaymentState::Paid)
            && offers.iter().any(|o| request.offer_ids.contains(o))
    });
    if let Some((p, _, _)) = taken {
        return problem(
            StatusCode::CONFLICT,
            "Offer already in another payment",
            p.payment_id.clone(),
        );
    }
    let mut total = 0;
    let mut destinations = Vec::new();
    for id in &request.offer_ids {
        match book.offers.get(id) {
            Some(offer) if destinations.contains(&offer.destination) => {
                return problem(
                    StatusCode::CONFLICT,
                    "Two offers for one destination",
                    id.clone(),
                );
            }
            Some(offer) => {
                total += offer.fee_fen;
                destinations.push(offer.destination.clone());
            }
            None => {
                return problem(StatusCode::CONFLICT, "Offer no longer valid", id.clone());
            }
        }
    }
    if total != request.amount_fen {
        return problem(
            StatusCode::CONFLICT,
            "Amount does not match the offers",
            format!("offers {total}, asked {}", request.amount_fen),
        );
    }
    book.next += 1;
    let payment = Payment {
        payment_id: format!("P-{:06}", book.next),
        txn_id: request.txn_id.clone(),
        state: PaymentState::Pending,
        amount_fen: total,
        qr_content: (request.method == PaymentMethod::Qr)
            .then(|| format!("https://pay.example.invalid/q/P-{:06}", book.next)),
        expires_at: (Local::now() + chrono::Duration::minutes(15))
            .naive_local()
            .format("%Y-%m-%dT%H:%M:%S")
            .to_string(),
        transaction_ref: None,
    };
    book.by_txn
        .insert(request.txn_id, payment.payment_id.clone());
    book.owners
        .insert(payment.payment_id.clone(), device.0.clone());
    book.payments.insert(
        payment.payment_id.clone(),
        (payment.clone(), request.offer_ids, 0),
    );
    json(StatusCode::CREATED, &payment)
}

/// The central's books of a payment that has just left `pending`, one line each (the crash
/// test reads them as the money's record).
fn settled(payment: &Payment) {
    if payment.state != PaymentState::Pending {
        tracing::info!(txn = %payment.txn_id, payment = %payment.payment_id, state = ?payment.state, "payment settled");
    }
}

/// 403 when `id` (a payment or a job) belongs to another device than the one asking, or pays
/// an approval never listed to it; nothing when it is the asker's or unknown (the handler
/// answers 404 or 402 for those).
fn owned(book: &Book, device: &Device, id: &str) -> Option<Response> {
    book.owners
        .get(id)
        .and_then(|owner| not_yours(device, owner))
        .or_else(|| approvals::payment_refusal(book, device, id))
}

pub async fn payment(
    Extension(station): Extension<Station>,
    Extension(device): Extension<Device>,
    Path(id): Path<String>,
) -> Response {
    let fault = station.fault;
    let mut book = station.book();
    if let Some(refusal) = owned(&book, &device, &id) {
        return refusal;
    }
    let Some((payment, _, polls)) = book.payments.get_mut(&id) else {
        return problem(StatusCode::NOT_FOUND, "No such payment", id);
    };
    *polls += 1;
    if payment.state == PaymentState::Pending {
        match fault {
            Some(StationFault::Decline) => payment.state = PaymentState::Declined,
            Some(StationFault::SlowPayment) if *polls < SLOW_POLLS => {}
            Some(StationFault::NeverPays) => {}
            _ => {
                payment.state = PaymentState::Paid;
                payment.qr_content = None;
                payment.transaction_ref = Some(format!("42000{:023}", *polls as u64 + 1));
            }
        }
        settled(payment);
    }
    json(StatusCode::OK, &*payment)
}

pub async fn cancel_payment(
    Extension(station): Extension<Station>,
    Extension(device): Extension<Device>,
    Path(id): Path<String>,
) -> Response {
    let mut book = station.book();
    if let Some(refusal) = owned(&book, &device, &id) {
        return refusal;
    }
    let Some((payment, _, _)) = book.payments.get_mut(&id) else {
        return problem(StatusCode::NOT_FOUND, "No such payment", id);
    };
    if payment.state == PaymentState::Pending {
        payment.state = PaymentState::Cancelled;
        payment.qr_content = None;
        settled(payment);
    }
    json(StatusCode::OK, &*payment)
}

pub async fn issue(
    Extension(station): Extension<Station>,
    Extension(device): Extension<Device>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let request: IssuanceRequest = match parse(&body, "Issuance request") {
        Ok(r) => r,
        Err(r) => return *r,
    };
    if station.fault == Some(StationFault::IssuanceError) {
        return problem(
            StatusCode::SERVICE_UNAVAILABLE,
            "Issuance unavailable",
            String::new(),
        );
    }
    let key = idempotency_key(&headers).to_string();
    if key != format!("{}:{}", request.txn_id, request.offer_id) {
        return problem(
            StatusCode::BAD_REQUEST,
            "Idempotency-Key must be the transaction id and the offer id",
            key,
        );
    }
    let mut book = station.book();
    if let Some(refusal) = owned(&book, &device, &request.payment_id) {
        return refusal;
    }
    if let Some(job) = book.jobs.get(&key) {
        if job.document_number != request.permit_number {
            return problem(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Idempotency-Key reused with another body",
                key,
            );
        }
        return json(StatusCode::CREATED, job);
    }
    // An approval paid online was paid under the online application, not this transaction.
    let online = book.approvals.contains_key(&request.offer_id);
    let payment = book.payments.get(&request.payment_id);
    let paid = payment.is_some_and(|(p, _, _)| {
        p.state == PaymentState::Paid && (online || p.txn_id == request.txn_id)
    });
    if paid && payment.is_some_and(|(_, offers, _)| !offers.contains(&request.offer_id)) {
        return problem(
            StatusCode::CONFLICT,
            "Offer not paid by this payment",
            request.offer_id,
        );
    }
    if !paid {
        return problem(
            StatusCode::PAYMENT_REQUIRED,
            "Payment not confirmed",
            request.payment_id,
        );
    }
    let Some(offer) = book.offers.get(&request.offer_id).cloned() else {
        return problem(
            StatusCode::CONFLICT,
            "Offer no longer valid",
            request.offer_id,
        );
    };
    // Taken for this transaction only once everything else holds.
    if online && let Err(refusal) = approvals::take(&mut book, &device, &request, &key) {
        return *refusal;
    }
    book.next += 1;
    let job = IssuanceJob {
        job_id: format!("J-{:06}", book.next),
        document_number: request.permit_number,
        destination: offer.destination,
        kind: offer.kind,
        trips: offer.trips,
        valid_from: offer.valid_from,
        valid_until: offer.valid_until,
        stay_days: offer.stay_days,
        payload_b64: String::new(),
    };
    if let Some(h) = &request.holder_check {
        tracing::info!(
            job = %job.job_id,
            outcome = ?h.outcome,
            distance = h.distance,
            model = %h.model,
            "issuance: holder check"
        );
    }
    tracing::info!(job = %job.job_id, txn = %request.txn_id, offer = %request.offer_id, "issuance job made");
    book.owners.insert(job.job_id.clone(), device.0.clone());
    book.jobs.insert(key, job.clone());
    json(StatusCode::CREATED, &job)
}

pub async fn confirm(
    Extension(station): Extension<Station>,
    Extension(device): Extension<Device>,
    Path(job_id): Path<String>,
    body: String,
) -> Response {
    let confirmation: IssuanceConfirmation = match parse(&body, "Issuance confirmation") {
        Ok(c) => c,
        Err(r) => return *r,
    };
    if confirmation.job_id != job_id {
        return problem(
            StatusCode::BAD_REQUEST,
            "The body names another job than the path",
            confirmation.job_id,
        );
    }
    let mut book = station.book();
    let Some(job) = book.jobs.values().find(|j| j.job_id == job_id).cloned() else {
        return problem(StatusCode::NOT_FOUND, "No such issuance job", job_id);
    };
    if let Some(refusal) = owned(&book, &device, &job_id) {
        return refusal;
    }
    let first_time = !book.outcomes.contains_key(&job_id);
    match book.outcomes.get(&job_id) {
        Some(first) if *first != confirmation.outcome => {
            return problem(
                StatusCode::CONFLICT,
                "The job was confirmed with another outcome",
                job_id,
            );
        }
        Some(_) => {}
        None => {
            tracing::info!(job = %job_id, outcome = ?confirmation.outcome, "issuance confirmed");
            book.outcomes.insert(job_id.clone(), confirmation.outcome);
        }
    }
    let state = match confirmation.outcome {
        IssuanceOutcome::Verified => {
            let records = book.records.entry(job.document_number.clone()).or_default();
            if !records.iter().any(|r| {
                r.destination == job.destination
                    && r.valid_until == job.valid_until
                    && r.trips == job.trips
            }) {
                records.retain(|r| r.destination != job.destination);
                records.push(EndorsementRecord {
                    destination: job.destination,
                    kind: job.kind,
                    trips_left: trips_left(&job.trips),
                    trips: job.trips,
                    valid_until: job.valid_until,
                });
            }
            IssuanceStateKind::Confirmed
        }
        IssuanceOutcome::NotWritten => IssuanceStateKind::RefundRequested,
    };
    // The job's key names its offer (`txn:offer`).
    let keyed = book
        .jobs
        .iter()
        .find(|(_, j)| j.job_id == job_id)
        .and_then(|(key, _)| Some((key.clone(), key.split_once(':')?.1.to_string())));
    // Not written and paid at a kiosk: that offer's fee alone goes back (a partial refund when
    // the payment paid for several endorsements).
    if first_time
        && state == IssuanceStateKind::RefundRequested
        && let Some((_, offer)) = &keyed
        && let Some(o) = book.offers.get(offer)
        && !book.approvals.contains_key(offer)
    {
        tracing::info!(job = %job_id, offer = %offer, refund_fen = o.fee_fen, "refund requested");
    }
    // The job of an approval paid online: written, it is used; not written, it stays open.
    let approval = keyed.filter(|(_, offer)| book.approvals.contains_key(offer));
    let state = match approval {
        Some((key, approval)) => {
            let written = confirmation.outcome == IssuanceOutcome::Verified;
            approvals::confirmed(&mut book, &approval, &key, written);
            if written {
                state
            } else {
                IssuanceStateKind::ApprovalKept
            }
        }
        None => state,
    };
    json(StatusCode::OK, &IssuanceState { job_id, state })
}

/// Trips a new endorsement allows (`3m2` → 2); None for multiple trips (`1yM`).
fn trips_left(trips: &str) -> Option<u32> {
    trips.chars().last().and_then(|c| c.to_digit(10))
}

pub async fn records(Extension(station): Extension<Station>, body: String) -> Response {
    let query: EndorsementQuery = match parse(&body, "Endorsement query") {
        Ok(q) => q,
        Err(r) => return *r,
    };
    let endorsements = station
        .book()
        .records
        .get(&query.permit_number)
        .cloned()
        .unwrap_or_default();
    json(StatusCode::OK, &EndorsementRecords { endorsements })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trip_options_read_as_trips() {
        assert_eq!(trips_left("3m2"), Some(2));
        assert_eq!(trips_left("1yM"), None);
    }
}
