//! The fleet side of the contract: `POST /v1/devices/{id}/heartbeat` (stored, answered with the
//! configuration version the device should run and the commands it has not reported on),
//! `GET /v1/devices/{id}/config` with an ETag, and `POST /v1/devices/{id}/commands/{command_id}/
//! result`. Configurations are files `<device>.json` in `--config-dir`, commands files
//! `<device>.commands.json` (a JSON array of commands) there, read at every request, so a test
//! or a developer changes a kiosk's configuration or sends it a command by writing a file; the
//! ETag is the SHA-256 of the file. A device may only beat, pull and report as itself.

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kiosk::sync::api::fleet::{CommandResult, FleetCommand};
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
    let reported = {
        let Ok(conn) = state.db.lock() else {
            return database_unavailable();
        };
        match reported_commands(&conn, &id) {
            Ok(r) => r,
            Err(e) => return database_error(e),
        }
    };
    let commands = commands(&state, &id)
        .into_iter()
        .filter(|c| !reported.contains(&c.command_id))
        .collect();
    json(
        StatusCode::OK,
        &HeartbeatReply {
            config_version,
            commands,
        },
    )
}

/// The commands the operator has written for a device (none when the file is absent or bad).
fn commands(state: &AppState, id: &str) -> Vec<FleetCommand> {
    let Some(dir) = state.config_dir.as_ref() else {
        return Vec::new();
    };
    let path = dir.join(format!("{id}.commands.json"));
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Vec::new();
    };
    serde_json::from_str(&text).unwrap_or_else(|e| {
        tracing::warn!(path = %path.display(), error = %e, "commands file unreadable: none sent");
        Vec::new()
    })
}

fn reported_commands(
    conn: &rusqlite::Connection,
    id: &str,
) -> rusqlite::Result<std::collections::BTreeSet<String>> {
    let mut stmt = conn.prepare("SELECT command_id FROM command_results WHERE device_id = ?1")?;
    let rows = stmt.query_map([id], |r| r.get::<_, String>(0))?;
    rows.collect()
}

/// A command's result: stored once; the same result again is harmless, a different one for the
/// same command is a conflict; a command this device was never sent is unknown.
pub async fn command_result(
    State(state): State<AppState>,
    Extension(device): Extension<Device>,
    Path((id, command_id)): Path<(String, String)>,
    body: String,
) -> Response {
    if let Some(refusal) = not_yours(&device, &id) {
        return refusal;
    }
    let result: CommandResult = match serde_json::from_str(&body) {
        Ok(r) => r,
        Err(e) => {
            return problem(
                StatusCode::BAD_REQUEST,
                "Result is not valid",
                e.to_string(),
            );
        }
    };
    if result.command_id != command_id {
        return problem(
            StatusCode::BAD_REQUEST,
            "Result is not valid",
            format!("path names {command_id}, body {}", result.command_id),
        );
    }
    if !commands(&state, &id)
        .iter()
        .any(|c| c.command_id == command_id)
    {
        return problem(
            StatusCode::NOT_FOUND,
            "No such command for this device",
            command_id,
        );
    }
    let Ok(conn) = state.db.lock() else {
        return database_unavailable();
    };
    let stored: Option<String> = conn
        .query_row(
            "SELECT body FROM command_results WHERE device_id = ?1 AND command_id = ?2",
            params![id, command_id],
            |r| r.get(0),
        )
        .ok();
    match stored {
        Some(before) if before == body => StatusCode::NO_CONTENT.into_response(),
        Some(_) => problem(
            StatusCode::CONFLICT,
            "Another result was reported for this command",
            command_id,
        ),
        None => {
            let at = chrono::Local::now().format("%Y-%m-%dT%H:%M:%S").to_string();
            if let Err(e) = conn.execute(
                "INSERT INTO command_results(device_id, command_id, received_at, body) VALUES (?1, ?2, ?3, ?4)",
                params![id, command_id, at, body],
            ) {
                return database_error(e);
            }
            tracing::info!(device = %id, command = %command_id, kind = ?result.kind, outcome = ?result.outcome, "command result");
            StatusCode::NO_CONTENT.into_response()
        }
    }
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
