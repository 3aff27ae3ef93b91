//! Calling staff from the kiosk (`docs/central-api.yaml`, `/v1/staff-calls`): the applicant's
//! "call staff" button raises a call at the central at once, which the site's staff see; the
//! kiosk closes it when the visit it was made in ends or staff mark it answered on the
//! technician screen. A call says where the applicant is stuck (the page) and how to address
//! them (language, large text), never who they are.

use serde::{Deserialize, Serialize};

/// `POST /v1/staff-calls`, idempotent on `call_id`.
pub const STAFF_CALLS_PATH: &str = "/v1/staff-calls";

/// The path that closes call `call_id`.
pub fn close_path(call_id: &str) -> String {
    format!("{STAFF_CALLS_PATH}/{call_id}/close")
}

/// A new call: no personal data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffCallRequest {
    /// Random (UUID v4), so a repeated request raises one call.
    pub call_id: String,
    pub device_id: String,
    /// The page the applicant is on (`attract`, `review`, `payment`, …).
    pub page: String,
    /// The screen's language, `zh_CN` or `en`.
    pub language: String,
    /// The screen is in large text or high contrast (the applicant may need more help).
    pub large_text: bool,
    /// Local time, `YYYY-MM-DDTHH:MM:SS`.
    pub called_at: String,
}

/// `POST /v1/staff-calls/{call_id}/close`: why the kiosk closes the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CloseReason {
    /// Staff came and marked it answered on the technician screen.
    Answered,
    /// The visit it was made in ended (the applicant left, finished or timed out).
    SessionEnded,
    /// Raised between visits and neither answered nor followed by one for 15 minutes.
    Expired,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffCallClose {
    pub reason: CloseReason,
}

/// The central's answer to either: the call and its state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffCall {
    pub call_id: String,
    pub state: StaffCallState,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StaffCallState {
    Open,
    Closed,
}

/// `GET /v1/staff-calls`: the asking device's calls that are open (the development central's
/// view for staff; the kiosk itself does not ask).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenStaffCalls {
    pub calls: Vec<StaffCallRequest>,
}
