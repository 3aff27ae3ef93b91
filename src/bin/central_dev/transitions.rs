//! The endorsement transactions' journals as the kiosks report them (`POST
//! /v1/endorsements/transitions`, read back with `GET /v1/endorsements/{txn_id}/transitions`).
//! Each transaction belongs to the device that first reported it; its moves must arrive in
//! order (seq 0, 1, 2 …); a repeat answers the same, a repeat with another state is refused.
//! Kept in memory.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::Extension;
use axum::extract::Path;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use kiosk::sync::api::station::{EndorsementJournal, EndorsementTransition, TransitionAck};

use crate::routes::{Device, idempotency_key, json, problem};
use crate::station::{not_yours, parse};

/// One transaction's journal and the device it belongs to.
type Journal = (String, Vec<EndorsementTransition>);

/// Every transaction's journal, by transaction id.
#[derive(Clone, Default)]
pub struct Journals(Arc<Mutex<BTreeMap<String, Journal>>>);

pub async fn report(
    Extension(journals): Extension<Journals>,
    Extension(device): Extension<Device>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let t: EndorsementTransition = match parse(&body, "Transition") {
        Ok(t) => t,
        Err(answer) => return *answer,
    };
    let key = idempotency_key(&headers);
    if key != format!("{}:{}", t.txn_id, t.seq) {
        return problem(
            StatusCode::BAD_REQUEST,
            "Idempotency-Key must be the transaction id and the move's seq",
            key.to_string(),
        );
    }
    let mut all = journals.0.lock().unwrap_or_else(|p| p.into_inner());
    // A transaction is claimed by its first move only: a rejected report claims nothing.
    if t.seq > 0 && !all.contains_key(&t.txn_id) {
        return problem(
            StatusCode::CONFLICT,
            "Move out of order",
            format!("expected seq 0, got {}", t.seq),
        );
    }
    let (owner, journal) = all
        .entry(t.txn_id.clone())
        .or_insert_with(|| (device.0.clone(), Vec::new()));
    if let Some(refusal) = not_yours(&device, owner) {
        return refusal;
    }
    let ack = TransitionAck {
        txn_id: t.txn_id.clone(),
        seq: t.seq,
    };
    match journal.get(t.seq as usize) {
        Some(held) if *held == t => json(StatusCode::OK, &ack),
        Some(_) => problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Idempotency-Key reused with another body",
            key.to_string(),
        ),
        None if t.seq as usize == journal.len() => {
            journal.push(t);
            json(StatusCode::OK, &ack)
        }
        None => problem(
            StatusCode::CONFLICT,
            "Move out of order",
            format!("expected seq {}, got {}", journal.len(), t.seq),
        ),
    }
}

pub async fn journal(
    Extension(journals): Extension<Journals>,
    Extension(device): Extension<Device>,
    Path(txn_id): Path<String>,
) -> Response {
    let all = journals.0.lock().unwrap_or_else(|p| p.into_inner());
    match all.get(&txn_id) {
        Some((owner, journal)) => match not_yours(&device, owner) {
            Some(refusal) => refusal,
            None => json(
                StatusCode::OK,
                &EndorsementJournal {
                    txn_id,
                    transitions: journal.clone(),
                },
            ),
        },
        None => problem(StatusCode::NOT_FOUND, "No such transaction", txn_id),
    }
}
