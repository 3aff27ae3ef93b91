//! The hall kiosk's part of the contract beyond submissions (`docs/central-api.yaml`): today's
//! booking of the applicant (`/v1/people/appointment`) and the payment of an application's fee
//! (`/v1/applications/{number}/payment`, answered with the station's `Payment`, followed with
//! `GET /v1/payments/{id}`). Requests are strict; answers are read tolerantly and then checked,
//! so an answer that is not a booking for the day asked is "no usable answer", never half a
//! booking.

use chrono::{NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};

use crate::domain::appointment::{Appointment, Arrival, Booking};
use crate::domain::fee_payment::FeePayment;

/// `POST /v1/people/appointment`: whose booking, for which day (the ID number goes in the body,
/// never a URL).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppointmentQuery {
    pub id_number: String,
    /// `YYYY-MM-DD`: the kiosk's today, so kiosk and central agree on the day.
    pub date: String,
}

/// The answer: the booking, or `null` when the person has none that day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppointmentAnswer {
    pub appointment: Option<BookedSlot>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookedSlot {
    pub appointment_id: String,
    /// `YYYY-MM-DD`
    pub date: String,
    /// `HH:MM`, local time.
    pub starts: String,
    pub ends: String,
    pub service_zh: String,
    pub service_en: String,
    pub window: Option<String>,
}

impl AppointmentAnswer {
    /// Today's booking as the kiosk's rules read it (`None`: no booking, a walk-in).
    ///
    /// Errors: a booking for another day, a time that is not `HH:MM`, or a slot that ends
    /// before it starts — the answer is then unusable.
    pub fn to_domain(&self, today: NaiveDate) -> Result<Option<Appointment>, String> {
        let Some(slot) = &self.appointment else {
            return Ok(None);
        };
        if NaiveDate::parse_from_str(&slot.date, "%Y-%m-%d").ok() != Some(today) {
            return Err(format!("a booking for {}, not today", slot.date));
        }
        let time = |s: &str, field: &str| {
            NaiveTime::parse_from_str(s, "%H:%M").map_err(|_| format!("{field} is not HH:MM"))
        };
        let (starts, ends) = (time(&slot.starts, "starts")?, time(&slot.ends, "ends")?);
        if ends <= starts {
            return Err("the slot ends before it starts".into());
        }
        Ok(Some(Appointment {
            id: slot.appointment_id.clone(),
            starts,
            ends,
            service_zh: slot.service_zh.clone(),
            service_en: slot.service_en.clone(),
            window: slot.window.clone(),
        }))
    }
}

/// `Submission.appointment`: the booking the application was made under, so the central links
/// the two, and whether the applicant arrived in time for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppointmentRef {
    pub appointment_id: String,
    pub arrival: ArrivalState,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ArrivalState {
    OnTime,
    Early,
    Late,
}

impl AppointmentRef {
    /// The reference for a booked application; `None` for a walk-in or an unknown booking.
    pub fn from_booking(booking: &Booking) -> Option<AppointmentRef> {
        let Booking::Booked(appointment, arrival) = booking else {
            return None;
        };
        Some(AppointmentRef {
            appointment_id: appointment.id.clone(),
            arrival: match arrival {
                Arrival::OnTime => ArrivalState::OnTime,
                Arrival::Early => ArrivalState::Early,
                Arrival::Late => ArrivalState::Late,
            },
        })
    }
}

/// `POST /v1/applications/{number}/payment` (with `Idempotency-Key` = the number): a payment
/// by phone for the application's fee, valid until the end of the day. A repeated request
/// returns the same payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeePaymentRequest {
    pub device_id: String,
    pub amount_fen: u64,
}

/// The path of an application's fee payment.
pub fn fee_payment_path(number: &str) -> String {
    format!("/v1/applications/{number}/payment")
}

/// `Submission.payment`: the fee as the kiosk last knew it when the form was printed (the
/// central's own payment record is the authority).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeePaymentState {
    pub payment_id: Option<String>,
    pub state: FeeState,
    pub amount_fen: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeeState {
    Paid,
    Pending,
    Declined,
    NotIssued,
    /// Taken, or perhaps taken, at the kiosk's card terminal and not confirmed by the central.
    Unconfirmed,
    /// The kiosk stopped during a card payment; the terminal took nothing.
    Interrupted,
}

impl FeePaymentState {
    pub fn new(payment: &FeePayment, fee_yuan: u32) -> FeePaymentState {
        FeePaymentState {
            payment_id: payment.payment_id().map(str::to_string),
            state: match payment {
                FeePayment::Paid { .. } => FeeState::Paid,
                FeePayment::Pending { .. } => FeeState::Pending,
                FeePayment::Declined { .. } => FeeState::Declined,
                FeePayment::NotIssued => FeeState::NotIssued,
                FeePayment::Unconfirmed { .. } => FeeState::Unconfirmed,
                FeePayment::Interrupted { .. } => FeeState::Interrupted,
            },
            amount_fen: u64::from(fee_yuan) * 100,
        }
    }
}

/// `POST /v1/ratings`: the done page's ratings the central has not counted yet. Anonymous: a
/// random id (so a repeated batch is counted once), the day and the answer; the device is the
/// one its certificate names.
pub const RATINGS_PATH: &str = "/v1/ratings";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RatingBatch {
    pub ratings: Vec<RatingRow>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RatingRow {
    /// UUID v4, never reused.
    pub rating_id: String,
    /// `YYYY-MM-DD`
    pub day: String,
    /// `satisfied`, `fairly` or `not_satisfied`.
    pub rating: String,
}

/// The ids the central counted (again, for a repeated one): the kiosk forgets them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RatingAck {
    pub counted: Vec<String>,
}

/// `GET /v1/ratings/summary`: what the applicants said, for the administration's dashboards.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SatisfactionSummary {
    pub satisfied: u64,
    pub fairly: u64,
    pub not_satisfied: u64,
    /// Satisfied and fairly satisfied over all ratings, 0–1; null before the first rating.
    pub satisfaction_rate: Option<f64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(date: &str, starts: &str, ends: &str) -> AppointmentAnswer {
        AppointmentAnswer {
            appointment: Some(BookedSlot {
                appointment_id: "A1".into(),
                date: date.into(),
                starts: starts.into(),
                ends: ends.into(),
                service_zh: "护照".into(),
                service_en: "Passport".into(),
                window: Some("3".into()),
            }),
        }
    }

    #[test]
    fn only_a_well_formed_booking_for_today_is_taken() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 1).expect("date");
        let ok = answer("2026-12-01", "09:00", "09:30").to_domain(today);
        assert_eq!(
            ok.expect("usable").expect("a booking").slot_start(),
            "09:00"
        );
        for bad in [
            answer("2026-12-02", "09:00", "09:30"),
            answer("2026-12-01", "9h", "09:30"),
            answer("2026-12-01", "09:30", "09:00"),
        ] {
            assert!(bad.to_domain(today).is_err(), "{bad:?}");
        }
        let none = AppointmentAnswer { appointment: None };
        assert_eq!(none.to_domain(today), Ok(None));
    }
}
