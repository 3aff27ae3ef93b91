//! Every committed move of the station kiosk's endorsement transactions goes to the central
//! through the outbox: the store's journal is the queue (`sent` once acknowledged), each move
//! goes with `Idempotency-Key: {txn_id}:{seq}` in commit order, and a transaction whose move the
//! central does not acknowledge sends nothing more in that pass, so the central never hears a
//! transaction's moves out of order; the other transactions go on. The calls that move money
//! and endorsements (payment, issuance, confirmation) are made directly by the station thread;
//! these reports are the central's complete journal, with which it can see a transaction that
//! stalled on a kiosk.

use std::collections::BTreeSet;

use crate::store::Transition;
use crate::sync::access::StoreAccess;
use crate::sync::api::station::{EndorsementTransition, TRANSITIONS_PATH, TransitionAck};
use crate::sync::api::{CONTENT_DIGEST, IDEMPOTENCY_KEY, content_digest};
use crate::sync::link::{Link, error_chain};

/// Moves sent in one pass at most.
const BATCH: usize = 50;

/// How a pass ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    /// Moves the central acknowledged.
    pub acknowledged: usize,
    /// Why moves were left for the next pass (one line per transaction held back).
    pub problems: Vec<String>,
    /// The central has no such endpoint (an older central): the caller waits long before
    /// trying again.
    pub no_endpoint: bool,
}

enum Refusal {
    /// Try again at the next pass.
    Later(String),
    /// The central lacks an earlier move of this transaction: send them all again.
    MissingEarlier(String),
    /// 404 / 405: the central does not take transitions at all.
    NoEndpoint,
}

/// Sends the moves the central has not acknowledged.
///
/// Errors: the journal cannot be read or updated (a store fault, for the log).
pub async fn send_transitions(store: &mut impl StoreAccess, link: &Link) -> Result<Sent, String> {
    let unsent = store
        .with(|s| s.unsent_transitions(BATCH))
        .map_err(|e| format!("cannot read the journal: {e}"))?;
    let mut sent = Sent {
        acknowledged: 0,
        problems: Vec::new(),
        no_endpoint: false,
    };
    let mut held_back = BTreeSet::new();
    for t in unsent {
        if held_back.contains(&t.txn_id) {
            continue;
        }
        match send_one(link, &t).await {
            Ok(()) => {
                store
                    .with(|s| s.transition_sent(&t.txn_id, t.seq))
                    .map_err(|e| format!("cannot record the acknowledgement: {e}"))?;
                sent.acknowledged += 1;
            }
            Err(Refusal::NoEndpoint) => {
                sent.no_endpoint = true;
                return Ok(sent);
            }
            Err(Refusal::MissingEarlier(why)) => {
                store
                    .with(|s| s.resend_transitions(&t.txn_id))
                    .map_err(|e| format!("cannot mark moves for resending: {e}"))?;
                sent.problems.push(why);
                held_back.insert(t.txn_id.clone());
            }
            Err(Refusal::Later(why)) => {
                sent.problems.push(why);
                held_back.insert(t.txn_id.clone());
            }
        }
    }
    Ok(sent)
}

async fn send_one(link: &Link, t: &Transition) -> Result<(), Refusal> {
    let body = serde_json::to_string(&EndorsementTransition {
        txn_id: t.txn_id.clone(),
        seq: t.seq,
        state: crate::store::state_name(t.state).into(),
        at: t.at.clone(),
    })
    .map_err(|e| Refusal::Later(e.to_string()))?;
    let key = format!("{}:{}", t.txn_id, t.seq);
    let response = link
        .client()
        .post(format!("{}{TRANSITIONS_PATH}", link.url()))
        .header(IDEMPOTENCY_KEY, &key)
        .header(CONTENT_DIGEST, content_digest(body.as_bytes()))
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body)
        .send()
        .await
        .map_err(|e| Refusal::Later(format!("{key}: {}", error_chain(&e))))?;
    let status = response.status();
    match status.as_u16() {
        404 | 405 => return Err(Refusal::NoEndpoint),
        409 => {
            return Err(Refusal::MissingEarlier(format!(
                "{key}: the central lacks an earlier move; sending them all again"
            )));
        }
        _ => {}
    }
    let text = response
        .text()
        .await
        .map_err(|e| Refusal::Later(format!("{key}: answer lost: {e}")))?;
    if !status.is_success() {
        return Err(Refusal::Later(format!("{key}: central answered {status}")));
    }
    // Only an acknowledgement of this very move counts.
    match serde_json::from_str::<TransitionAck>(&text) {
        Ok(ack) if ack.txn_id == t.txn_id && ack.seq == t.seq => Ok(()),
        Ok(ack) => Err(Refusal::Later(format!(
            "{key}: central acknowledged {}:{}",
            ack.txn_id, ack.seq
        ))),
        Err(e) => Err(Refusal::Later(format!(
            "{key}: unreadable acknowledgement: {e}"
        ))),
    }
}
