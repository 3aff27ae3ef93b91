//! Every committed move of the station kiosk's endorsement transactions goes to the central
//! through the outbox: the store's journal is the queue (`sent` once acknowledged), each move
//! goes with `Idempotency-Key: {txn_id}:{seq}`, oldest first, and a pass stops at the first
//! move the central does not acknowledge so that it never hears them out of order. The calls
//! that move money and endorsements (payment, issuance, confirmation) are made directly by the
//! station thread; these reports are the central's complete journal, with which it can see a
//! transaction that stalled on a kiosk.

use crate::store::Transition;
use crate::sync::access::StoreAccess;
use crate::sync::api::station::{EndorsementTransition, TRANSITIONS_PATH, TransitionAck};
use crate::sync::api::{CONTENT_DIGEST, IDEMPOTENCY_KEY, content_digest};
use crate::sync::link::{Link, error_chain};

/// Moves sent in one pass at most.
const BATCH: usize = 50;

/// Sends the moves the central has not acknowledged; returns how many it acknowledged.
///
/// Errors: why the pass stopped (the moves left are sent at the next pass), for the log.
pub async fn send_transitions(store: &mut impl StoreAccess, link: &Link) -> Result<usize, String> {
    let unsent = store
        .with(|s| s.unsent_transitions(BATCH))
        .map_err(|e| format!("cannot read the journal: {e}"))?;
    let mut sent = 0;
    for t in unsent {
        send_one(link, &t).await?;
        store
            .with(|s| s.transition_sent(&t.txn_id, t.seq))
            .map_err(|e| format!("cannot record the acknowledgement: {e}"))?;
        sent += 1;
    }
    Ok(sent)
}

async fn send_one(link: &Link, t: &Transition) -> Result<(), String> {
    let body = serde_json::to_string(&EndorsementTransition {
        txn_id: t.txn_id.clone(),
        seq: t.seq,
        state: crate::store::state_name(t.state).into(),
        at: t.at.clone(),
    })
    .map_err(|e| e.to_string())?;
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
        .map_err(|e| format!("{key}: {}", error_chain(&e)))?;
    let status = response.status();
    let text = response
        .text()
        .await
        .map_err(|e| format!("{key}: answer lost: {e}"))?;
    if !status.is_success() {
        return Err(format!("{key}: central answered {status}"));
    }
    // Only an acknowledgement of this very move counts.
    match serde_json::from_str::<TransitionAck>(&text) {
        Ok(ack) if ack.txn_id == t.txn_id && ack.seq == t.seq => Ok(()),
        Ok(ack) => Err(format!(
            "{key}: central acknowledged {}:{}",
            ack.txn_id, ack.seq
        )),
        Err(e) => Err(format!("{key}: unreadable acknowledgement: {e}")),
    }
}
