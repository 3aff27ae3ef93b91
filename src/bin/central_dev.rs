//! Development stand-in of the central service, for `make run` and the tests.
//!
//! Implements the submission and lookup parts of `docs/central-api.yaml` over HTTP on loopback:
//! `POST /v1/submissions` with an `Idempotency-Key` (replays answer 200 with the first response;
//! the same key with another body is 422) and a `Content-Digest` that must match the body when
//! sent, `GET /v1/submissions/{key}`, and `GET /v1/applications/{number}` (the window clerk's
//! lookup). Rows live in SQLite; the dedupe record is written in the same transaction as the
//! submission. It logs numbers and keys, never personal data. mTLS, the fault layer, heartbeat
//! and configuration pull are still to come (issue 6).
//!
//! Usage: `kiosk-central-dev [--listen 127.0.0.1:8787] [--data DIR] [--fault KIND
//! [--fault-every N]]`; prints `listening on ADDR`. The fault layer is for tests only.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use kiosk::sync::api::{
    Ack, ApplicationRecord, CONTENT_DIGEST, IDEMPOTENCY_KEY, Problem, Submission, SubmissionState,
    content_digest, sha256_hex,
};
use rusqlite::{Connection, OptionalExtension, params};

type Db = Arc<Mutex<Connection>>;

/// Test-only faults on `POST /v1/submissions`, applied to every `every`-th request
/// (`--fault KIND --fault-every N`). The "commit-then-…" kinds store the submission first, so a
/// kiosk that retries must be answered from the dedupe table, never stored twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    Delay,
    Error500,
    Unavailable503,
    TooMany429,
    CommitThenDrop,
    CommitThen500,
    TruncatedBody,
}

impl Fault {
    fn parse(s: &str) -> Option<Fault> {
        Some(match s {
            "delay" => Fault::Delay,
            "500" => Fault::Error500,
            "503" => Fault::Unavailable503,
            "429" => Fault::TooMany429,
            "commit-then-drop" => Fault::CommitThenDrop,
            "commit-then-500" => Fault::CommitThen500,
            "truncated-body" => Fault::TruncatedBody,
            _ => return None,
        })
    }
}

#[derive(Clone)]
struct AppState {
    db: Db,
    fault: Option<(Fault, usize)>,
    posts: Arc<std::sync::atomic::AtomicUsize>,
}

impl AppState {
    /// The fault for this request, if it is one of the every-N-th.
    fn fault_now(&self) -> Option<Fault> {
        let n = self.posts.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
        self.fault
            .filter(|(_, every)| n.is_multiple_of(*every))
            .map(|(f, _)| f)
    }
}

async fn submit_with_faults(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let fault = state.fault_now();
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
    let response = submit(state.db.clone(), headers, body).await;
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
        Some(Fault::TruncatedBody) => (
            StatusCode::CREATED,
            [(header::CONTENT_TYPE, "application/json")],
            "{\"receipt_no\": \"R",
        )
            .into_response(),
        _ => response,
    }
}

fn problem(status: StatusCode, title: &str, detail: String) -> Response {
    let body = Problem {
        kind: "about:blank".into(),
        title: title.into(),
        status: status.as_u16(),
        detail,
    };
    (
        status,
        [(header::CONTENT_TYPE, "application/problem+json")],
        serde_json::to_string(&body).unwrap_or_default(),
    )
        .into_response()
}

fn database_unavailable() -> Response {
    problem(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Database unavailable",
        String::new(),
    )
}

fn database_error(e: rusqlite::Error) -> Response {
    problem(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Database error",
        e.to_string(),
    )
}

fn json(status: StatusCode, body: &impl serde::Serialize) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        serde_json::to_string(body).unwrap_or_default(),
    )
        .into_response()
}

async fn submit(db: Db, headers: HeaderMap, body: String) -> Response {
    let Some(key) = headers
        .get(IDEMPOTENCY_KEY)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
    else {
        return problem(
            StatusCode::BAD_REQUEST,
            "Idempotency-Key header missing",
            String::new(),
        );
    };
    if let Some(sent) = headers.get(CONTENT_DIGEST)
        && sent.to_str().ok() != Some(content_digest(body.as_bytes()).as_str())
    {
        return problem(
            StatusCode::BAD_REQUEST,
            "Content-Digest does not match the body",
            String::new(),
        );
    }
    let submission: Submission = match serde_json::from_str(&body) {
        Ok(s) => s,
        Err(e) => {
            return problem(
                StatusCode::BAD_REQUEST,
                "Submission is not valid",
                e.to_string(),
            );
        }
    };
    let digest = sha256_hex(body.as_bytes());
    let Ok(mut conn) = db.lock() else {
        return database_unavailable();
    };
    let result = (|| -> rusqlite::Result<Response> {
        let tx = conn.transaction()?;
        let existing: Option<(String, String)> = tx
            .query_row(
                "SELECT body_sha256, response FROM dedupe WHERE idem_key = ?1",
                [&key],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        if let Some((sha, response)) = existing {
            if sha != digest {
                return Ok(problem(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "Idempotency-Key reused with another body",
                    key.clone(),
                ));
            }
            tracing::info!(%key, "replay answered from the dedupe table");
            return Ok((
                StatusCode::OK,
                [(header::CONTENT_TYPE, "application/json")],
                response,
            )
                .into_response());
        }
        let seq: i64 = tx.query_row("SELECT count(*) + 1 FROM submissions", [], |r| r.get(0))?;
        let ack = Ack {
            receipt_no: format!("R{seq:08}"),
            number: submission.number.clone(),
            received_at: chrono::Local::now().format("%Y-%m-%dT%H:%M:%S").to_string(),
        };
        let response = serde_json::to_string(&ack).unwrap_or_default();
        tx.execute(
            "INSERT INTO submissions(idem_key, device_id, number, receipt_no, received_at, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![key, submission.device_id, submission.number, ack.receipt_no, ack.received_at, body],
        )?;
        tx.execute(
            "INSERT INTO dedupe(idem_key, body_sha256, response) VALUES (?1, ?2, ?3)",
            params![key, digest, response],
        )?;
        tx.commit()?;
        tracing::info!(number = %submission.number, device = %submission.device_id, receipt = %ack.receipt_no, "submission received");
        Ok(json(StatusCode::CREATED, &ack))
    })();
    result.unwrap_or_else(database_error)
}

async fn lookup(State(state): State<AppState>, Path(key): Path<String>) -> Response {
    let Ok(conn) = state.db.lock() else {
        return database_unavailable();
    };
    let row = conn
        .query_row(
            "SELECT receipt_no, number FROM submissions WHERE idem_key = ?1",
            [&key],
            |r| {
                Ok(SubmissionState {
                    state: "received".into(),
                    receipt_no: r.get(0)?,
                    number: r.get(1)?,
                })
            },
        )
        .optional();
    match row {
        Ok(Some(state)) => json(StatusCode::OK, &state),
        Ok(None) => problem(StatusCode::NOT_FOUND, "No submission with this key", key),
        Err(e) => database_error(e),
    }
}

async fn application(State(state): State<AppState>, Path(number): Path<String>) -> Response {
    let Ok(conn) = state.db.lock() else {
        return database_unavailable();
    };
    let row = conn
        .query_row(
            "SELECT receipt_no, received_at, device_id, body FROM submissions WHERE number = ?1",
            [&number],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                ))
            },
        )
        .optional();
    match row {
        Ok(Some((receipt_no, received_at, device_id, body))) => match serde_json::from_str(&body) {
            Ok(submission) => json(
                StatusCode::OK,
                &ApplicationRecord {
                    number,
                    receipt_no,
                    received_at,
                    device_id,
                    submission,
                },
            ),
            Err(e) => problem(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Stored submission unreadable",
                e.to_string(),
            ),
        },
        Ok(None) => problem(
            StatusCode::NOT_FOUND,
            "No application with this number",
            number,
        ),
        Err(e) => database_error(e),
    }
}

fn open(dir: &std::path::Path) -> rusqlite::Result<Connection> {
    std::fs::create_dir_all(dir)
        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    let conn = Connection::open(dir.join("central.db"))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS submissions (
            idem_key TEXT PRIMARY KEY, device_id TEXT NOT NULL, number TEXT NOT NULL,
            receipt_no TEXT NOT NULL, received_at TEXT NOT NULL, body TEXT NOT NULL);
         CREATE TABLE IF NOT EXISTS dedupe (
            idem_key TEXT PRIMARY KEY, body_sha256 TEXT NOT NULL, response TEXT NOT NULL);",
    )?;
    Ok(conn)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .init();
    let mut listen: SocketAddr = ([127, 0, 0, 1], 8787).into();
    let mut data = PathBuf::from("var/central");
    let mut fault = None;
    let mut every = 2usize;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--listen", Some(v)) => match v.parse() {
                Ok(a) => listen = a,
                Err(e) => {
                    eprintln!("--listen {v}: {e}");
                    return std::process::ExitCode::FAILURE;
                }
            },
            ("--data", Some(v)) => data = PathBuf::from(v),
            ("--fault", Some(v)) if Fault::parse(&v).is_some() => fault = Fault::parse(&v),
            ("--fault-every", Some(v)) if v.parse::<usize>().is_ok_and(|n| n > 0) => {
                every = v.parse().expect("checked")
            }
            _ => {
                eprintln!(
                    "usage: kiosk-central-dev [--listen ADDR] [--data DIR] [--fault delay|500|503|429|commit-then-drop|commit-then-500|truncated-body] [--fault-every N]"
                );
                return std::process::ExitCode::FAILURE;
            }
        }
    }
    let db = match open(&data) {
        Ok(c) => Arc::new(Mutex::new(c)),
        Err(e) => {
            eprintln!("cannot open {}: {e}", data.display());
            return std::process::ExitCode::FAILURE;
        }
    };
    let app = Router::new()
        .route("/v1/submissions", post(submit_with_faults))
        .route("/v1/submissions/{key}", get(lookup))
        .route("/v1/applications/{number}", get(application))
        .with_state(AppState {
            db,
            fault: fault.map(|f| (f, every)),
            posts: Default::default(),
        });
    let listener = match tokio::net::TcpListener::bind(listen).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("cannot listen on {listen}: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let addr = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    println!("listening on {addr}");
    use std::io::Write;
    let _ = std::io::stdout().flush();
    match axum::serve(listener, app).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("server stopped: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
