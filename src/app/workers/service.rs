//! The service thread: the one owner of the printer, running the save-and-print use case
//! (`submit::Desk`) job by job, and watching whether the store has room for the next applicant.
//! An application whose fee is paid at the kiosk is saved held, kept here while the applicant
//! pays, and released and printed with the fee's state when [`ServiceJob::Print`] comes.

use std::sync::mpsc::{self, Receiver, Sender};
use std::time::{Duration, Instant};

use super::{Inbound, spawn};
use crate::app::printing;
use crate::app::submit::{Desk, SaveJob, Saved};
use crate::devices::printer::PrinterState;
use crate::domain::catalogue::Catalogue;
use crate::domain::fee_payment::FeePayment;
use crate::domain::rating::Rating;
use crate::store::{StoreError, lock};

/// How often a full store is checked for room again (acknowledgements purge bodies; a
/// technician may free the disk).
const ROOM_CHECK: Duration = Duration::from_secs(5);
/// How often the printer is asked for its state while no job runs: paper that ran out or a
/// cover left open shows on the technician screen and in the heartbeat before an applicant
/// meets it.
const PRINTER_CHECK: Duration = Duration::from_secs(60);

/// Whether the store has room for one more application; reported (and logged) when it changes.
/// False when the UI has gone away.
fn room(desk: &Desk, had_room: &mut bool, tx: &Sender<Inbound>) -> bool {
    let now = match lock(&desk.store).check_room() {
        Ok(()) => true,
        Err(e) => {
            if *had_room {
                tracing::error!(error = %e, "store: no room, the kiosk takes no new applicants until there is");
            }
            false
        }
    };
    if now != *had_room {
        if now {
            tracing::info!("store: room again, taking applicants");
        }
        *had_room = now;
        return tx.send(Inbound::Room(now)).is_ok();
    }
    true
}

/// What the core asks of the service thread.
pub enum ServiceJob {
    /// Save the application; print its form at once unless the job `pays`.
    Save(Box<SaveJob>),
    /// The fee's payment step ended: release the application waiting for it and print.
    Print(FeePayment),
    /// Keep the done page's rating until the central counts it.
    Rate(Rating),
    /// Print a stored form again (the central's `reprint` command, between applicants).
    Reprint { command_id: String, number: String },
}

/// An application saved held while its fee is paid, with the catalogue to print it with.
type Waiting = (Saved, std::sync::Arc<Catalogue>);

/// Starts the service thread; jobs sent to the returned channel are saved, then printed.
/// Checks for room after every job and, while there is none, every few seconds, so the attract
/// screen stops taking applicants before one of them fills in a form that cannot be saved.
/// Held applications left by a kiosk that stopped mid-payment go to the central first; those
/// whose fee the card terminal was asked for are the fee thread's to settle (`by_card`), or,
/// with no terminal any more, go `unconfirmed`.
pub fn service(mut desk: Desk, by_card: bool, tx: Sender<Inbound>) -> Sender<ServiceJob> {
    let (job_tx, job_rx): (Sender<ServiceJob>, Receiver<ServiceJob>) = mpsc::channel();
    spawn("service", move || {
        if !by_card {
            super::fee_card::settle_without_terminal(&desk.store);
        }
        match lock(&desk.store).release_all_held() {
            Ok(0) => {}
            Ok(n) => tracing::warn!(
                applications = n,
                "store: applications left mid-payment go to the central as saved"
            ),
            Err(e) => tracing::error!(error = %e, "store: held applications not released"),
        }
        let mut waiting: Option<Waiting> = None;
        // Applications the store refused to release: tried again at every quiet moment.
        let mut unreleased: Vec<Saved> = Vec::new();
        // The first check is always reported, so the technician screen and the heartbeat know
        // the storage state from the start.
        let mut had_room = lock(&desk.store).check_room().is_ok();
        if tx.send(Inbound::Room(had_room)).is_err() {
            return;
        }
        if !had_room {
            tracing::error!("store: no room, the kiosk takes no new applicants until there is");
        }
        let mut printer = printing::status(&desk.printer);
        if tx.send(Inbound::PrinterStatus(printer)).is_err() {
            return;
        }
        let mut printer_checked = Instant::now();
        loop {
            let job = match job_rx.recv_timeout(ROOM_CHECK) {
                Ok(job) => job,
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    unreleased.retain(|saved| !desk.release(saved));
                    if !had_room && !room(&desk, &mut had_room, &tx) {
                        return;
                    }
                    if printer_checked.elapsed() >= PRINTER_CHECK {
                        printer_checked = Instant::now();
                        let now = printing::status(&desk.printer);
                        if now != printer {
                            tracing::info!(state = %now, "printer: state changed");
                            printer = now;
                            if tx.send(Inbound::PrinterStatus(now)).is_err() {
                                return;
                            }
                        }
                    }
                    continue;
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => return,
            };
            let job = match job {
                ServiceJob::Save(job) => job,
                ServiceJob::Rate(rating) => {
                    desk.rate(rating);
                    continue;
                }
                ServiceJob::Reprint { command_id, number } => {
                    let result = desk.reprint(&number);
                    if tx.send(Inbound::Reprinted { command_id, result }).is_err() {
                        return;
                    }
                    continue;
                }
                ServiceJob::Print(payment) => {
                    let Some((mut saved, catalogue)) = waiting.take() else {
                        // The session waits on the printing page: tell it, or it waits forever.
                        tracing::error!("payment step ended with no application waiting");
                        if tx.send(Inbound::PrintFailed).is_err() {
                            return;
                        }
                        continue;
                    };
                    saved.application.payment = Some(payment);
                    let released = desk.release(&saved);
                    printer_checked = Instant::now();
                    if !print(&mut desk, &saved, &catalogue, &tx)
                        || !room(&desk, &mut had_room, &tx)
                    {
                        return;
                    }
                    if !released {
                        unreleased.push(saved);
                    }
                    continue;
                }
            };
            if let Some((saved, _)) = waiting.take() {
                tracing::error!(
                    "a new application before the last one's payment step ended: the last goes as saved"
                );
                if !desk.release(&saved) {
                    unreleased.push(saved);
                }
            }
            let saved = match desk.save(&job) {
                Ok(saved) => saved,
                Err(e) => {
                    tracing::error!(error = %e, "store: application not saved");
                    let event = if matches!(e, StoreError::Full(_)) {
                        had_room = false;
                        Inbound::StorageFull
                    } else {
                        Inbound::SaveFailed
                    };
                    if tx.send(event).is_err() {
                        return;
                    }
                    continue;
                }
            };
            if tx
                .send(Inbound::Saved(saved.application.number.clone()))
                .is_err()
            {
                return;
            }
            if job.pays {
                waiting = Some((saved, job.catalogue));
                continue;
            }
            printer_checked = Instant::now();
            if !print(&mut desk, &saved, &job.catalogue, &tx) || !room(&desk, &mut had_room, &tx) {
                return;
            }
        }
    });
    job_tx
}

/// Prints the form and reports how it went; false when the UI has gone away.
fn print(desk: &mut Desk, saved: &Saved, catalogue: &Catalogue, tx: &Sender<Inbound>) -> bool {
    let outcome = match desk.print(&saved.application, catalogue) {
        Ok(state) => Inbound::Printed {
            paper_low: state == PrinterState::PaperNearEnd,
        },
        Err(_) => Inbound::PrintFailed,
    };
    tx.send(outcome).is_ok()
}
