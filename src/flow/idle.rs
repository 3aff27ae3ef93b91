//! Idle timeouts. WCAG 2.2.1: warn at least 20 s before a time limit fires and let the applicant
//! extend it, as often as needed (any touch or the "more time" button restarts the clock).

use std::time::Duration;

/// Which time limit a page runs under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// No applicant to wait for (attract), or the kiosk itself is busy (printing, paying,
    /// writing): the page is not timed.
    Untimed,
    /// A page waiting for the applicant: idle timeout with a warning.
    Form,
    /// The last page: it goes back to attract after `done`, without a warning.
    Done,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// Inactivity that ends a session in the form steps.
    pub idle: Duration,
    /// How long before the end the warning is shown (at least 20 s).
    pub warning: Duration,
    /// How long the done screen stays before the kiosk returns to attract.
    pub done: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            idle: Duration::from_secs(120),
            warning: Duration::from_secs(30),
            done: Duration::from_secs(30),
        }
    }
}

impl Timeouts {
    fn limit(&self, limit: Limit) -> Option<u64> {
        match limit {
            Limit::Untimed => None,
            Limit::Done => Some(self.done.as_millis() as u64),
            Limit::Form => Some(self.idle.as_millis() as u64),
        }
    }

    fn expired(&self, limit: Limit, last_activity: u64, now: u64) -> bool {
        self.limit(limit)
            .is_some_and(|limit| now.saturating_sub(last_activity) >= limit)
    }

    fn warning_seconds(&self, limit: Limit, last_activity: u64, now: u64) -> Option<u64> {
        if limit == Limit::Done {
            return None;
        }
        let limit = self.limit(limit)?;
        let left = limit.saturating_sub(now.saturating_sub(last_activity));
        (left <= self.warning.as_millis() as u64).then(|| left.div_ceil(1000))
    }
}

/// A session's idle clock: its time limits and when the applicant last did something. Both
/// sessions keep one; every event but the clock's own tick counts as activity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdleClock {
    pub timeouts: Timeouts,
    last_activity: u64,
}

impl IdleClock {
    pub fn new(timeouts: Timeouts) -> IdleClock {
        IdleClock {
            timeouts,
            last_activity: 0,
        }
    }

    /// Notes activity at `now` (ms), unless the event is the clock's tick.
    pub fn touch(&mut self, tick: bool, now: u64) {
        if !tick {
            self.last_activity = now;
        }
    }

    /// Whether a page under `limit` has been left alone too long at `now`.
    pub fn expired(&self, limit: Limit, now: u64) -> bool {
        self.timeouts.expired(limit, self.last_activity, now)
    }

    /// Seconds left before the timeout, while the warning should show.
    pub fn warning_seconds(&self, limit: Limit, now: u64) -> Option<u64> {
        self.timeouts
            .warning_seconds(limit, self.last_activity, now)
    }
}
