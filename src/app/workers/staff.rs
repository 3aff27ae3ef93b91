//! Staff calls on their own thread: raises the applicant's call at the central at once and says
//! whether it got there, and closes calls (answered, visit over, expired). Each request is
//! tried a few times, a couple of seconds apart: a call that cannot be raised is reported, so
//! the screen can tell the applicant to ask in person instead.

use std::sync::mpsc::{self, Sender};
use std::time::Duration;

use super::{Inbound, spawn};
use crate::sync::api::staff::{CloseReason, StaffCallClose, StaffCallRequest, StaffCallState};
use crate::sync::station::StationClient;

/// How many times a request is tried, and the pause between tries.
const TRIES: u32 = 3;
const PAUSE: Duration = Duration::from_secs(2);

/// What the core asks of the staff thread.
pub enum StaffCommand {
    Call(StaffCallRequest),
    Close {
        call_id: String,
        reason: CloseReason,
    },
}

/// Starts the thread.
pub fn staff(client: StationClient, tx: Sender<Inbound>) -> Sender<StaffCommand> {
    let (command_tx, commands) = mpsc::channel::<StaffCommand>();
    spawn("staff", move || {
        while let Ok(command) = commands.recv() {
            match command {
                StaffCommand::Call(request) => {
                    let call_id = request.call_id.clone();
                    let raised = tried(|| {
                        client.call_staff(&request).map(|call| {
                            call.call_id == call_id && call.state == StaffCallState::Open
                        })
                    });
                    if raised {
                        tracing::info!(call = %call_id, page = %request.page, "staff call raised");
                    } else {
                        tracing::error!(call = %call_id, page = %request.page, "staff call not raised: the applicant is told to ask in person");
                    }
                    let report = Inbound::StaffCall {
                        call_id,
                        reached: raised,
                    };
                    if tx.send(report).is_err() {
                        return;
                    }
                }
                StaffCommand::Close { call_id, reason } => {
                    let close = StaffCallClose { reason };
                    let closed = tried(|| {
                        client
                            .close_staff_call(&call_id, &close)
                            .map(|call| call.state == StaffCallState::Closed)
                    });
                    if closed {
                        tracing::info!(call = %call_id, ?reason, "staff call closed");
                    } else {
                        tracing::warn!(call = %call_id, ?reason, "staff call not closed at the central (the heartbeat says none is open)");
                    }
                }
            }
        }
    });
    command_tx
}

/// Tries `request` up to [`TRIES`] times; true once it answers true.
fn tried<E: std::fmt::Display>(request: impl Fn() -> Result<bool, E>) -> bool {
    for attempt in 1..=TRIES {
        match request() {
            Ok(true) => return true,
            Ok(false) => tracing::warn!(attempt, "staff call: unexpected answer from the central"),
            Err(e) => tracing::warn!(attempt, error = %e, "staff call: no answer from the central"),
        }
        if attempt < TRIES {
            std::thread::sleep(PAUSE);
        }
    }
    false
}
