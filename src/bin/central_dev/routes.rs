//! The submission contract: `POST /v1/submissions` with an `Idempotency-Key` (replays answer
//! 200 with the first response; the same key with another body is 422) and a `Content-Digest`
//! that must match the body when sent, `GET /v1/submissions/{key}` (how a kiosk reconciles an
//! answer it lost), and `GET /v1/applications/{number}` (the window clerk's lookup). The dedupe
//! record is written in the same transaction as the submission. A kiosk may only submit, and
//! look up, as the device its certificate names.

use std::sync::{Arc, Mutex};

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kiosk::sync::api::{
    Ack, ApplicationRecord, CONTENT_DIGEST, IDEMPOTENCY_KEY, Problem, Submission, SubmissionState,
    content_digest, sha256_hex,
};
use rusqlite::{Connection, OptionalExtension, params};

pub type Db = Arc<Mutex<Connection>>;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    /// Where per-device configurations are read from (`<device>.json`).
    pub config_dir: Option<std::path::PathBuf>,
}

/// The device a connection's client certificate names (its common name).
#[derive(Clone, Debug)]
pub struct Device(pub String);

/// The request's `Idempotency-Key`, or "" when it has none (or not as text).
pub fn idempotency_key(headers: &HeaderMap) -> &str {
    headers
        .get(IDEMPOTENCY_KEY)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

pub fn problem(status: StatusCode, title: &str, detail: String) -> Response {
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

pub fn database_unavailable() -> Response {
    problem(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Database unavailable",
        String::new(),
    )
}

pub fn database_error(e: rusqlite::Error) -> Response {
    problem(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Database error",
        e.to_string(),
    )
}

pub fn json(status: StatusCode, body: &impl serde::Serialize) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        serde_json::to_string(body).unwrap_or_default(),
    )
        .into_response()
}

pub async fn submit(
    state: &AppState,
    device: &Device,
    headers: HeaderMap,
    body: String,
) -> Response {
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
    if submission.device_id != device.0 {
        return problem(
            StatusCode::FORBIDDEN,
            "Submission from another device than the certificate names",
            format!(
                "certificate {}, submission {}",
                device.0, submission.device_id
            ),
        );
    }
    let digest = sha256_hex(body.as_bytes());
    let Ok(mut conn) = state.db.lock() else {
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
        tracing::info!(number = %submission.number, device = %submission.device_id, receipt = %ack.receipt_no, form = %submission.form_type, "submission received");
        if let Some(h) = &submission.holder_check {
            tracing::info!(number = %submission.number, outcome = ?h.outcome, distance = h.distance, model = %h.model, "submission: holder check");
        }
        Ok(json(StatusCode::CREATED, &ack))
    })();
    result.unwrap_or_else(database_error)
}

pub async fn lookup(
    State(state): State<AppState>,
    Extension(device): Extension<Device>,
    Path(key): Path<String>,
) -> Response {
    let Ok(conn) = state.db.lock() else {
        return database_unavailable();
    };
    let row = conn
        .query_row(
            "SELECT receipt_no, number FROM submissions WHERE idem_key = ?1 AND device_id = ?2",
            [&key, &device.0],
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

/// The application behind a number, for the device that sent it only: another kiosk's
/// certificate gets 403 (a window clerk's workstation would have its own access).
pub async fn application(
    State(state): State<AppState>,
    Extension(device): Extension<Device>,
    Path(number): Path<String>,
) -> Response {
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
        Ok(Some((_, _, sender, _))) if sender != device.0 => problem(
            StatusCode::FORBIDDEN,
            "Another device's application",
            format!("certificate {}, application of {sender}", device.0),
        ),
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

pub fn open(dir: &std::path::Path) -> rusqlite::Result<Connection> {
    std::fs::create_dir_all(dir)
        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    let conn = Connection::open(dir.join("central.db"))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS submissions (
            idem_key TEXT PRIMARY KEY, device_id TEXT NOT NULL, number TEXT NOT NULL,
            receipt_no TEXT NOT NULL, received_at TEXT NOT NULL, body TEXT NOT NULL);
         CREATE TABLE IF NOT EXISTS dedupe (
            idem_key TEXT PRIMARY KEY, body_sha256 TEXT NOT NULL, response TEXT NOT NULL);
         CREATE TABLE IF NOT EXISTS heartbeats (
            device_id TEXT NOT NULL, seq INTEGER NOT NULL, received_at TEXT NOT NULL,
            body TEXT NOT NULL);
         CREATE TABLE IF NOT EXISTS command_results (
            device_id TEXT NOT NULL, command_id TEXT NOT NULL, received_at TEXT NOT NULL,
            body TEXT NOT NULL, PRIMARY KEY (device_id, command_id));
         CREATE TABLE IF NOT EXISTS ratings (
            device_id TEXT NOT NULL, rating_id TEXT NOT NULL, day TEXT NOT NULL,
            rating TEXT NOT NULL, PRIMARY KEY (device_id, rating_id));",
    )?;
    Ok(conn)
}
