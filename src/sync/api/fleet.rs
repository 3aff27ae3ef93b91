//! The fleet's wire types beyond the heartbeat's figures: the commands a central sends in a
//! heartbeat's answer, the results the kiosk reports for them (with the diagnostics bundle),
//! and the device counters the heartbeat carries. docs/central-api.yaml, "Fleet commands".

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// `POST`: the result of one command, once (again with the same body is harmless).
pub fn command_result_path(device_id: &str, command_id: &str) -> String {
    format!("/v1/devices/{device_id}/commands/{command_id}/result")
}

/// One command for this kiosk. The central repeats it in every heartbeat answer until the
/// kiosk has reported its result; the kiosk carries out each `command_id` once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FleetCommand {
    pub command_id: String,
    pub kind: CommandKind,
    /// `reprint`: the application number whose form is printed again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    /// Central local time, ISO 8601 without offset.
    pub issued_at: String,
}

/// What a command asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CommandKind {
    /// Send the queue now (as `kiosk sync now`).
    SendNow,
    /// Print a stored form again (between applicants).
    Reprint,
    /// Restart the kiosk program (between applicants; the service manager starts it again).
    Restart,
    /// Take no applicants from the next start screen on, until `back_in_service`; kept across
    /// restarts.
    OutOfService,
    BackInService,
    /// Collect the diagnostics bundle into the result.
    Diagnostics,
}

/// How a command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Done,
    /// Not carried out, and never will be (a reprint without a number, say).
    Refused,
    /// Tried, and it did not work (the printer out of paper, say).
    Failed,
}

/// A command's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommandResult {
    pub command_id: String,
    pub kind: CommandKind,
    pub outcome: Outcome,
    /// For the operator, no personal data.
    pub detail: String,
    /// Kiosk local time, ISO 8601 without offset.
    pub finished_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diagnostics: Option<Diagnostics>,
}

/// What an operator needs to diagnose a kiosk from afar; no personal data, at most
/// [`DIAGNOSTICS_MAX_BYTES`] as JSON (the oldest log lines are dropped to fit).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Diagnostics {
    pub app_version: String,
    pub config_version: Option<String>,
    /// Seconds since the kiosk program started.
    pub uptime_s: u64,
    pub in_service: bool,
    /// Device → state, as in the heartbeat.
    pub devices: BTreeMap<String, String>,
    pub queue: QueueFigures,
    pub counters: DeviceCounters,
    /// The newest log lines, oldest first (logs carry no personal data).
    pub log: Vec<String>,
    /// Whether older log lines were left out to keep the bundle within its size.
    pub log_truncated: bool,
}

/// The largest diagnostics bundle a kiosk sends, in bytes of JSON.
pub const DIAGNOSTICS_MAX_BYTES: usize = 256 * 1024;

/// The outbox's figures, as in the heartbeat.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueFigures {
    pub pending: u64,
    pub dead_letters: u64,
    pub oldest_pending_age_s: Option<u64>,
    pub unsent_moves: u64,
    pub unsent_ratings: u64,
}

/// What the kiosk's devices did since the program started (the heartbeat's `seq` restarts with
/// them, so the central can tell a restart from a reset).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DeviceCounters {
    /// Application forms (hall) and endorsement receipts (station) printed.
    pub forms_printed: u64,
    /// Times the printer reported its paper near its end (a new roll resets the state).
    pub paper_near_end_events: u64,
    /// ID cards read, and cards the reader could not read.
    pub card_reads: u64,
    pub card_read_failures: u64,
    /// Document photos taken, and those the checks rejected.
    pub photo_attempts: u64,
    pub photo_rejections: u64,
    /// Endorsement transactions concluded (station kiosk).
    pub endorsement_transactions: u64,
}

/// One event a counter counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counter {
    FormPrinted,
    PaperNearEnd,
    CardRead,
    CardReadFailure,
    PhotoAttempt,
    PhotoRejection,
    EndorsementTransaction,
}

impl DeviceCounters {
    pub fn add(&mut self, counter: Counter) {
        let slot = match counter {
            Counter::FormPrinted => &mut self.forms_printed,
            Counter::PaperNearEnd => &mut self.paper_near_end_events,
            Counter::CardRead => &mut self.card_reads,
            Counter::CardReadFailure => &mut self.card_read_failures,
            Counter::PhotoAttempt => &mut self.photo_attempts,
            Counter::PhotoRejection => &mut self.photo_rejections,
            Counter::EndorsementTransaction => &mut self.endorsement_transactions,
        };
        *slot += 1;
    }
}
