//! The hall kiosk's look-up of the applicant's documents on record: one request at a time on
//! its own thread, so a slow central never holds up the screen or the printer. The answer is
//! reported for the visit that asked (`Inbound::Records`); without a usable answer the form
//! works as it does offline.

use std::sync::mpsc::{self, Sender};

use zeroize::Zeroizing;

use super::{Inbound, spawn};
use crate::sync::station::StationClient;

/// One look-up: the visit that asked and the ID number (personal data, wiped when dropped).
pub type RecordsQuery = (u64, Zeroizing<String>);

/// Starts the thread; the sender takes queries until the core drops it.
pub fn records(client: StationClient, tx: Sender<Inbound>) -> Sender<RecordsQuery> {
    let (query_tx, query_rx) = mpsc::channel::<RecordsQuery>();
    spawn("records", move || {
        while let Ok(query) = query_rx.recv() {
            // Behind a slow central, queries of visits that are over pile up: only the newest
            // applicant is asked for (the others' numbers are never sent).
            let (visit, id_number) = query_rx.try_iter().last().unwrap_or(query);
            let records = match client
                .documents(&id_number)
                .map(|answer| answer.to_domain())
            {
                Ok(Ok(records)) => Some(records),
                Ok(Err(nonsense)) => {
                    tracing::warn!(problem = %nonsense, "documents on record: the central's answer is unusable");
                    None
                }
                Err(e) => {
                    tracing::warn!(error = %e, "documents on record: no answer, nothing suggested");
                    None
                }
            };
            if tx.send(Inbound::Records { visit, records }).is_err() {
                return;
            }
        }
    });
    query_tx
}
