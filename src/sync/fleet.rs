//! The kiosk as one of a fleet: a heartbeat every minute (queue depth, age of the oldest waiting
//! application, dead letters, device states, version) and the settings the central may change
//! while the kiosk runs — timeouts, languages, the fee and endorsement catalogue, opening hours —
//! pulled with a conditional request (`If-None-Match`, RFC 9110 §13.1.2: 304 when unchanged).
//! Why pull over HTTP rather than push: docs/SYNC.md, "Configuration from the central".
//!
//! A configuration from the central is checked with the same rules as `kiosk.toml`; a bad one
//! is refused, logged and reported in the next heartbeat, and the kiosk keeps what it runs. A
//! good one is kept on disk (written to a temporary file, synced, renamed) so the kiosk starts
//! with it after a power cut, and the screens pick it up at the next attract screen — never in
//! the middle of an applicant's session. A configuration removed at the central (404) is
//! forgotten, and `kiosk.toml` alone applies again.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::NaiveTime;

use tokio::sync::Notify;

use super::api::fleet::{CommandResult, Counter, DeviceCounters};
use super::api::{self, DeviceConfig, Heartbeat, HeartbeatReply, config_path, heartbeat_path};
use super::commands::{Commands, age_s};
use super::link::Link;
use super::status::SyncStatus;
use crate::domain::catalogue::Catalogue;
use crate::domain::divisions::Divisions;
use crate::flow::Timeouts;

/// Where the last accepted configuration from the central is kept.
const SAVED_FILE: &str = "central-config.json";

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

    fn acknowledge_heartbeat(&self) {
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
    fn reject(&self, why: &str) {
        let mut s = self.shared();
        s.rejected = Some(why.to_string());
    }

    /// Every device's state as the next heartbeat reports it.
    pub fn device_states(&self) -> BTreeMap<String, String> {
        self.report().devices
    }

    fn report(&self) -> Report {
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
struct Report {
    config_version: Option<String>,
    rejected: Option<String>,
    devices: BTreeMap<String, String>,
    staff_calls_open: u64,
}

/// The heartbeat and configuration task.
pub struct Fleet {
    pub device_id: String,
    pub every: Duration,
    pub data_dir: PathBuf,
    pub live: Live,
}

impl Fleet {
    /// Applies the configuration kept from the last run, if any, and the central's taking the
    /// kiosk out of service (before the first screen).
    pub fn restore(&self) {
        super::commands::restore(&self.data_dir, &self.live);
        let path = self.data_dir.join(SAVED_FILE);
        let Ok(text) = std::fs::read_to_string(&path) else {
            return;
        };
        match serde_json::from_str::<Saved>(&text) {
            Ok(saved) => match self.live.apply(&saved.config) {
                Ok(()) => {
                    tracing::info!(version = %saved.config.config_version, "fleet: configuration from the central restored")
                }
                Err(why) => {
                    tracing::warn!(%why, "fleet: kept configuration no longer valid, ignored")
                }
            },
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "fleet: kept configuration unreadable, ignored")
            }
        }
    }

    /// Heartbeats forever; pulls the configuration at start, when the heartbeat announces a
    /// new version, and every fifth beat in case an announcement was missed.
    /// Carries out the commands the answers bring; `wake` sends the queue now.
    pub async fn run(self, link: Link, status: Arc<Mutex<SyncStatus>>, wake: Arc<Notify>) {
        let commands = Commands::new(&self.device_id, self.data_dir.clone(), self.live.clone());
        let mut etag = std::fs::read_to_string(self.data_dir.join(SAVED_FILE))
            .ok()
            .and_then(|t| serde_json::from_str::<Saved>(&t).ok())
            .map(|s| s.etag);
        let mut seq = 0u64;
        loop {
            seq += 1;
            let reply = self.beat(&link, &status, seq).await;
            let (wanted, orders) =
                reply.map_or((None, Vec::new()), |r| (r.config_version, r.commands));
            let running = self.live.current().1.version.clone();
            if seq == 1 || seq.is_multiple_of(5) || (wanted.is_some() && wanted != running) {
                self.pull(&link, &mut etag).await;
            }
            commands.handle(&link, &status, &wake, orders).await;
            let jitter = 0.9 + 0.2 * f64::from(seq.wrapping_mul(2654435761) as u32 % 1000) / 999.0;
            tokio::select! {
                _ = tokio::time::sleep(self.every.mul_f64(jitter)) => {}
                _ = self.live.beat_wanted() => {}
            }
        }
    }

    async fn beat(
        &self,
        link: &Link,
        status: &Mutex<SyncStatus>,
        seq: u64,
    ) -> Option<HeartbeatReply> {
        let Report {
            config_version,
            rejected,
            mut devices,
            staff_calls_open,
        } = self.live.report();
        let queue = status.lock().map(|s| s.clone()).unwrap_or_default();
        if let Some(why) = rejected {
            devices.insert("configuration".into(), format!("rejected {why}"));
        }
        let now = chrono::Local::now().naive_local();
        let beat = Heartbeat {
            device_id: self.device_id.clone(),
            seq,
            sent_at: now.format("%Y-%m-%dT%H:%M:%S").to_string(),
            app_version: env!("CARGO_PKG_VERSION").to_string(),
            queue_pending: queue.pending,
            oldest_pending_age_s: queue.oldest_pending.as_deref().and_then(age_s),
            dead_letters: queue.dead,
            unsent_moves: queue.unsent_moves,
            unsent_ratings: queue.unsent_ratings,
            staff_calls_open,
            paused: queue.paused,
            config_version,
            devices,
            counters: self.live.counters(),
            in_service: !self.live.withdrawn(),
        };
        let sent = link
            .client()
            .post(format!("{}{}", link.url(), heartbeat_path(&self.device_id)))
            .json(&beat)
            .send()
            .await;
        match sent {
            Ok(r) if r.status().is_success() => match r.json::<HeartbeatReply>().await {
                Ok(reply) => {
                    self.live.acknowledge_heartbeat();
                    Some(reply)
                }
                Err(e) => {
                    tracing::warn!(error = %e, "fleet: heartbeat answer unreadable");
                    None
                }
            },
            Ok(r) => {
                tracing::warn!(status = %r.status(), "fleet: heartbeat refused");
                None
            }
            Err(e) => {
                tracing::debug!(error = %e, "fleet: heartbeat not delivered");
                None
            }
        }
    }

    async fn pull(&self, link: &Link, etag: &mut Option<String>) {
        let mut request =
            link.client()
                .get(format!("{}{}", link.url(), config_path(&self.device_id)));
        if let Some(tag) = etag.as_deref() {
            request = request.header(reqwest::header::IF_NONE_MATCH, tag);
        }
        let response = match request.send().await {
            Ok(r) => r,
            Err(e) => {
                tracing::debug!(error = %e, "fleet: configuration not pulled");
                return;
            }
        };
        match response.status().as_u16() {
            304 => return,
            // The contract: no configuration for this device, `kiosk.toml` alone applies.
            404 => {
                *etag = None;
                if self.live.revert() {
                    tracing::info!(
                        "fleet: the central has no configuration for this kiosk; kiosk.toml alone applies"
                    );
                }
                match std::fs::remove_file(self.data_dir.join(SAVED_FILE)) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => tracing::warn!(error = %e, "fleet: kept configuration not removed"),
                }
                return;
            }
            200 => {}
            other => {
                tracing::warn!(status = other, "fleet: configuration pull refused");
                return;
            }
        }
        let tag = response
            .headers()
            .get(reqwest::header::ETAG)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let text = match response.text().await {
            Ok(t) => t,
            Err(e) => {
                tracing::warn!(error = %e, "fleet: configuration body lost");
                return;
            }
        };
        // Remembered even when refused: the same bad configuration is not fetched again and
        // again; the heartbeat keeps reporting the refusal until the central sends another.
        *etag = tag.clone();
        let config = match serde_json::from_str::<DeviceConfig>(&text) {
            Ok(c) => c,
            Err(e) => {
                let why = format!("unreadable configuration: {e}");
                self.live.reject(&why);
                tracing::error!(%why, "fleet: configuration from the central refused; the current one stays");
                return;
            }
        };
        match self.live.apply(&config) {
            Ok(()) => {
                tracing::info!(version = %config.config_version, "fleet: configuration from the central accepted");
                let saved = Saved {
                    etag: tag.unwrap_or_default(),
                    config,
                };
                if let Err(e) = save_atomically(&self.data_dir.join(SAVED_FILE), &saved) {
                    tracing::warn!(error = %e, "fleet: configuration not kept on disk");
                }
            }
            Err(why) => {
                tracing::error!(%why, "fleet: configuration from the central refused; the current one stays");
            }
        }
    }
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Saved {
    etag: String,
    config: DeviceConfig,
}

/// Temporary file, fsync, rename, fsync of the directory: after a power cut the file is the
/// old one or the new one, never half of each.
fn save_atomically(path: &Path, saved: &Saved) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    let text = serde_json::to_vec_pretty(saved).map_err(std::io::Error::other)?;
    let mut file = std::fs::File::create(&tmp)?;
    std::io::Write::write_all(&mut file, &text)?;
    file.sync_all()?;
    std::fs::rename(&tmp, path)?;
    if let Some(dir) = path.parent() {
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}
