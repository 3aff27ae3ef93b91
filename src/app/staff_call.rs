//! The applicant's call for staff, one at a time (docs/ACCESSIBILITY.md, "Call staff"): raised
//! from the header of any page, closed when the visit it was made in ends, when staff mark it
//! answered on the technician screen, or — raised between visits — after [`EXPIRY_MS`]. Pure
//! state: the controller sends what it returns to the staff thread.

use chrono::NaiveDateTime;

use crate::sync::api::staff::{CloseReason, StaffCallRequest};

/// A call raised between visits (on the attract screen) that nobody answered closes itself
/// after 15 minutes: whoever pressed it has long gone.
pub const EXPIRY_MS: u64 = 15 * 60 * 1000;

/// Where the call stands, as the header shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallStatus {
    /// Sent; the central's answer is awaited.
    Calling,
    /// The central has it: staff are on their way.
    Called,
    /// It could not be raised: the applicant is told to ask in person (and may try again).
    NotReached,
}

/// The open call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenCall {
    pub id: String,
    /// The page it was raised on.
    pub page: String,
    /// Local time it was raised.
    pub at: NaiveDateTime,
    pub status: CallStatus,
    /// Raised during a visit (closed when it ends), or between visits (expires).
    in_visit: bool,
    /// The core's clock when it was raised (ms).
    raised_ms: u64,
}

/// Where a call is raised from.
pub struct Place<'a> {
    pub page: &'a str,
    /// `zh_CN` or `en`.
    pub language: &'a str,
    pub large_text: bool,
    /// A visit is under way (not the attract or services screen).
    pub in_visit: bool,
}

/// The kiosk's staff call.
#[derive(Debug, Clone, Default)]
pub struct StaffCalls {
    call: Option<OpenCall>,
}

impl StaffCalls {
    pub fn call(&self) -> Option<&OpenCall> {
        self.call.as_ref()
    }

    /// Calls open at the central now (for the heartbeat): 0 or 1.
    pub fn open(&self) -> u64 {
        u64::from(
            self.call
                .as_ref()
                .is_some_and(|c| c.status == CallStatus::Called),
        )
    }

    /// Raises a call from `place`, unless one is on its way or raised already; the request to
    /// send. A call that could not be raised may be tried again.
    pub fn raise(
        &mut self,
        device_id: &str,
        place: Place<'_>,
        now_ms: u64,
        at: NaiveDateTime,
    ) -> Option<StaffCallRequest> {
        if self
            .call
            .as_ref()
            .is_some_and(|c| c.status != CallStatus::NotReached)
        {
            return None;
        }
        let id = uuid::Uuid::new_v4().to_string();
        self.call = Some(OpenCall {
            id: id.clone(),
            page: place.page.to_string(),
            at,
            status: CallStatus::Calling,
            in_visit: place.in_visit,
            raised_ms: now_ms,
        });
        Some(StaffCallRequest {
            call_id: id,
            device_id: device_id.to_string(),
            page: place.page.to_string(),
            language: place.language.to_string(),
            large_text: place.large_text,
            called_at: at.format("%Y-%m-%dT%H:%M:%S").to_string(),
        })
    }

    /// The staff thread's word on call `call_id` (a late word on an older call is dropped).
    pub fn reached(&mut self, call_id: &str, reached: bool) {
        if let Some(call) = self.call.as_mut().filter(|c| c.id == call_id) {
            call.status = if reached {
                CallStatus::Called
            } else {
                CallStatus::NotReached
            };
        }
    }

    /// A card starts a visit: a call raised just before it is most likely this applicant's,
    /// so it now ends with the visit; one that could not be raised is forgotten (its banner
    /// is not the new applicant's).
    pub fn visit_started(&mut self) {
        match self.call.as_mut() {
            Some(call) if call.status == CallStatus::NotReached => self.call = None,
            Some(call) => call.in_visit = true,
            None => {}
        }
    }

    /// The visit ended: a call made in it is over. Returns the call to close at the central.
    pub fn visit_over(&mut self) -> Option<(String, CloseReason)> {
        if !self.call.as_ref().is_some_and(|c| c.in_visit) {
            return None;
        }
        self.close(CloseReason::SessionEnded)
    }

    /// Staff marked the call answered.
    pub fn answered(&mut self) -> Option<(String, CloseReason)> {
        self.close(CloseReason::Answered)
    }

    /// A call raised between visits that nobody answered expires.
    pub fn tick(&mut self, now_ms: u64) -> Option<(String, CloseReason)> {
        let expired = self
            .call
            .as_ref()
            .is_some_and(|c| !c.in_visit && now_ms.saturating_sub(c.raised_ms) >= EXPIRY_MS);
        if expired {
            self.close(CloseReason::Expired)
        } else {
            None
        }
    }

    /// Forgets the call; the one to close at the central. A call reported not reached is
    /// closed too: its answers may have been lost after it got there.
    fn close(&mut self, reason: CloseReason) -> Option<(String, CloseReason)> {
        let call = self.call.take()?;
        Some((call.id, reason))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at() -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 12, 1)
            .unwrap()
            .and_hms_opt(10, 30, 0)
            .unwrap()
    }

    fn place(in_visit: bool) -> Place<'static> {
        Place {
            page: "review",
            language: "en",
            large_text: true,
            in_visit,
        }
    }

    #[test]
    fn one_call_at_a_time_without_personal_data_and_closed_when_the_visit_ends() {
        let mut calls = StaffCalls::default();
        let request = calls.raise("HALL01", place(true), 0, at()).expect("raised");
        assert_eq!(
            (
                request.page.as_str(),
                request.language.as_str(),
                request.large_text
            ),
            ("review", "en", true)
        );
        assert_eq!(request.called_at, "2026-12-01T10:30:00");
        assert!(
            calls.raise("HALL01", place(true), 1, at()).is_none(),
            "one at a time"
        );
        assert_eq!(calls.open(), 0, "not open until the central has it");
        calls.reached("another", true);
        assert_eq!(calls.call().unwrap().status, CallStatus::Calling);
        calls.reached(&request.call_id, true);
        assert_eq!(calls.open(), 1);
        assert_eq!(
            calls.visit_over(),
            Some((request.call_id, CloseReason::SessionEnded))
        );
        assert!(calls.call().is_none());
    }

    #[test]
    fn a_call_that_was_not_reached_may_be_tried_again_and_is_still_closed() {
        let mut calls = StaffCalls::default();
        let first = calls.raise("HALL01", place(true), 0, at()).expect("raised");
        calls.reached(&first.call_id, false);
        assert_eq!(calls.call().unwrap().status, CallStatus::NotReached);
        let second = calls.raise("HALL01", place(true), 5, at()).expect("again");
        assert_ne!(first.call_id, second.call_id);
        calls.reached(&second.call_id, false);
        assert_eq!(
            calls.visit_over(),
            Some((second.call_id, CloseReason::SessionEnded)),
            "it may have got there with its answer lost"
        );
    }

    #[test]
    fn a_call_between_visits_outlives_the_next_visit_start_and_expires() {
        let mut calls = StaffCalls::default();
        let request = calls
            .raise("HALL01", place(false), 1_000, at())
            .expect("raised");
        calls.reached(&request.call_id, true);
        assert_eq!(calls.visit_over(), None, "made on the attract screen");
        assert_eq!(calls.tick(1_000 + EXPIRY_MS - 1), None);
        assert_eq!(
            calls.tick(1_000 + EXPIRY_MS),
            Some((request.call_id, CloseReason::Expired))
        );
        let request = calls
            .raise("HALL01", place(false), 0, at())
            .expect("raised");
        calls.reached(&request.call_id, true);
        assert_eq!(
            calls.answered(),
            Some((request.call_id, CloseReason::Answered))
        );
    }

    #[test]
    fn a_call_just_before_a_card_belongs_to_that_visit_and_a_failed_one_is_forgotten() {
        let mut calls = StaffCalls::default();
        let request = calls
            .raise("HALL01", place(false), 0, at())
            .expect("raised");
        calls.reached(&request.call_id, true);
        calls.visit_started();
        assert_eq!(
            calls.visit_over(),
            Some((request.call_id, CloseReason::SessionEnded))
        );
        let failed = calls
            .raise("HALL01", place(false), 0, at())
            .expect("raised");
        calls.reached(&failed.call_id, false);
        calls.visit_started();
        assert!(calls.call().is_none(), "not the new applicant's banner");
    }
}
