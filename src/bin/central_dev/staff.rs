//! Staff calls from the kiosks (`/v1/staff-calls`): kept in memory, logged as they are raised
//! and closed (the page and language only: a call carries no personal data), listed for the
//! asking device with `GET /v1/staff-calls`. Idempotent on the call id; a kiosk may only raise
//! and close its own calls. `--station-fault staff-down` answers 503.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::Extension;
use axum::extract::Path;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use kiosk::sync::api::staff::{
    OpenStaffCalls, StaffCall, StaffCallClose, StaffCallRequest, StaffCallState,
};

use crate::routes::{Device, idempotency_key, json, problem};
use crate::station::{Station, StationFault, not_yours, parse, unavailable};

/// Every call raised, by id: the request and whether it is open.
#[derive(Clone, Default)]
pub struct Calls(Arc<Mutex<BTreeMap<String, (StaffCallRequest, StaffCallState)>>>);

impl Calls {
    fn book(
        &self,
    ) -> std::sync::MutexGuard<'_, BTreeMap<String, (StaffCallRequest, StaffCallState)>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

pub async fn raise(
    Extension(calls): Extension<Calls>,
    Extension(station): Extension<Station>,
    Extension(device): Extension<Device>,
    headers: HeaderMap,
    body: String,
) -> Response {
    if station.fault == Some(StationFault::StaffDown) {
        return unavailable("Staff calls");
    }
    let request: StaffCallRequest = match parse(&body, "Staff call") {
        Ok(r) => r,
        Err(r) => return *r,
    };
    if let Some(refusal) = not_yours(&device, &request.device_id) {
        return refusal;
    }
    if idempotency_key(&headers) != request.call_id {
        return problem(
            StatusCode::BAD_REQUEST,
            "Idempotency-Key must be the call id",
            request.call_id,
        );
    }
    let mut book = calls.book();
    let state = match book.get(&request.call_id) {
        Some((first, state)) if *first == request => *state,
        Some(_) => {
            return problem(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Idempotency-Key reused with another body",
                request.call_id,
            );
        }
        None => {
            tracing::info!(device = %device.0, call = %request.call_id, page = %request.page, language = %request.language, large_text = request.large_text, "staff call raised");
            book.insert(
                request.call_id.clone(),
                (request.clone(), StaffCallState::Open),
            );
            StaffCallState::Open
        }
    };
    json(
        StatusCode::CREATED,
        &StaffCall {
            call_id: request.call_id,
            state,
        },
    )
}

pub async fn close(
    Extension(calls): Extension<Calls>,
    Extension(device): Extension<Device>,
    Path(id): Path<String>,
    body: String,
) -> Response {
    let close: StaffCallClose = match parse(&body, "Staff call close") {
        Ok(c) => c,
        Err(r) => return *r,
    };
    let mut book = calls.book();
    let Some((request, state)) = book.get_mut(&id) else {
        return problem(StatusCode::NOT_FOUND, "No such staff call", id);
    };
    if let Some(refusal) = not_yours(&device, &request.device_id) {
        return refusal;
    }
    if *state == StaffCallState::Open {
        tracing::info!(device = %device.0, call = %id, reason = ?close.reason, "staff call closed");
        *state = StaffCallState::Closed;
    }
    json(
        StatusCode::OK,
        &StaffCall {
            call_id: id,
            state: *state,
        },
    )
}

/// The asking device's open calls.
pub async fn open(
    Extension(calls): Extension<Calls>,
    Extension(device): Extension<Device>,
) -> Response {
    let calls = calls
        .book()
        .values()
        .filter(|(r, state)| r.device_id == device.0 && *state == StaffCallState::Open)
        .map(|(r, _)| r.clone())
        .collect();
    json(StatusCode::OK, &OpenStaffCalls { calls })
}
