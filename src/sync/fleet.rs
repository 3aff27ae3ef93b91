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

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;

use super::api::{DeviceConfig, Heartbeat, HeartbeatReply, config_path, heartbeat_path};
use super::commands::Commands;
use super::link::Link;
use super::live::Report;
use super::status::SyncStatus;

pub use super::live::{Live, Order, Settings};

/// Where the last accepted configuration from the central is kept.
const SAVED_FILE: &str = "central-config.json";

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
            oldest_pending_age_s: queue.oldest_pending_age_s(),
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
