//! The hall kiosk's look-up of the applicant at card read — the documents on record, then
//! today's booking — one request at a time on its own thread, so a slow central never holds up
//! the screen or the printer. Each answer is reported for the visit that asked
//! (`Inbound::Records`, `Inbound::Appointment`) as soon as it is in, and each fails on its own:
//! without a usable answer the form works as it does offline.

use std::sync::mpsc::{self, Sender};

use chrono::NaiveDate;
use zeroize::Zeroizing;

use super::{Inbound, spawn};
use crate::sync::station::StationClient;

/// One look-up: the visit that asked, the ID number (personal data, wiped when dropped) and the
/// day whose booking counts.
pub type RecordsQuery = (u64, Zeroizing<String>, NaiveDate);

/// Starts the thread; the sender takes queries until the core drops it.
pub fn records(client: StationClient, tx: Sender<Inbound>) -> Sender<RecordsQuery> {
    let (query_tx, query_rx) = mpsc::channel::<RecordsQuery>();
    spawn("records", move || {
        while let Ok(query) = query_rx.recv() {
            // Behind a slow central, queries of visits that are over pile up: only the newest
            // applicant is asked for (the others' numbers are never sent).
            let (visit, id_number, today) = query_rx.try_iter().last().unwrap_or(query);
            let records = usable(
                "documents on record",
                client.documents(&id_number).map(|a| a.to_domain()),
            );
            if tx.send(Inbound::Records { visit, records }).is_err() {
                return;
            }
            let appointment = usable(
                "appointment",
                client
                    .appointment(&id_number, today)
                    .map(|a| a.to_domain(today)),
            );
            if tx
                .send(Inbound::Appointment { visit, appointment })
                .is_err()
            {
                return;
            }
        }
    });
    query_tx
}

/// The answer if the central gave one the kiosk can use; otherwise why not, logged.
fn usable<T>(
    what: &str,
    answer: Result<Result<T, String>, crate::sync::station::StationError>,
) -> Option<T> {
    match answer {
        Ok(Ok(value)) => Some(value),
        Ok(Err(nonsense)) => {
            tracing::warn!(lookup = what, problem = %nonsense, "the central's answer is unusable: nothing taken from it");
            None
        }
        Err(e) => {
            tracing::warn!(lookup = what, error = %e, "no answer from the central: the form goes on without it");
            None
        }
    }
}
