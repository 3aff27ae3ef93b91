//! The hall kiosk's endpoints beyond submissions and documents on record, for development and
//! tests: today's booking (`POST /v1/people/appointment`) from the synthetic sample appointments
//! (`domain::samples::sample_appointments`, relative to the time of day), and the phone payment
//! of an application's fee (`POST /v1/applications/{number}/payment`), kept with the station's
//! payments so `GET /v1/payments/{id}` and the payment faults (`decline`, `slow-payment`,
//! `never-pays`) apply to it. `--station-fault appointment-down` answers 503,
//! `appointment-nonsense` a booking for another day, `fee-down` 503 to a fee payment.

use axum::Extension;
use axum::extract::Path;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::{Local, NaiveDate};
use kiosk::domain::app_number::AppNumber;
use kiosk::domain::samples::sample_appointments;
use kiosk::sync::api::hall::{AppointmentAnswer, AppointmentQuery, BookedSlot, FeePaymentRequest};

use crate::routes::{Device, idempotency_key, json, problem};
use crate::station::{Station, StationFault, not_yours, parse, unavailable};

pub async fn appointment(Extension(station): Extension<Station>, body: String) -> Response {
    let query: AppointmentQuery = match parse(&body, "Appointment query") {
        Ok(q) => q,
        Err(r) => return *r,
    };
    if station.fault == Some(StationFault::AppointmentDown) {
        return unavailable("Appointments");
    }
    let now = Local::now().naive_local();
    let asked = NaiveDate::parse_from_str(&query.date, "%Y-%m-%d").ok();
    // Only today's book is open; another day has no bookings here.
    let found = (asked == Some(now.date()))
        .then(|| sample_appointments(now))
        .into_iter()
        .flatten()
        .find(|(holder, _)| *holder == query.id_number)
        .map(|(_, a)| BookedSlot {
            appointment_id: a.id.clone(),
            date: query.date.clone(),
            starts: a.slot_start(),
            ends: a.slot_end(),
            service_zh: a.service_zh.clone(),
            service_en: a.service_en.clone(),
            window: a.window.clone(),
        })
        .map(|mut slot| {
            if station.fault == Some(StationFault::AppointmentNonsense) {
                slot.date = "1999-01-01".into();
            }
            slot
        });
    json(StatusCode::OK, &AppointmentAnswer { appointment: found })
}

/// `POST /v1/applications/{number}/payment`: a phone payment for the application's fee.
pub async fn fee_payment(
    Extension(station): Extension<Station>,
    Extension(device): Extension<Device>,
    Path(number): Path<String>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let request: FeePaymentRequest = match parse(&body, "Fee payment request") {
        Ok(r) => r,
        Err(r) => return *r,
    };
    if let Some(refusal) = not_yours(&device, &request.device_id) {
        return refusal;
    }
    if station.fault == Some(StationFault::FeeDown) {
        return unavailable("Fee payments");
    }
    let key = idempotency_key(&headers);
    if key != number {
        return problem(
            StatusCode::BAD_REQUEST,
            "Idempotency-Key must be the application number",
            number,
        );
    }
    // The number names its device: another kiosk's application is not this one's to charge.
    // Device id, then 12 characters of date, sequence and check.
    let own = number.starts_with(&device.0) && number.len() == device.0.len() + 12;
    if !own || AppNumber::parse(&number).is_err() {
        return problem(
            StatusCode::FORBIDDEN,
            "Not an application number of this device",
            number,
        );
    }
    if request.amount_fen == 0 {
        return problem(
            StatusCode::BAD_REQUEST,
            "Nothing to pay",
            "amount_fen is 0".into(),
        );
    }
    match station.fee_payment(&device.0, &number, request.amount_fen) {
        Ok(payment) => json(StatusCode::CREATED, &payment),
        Err(other) => problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Idempotency-Key reused with another amount",
            other,
        ),
    }
}
