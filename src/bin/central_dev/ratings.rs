//! The done page's anonymous ratings (`POST /v1/ratings`), counted once per kiosk and rating
//! id, and what they add up to (`GET /v1/ratings/summary`): the administration's satisfaction
//! rate, satisfied and fairly satisfied over all ratings. Each batch is logged with the rate.
//! `--station-fault ratings-down` answers 503 (the kiosk keeps them and tries again).

use axum::Extension;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use kiosk::domain::rating::Rating;
use kiosk::sync::api::hall::{RatingAck, RatingBatch, SatisfactionSummary};
use rusqlite::params;

use crate::routes::{AppState, Device, database_error, database_unavailable, json, problem};
use crate::station::{Station, StationFault, parse, unavailable};

pub async fn report(
    State(state): State<AppState>,
    Extension(device): Extension<Device>,
    Extension(station): Extension<Station>,
    body: String,
) -> Response {
    if station.fault == Some(StationFault::RatingsDown) {
        return unavailable("Ratings");
    }
    let batch: RatingBatch = match parse(&body, "Rating batch") {
        Ok(b) => b,
        Err(r) => return *r,
    };
    if let Some(bad) = batch
        .ratings
        .iter()
        .find(|r| Rating::from_code(&r.rating).is_none())
    {
        return problem(StatusCode::BAD_REQUEST, "Not a rating", bad.rating.clone());
    }
    let Ok(conn) = state.db.lock() else {
        return database_unavailable();
    };
    let mut counted = Vec::new();
    for r in &batch.ratings {
        // A rating sent again (its answer was lost) is counted once.
        if let Err(e) = conn.execute(
            "INSERT OR IGNORE INTO ratings(device_id, rating_id, day, rating) VALUES (?1, ?2, ?3, ?4)",
            params![device.0, r.rating_id, r.day, r.rating],
        ) {
            return database_error(e);
        }
        counted.push(r.rating_id.clone());
    }
    match summary(&conn) {
        Ok(s) => tracing::info!(
            device = %device.0,
            ratings = counted.len(),
            satisfaction = %s
                .satisfaction_rate
                .map_or("none yet".to_string(), |r| format!("{:.1} %", r * 100.0)),
            "ratings counted"
        ),
        Err(e) => return database_error(e),
    }
    json(StatusCode::OK, &RatingAck { counted })
}

pub async fn summary_route(State(state): State<AppState>) -> Response {
    let Ok(conn) = state.db.lock() else {
        return database_unavailable();
    };
    match summary(&conn) {
        Ok(s) => json(StatusCode::OK, &s),
        Err(e) => database_error(e),
    }
}

fn summary(conn: &rusqlite::Connection) -> rusqlite::Result<SatisfactionSummary> {
    let count = |code: &str| -> rusqlite::Result<u64> {
        conn.query_row(
            "SELECT COUNT(*) FROM ratings WHERE rating = ?1",
            [code],
            |r| r.get::<_, i64>(0),
        )
        .map(|n| n as u64)
    };
    let satisfied = count(Rating::Satisfied.code())?;
    let fairly = count(Rating::Fairly.code())?;
    let not_satisfied = count(Rating::NotSatisfied.code())?;
    let total = satisfied + fairly + not_satisfied;
    Ok(SatisfactionSummary {
        satisfied,
        fairly,
        not_satisfied,
        satisfaction_rate: (total > 0).then(|| (satisfied + fairly) as f64 / total as f64),
    })
}
