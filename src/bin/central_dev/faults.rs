//! The test-only fault layer: every `every`-th request to `POST /v1/submissions` (or, for
//! `reject-cert`, every `every`-th connection) misbehaves in one chosen way
//! (`--fault KIND --fault-every N`). The "commit-then-…" and `stall-body` kinds store the
//! submission first, so a kiosk that retries must be answered from the dedupe table — or find
//! its submission with `GET /v1/submissions/{key}` — and never have it stored twice.
//!
//! The layer wraps the contract's handlers ([`crate::routes`]); they know nothing of it (the
//! configured faults reach the handler as a request extension, not in the shared state).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Extension;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::routes::{AppState, Device, problem, submit};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    Delay,
    Error500,
    Unavailable503,
    TooMany429,
    CommitThenDrop,
    CommitThen500,
    TruncatedBody,
    /// Stores, answers 201 and then sends the body so slowly that it never ends.
    StallBody,
    /// Refuses the client certificate in the TLS handshake (a CA the kiosk's is not from).
    RejectCert,
    /// Stores, then acknowledges another application number than the one sent.
    WrongAck,
}

pub const KINDS: &str = "delay|500|503|429|commit-then-drop|commit-then-500|truncated-body|stall-body|reject-cert|wrong-ack";

impl Fault {
    pub fn parse(s: &str) -> Option<Fault> {
        Some(match s {
            "delay" => Fault::Delay,
            "500" => Fault::Error500,
            "503" => Fault::Unavailable503,
            "429" => Fault::TooMany429,
            "commit-then-drop" => Fault::CommitThenDrop,
            "commit-then-500" => Fault::CommitThen500,
            "truncated-body" => Fault::TruncatedBody,
            "stall-body" => Fault::StallBody,
            "reject-cert" => Fault::RejectCert,
            "wrong-ack" => Fault::WrongAck,
            _ => return None,
        })
    }
}

/// The configured fault and the counters that pick its victims.
#[derive(Clone, Default)]
pub struct Faults {
    fault: Option<(Fault, usize)>,
    requests: Arc<AtomicUsize>,
    connections: Arc<AtomicUsize>,
}

impl Faults {
    pub fn new(fault: Option<Fault>, every: usize) -> Faults {
        Faults {
            fault: fault.map(|f| (f, every.max(1))),
            ..Faults::default()
        }
    }

    fn nth(&self, counter: &AtomicUsize, kind: impl Fn(Fault) -> bool) -> Option<Fault> {
        let (fault, every) = self.fault.filter(|(f, _)| kind(*f))?;
        let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
        let fire = n.is_multiple_of(every);
        if fire {
            tracing::info!(?fault, n, "fault injected");
        }
        fire.then_some(fault)
    }

    /// Whether this new connection's client certificate is to be refused.
    pub fn refuse_connection(&self) -> bool {
        self.nth(&self.connections, |f| f == Fault::RejectCert)
            .is_some()
    }

    /// With `reject-cert`, every request comes on a new connection, so that the fault hits
    /// requests and not only the first connection of a pool.
    pub fn one_request_per_connection(&self) -> bool {
        matches!(self.fault, Some((Fault::RejectCert, _)))
    }

    fn for_request(&self) -> Option<Fault> {
        self.nth(&self.requests, |f| f != Fault::RejectCert)
    }
}

pub async fn submit_with_faults(
    State(state): State<AppState>,
    Extension(faults): Extension<Faults>,
    Extension(device): Extension<Device>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let fault = faults.for_request();
    let retry_after = |status: StatusCode| {
        let mut r = problem(status, "Try again later", String::new());
        r.headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
        r
    };
    match fault {
        Some(Fault::Error500) => {
            return problem(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Injected fault",
                String::new(),
            );
        }
        Some(Fault::Unavailable503) => return retry_after(StatusCode::SERVICE_UNAVAILABLE),
        Some(Fault::TooMany429) => return retry_after(StatusCode::TOO_MANY_REQUESTS),
        Some(Fault::Delay) => tokio::time::sleep(std::time::Duration::from_millis(300)).await,
        _ => {}
    }
    let response = submit(&state, &device, headers, body).await;
    match fault {
        Some(Fault::CommitThen500) => problem(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Injected fault after commit",
            String::new(),
        ),
        Some(Fault::CommitThenDrop) => {
            // Promise more bytes than are sent: the connection ends mid-answer.
            let mut r = (StatusCode::CREATED, "{\"receipt").into_response();
            r.headers_mut().insert(
                header::CONTENT_LENGTH,
                header::HeaderValue::from_static("4096"),
            );
            r
        }
        Some(Fault::WrongAck) => (
            StatusCode::CREATED,
            [(header::CONTENT_TYPE, "application/json")],
            r#"{"receipt_no": "R99999999", "number": "OTHER0126113000001W", "received_at": "2026-11-30T10:00:00"}"#,
        )
            .into_response(),
        Some(Fault::TruncatedBody) => (
            StatusCode::CREATED,
            [(header::CONTENT_TYPE, "application/json")],
            "{\"receipt_no\": \"R",
        )
            .into_response(),
        Some(Fault::StallBody) => {
            use futures_util::StreamExt;
            let start = futures_util::stream::iter([Ok::<_, std::io::Error>("{\"receipt_no\":")]);
            (
                StatusCode::CREATED,
                [(header::CONTENT_TYPE, "application/json")],
                Body::from_stream(start.chain(futures_util::stream::pending())),
            )
                .into_response()
        }
        _ => response,
    }
}
