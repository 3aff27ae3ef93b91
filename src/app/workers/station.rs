//! The station thread: owns the permit reader, the payment terminal, the writer module and the
//! blocking client of the central (`app/endorse.rs`), so the UI thread never waits on them.
//! It starts by settling the transactions a power cut or crash left in flight.
//! Commands carry the visit they belong to and every report goes back tagged with it, so a
//! late answer for an applicant who has left never reaches the next one.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::sync::mpsc::{self, Sender};

use super::{Inbound, spawn};
use crate::app::endorse::EndorsementDesk;
use crate::domain::identity::Identity;
use crate::domain::permit::AccessKey;
use crate::flow::station::{Event, Order, TripsSlip};

/// What the core asks of the station thread; the number is the visit.
#[derive(Debug)]
pub enum StationCommand {
    /// With the visit's own stop flag: set, the search for this visit's permit ends.
    FindPermit(u64, Box<Identity>, Arc<AtomicBool>),
    /// Read the permit with the key typed on the keypad (same stop flag).
    ReadPermit(u64, Box<AccessKey>, Arc<AtomicBool>),
    /// What the central offers; with `approved`, the endorsements approved and paid online
    /// that wait for the permit instead.
    Offers {
        visit: u64,
        id_number: String,
        permit_number: String,
        approved: bool,
    },
    Records {
        visit: u64,
        permit_number: String,
    },
    Endorse(u64, Box<Order>),
    PrintTrips(u64, Box<TripsSlip>),
    ReprintBack {
        visit: u64,
        permit_number: String,
    },
}

/// The core's hold on the station thread. The core clears the payment flag when it sends the
/// payment's command, so a cancellation tapped before the thread picks the command up counts.
#[derive(Clone)]
pub struct StationHandle {
    pub commands: Sender<StationCommand>,
    /// Set: the applicant gave up paying.
    pub cancel_payment: Arc<AtomicBool>,
}

/// How long the station thread waits without a command before it settles what is in flight.
const RECOVER_WHEN_IDLE: std::time::Duration = std::time::Duration::from_secs(300);

/// Starts the station thread.
pub fn station(mut desk: EndorsementDesk, tx: Sender<Inbound>) -> StationHandle {
    let (commands, rx) = mpsc::channel();
    let handle = StationHandle {
        commands,
        cancel_payment: Arc::default(),
    };
    let flags = handle.clone();
    spawn("station", move || {
        // Before any applicant: what a power cut or crash left in flight is settled first; and
        // again whenever the kiosk has been idle a while, so a refund the central could not
        // take, or a transaction staff settled with `kiosk endorsements settle`, concludes
        // without a restart. (Between commands no applicant's transaction is open: each lives
        // within one `Endorse` command.)
        desk.recover();
        loop {
            let command = match rx.recv_timeout(RECOVER_WHEN_IDLE) {
                Ok(command) => command,
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    if desk.has_in_flight() {
                        desk.recover();
                    }
                    continue;
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => return,
            };
            let visit = match &command {
                StationCommand::FindPermit(v, _, _)
                | StationCommand::ReadPermit(v, _, _)
                | StationCommand::Offers { visit: v, .. }
                | StationCommand::Records { visit: v, .. }
                | StationCommand::ReprintBack { visit: v, .. }
                | StationCommand::Endorse(v, _)
                | StationCommand::PrintTrips(v, _) => *v,
            };
            let mut report = |event: Event| {
                let _ = tx.send(Inbound::Station { visit, event });
            };
            match command {
                StationCommand::FindPermit(_, identity, stop) => {
                    desk.find_permit(&identity, &stop, &mut report);
                }
                StationCommand::ReadPermit(_, key, stop) => {
                    desk.read_typed(&key, &stop, &mut report)
                }
                StationCommand::Offers {
                    id_number,
                    permit_number,
                    approved,
                    ..
                } => {
                    let answer = if approved {
                        desk.approved(&id_number, &permit_number)
                    } else {
                        desk.offers(&id_number, &permit_number)
                    };
                    report(match answer {
                        Some(offers) => Event::Offers(offers),
                        None => Event::CentralUnavailable,
                    })
                }
                StationCommand::Records { permit_number, .. } => {
                    report(match desk.records(&permit_number) {
                        Some(records) => Event::Records(records),
                        None => Event::CentralUnavailable,
                    })
                }
                StationCommand::Endorse(_, order) => {
                    let outcome = desk.endorse(&order, &flags.cancel_payment, &mut report);
                    tracing::info!(?outcome, "endorsement: transaction ended");
                    report(Event::Finished(outcome));
                }
                StationCommand::PrintTrips(_, slip) => desk.print_trips(&slip),
                StationCommand::ReprintBack { permit_number, .. } => {
                    report(Event::Reprinted(desk.reprint_back(&permit_number)))
                }
            }
        }
    });
    handle
}
