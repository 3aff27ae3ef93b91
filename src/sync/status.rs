//! The queue's state as the worker last saw it: what the screens show and the heartbeat
//! reports. Its own module because both the worker (which writes it) and the fleet task (which
//! reads it) need it, and neither should need the other.

/// What the attract and technician screens and the heartbeat show about the queue.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncStatus {
    pub pending: u64,
    pub dead: u64,
    /// When the oldest waiting application was captured (local time, ISO 8601).
    pub oldest_pending: Option<String>,
    /// False after a failed attempt until the next success.
    pub online: bool,
    pub last_error: Option<String>,
    /// Why the queue is paused (a certificate refused on either side, or no TLS session with
    /// the central), if it is.
    pub paused: Option<String>,
    /// Endorsement transactions' moves the central has not acknowledged (station kiosk).
    pub unsent_moves: u64,
    /// Done-page ratings the central has not counted (hall kiosk; they go in batches).
    pub unsent_ratings: u64,
}

impl SyncStatus {
    /// Seconds since the oldest waiting application was captured (its time is local, ISO 8601
    /// without offset).
    pub fn oldest_pending_age_s(&self) -> Option<u64> {
        let at = chrono::NaiveDateTime::parse_from_str(
            self.oldest_pending.as_deref()?,
            "%Y-%m-%dT%H:%M:%S",
        )
        .ok()?;
        Some(
            (chrono::Local::now().naive_local() - at)
                .num_seconds()
                .max(0) as u64,
        )
    }
}
