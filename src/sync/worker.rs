//! The outbox worker: a tokio runtime on its own thread that sends queued submissions to the
//! central, at once when woken after a save and again after a backoff while the network is down.
//!
//! Walking-skeleton scope: plain HTTP(S) with an `Idempotency-Key`, exponential backoff, 4xx
//! validation errors dead-lettered. mTLS, `Retry-After`, reconciliation of ambiguous failures and
//! the heartbeat are issue 6.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;

use super::api::{Ack, CONTENT_DIGEST, IDEMPOTENCY_KEY, SUBMISSIONS_PATH, content_digest};
use crate::store::Store;

const BATCH: usize = 20;
const MAX_BACKOFF: Duration = Duration::from_secs(300);
const IDLE_POLL: Duration = Duration::from_secs(30);

/// What the attract and technician screens show about the queue.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncStatus {
    pub pending: u64,
    /// False after a failed attempt until the next success.
    pub online: bool,
    pub last_error: Option<String>,
}

#[derive(Clone)]
pub struct SyncHandle {
    wake: Arc<Notify>,
    status: Arc<Mutex<SyncStatus>>,
}

impl SyncHandle {
    /// Asks the worker to send now (after a new application was saved).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    pub fn status(&self) -> SyncStatus {
        self.status.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

enum Outcome {
    Acked(Ack),
    /// The central refused the submission itself: retrying cannot help.
    Rejected(String),
    /// Network trouble or a server error: try again later, no sooner than `Retry-After` says.
    Retry(String, Option<Duration>),
}

/// `Retry-After` in seconds (the HTTP-date form is not used by the central), capped at the
/// longest backoff.
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(|s| Duration::from_secs(s).min(MAX_BACKOFF))
}

async fn send(client: &reqwest::Client, url: &str, key: &str, body: &str) -> Outcome {
    let response = client
        .post(format!("{url}{SUBMISSIONS_PATH}"))
        .header(IDEMPOTENCY_KEY, key)
        .header(CONTENT_DIGEST, content_digest(body.as_bytes()))
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body.to_string())
        .send()
        .await;
    let response = match response {
        Ok(r) => r,
        Err(e) => return Outcome::Retry(format!("no answer: {e}"), None),
    };
    let status = response.status();
    let wait = retry_after(response.headers());
    let text = response.text().await.unwrap_or_default();
    if status.is_success() {
        match serde_json::from_str::<Ack>(&text) {
            Ok(ack) => Outcome::Acked(ack),
            Err(e) => Outcome::Retry(
                format!("central answered {status} with an unreadable body: {e}"),
                wait,
            ),
        }
    } else if status.is_client_error() && !matches!(status.as_u16(), 401 | 403 | 408 | 409 | 429) {
        Outcome::Rejected(format!("central refused with {status}"))
    } else {
        Outcome::Retry(format!("central answered {status}"), wait)
    }
}

/// Sends everything pending once; returns whether every attempt succeeded, and how long the
/// central asked to wait if it did.
async fn drain(
    store: &mut Store,
    client: &reqwest::Client,
    url: &str,
    status: &Mutex<SyncStatus>,
) -> (bool, Option<Duration>) {
    let items = match store.pending(BATCH) {
        Ok(items) => items,
        Err(e) => {
            tracing::error!(error = %e, "sync: cannot read the outbox");
            return (false, None);
        }
    };
    let mut all_ok = true;
    for item in items {
        let result = match send(client, url, &item.idem_key, &item.body).await {
            Outcome::Acked(ack) => {
                tracing::info!(number = %item.number, receipt = %ack.receipt_no, "sync: acknowledged, personal data purged");
                store.mark_acked(
                    &item.idem_key,
                    &ack.receipt_no,
                    chrono::Local::now().naive_local(),
                )
            }
            Outcome::Rejected(reason) => {
                tracing::error!(number = %item.number, %reason, "sync: dead-lettered");
                all_ok = false;
                store.mark_dead(&item.idem_key, &reason)
            }
            Outcome::Retry(reason, wait) => {
                tracing::warn!(number = %item.number, %reason, attempts = item.attempts + 1, "sync: will retry");
                if let Ok(mut s) = status.lock() {
                    s.online = false;
                    s.last_error = Some(reason.clone());
                }
                let _ = store.mark_failed(&item.idem_key, &reason);
                return (false, wait);
            }
        };
        if let Err(e) = result {
            tracing::error!(error = %e, "sync: cannot update the outbox");
            return (false, None);
        }
    }
    // Acknowledged bodies were purged: push that out of the WAL too.
    if let Err(e) = store.checkpoint() {
        tracing::warn!(error = %e, "sync: checkpoint failed");
    }
    (all_ok, None)
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(20))
        .build()
        .expect("static client configuration")
}

/// One pass over the queue now, in the calling thread (`kiosk sync now`). Returns the queue
/// counts afterwards and the last error, if any attempt failed.
pub fn sync_now(
    store: &mut Store,
    central_url: &str,
) -> Result<(crate::store::QueueCounts, Option<String>), String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("no runtime: {e}"))?;
    let status = Mutex::new(SyncStatus::default());
    let url = central_url.trim_end_matches('/');
    let (ok, _) = runtime.block_on(drain(store, &client(), url, &status));
    let counts = store.counts().map_err(|e| e.to_string())?;
    let error = status.lock().ok().and_then(|s| s.last_error.clone());
    Ok((
        counts,
        if ok {
            None
        } else {
            error.or(Some("dead-lettered".into()))
        },
    ))
}

/// Starts the worker thread for the store in `data_dir`, sending to `central_url`.
pub fn spawn(
    data_dir: PathBuf,
    central_url: String,
    tombstone_days: u32,
) -> Result<SyncHandle, crate::store::StoreError> {
    let mut store = Store::open(&data_dir)?;
    let handle = SyncHandle {
        wake: Arc::new(Notify::new()),
        status: Arc::new(Mutex::new(SyncStatus::default())),
    };
    let (wake, status) = (handle.wake.clone(), handle.status.clone());
    std::thread::Builder::new()
        .name("sync".into())
        .spawn(move || {
            let runtime = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    tracing::error!(error = %e, "sync: no runtime, submissions stay queued");
                    return;
                }
            };
            runtime.block_on(async move {
                let client = client();
                let url = central_url.trim_end_matches('/').to_string();
                let mut failures = 0u32;
                loop {
                    let (ok, asked) = drain(&mut store, &client, &url, &status).await;
                    let cutoff = chrono::Local::now().naive_local()
                        - chrono::Duration::days(tombstone_days.into());
                    match store.purge_tombstones_before(cutoff) {
                        Ok(0) => {}
                        Ok(n) => tracing::info!(tombstones = n, "sync: old tombstones deleted"),
                        Err(e) => tracing::warn!(error = %e, "sync: tombstones not purged"),
                    }
                    let pending = store.counts().map(|c| c.pending).unwrap_or(0);
                    if let Ok(mut s) = status.lock() {
                        s.pending = pending;
                        if ok {
                            s.online = true;
                            s.last_error = None;
                        }
                    }
                    let wait = if ok && pending == 0 {
                        failures = 0;
                        IDLE_POLL
                    } else if ok {
                        Duration::ZERO
                    } else {
                        failures = failures.saturating_add(1);
                        asked.unwrap_or_else(|| backoff(failures, clock_jitter()))
                    };
                    tokio::select! {
                        _ = wake.notified() => {}
                        _ = tokio::time::sleep(wait) => {}
                    }
                }
            });
        })
        .map_err(crate::store::StoreError::Io)?;
    Ok(handle)
}

/// Full jitter: a wait anywhere up to 1 s, 2 s, 4 s … five minutes (`jitter` in [0, 1]), so that
/// a fleet coming back online spreads its retries instead of hitting the central in step; never
/// under 100 ms, so a failing central is not hammered.
fn backoff(failures: u32, jitter: f64) -> Duration {
    let exponent = failures.saturating_sub(1).min(16);
    let base = Duration::from_secs(1u64 << exponent).min(MAX_BACKOFF);
    base.mul_f64(jitter.clamp(0.0, 1.0))
        .max(Duration::from_millis(100))
}

/// A jitter in [0, 1] from the clock's nanoseconds: cheap and different on every kiosk.
fn clock_jitter() -> f64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    f64::from(nanos % 1000) / 999.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap_within_its_jitter() {
        assert_eq!(backoff(1, 1.0), Duration::from_secs(1));
        assert_eq!(backoff(1, 0.0), Duration::from_millis(100), "floor");
        assert_eq!(backoff(4, 1.0), Duration::from_secs(8));
        assert_eq!(backoff(4, 0.5), Duration::from_secs(4));
        assert_eq!(backoff(9, 1.0), Duration::from_secs(256));
        assert_eq!(backoff(10, 1.0), MAX_BACKOFF, "capped");
        assert_eq!(backoff(30, 1.0), MAX_BACKOFF);
        assert_eq!(backoff(u32::MAX, 0.5), MAX_BACKOFF / 2);
    }

    #[test]
    fn retry_after_is_read_in_seconds_and_capped() {
        let mut h = reqwest::header::HeaderMap::new();
        assert_eq!(retry_after(&h), None);
        h.insert(reqwest::header::RETRY_AFTER, "7".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
        h.insert(reqwest::header::RETRY_AFTER, "86400".parse().unwrap());
        assert_eq!(retry_after(&h), Some(MAX_BACKOFF));
        h.insert(
            reqwest::header::RETRY_AFTER,
            "Wed, 21 Oct 2026 07:28:00 GMT".parse().unwrap(),
        );
        assert_eq!(retry_after(&h), None);
        let j = clock_jitter();
        assert!((0.0..=1.0).contains(&j));
    }
}
