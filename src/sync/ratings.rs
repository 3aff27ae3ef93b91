//! The done page's ratings go to the central with the outbox's passes, in batches: only once
//! [`MIN_BATCH`] are waiting, or one of them is from an earlier day — never one rating right
//! after the application it followed, which would tie the two together by their time. Those the
//! central says it counted are forgotten; it counts each random rating id once, so a batch whose
//! answer was lost is simply sent again. Anonymous by construction: the store keeps a random
//! id, the day and the answer only.

use crate::sync::access::StoreAccess;
use crate::sync::api::hall::{RATINGS_PATH, RatingAck, RatingBatch, RatingRow};
use crate::sync::link::{Link, error_chain};

/// Ratings sent in one pass at most.
const BATCH: usize = 200;
/// Ratings of the day that wait for each other before they go.
pub const MIN_BATCH: usize = 10;

/// Sends the uncounted ratings; returns how many the central counted.
///
/// Errors: the store cannot be read or updated, or the central did not count them (the next
/// pass tries again), as a line for the log.
pub async fn send_ratings(store: &mut impl StoreAccess, link: &Link) -> Result<usize, String> {
    let unsent = store
        .with(|s| s.unsent_ratings(BATCH))
        .map_err(|e| format!("cannot read the ratings: {e}"))?;
    let today = chrono::Local::now().format("%Y-%m-%d").to_string();
    if unsent.len() < MIN_BATCH && unsent.iter().all(|r| r.day >= today) {
        return Ok(0);
    }
    let batch = RatingBatch {
        ratings: unsent
            .iter()
            .map(|r| RatingRow {
                rating_id: r.uid.clone(),
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
    let counted: Vec<String> = unsent
        .iter()
        .map(|r| r.uid.clone())
        .filter(|uid| ack.counted.contains(uid))
        .collect();
    store
        .with(|s| s.ratings_counted(&counted))
        .map_err(|e| format!("cannot forget the counted ratings: {e}"))?;
    Ok(counted.len())
}
