//! The newest log lines, kept in memory for the diagnostics bundle a central may ask for
//! (`diagnostics` command): a `tracing` layer beside the one writing to standard error. Log
//! lines carry no personal data (the whole test run's logs are searched for it), so neither
//! does this.

use std::collections::VecDeque;
use std::fmt::Write;
use std::sync::Mutex;

use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer};

/// How many lines are kept, and how long one line may be (in characters).
const LINES: usize = 2000;
const LINE_CHARS: usize = 400;

static RECENT: Mutex<VecDeque<String>> = Mutex::new(VecDeque::new());

/// The layer that keeps the lines (installed once, by the command line's logging setup).
pub struct RecentLog;

impl<S: Subscriber> Layer<S> for RecentLog {
    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        let meta = event.metadata();
        let mut line = format!(
            "{} {} {}:",
            chrono::Local::now().format("%Y-%m-%dT%H:%M:%S"),
            meta.level(),
            meta.target()
        );
        event.record(&mut Fields(&mut line));
        if line.chars().count() > LINE_CHARS {
            line = line.chars().take(LINE_CHARS).collect::<String>() + "…";
        }
        let mut recent = RECENT.lock().unwrap_or_else(|p| p.into_inner());
        if recent.len() == LINES {
            recent.pop_front();
        }
        recent.push_back(line);
    }
}

struct Fields<'a>(&'a mut String);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let _ = match field.name() {
            "message" => write!(self.0, " {value:?}"),
            name => write!(self.0, " {name}={value:?}"),
        };
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        let _ = match field.name() {
            "message" => write!(self.0, " {value}"),
            name => write!(self.0, " {name}={value}"),
        };
    }
}

/// The kept lines, oldest first.
pub fn lines() -> Vec<String> {
    RECENT
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .iter()
        .cloned()
        .collect()
}
