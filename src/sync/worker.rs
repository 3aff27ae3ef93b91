//! The outbox worker: a tokio runtime on its own thread that sends queued submissions to the
//! central over mTLS, at once when woken after a save and again after a backoff while the
//! network is down, and that keeps the fleet informed ([`super::fleet`]).
//!
//! What each answer means (docs/SYNC.md, "What each answer means"; status codes as RFC 9110
//! §15 and RFC 6585 §4 define them): a 2xx with a readable body
//! is an acknowledgement (personal data purged in the same transaction); 400/413/415/422 are
//! poison (dead-lettered at once with the reason, the queue moves on); 401/403 and refusals at
//! the TLS layer pause the whole queue — nothing is counted against the submissions, nothing is
//! dead-lettered — until a technician fixes the certificate; 429/503 wait as `Retry-After` says;
//! anything else backs off with full jitter. A request that was sent but not answered (timeout,
//! connection lost mid-answer, a cut body) may have been stored: the worker asks
//! `GET /v1/submissions/{key}` before sending again, and a resend carries the same key anyway.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;

use super::access::StoreAccess;
use super::api::{
    Ack, CONTENT_DIGEST, IDEMPOTENCY_KEY, SUBMISSIONS_PATH, SubmissionState, content_digest,
};
use super::link::{Link, error_chain, identity_refusal};
use super::status::SyncStatus;
use crate::store::{SharedStore, Store};

const BATCH: usize = 20;
const MAX_BACKOFF: Duration = Duration::from_secs(300);
const IDLE_POLL: Duration = Duration::from_secs(30);
/// How often a paused queue tries again by itself (a technician can `kiosk sync now`).
const PAUSED_RETRY: Duration = Duration::from_secs(120);

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
    /// Sent, but the answer was lost: the central may have stored it.
    Ambiguous(String),
    /// The central does not accept this kiosk (certificate, authorisation): stop sending.
    Pause(String),
}

/// The longest `Retry-After` taken as asked: a central asking for more than a day is broken,
/// and the queue must not stall for longer without a technician's `kiosk sync now`.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 3600);

/// `Retry-After` (RFC 9110 §10.2.3): delay-seconds or an HTTP-date. The kiosk waits at least as
/// long as asked, as the contract says, up to [`MAX_RETRY_AFTER`].
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    let asked = match value.parse::<u64>() {
        Ok(seconds) => Duration::from_secs(seconds),
        Err(_) => {
            let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
            (at.with_timezone(&chrono::Utc) - chrono::Utc::now())
                .to_std()
                .unwrap_or(Duration::ZERO)
        }
    };
    if asked > MAX_RETRY_AFTER {
        tracing::warn!(
            asked = asked.as_secs(),
            "sync: Retry-After over a day, waiting a day"
        );
    }
    Some(asked.min(MAX_RETRY_AFTER))
}

/// What a failed request means before any answer arrived.
fn transport_outcome(e: &reqwest::Error) -> Outcome {
    if let Some(refusal) = identity_refusal(e) {
        Outcome::Pause(format!(
            "TLS refused: {} ({})",
            refusal.advice(),
            error_chain(e)
        ))
    } else if e.is_connect() {
        Outcome::Retry(format!("no connection: {}", error_chain(e)), None)
    } else {
        Outcome::Ambiguous(format!("no answer: {}", error_chain(e)))
    }
}

/// Sends a request; a failure before any answer is already the outcome.
async fn answer(request: reqwest::RequestBuilder) -> Result<reqwest::Response, Outcome> {
    request.send().await.map_err(|e| transport_outcome(&e))
}

async fn send(link: &Link, key: &str, body: &str) -> Outcome {
    let request = link
        .client()
        .post(format!("{}{SUBMISSIONS_PATH}", link.url()))
        .header(IDEMPOTENCY_KEY, key)
        .header(CONTENT_DIGEST, content_digest(body.as_bytes()))
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body.to_string());
    let response = match answer(request).await {
        Ok(r) => r,
        Err(outcome) => return outcome,
    };
    let status = response.status();
    let wait = retry_after(response.headers());
    let text = match response.text().await {
        Ok(t) => t,
        Err(e) if status.is_success() => {
            return Outcome::Ambiguous(format!("central answered {status}, body lost: {e}"));
        }
        Err(_) => String::new(),
    };
    match status.as_u16() {
        200..=299 => match serde_json::from_str::<Ack>(&text) {
            Ok(ack) => Outcome::Acked(ack),
            Err(e) => Outcome::Ambiguous(format!(
                "central answered {status} with an unreadable body: {e}"
            )),
        },
        401 | 403 => Outcome::Pause(format!("central refused this kiosk with {status}")),
        400 | 413 | 415 | 422 => Outcome::Rejected(format!(
            "central refused with {status}: {}",
            problem_title(&text)
        )),
        _ => Outcome::Retry(format!("central answered {status}"), wait),
    }
}

/// The `title` of an `application/problem+json` answer (or nothing).
fn problem_title(text: &str) -> String {
    serde_json::from_str::<super::api::Problem>(text)
        .map(|p| p.title)
        .unwrap_or_default()
}

/// After an ambiguous failure: did the central store the submission?
async fn reconcile(link: &Link, key: &str) -> Outcome {
    let request = link
        .client()
        .get(format!("{}{SUBMISSIONS_PATH}/{key}", link.url()));
    let response = match answer(request).await {
        Ok(r) => r,
        Err(outcome) => return outcome,
    };
    let status = response.status();
    match status.as_u16() {
        200 => match response.json::<SubmissionState>().await {
            Ok(state) => Outcome::Acked(Ack {
                receipt_no: state.receipt_no,
                number: state.number,
                received_at: String::new(),
            }),
            Err(e) => Outcome::Retry(format!("lookup answer unreadable: {e}"), None),
        },
        404 => Outcome::Retry("not stored by the central; will send again".into(), None),
        401 | 403 => Outcome::Pause(format!("central refused this kiosk with {status}")),
        _ => Outcome::Retry(
            format!("lookup answered {status}"),
            retry_after(response.headers()),
        ),
    }
}

/// When the endorsement moves are sent: every pass, except after the central said it has no
/// such endpoint (an older central), when the worker waits [`NO_ENDPOINT_WAIT`] and says so
/// once.
#[derive(Default)]
struct TransitionsPacer {
    not_before: Option<std::time::Instant>,
}

/// How long to wait before asking again a central that has no transitions endpoint.
const NO_ENDPOINT_WAIT: Duration = Duration::from_secs(3600);

impl TransitionsPacer {
    async fn pass(&mut self, store: &mut impl StoreAccess, link: &Link) {
        if self
            .not_before
            .is_some_and(|t| std::time::Instant::now() < t)
        {
            return;
        }
        match crate::sync::transitions::send_transitions(store, link).await {
            Ok(sent) => {
                if sent.acknowledged > 0 {
                    tracing::info!(
                        transitions = sent.acknowledged,
                        "sync: endorsement moves reported"
                    );
                }
                for problem in &sent.problems {
                    tracing::warn!(%problem, "sync: endorsement moves of a transaction held back");
                }
                if sent.no_endpoint {
                    if self.not_before.is_none() {
                        tracing::warn!(
                            "sync: the central takes no endorsement moves (no /v1/endorsements/transitions); asking again hourly"
                        );
                    }
                    self.not_before = Some(std::time::Instant::now() + NO_ENDPOINT_WAIT);
                } else {
                    self.not_before = None;
                }
            }
            Err(e) => tracing::warn!(error = %e, "sync: endorsement moves not reported"),
        }
    }
}

/// How a pass over the queue ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pass {
    /// Everything sent was acknowledged (some may have been dead-lettered).
    Done,
    /// A transient failure: back off, no sooner than the central asked.
    Failed(Option<Duration>),
    /// The central refuses this kiosk: wait for a technician.
    Paused,
}

fn retry_later(
    store: &mut impl StoreAccess,
    item: &crate::store::OutboxItem,
    reason: &str,
    wait: Option<Duration>,
    status: &Mutex<SyncStatus>,
) -> Pass {
    tracing::warn!(number = %item.number, %reason, attempts = item.attempts + 1, "sync: will retry");
    if let Ok(mut s) = status.lock() {
        s.online = false;
        s.last_error = Some(reason.to_string());
    }
    if let Err(e) = store.with(|s| s.mark_failed(&item.idem_key, reason)) {
        tracing::error!(error = %e, "sync: cannot update the outbox");
    }
    Pass::Failed(wait)
}

/// Sends up to `limit` pending submissions, oldest first.
/// Sends up to `limit` pending submissions, oldest first. The store is locked for each store
/// call only, never while a request is on the way.
async fn drain(
    store: &mut impl StoreAccess,
    link: &Link,
    status: &Mutex<SyncStatus>,
    limit: usize,
) -> Pass {
    let pending = store.with(|s| s.pending(limit));
    let items = match pending {
        Ok(items) => items,
        Err(e) => {
            tracing::error!(error = %e, "sync: cannot read the outbox");
            return Pass::Failed(None);
        }
    };
    let set = |f: &dyn Fn(&mut SyncStatus)| {
        if let Ok(mut s) = status.lock() {
            f(&mut s)
        }
    };
    for item in items {
        let mut outcome = send(link, &item.idem_key, &item.body).await;
        if let Outcome::Ambiguous(reason) = &outcome {
            tracing::warn!(number = %item.number, %reason, "sync: no answer, asking the central whether it stored it");
            outcome = reconcile(link, &item.idem_key).await;
        }
        // An acknowledgement must name the number that was sent: one that names another is
        // not proof of delivery, and nothing is purged on it (the same key goes again).
        if let Outcome::Acked(ack) = &outcome
            && ack.number != item.number
        {
            tracing::error!(number = %item.number, acked = %ack.number, "sync: the central acknowledged another number, not purging");
            outcome = Outcome::Retry(
                format!("central acknowledged {} for {}", ack.number, item.number),
                None,
            );
        }
        let result = match outcome {
            Outcome::Acked(ack) => {
                tracing::info!(number = %item.number, receipt = %ack.receipt_no, "sync: acknowledged, personal data purged");
                set(&|s| {
                    s.online = true;
                    s.paused = None;
                });
                let now = chrono::Local::now().naive_local();
                store.with(|s| s.mark_acked(&item.idem_key, &ack.receipt_no, now))
            }
            Outcome::Rejected(reason) => {
                tracing::error!(number = %item.number, %reason, "sync: dead-lettered");
                store.with(|s| s.mark_dead(&item.idem_key, &reason))
            }
            Outcome::Pause(reason) => {
                tracing::error!(%reason, "sync: queue paused until the certificates are put right (see README, \"When applications do not reach the central\")");
                set(&|s| {
                    s.online = false;
                    s.paused = Some(reason.clone());
                    s.last_error = Some(reason.clone());
                });
                return Pass::Paused;
            }
            Outcome::Retry(reason, wait) => {
                return retry_later(store, &item, &reason, wait, status);
            }
            Outcome::Ambiguous(reason) => {
                return retry_later(store, &item, &reason, None, status);
            }
        };
        if let Err(e) = result {
            tracing::error!(error = %e, "sync: cannot update the outbox");
            return Pass::Failed(None);
        }
    }
    // Acknowledged bodies were purged: push that out of the WAL too.
    if let Err(e) = store.with(|s| s.checkpoint()) {
        tracing::warn!(error = %e, "sync: checkpoint failed");
    }
    Pass::Done
}
/// Sends everything waiting now, in the calling thread (`kiosk sync now`): batch after batch
/// until the queue is empty, a batch fails, or a batch moves nothing. Returns the queue counts
/// afterwards and what is wrong when anything is left (an error, dead letters, or applications
/// still waiting).
pub fn sync_now(
    store: &mut Store,
    link: &Link,
) -> Result<(crate::store::QueueCounts, Option<String>), String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("no runtime: {e}"))?;
    let status = Mutex::new(SyncStatus::default());
    let pending = |store: &Store| store.counts().map(|c| c.pending).unwrap_or(0);
    let pass = runtime.block_on(async {
        loop {
            let before = pending(store);
            let pass = drain(&mut *store, link, &status, BATCH).await;
            let after = pending(store);
            if pass != Pass::Done || after == 0 || after >= before {
                break pass;
            }
        }
    });
    let counts = store.counts().map_err(|e| e.to_string())?;
    let error = status.lock().ok().and_then(|s| s.last_error.clone());
    Ok((
        counts,
        match pass {
            Pass::Done if counts.dead > 0 => Some(format!("{} dead letter(s)", counts.dead)),
            Pass::Done if counts.pending > 0 => Some(format!("{} still waiting", counts.pending)),
            Pass::Done => None,
            Pass::Failed(_) | Pass::Paused => error,
        },
    ))
}

/// Refreshes the queue figures the screens and the heartbeat show.
fn publish(store: &mut impl StoreAccess, status: &Mutex<SyncStatus>, pass: &Pass) {
    let (counts, oldest, moves, ratings) = store.with(|s| {
        (
            s.counts().unwrap_or_default(),
            s.oldest_pending().unwrap_or_default(),
            s.unsent_transition_count().unwrap_or_default(),
            s.unsent_rating_count().unwrap_or_default(),
        )
    });
    if let Ok(mut s) = status.lock() {
        s.unsent_moves = moves;
        s.unsent_ratings = ratings;
        s.pending = counts.pending;
        s.dead = counts.dead;
        s.oldest_pending = oldest;
        if *pass == Pass::Done {
            s.online = true;
            s.paused = None;
            s.last_error = None;
        }
    }
}

/// Starts the worker thread on the kiosk's store, sending over `link`; `fleet` adds the
/// heartbeat and the configuration pull to the same runtime.
pub fn spawn(
    store: SharedStore,
    link: Link,
    tombstone_days: u32,
    fleet: Option<super::fleet::Fleet>,
) -> Result<SyncHandle, crate::store::StoreError> {
    let handle = SyncHandle {
        wake: Arc::new(Notify::new()),
        status: Arc::new(Mutex::new(SyncStatus::default())),
    };
    publish(&mut &*store, &handle.status, &Pass::Failed(None));
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
                if let Some(fleet) = fleet {
                    tokio::spawn(fleet.run(link.clone(), status.clone(), wake.clone()));
                }
                let mut pacer = Pacer::default();
                let mut transitions = TransitionsPacer::default();
                let mut limit = BATCH;
                loop {
                    let mut access: &std::sync::Mutex<Store> = &store;
                    let pass = drain(&mut access, &link, &status, limit).await;
                    let cutoff = chrono::Local::now().naive_local()
                        - chrono::Duration::days(tombstone_days.into());
                    match access.with(|s| s.purge_tombstones_before(cutoff)) {
                        Ok(0) => {}
                        Ok(n) => tracing::info!(tombstones = n, "sync: old tombstones deleted"),
                        Err(e) => tracing::warn!(error = %e, "sync: tombstones not purged"),
                    }
                    transitions.pass(&mut access, &link).await;
                    match crate::sync::ratings::send_ratings(&mut access, &link).await {
                        Ok(0) => {}
                        Ok(n) => {
                            tracing::info!(ratings = n, "sync: ratings counted by the central")
                        }
                        Err(e) => tracing::debug!(error = %e, "sync: ratings not sent this pass"),
                    }
                    match access.with(|s| s.purge_endorsements_before(cutoff)) {
                        Ok(0) => {}
                        Ok(n) => tracing::info!(
                            transactions = n,
                            "sync: old settled endorsement transactions deleted"
                        ),
                        Err(e) => {
                            tracing::warn!(error = %e, "sync: endorsement transactions not purged")
                        }
                    }
                    publish(&mut access, &status, &pass);
                    let pending = status.lock().map(|s| s.pending).unwrap_or(0);
                    let (wait, next) = pacer.after(&pass, pending, clock_jitter());
                    limit = next;
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

/// Consecutive failed passes after which the kiosk counts as having been offline.
const CATCH_UP_AFTER: u32 = 3;
/// The mean pause between two submissions of a backlog after an outage.
pub const CATCH_UP_PACE: Duration = Duration::from_secs(15);

/// When the worker tries next and how many submissions it sends then.
///
/// Normally a pass sends everything waiting (in batches, without pausing). After an outage a
/// whole fleet comes back at once, each kiosk with a backlog: sending it all on the first
/// success would multiply the central's load by the backlog just when every kiosk returns
/// (`benches/sync.rs`, "recovery"). So a kiosk that was offline sends its backlog one
/// submission at a time, `CATCH_UP_PACE` apart (±50 %), until its queue is empty — a 30-minute
/// backlog of six takes about a minute and a half more; nothing waits longer than that.
#[derive(Debug, Default)]
pub struct Pacer {
    failures: u32,
    catching_up: bool,
}

impl Pacer {
    /// After a pass that ended as `pass` with `pending` left: the wait and the next limit.
    /// `jitter` is a random number in [0, 1].
    pub fn after(&mut self, pass: &Pass, pending: u64, jitter: f64) -> (Duration, usize) {
        match pass {
            Pass::Done if pending == 0 => {
                *self = Pacer::default();
                (IDLE_POLL, BATCH)
            }
            Pass::Done if self.catching_up => {
                self.failures = 0;
                (CATCH_UP_PACE.mul_f64(0.5 + jitter.clamp(0.0, 1.0)), 1)
            }
            Pass::Done => {
                self.failures = 0;
                (Duration::ZERO, BATCH)
            }
            Pass::Paused => (PAUSED_RETRY, BATCH),
            Pass::Failed(asked) => {
                self.failures = self.failures.saturating_add(1);
                if self.failures >= CATCH_UP_AFTER {
                    self.catching_up = true;
                }
                let wait = asked.unwrap_or_else(|| backoff(self.failures, jitter));
                (wait, if self.catching_up { 1 } else { BATCH })
            }
        }
    }
}

/// Full jitter: a wait anywhere up to 1 s, 2 s, 4 s … five minutes (`jitter` in [0, 1]), so that
/// a fleet coming back online spreads its retries instead of hitting the central in step; never
/// under 100 ms, so a failing central is not hammered.
pub fn backoff(failures: u32, jitter: f64) -> Duration {
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
    fn a_backlog_after_an_outage_goes_out_paced_and_normal_work_does_not() {
        let mut p = Pacer::default();
        assert_eq!(
            p.after(&Pass::Done, 3, 0.5),
            (Duration::ZERO, BATCH),
            "no outage: at once"
        );
        assert_eq!(
            p.after(&Pass::Failed(None), 3, 1.0).1,
            BATCH,
            "one failure is not an outage"
        );
        p.after(&Pass::Failed(None), 3, 1.0);
        let (wait, limit) = p.after(&Pass::Failed(None), 3, 1.0);
        assert_eq!((wait, limit), (Duration::from_secs(4), 1));
        assert_eq!(
            p.after(&Pass::Done, 2, 0.5),
            (CATCH_UP_PACE, 1),
            "paced backlog"
        );
        assert_eq!(p.after(&Pass::Done, 1, 0.0), (CATCH_UP_PACE / 2, 1));
        assert_eq!(
            p.after(&Pass::Done, 0, 0.5),
            (IDLE_POLL, BATCH),
            "empty: back to normal"
        );
        assert_eq!(p.after(&Pass::Done, 5, 0.5), (Duration::ZERO, BATCH));
        let asked = Duration::from_secs(7);
        assert_eq!(
            p.after(&Pass::Failed(Some(asked)), 5, 0.5).0,
            asked,
            "Retry-After wins"
        );
        assert_eq!(p.after(&Pass::Paused, 5, 0.5).0, PAUSED_RETRY);
    }

    #[test]
    fn retry_after_is_waited_as_asked_in_seconds_or_as_a_date() {
        let mut h = reqwest::header::HeaderMap::new();
        assert_eq!(retry_after(&h), None);
        h.insert(reqwest::header::RETRY_AFTER, "7".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
        // Longer than the longest backoff: still waited, as the contract says.
        h.insert(reqwest::header::RETRY_AFTER, "3600".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(3600)));
        h.insert(reqwest::header::RETRY_AFTER, "9999999".parse().unwrap());
        assert_eq!(retry_after(&h), Some(MAX_RETRY_AFTER));
        let in_ten_minutes = (chrono::Utc::now() + chrono::Duration::seconds(600)).to_rfc2822();
        h.insert(
            reqwest::header::RETRY_AFTER,
            in_ten_minutes.parse().unwrap(),
        );
        let waited = retry_after(&h).expect("an HTTP-date is read");
        assert!((590..=600).contains(&waited.as_secs()), "{waited:?}");
        h.insert(
            reqwest::header::RETRY_AFTER,
            "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap(),
        );
        assert_eq!(retry_after(&h), Some(Duration::ZERO), "a date passed");
        h.insert(reqwest::header::RETRY_AFTER, "soon".parse().unwrap());
        assert_eq!(retry_after(&h), None);
        let j = clock_jitter();
        assert!((0.0..=1.0).contains(&j));
    }
}
