//! The done page's ratings go to the central with the outbox's passes: the oldest uncounted
//! ones in one batch (`POST /v1/ratings`); those the central says it counted are forgotten.
//! The central counts each kiosk's rating id once, so a batch whose answer was lost is simply
//! sent again. Anonymous by construction: the store keeps the day and the answer only.

use crate::sync::access::StoreAccess;
use crate::sync::api::hall::{RATINGS_PATH, RatingAck, RatingBatch, RatingRow};
use crate::sync::link::{Link, error_chain};

/// Ratings sent in one pass at most.
const BATCH: usize = 200;

/// Sends the uncounted ratings; returns how many the central counted.
///
/// Errors: the store cannot be read or updated, or the central did not count them (the next
/// pass tries again), as a line for the log.
pub async fn send_ratings(store: &mut impl StoreAccess, link: &Link) -> Result<usize, String> {
    let unsent = store
        .with(|s| s.unsent_ratings(BATCH))
        .map_err(|e| format!("cannot read the ratings: {e}"))?;
    if unsent.is_empty() {
        return Ok(0);
    }
    let batch = RatingBatch {
        ratings: unsent
            .iter()
            .map(|r| RatingRow {
                rating_id: r.id,
                day: r.day.clone(),
                rating: r.rating.code().into(),
            })
            .collect(),
    };
    let response = link
        .client()
        .post(format!("{}{RATINGS_PATH}", link.url()))
        .json(&batch)
        .send()
        .await
        .map_err(|e| error_chain(&e))?;
    let status = response.status();
    if !status.is_success() {
        return Err(format!("central answered {status}"));
    }
    let ack: RatingAck = response
        .json()
        .await
        .map_err(|e| format!("unreadable acknowledgement: {e}"))?;
    // Only ids of this batch are forgotten, whatever else the answer names.
    let counted: Vec<i64> = unsent
        .iter()
        .map(|r| r.id)
        .filter(|id| ack.counted.contains(id))
        .collect();
    store
        .with(|s| s.ratings_counted(&counted))
        .map_err(|e| format!("cannot forget the counted ratings: {e}"))?;
    Ok(counted.len())
}
