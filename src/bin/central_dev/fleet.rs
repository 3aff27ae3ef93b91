//! The fleet side of the contract: `POST /v1/devices/{id}/heartbeat` (stored, answered with the
//! configuration version the device should run) and `GET /v1/devices/{id}/config` with an ETag.
//! Configurations are files `<device>.json` in `--config-dir`, read at every request, so a test
//! or a developer changes a kiosk's configuration by writing a file; the ETag is the SHA-256 of
//! the file. A device may only beat and pull as itself.

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kiosk::sync::api::{Heartbeat, HeartbeatReply, sha256_hex};
use rusqlite::params;

use crate::routes::{AppState, Device, database_error, database_unavailable, json, problem};

fn not_yours(device: &Device, id: &str) -> Option<Response> {
    (device.0 != id).then(|| {
        problem(
            StatusCode::FORBIDDEN,
            "Another device than the certificate names",
            format!("certificate {}, path {id}", device.0),
        )
    })
}

/// The raw configuration file of a device and its ETag, if there is one.
fn configuration(state: &AppState, id: &str) -> Option<(String, String)> {
    let text =
        std::fs::read_to_string(state.config_dir.as_ref()?.join(format!("{id}.json"))).ok()?;
    let etag = format!("\"{}\"", &sha256_hex(text.as_bytes())[..16]);
    Some((text, etag))
}

/// The version a configuration file announces (even when the file is otherwise bad: the kiosk
/// is told to pull it, and reports it refused it).
fn version_of(text: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    value.get("config_version")?.as_str().map(str::to_string)
}

pub async fn heartbeat(
    State(state): State<AppState>,
    Extension(device): Extension<Device>,
    Path(id): Path<String>,
    body: String,
) -> Response {
    if let Some(refusal) = not_yours(&device, &id) {
        return refusal;
    }
    let beat: Heartbeat = match serde_json::from_str(&body) {
        Ok(b) => b,
        Err(e) => {
            return problem(
                StatusCode::BAD_REQUEST,
                "Heartbeat is not valid",
                e.to_string(),
            );
        }
    };
    {
        let Ok(conn) = state.db.lock() else {
            return database_unavailable();
        };
        let at = chrono::Local::now().format("%Y-%m-%dT%H:%M:%S").to_string();
        if let Err(e) = conn.execute(
            "INSERT INTO heartbeats(device_id, seq, received_at, body) VALUES (?1, ?2, ?3, ?4)",
            params![id, beat.seq as i64, at, body],
        ) {
            return database_error(e);
        }
    }
    tracing::info!(device = %id, seq = beat.seq, pending = beat.queue_pending, dead = beat.dead_letters, moves = beat.unsent_moves, ratings = beat.unsent_ratings, staff_calls = beat.staff_calls_open, "heartbeat");
    let config_version = configuration(&state, &id).and_then(|(text, _)| version_of(&text));
    json(StatusCode::OK, &HeartbeatReply { config_version })
}

pub async fn config(
    State(state): State<AppState>,
    Extension(device): Extension<Device>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Some(refusal) = not_yours(&device, &id) {
        return refusal;
    }
    let Some((text, etag)) = configuration(&state, &id) else {
        return problem(
            StatusCode::NOT_FOUND,
            "No configuration for this device",
            id,
        );
    };
    let unchanged = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == etag);
    if unchanged {
        tracing::info!(device = %id, "configuration unchanged: 304");
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response();
    }
    tracing::info!(device = %id, %etag, "configuration sent");
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "application/json".to_string()),
            (header::ETAG, etag),
        ],
        text,
    )
        .into_response()
}
