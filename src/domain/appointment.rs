//! Today's appointment of the applicant (the central's answer to `POST /v1/people/appointment`)
//! and what the hall kiosk tells someone who arrives before or after it. The rule is the one the
//! halls apply to online bookings (docs/DOMAIN.md, "Appointments"): a booked applicant is served
//! in the booked queue from [`EARLY_MINUTES`] before the slot until its end; earlier, they wait
//! until then; after the end the booking has lapsed and they are served as walk-ins, in queue
//! order.

use std::fmt;

use chrono::{Duration, NaiveTime, Timelike};

/// How long before the slot a booked applicant is already served in the booked queue.
pub const EARLY_MINUTES: i64 = 30;

/// A booking for today: a time slot, the service booked and the window that serves it.
/// Personal data only through whose it is: it lives in the session's draft.
#[derive(Clone, PartialEq, Eq)]
pub struct Appointment {
    /// The central's id of the booking (sent back with the application to link the two).
    pub id: String,
    pub starts: NaiveTime,
    pub ends: NaiveTime,
    /// The service booked, as the central names it.
    pub service_zh: String,
    pub service_en: String,
    /// The window or counter that serves the booking ("3", "B2"), where the central says.
    pub window: Option<String>,
}

impl fmt::Debug for Appointment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Appointment({}–{})", self.slot_start(), self.slot_end())
    }
}

/// When the applicant arrived against the booked slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrival {
    /// From [`EARLY_MINUTES`] before the slot to its end: served in the booked queue.
    OnTime,
    /// Earlier than that: the booked queue takes them from `EARLY_MINUTES` before the slot.
    Early,
    /// After the slot ended: the booking has lapsed; served as a walk-in.
    Late,
}

impl Appointment {
    /// "09:00"
    pub fn slot_start(&self) -> String {
        self.starts.format("%H:%M").to_string()
    }

    /// "09:30"
    pub fn slot_end(&self) -> String {
        self.ends.format("%H:%M").to_string()
    }

    /// The time from which the booked queue serves the applicant ("08:30").
    pub fn served_from(&self) -> String {
        (self.starts - Duration::minutes(EARLY_MINUTES))
            .format("%H:%M")
            .to_string()
    }

    /// How an arrival at `now` (local time of day) stands against the slot, to the minute (as
    /// the slot is given): 10:30:40 is still within a slot that ends at 10:30.
    pub fn arrival(&self, now: NaiveTime) -> Arrival {
        let now = now
            .with_second(0)
            .unwrap_or(now)
            .with_nanosecond(0)
            .unwrap_or(now);
        let opens = self
            .starts
            .overflowing_sub_signed(Duration::minutes(EARLY_MINUTES));
        // A slot in the first half hour of the day opens at midnight, not the evening before.
        let opens = if opens.1 != 0 {
            NaiveTime::MIN
        } else {
            opens.0
        };
        if now < opens {
            Arrival::Early
        } else if now > self.ends {
            Arrival::Late
        } else {
            Arrival::OnTime
        }
    }
}

/// What the form says about the booking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Booking {
    /// No booking for today: served as a walk-in.
    WalkIn,
    /// Today's booking, and how the applicant arrived against it.
    Booked(Appointment, Arrival),
    /// The central could not be asked: the applicant shows the booking at the window.
    Unknown,
}

impl Booking {
    /// Whether the applicant is served in the booked queue (a lapsed booking is not).
    pub fn served_as_booked(&self) -> bool {
        matches!(self, Booking::Booked(_, Arrival::OnTime | Arrival::Early))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).expect("time")
    }

    fn slot(starts: NaiveTime, ends: NaiveTime) -> Appointment {
        Appointment {
            id: "A1".into(),
            starts,
            ends,
            service_zh: "护照".into(),
            service_en: "Passport".into(),
            window: Some("3".into()),
        }
    }

    #[test]
    fn the_booked_queue_opens_half_an_hour_before_the_slot_and_closes_at_its_end() {
        let a = slot(at(10, 0), at(10, 30));
        assert_eq!(a.arrival(at(9, 29)), Arrival::Early);
        assert_eq!(a.arrival(at(9, 30)), Arrival::OnTime);
        assert_eq!(a.arrival(at(10, 15)), Arrival::OnTime);
        assert_eq!(a.arrival(at(10, 30)), Arrival::OnTime);
        let half_past_and_a_bit = NaiveTime::from_hms_opt(10, 30, 40).expect("time");
        assert_eq!(a.arrival(half_past_and_a_bit), Arrival::OnTime);
        assert_eq!(a.arrival(at(10, 31)), Arrival::Late);
        assert_eq!(a.served_from(), "09:30");
        assert_eq!(format!("{a:?}"), "Appointment(10:00–10:30)");
    }

    #[test]
    fn a_slot_just_after_midnight_is_not_early_the_evening_before() {
        let a = slot(at(0, 10), at(0, 40));
        assert_eq!(a.arrival(at(0, 0)), Arrival::OnTime);
        assert_eq!(a.arrival(at(23, 50)), Arrival::Late);
    }

    #[test]
    fn a_lapsed_booking_is_served_as_a_walk_in() {
        let a = slot(at(10, 0), at(10, 30));
        assert!(Booking::Booked(a.clone(), Arrival::Early).served_as_booked());
        assert!(!Booking::Booked(a, Arrival::Late).served_as_booked());
        assert!(!Booking::WalkIn.served_as_booked());
    }
}
