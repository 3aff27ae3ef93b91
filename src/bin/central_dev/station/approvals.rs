//! Endorsements approved and paid online (`POST /v1/endorsements/approved`), which a station
//! kiosk only writes. The development central approves one for every permit the first time it
//! is asked about — Hong Kong, individual visit, three months once — paid by a synthetic online
//! payment. An approval leaves the list once a kiosk confirms it written; one confirmed as not
//! written stays open for another try, and never turns into a refund. While one transaction
//! holds it (its job issued, not yet confirmed) it is not listed, and no other transaction gets
//! a job for it. Only a device it was listed to may read its payment or ask for its job.

use std::collections::BTreeSet;

use axum::Extension;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Months;
use kiosk::sync::api::station::{
    Approval, Approvals, EligibilityRequest, EndorsementOffer, IssuanceRequest, Payment,
    PaymentState,
};

use super::{Book, STAY_DAYS_STAND_IN, Station, date, not_yours, parse, today};
use crate::routes::{Device, json, problem};

/// One approval and where it stands.
pub struct Approved {
    pub approval: Approval,
    pub id_number: String,
    pub permit_number: String,
    /// The issuance key (`txn:approval`) of the kiosk writing it now, until its job is confirmed.
    pub taken_by: Option<String>,
    /// Written and confirmed: no longer listed.
    pub written: bool,
    /// The devices it was listed to.
    pub shown_to: BTreeSet<String>,
}

/// What the approval is (destination, kind, trip option): Hong Kong, individual visit, three
/// months once, as the development central's catalogue has it.
const SAMPLE: (&str, &str, &str) = ("hk", "G", "3m1");

pub async fn approved(
    Extension(station): Extension<Station>,
    Extension(device): Extension<Device>,
    body: String,
) -> Response {
    let request: EligibilityRequest = match parse(&body, "Approvals request") {
        Ok(r) => r,
        Err(r) => return *r,
    };
    if let Some(refusal) = not_yours(&device, &request.device_id) {
        return refusal;
    }
    let mut book = station.book();
    if !book.approvals_made.contains(&request.permit_number) {
        approve_sample(&station, &mut book, &request);
    }
    let approvals = book
        .approvals
        .values_mut()
        .filter(|a| {
            !a.written
                && a.taken_by.is_none()
                && a.permit_number == request.permit_number
                && a.id_number == request.id_number
        })
        .map(|a| {
            a.shown_to.insert(device.0.clone());
            a.approval.clone()
        })
        .collect();
    json(StatusCode::OK, &Approvals { approvals })
}

/// Approves and marks paid the sample endorsement for the asker's permit.
fn approve_sample(station: &Station, book: &mut Book, request: &EligibilityRequest) {
    book.approvals_made.insert(request.permit_number.clone());
    let (destination, kind, trips) = SAMPLE;
    let cat = &station.catalogue;
    let (Some(option), Some(kind_entry)) = (cat.trip(trips), cat.endorsement(destination, kind))
    else {
        return;
    };
    book.next += 1;
    let n = book.next;
    let approval_id = format!("A-{n:06}");
    let offer = EndorsementOffer {
        offer_id: approval_id.clone(),
        destination: destination.into(),
        kind: kind.into(),
        trips: trips.into(),
        valid_from: date(today()),
        valid_until: date(today() + Months::new(option.months)),
        stay_days: kind_entry.stay_days.unwrap_or(STAY_DAYS_STAND_IN),
        fee_fen: u64::from(option.fee) * 100,
        cancels_current: book
            .records
            .get(&request.permit_number)
            .is_some_and(|held| held.iter().any(|r| r.destination == destination)),
    };
    let payment = Payment {
        payment_id: format!("W-{n:06}"),
        txn_id: format!("WEB-{n:06}"),
        state: PaymentState::Paid,
        amount_fen: offer.fee_fen,
        qr_content: None,
        expires_at: format!("{}T23:59:59", date(today())),
        transaction_ref: Some(format!("42000{n:023}")),
    };
    tracing::info!(approval = %approval_id, payment = %payment.payment_id, "approval made");
    book.offers.insert(approval_id.clone(), offer.clone());
    book.payments.insert(
        payment.payment_id.clone(),
        (payment.clone(), vec![approval_id.clone()], 0),
    );
    book.approvals.insert(
        approval_id,
        Approved {
            approval: Approval {
                offer,
                payment_id: payment.payment_id,
                paid_at: format!("{}T09:00:00", date(today())),
            },
            id_number: request.id_number.clone(),
            permit_number: request.permit_number.clone(),
            taken_by: None,
            written: false,
            shown_to: BTreeSet::new(),
        },
    );
}

/// 403 when `payment_id` paid an approval that was never listed to `device`.
pub fn payment_refusal(book: &Book, device: &Device, payment_id: &str) -> Option<Response> {
    book.approvals
        .values()
        .find(|a| a.approval.payment_id == payment_id)
        .filter(|a| !a.shown_to.contains(&device.0))
        .map(|_| {
            problem(
                StatusCode::FORBIDDEN,
                "Not an approval listed to this device",
                payment_id.into(),
            )
        })
}

/// Whether issuance `key` may write the approval the request names: an approval listed to
/// `device`, open, of this permit, paid by the payment named, and not being written under
/// another key (a kiosk that asks again with its own key gets its own job back before this is
/// asked). Takes it for `key`; the refusal otherwise.
pub fn take(
    book: &mut Book,
    device: &Device,
    request: &IssuanceRequest,
    key: &str,
) -> Result<(), Box<Response>> {
    if let Some(refusal) = payment_refusal(book, device, &request.payment_id) {
        return Err(Box::new(refusal));
    }
    let Some(a) = book.approvals.get_mut(&request.offer_id) else {
        return Err(Box::new(problem(
            StatusCode::CONFLICT,
            "Offer no longer valid",
            request.offer_id.clone(),
        )));
    };
    if a.written || a.permit_number != request.permit_number {
        return Err(Box::new(problem(
            StatusCode::CONFLICT,
            "Approval not open for this permit",
            request.offer_id.clone(),
        )));
    }
    if a.approval.payment_id != request.payment_id {
        return Err(Box::new(problem(
            StatusCode::PAYMENT_REQUIRED,
            "Payment not confirmed",
            request.payment_id.clone(),
        )));
    }
    match &a.taken_by {
        Some(other) if other != key => Err(Box::new(problem(
            StatusCode::CONFLICT,
            "Approval being written at another kiosk",
            request.offer_id.clone(),
        ))),
        _ => {
            a.taken_by = Some(key.into());
            Ok(())
        }
    }
}

/// Records what the kiosk read back for the job issued under `key` for approval
/// `approval_id`: written, it leaves the list; not written, it is free for another try. A
/// repeated confirmation of an older job changes nothing.
pub fn confirmed(book: &mut Book, approval_id: &str, key: &str, written: bool) {
    if let Some(a) = book.approvals.get_mut(approval_id)
        && a.taken_by.as_deref() == Some(key)
    {
        a.taken_by = None;
        a.written = written;
    }
}
