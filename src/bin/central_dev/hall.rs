//! The hall kiosk's look-ups beyond the documents on record, for development and tests:
//! today's booking (`POST /v1/people/appointment`) from the synthetic sample appointments
//! (`domain::samples::sample_appointments`, relative to the time of day). `--station-fault
//! appointment-down` answers 503, `appointment-nonsense` a booking for another day.

use axum::Extension;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{Local, NaiveDate};
use kiosk::domain::samples::sample_appointments;
use kiosk::sync::api::hall::{AppointmentAnswer, AppointmentQuery, BookedSlot};

use crate::routes::json;
use crate::station::{Station, StationFault, parse, unavailable};

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
