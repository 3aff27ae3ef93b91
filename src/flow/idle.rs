//! Idle timeouts. WCAG 2.2.1: warn at least 20 s before a time limit fires and let the applicant
//! extend it, as often as needed (any touch or the "more time" button restarts the clock).

use std::time::Duration;

use super::Step;

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
    fn limit(&self, step: Step) -> Option<u64> {
        match step {
            Step::Attract | Step::Printing => None,
            Step::Done => Some(self.done.as_millis() as u64),
            _ => Some(self.idle.as_millis() as u64),
        }
    }

    pub(super) fn expired(&self, step: Step, last_activity: u64, now: u64) -> bool {
        self.limit(step)
            .is_some_and(|limit| now.saturating_sub(last_activity) >= limit)
    }

    pub(super) fn warning_seconds(&self, step: Step, last_activity: u64, now: u64) -> Option<u64> {
        if step == Step::Done {
            return None;
        }
        let limit = self.limit(step)?;
        let left = limit.saturating_sub(now.saturating_sub(last_activity));
        (left <= self.warning.as_millis() as u64).then(|| left.div_ceil(1000))
    }
}
