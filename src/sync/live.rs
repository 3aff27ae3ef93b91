//! The live state shared by the fleet task and the screens: the settings the central may change
//! while the kiosk runs (applied at the next attract screen, never mid-session), and what the
//! heartbeat reports and the central's commands need — device states and counters, the staff
//! calls open, whether the central took the kiosk out of service, and the commands and results
//! passing between the fleet task and the screens.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::NaiveTime;

use super::api::fleet::{CommandResult, Counter, DeviceCounters};
use super::api::{self, DeviceConfig};
use crate::domain::catalogue::Catalogue;
use crate::domain::divisions::Divisions;
use crate::flow::Timeouts;

/// The settings that may change while the kiosk runs.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The central's configuration version, `None` while `kiosk.toml` alone applies.
    pub version: Option<String>,
    pub timeouts: Timeouts,
    pub languages: Vec<String>,
    pub default_language: String,
    pub catalogue: Arc<Catalogue>,
    /// The division table the address page chooses from (GB/T 2260).
    pub divisions: Arc<Divisions>,
    /// Opening and closing time; `None` means always open.
    pub hours: Option<(NaiveTime, NaiveTime)>,
}

impl Settings {
    /// Whether applicants are taken at `now` (local time).
    pub fn open_at(&self, now: NaiveTime) -> bool {
        match self.hours {
            None => true,
            Some((open, close)) if open <= close => open <= now && now < close,
            // Overnight hours (e.g. an airport hall): open across midnight.
            Some((open, close)) => now >= open || now < close,
        }
    }

    /// `base` with the parts the central sent, or every problem found in them.
    pub fn with_remote(&self, remote: &DeviceConfig) -> Result<Settings, Vec<String>> {
        let mut problems = Vec::new();
        let mut next = self.clone();
        next.version = Some(remote.config_version.clone());
        if let Some(t) = &remote.timeouts {
            for (key, message) in
                crate::config::timeout_problems(t.idle_seconds, t.warning_seconds, t.done_seconds)
            {
                problems.push(format!("{key}: {message}"));
            }
            next.timeouts = timeouts(t);
        }
        if let Some(languages) = &remote.languages {
            next.languages = languages.clone();
        }
        if let Some(default) = &remote.default_language {
            next.default_language = default.clone();
        }
        if remote.languages.is_some() || remote.default_language.is_some() {
            for (key, message) in
                crate::config::language_problems(&next.languages, &next.default_language)
            {
                problems.push(format!("{key}: {message}"));
            }
        }
        if let Some(text) = &remote.catalogue_toml {
            match Catalogue::from_toml(text) {
                Ok(c) => next.catalogue = Arc::new(c),
                Err(e) => problems.push(format!("catalogue: {e}")),
            }
        }
        if let Some(text) = &remote.divisions_tsv {
            match Divisions::from_tsv(text) {
                Ok(d) => next.divisions = Arc::new(d),
                Err(e) => problems.push(format!("divisions: {e}")),
            }
        }
        if let Some(h) = &remote.opening_hours {
            let parse = |key: &str, v: &str| {
                NaiveTime::parse_from_str(v, "%H:%M")
                    .map_err(|_| format!("opening_hours.{key}: {v:?} is not HH:MM"))
            };
            match (parse("open", &h.open), parse("close", &h.close)) {
                (Ok(open), Ok(close)) if open != close => next.hours = Some((open, close)),
                (Ok(_), Ok(_)) => {
                    problems.push("opening_hours: open and close are the same".into())
                }
                (a, b) => problems.extend(a.err().into_iter().chain(b.err())),
            }
        }
        if problems.is_empty() {
            Ok(next)
        } else {
            Err(problems)
        }
    }
}

fn timeouts(t: &api::Timeouts) -> Timeouts {
    Timeouts {
        idle: Duration::from_secs(t.idle_seconds),
        warning: Duration::from_secs(t.warning_seconds),
        done: Duration::from_secs(t.done_seconds),
    }
}

struct Shared {
    /// What `kiosk.toml` says: every configuration from the central is laid over this, and it
    /// alone applies when the central has none for the kiosk.
    base: Arc<Settings>,
    settings: Arc<Settings>,
    generation: u64,
    rejected: Option<String>,
    devices: BTreeMap<String, String>,
    staff_calls_open: u64,
    heartbeat_acknowledged: bool,
    counters: DeviceCounters,
    /// Taken out of service by the central.
    withdrawn: bool,
    /// The central asked for a restart; the screens carry it out between applicants.
    restart: bool,
    /// Commands for the screens to carry out, and their results for the central.
    orders: Vec<Order>,
    results: Vec<CommandResult>,
}

/// A command the screens carry out (it needs the printer or an applicant-free moment).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Order {
    /// Print the stored form of `number` again.
    Reprint { command_id: String, number: String },
}

/// The live settings, shared by the fleet task (which replaces them) and the screens (which
/// apply a new generation at the next attract screen), plus what the heartbeat reports and the
/// central's commands passing between the fleet task and the screens.
#[derive(Clone)]
pub struct Live(Arc<Mutex<Shared>>, Arc<tokio::sync::Notify>);

impl Live {
    pub fn new(base: Settings) -> Live {
        let base = Arc::new(base);
        Live(
            Arc::new(Mutex::new(Shared {
                settings: base.clone(),
                base,
                generation: 0,
                rejected: None,
                devices: BTreeMap::new(),
                staff_calls_open: 0,
                heartbeat_acknowledged: false,
                counters: DeviceCounters::default(),
                withdrawn: false,
                restart: false,
                orders: Vec::new(),
                results: Vec::new(),
            })),
            Arc::new(tokio::sync::Notify::new()),
        )
    }

    fn shared(&self) -> std::sync::MutexGuard<'_, Shared> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Counts one device event for the heartbeat.
    pub fn count(&self, counter: Counter) {
        self.shared().counters.add(counter);
    }

    /// The counts so far.
    pub fn counters(&self) -> DeviceCounters {
        self.shared().counters.clone()
    }

    /// Sends a heartbeat now rather than at the next beat (the paper near its end: staff hear
    /// of it at once).
    pub fn beat_now(&self) {
        self.1.notify_one();
    }

    /// Resolves when [`Live::beat_now`] is called.
    pub async fn beat_wanted(&self) {
        self.1.notified().await;
    }

    /// Whether the central has taken the kiosk out of service.
    pub fn withdrawn(&self) -> bool {
        self.shared().withdrawn
    }

    pub fn set_withdrawn(&self, withdrawn: bool) {
        self.shared().withdrawn = withdrawn;
    }

    /// Asks the screens to restart the program between applicants.
    pub fn request_restart(&self) {
        self.shared().restart = true;
    }

    pub fn restart_requested(&self) -> bool {
        self.shared().restart
    }

    /// Hands a command to the screens.
    pub fn order(&self, order: Order) {
        self.shared().orders.push(order);
    }

    /// The commands for the screens, taken.
    pub fn take_orders(&self) -> Vec<Order> {
        std::mem::take(&mut self.shared().orders)
    }

    /// A result for the central, from the screens.
    pub fn finish(&self, result: CommandResult) {
        self.shared().results.push(result);
        self.beat_now();
    }

    /// The screens' results, taken.
    pub fn take_results(&self) -> Vec<CommandResult> {
        std::mem::take(&mut self.shared().results)
    }

    /// The current settings and their generation (it grows with every accepted change).
    pub fn current(&self) -> (u64, Arc<Settings>) {
        let s = self.shared();
        (s.generation, s.settings.clone())
    }

    /// Records a device's state for the heartbeat ("ok", "offline: …").
    pub fn set_device(&self, name: &str, state: &str) {
        let mut s = self.shared();
        s.devices.insert(name.to_string(), state.to_string());
    }

    /// Records how many staff calls are open at the central, for the heartbeat.
    pub fn set_staff_calls_open(&self, open: u64) {
        let mut s = self.shared();
        s.staff_calls_open = open;
    }

    /// Whether the central has acknowledged a heartbeat since this start (the update gate's
    /// proof that the kiosk reaches the central).
    pub fn heartbeat_acknowledged(&self) -> bool {
        self.shared().heartbeat_acknowledged
    }

    pub(super) fn acknowledge_heartbeat(&self) {
        let mut s = self.shared();
        s.heartbeat_acknowledged = true;
    }

    /// Checks a configuration from the central and, if it is good, makes it current. It is laid
    /// over `kiosk.toml`'s settings, not over the previous configuration: what the central
    /// leaves out comes from the file.
    pub fn apply(&self, remote: &DeviceConfig) -> Result<(), String> {
        let mut s = self.shared();
        match s.base.with_remote(remote) {
            Ok(next) => {
                s.settings = Arc::new(next);
                s.generation += 1;
                s.rejected = None;
                Ok(())
            }
            Err(problems) => {
                let why = format!("{}: {}", remote.config_version, problems.join("; "));
                s.rejected = Some(why.clone());
                Err(why)
            }
        }
    }

    /// Goes back to `kiosk.toml` alone (the central has no configuration for this kiosk).
    /// Returns whether anything changed.
    pub fn revert(&self) -> bool {
        let mut s = self.shared();
        let changed = s.settings.version.is_some() || s.rejected.is_some();
        if changed {
            s.settings = s.base.clone();
            s.generation += 1;
            s.rejected = None;
        }
        changed
    }

    /// Records a configuration refused before it could be checked (not even readable).
    pub(super) fn reject(&self, why: &str) {
        let mut s = self.shared();
        s.rejected = Some(why.to_string());
    }

    /// Every device's state as the next heartbeat reports it.
    pub fn device_states(&self) -> BTreeMap<String, String> {
        self.report().devices
    }

    pub(super) fn report(&self) -> Report {
        let s = self.shared();
        Report {
            config_version: s.settings.version.clone(),
            rejected: s.rejected.clone(),
            devices: s.devices.clone(),
            staff_calls_open: s.staff_calls_open,
        }
    }
}

/// What the live state adds to a heartbeat.
pub(super) struct Report {
    pub config_version: Option<String>,
    pub rejected: Option<String>,
    pub devices: BTreeMap<String, String>,
    pub staff_calls_open: u64,
}
