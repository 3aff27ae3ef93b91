//! The central's commands to this kiosk (docs/central-api.yaml, "Fleet commands"): they come in
//! the heartbeat's answer, over the mutual-TLS link, so only the central the kiosk trusts can
//! send them and only to the kiosk its certificate names. Each `command_id` is carried out once:
//! its result is kept in `<data_dir>/fleet-commands.json` (no personal data) and reported until
//! the central acknowledges it, so a command the central repeats, or a result whose answer was
//! lost, is never carried out twice. Printing and restarting wait for a moment without an
//! applicant; the screens do them (`Live::order`, `Live::request_restart`).

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Instant;

use serde::{Deserialize, Serialize};
use tokio::sync::Notify;

use super::api::fleet::{
    CommandKind, CommandResult, DIAGNOSTICS_MAX_BYTES, Diagnostics, FleetCommand, Outcome,
    QueueFigures, command_result_path,
};
use super::link::Link;
use super::live::{Live, Order};
use super::status::SyncStatus;

/// The results kept (the newest; enough for any command the central still repeats).
const LEDGER_ENTRIES: usize = 200;
const LEDGER_FILE: &str = "fleet-commands.json";
/// Present while the central has taken the kiosk out of service (kept across restarts).
const WITHDRAWN_FILE: &str = "out-of-service";

#[derive(Debug, Default, Serialize, Deserialize)]
struct Ledger {
    entries: Vec<Entry>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Entry {
    result: CommandResult,
    reported: bool,
    /// Reported only by a later run of the program (a restart's result).
    #[serde(default)]
    after_run: Option<String>,
}

/// The command handling of one run of the program.
pub struct Commands {
    device_id: String,
    data_dir: PathBuf,
    live: Live,
    started: Instant,
    /// This run, as `after_run` names it.
    run: String,
    /// Commands handed to the screens and not finished yet.
    handed: Mutex<BTreeSet<String>>,
}

impl Commands {
    pub fn new(device_id: &str, data_dir: PathBuf, live: Live) -> Commands {
        Commands {
            device_id: device_id.to_string(),
            data_dir,
            live,
            started: Instant::now(),
            run: format!(
                "{}-{}",
                std::process::id(),
                chrono::Local::now().format("%Y%m%dT%H%M%S%.f")
            ),
            handed: Mutex::new(BTreeSet::new()),
        }
    }

    /// Carries out the commands of one heartbeat answer, takes in the screens' results and
    /// reports every result the central has not acknowledged.
    pub async fn handle(
        &self,
        link: &Link,
        status: &Mutex<SyncStatus>,
        wake: &Notify,
        commands: Vec<FleetCommand>,
    ) {
        let mut ledger = self.load();
        for result in self.live.take_results() {
            tracing::info!(command = %result.command_id, outcome = ?result.outcome, detail = %result.detail, "fleet: command carried out");
            self.handed_back(&result.command_id);
            record(&mut ledger, result, None);
        }
        for command in commands {
            let known = ledger
                .entries
                .iter()
                .any(|e| e.result.command_id == command.command_id)
                || self.is_handed(&command.command_id);
            if known {
                continue;
            }
            tracing::info!(command = %command.command_id, kind = ?command.kind, "fleet: command from the central");
            self.carry_out(command, status, wake, &mut ledger);
        }
        self.report(link, &mut ledger).await;
        self.save(&ledger);
    }

    fn carry_out(
        &self,
        command: FleetCommand,
        status: &Mutex<SyncStatus>,
        wake: &Notify,
        ledger: &mut Ledger,
    ) {
        let done = |outcome, detail: String| CommandResult {
            command_id: command.command_id.clone(),
            kind: command.kind,
            outcome,
            detail,
            finished_at: now(),
            diagnostics: None,
        };
        let result = match command.kind {
            CommandKind::SendNow => {
                wake.notify_one();
                let pending = status.lock().map(|s| s.pending).unwrap_or(0);
                done(
                    Outcome::Done,
                    format!("queue woken: {pending} application(s) waiting"),
                )
            }
            CommandKind::Diagnostics => CommandResult {
                diagnostics: Some(self.diagnostics(status)),
                ..done(Outcome::Done, "diagnostics collected".into())
            },
            CommandKind::OutOfService | CommandKind::BackInService => {
                let out = command.kind == CommandKind::OutOfService;
                match self.set_withdrawn(out) {
                    Ok(()) => done(
                        Outcome::Done,
                        format!(
                            "{} from the next start screen",
                            if out {
                                "out of service"
                            } else {
                                "back in service"
                            }
                        ),
                    ),
                    Err(e) => done(Outcome::Failed, format!("state not kept on disk: {e}")),
                }
            }
            CommandKind::Reprint => match command.number.clone() {
                None => done(
                    Outcome::Refused,
                    "reprint needs the application number".into(),
                ),
                Some(number) => {
                    self.hand(&command.command_id);
                    self.live.order(Order::Reprint {
                        command_id: command.command_id.clone(),
                        number,
                    });
                    return;
                }
            },
            CommandKind::Restart => {
                // Reported by the next run: "done" once the kiosk has restarted.
                let result = done(Outcome::Done, "restarted between applicants".into());
                record(ledger, result, Some(self.run.clone()));
                self.save(ledger);
                self.live.request_restart();
                return;
            }
        };
        tracing::info!(command = %result.command_id, outcome = ?result.outcome, detail = %result.detail, "fleet: command carried out");
        record(ledger, result, None);
    }

    /// Out of service (or back), for the screens now and for the next start.
    fn set_withdrawn(&self, out: bool) -> std::io::Result<()> {
        let file = self.data_dir.join(WITHDRAWN_FILE);
        if out {
            std::fs::write(&file, "taken out of service by the central\n")?;
        } else {
            match std::fs::remove_file(&file) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
                _ => {}
            }
        }
        self.live.set_withdrawn(out);
        Ok(())
    }

    fn diagnostics(&self, status: &Mutex<SyncStatus>) -> Diagnostics {
        let queue = status.lock().map(|s| s.clone()).unwrap_or_default();
        let mut bundle = Diagnostics {
            app_version: env!("CARGO_PKG_VERSION").to_string(),
            config_version: self.live.current().1.version.clone(),
            uptime_s: self.started.elapsed().as_secs(),
            in_service: !self.live.withdrawn(),
            devices: self.live.device_states(),
            queue: QueueFigures {
                pending: queue.pending,
                dead_letters: queue.dead,
                oldest_pending_age_s: queue.oldest_pending_age_s(),
                unsent_moves: queue.unsent_moves,
                unsent_ratings: queue.unsent_ratings,
            },
            counters: self.live.counters(),
            log: super::recent_log::lines(),
            log_truncated: false,
        };
        // Within the size: the oldest lines go first, a tenth at a time.
        while serde_json::to_vec(&bundle).map_or(0, |v| v.len()) > DIAGNOSTICS_MAX_BYTES
            && !bundle.log.is_empty()
        {
            let drop = bundle.log.len().div_ceil(10);
            bundle.log.drain(..drop);
            bundle.log_truncated = true;
        }
        bundle
    }

    /// Sends every result not yet acknowledged.
    async fn report(&self, link: &Link, ledger: &mut Ledger) {
        for entry in ledger.entries.iter_mut().filter(|e| !e.reported) {
            if entry.after_run.as_deref() == Some(self.run.as_str()) {
                continue;
            }
            let sent = link
                .client()
                .post(format!(
                    "{}{}",
                    link.url(),
                    command_result_path(&self.device_id, &entry.result.command_id)
                ))
                .json(&entry.result)
                .send()
                .await;
            match sent {
                Ok(r) if r.status().is_success() => {
                    entry.reported = true;
                    tracing::info!(command = %entry.result.command_id, "fleet: result acknowledged by the central");
                }
                // The central does not know the command (any more): nothing to tell it.
                Ok(r) if r.status() == reqwest::StatusCode::NOT_FOUND => {
                    entry.reported = true;
                    tracing::warn!(command = %entry.result.command_id, "fleet: the central no longer knows this command");
                }
                Ok(r) => {
                    tracing::warn!(command = %entry.result.command_id, status = %r.status(), "fleet: result refused, sent again next beat")
                }
                Err(e) => {
                    tracing::debug!(command = %entry.result.command_id, error = %e, "fleet: result not delivered, sent again next beat")
                }
            }
        }
    }

    fn hand(&self, id: &str) {
        self.handed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id.to_string());
    }

    fn handed_back(&self, id: &str) {
        self.handed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(id);
    }

    fn is_handed(&self, id: &str) -> bool {
        self.handed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains(id)
    }

    fn load(&self) -> Ledger {
        let path = self.data_dir.join(LEDGER_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text).unwrap_or_else(|e| {
                tracing::warn!(error = %e, "fleet: command ledger unreadable, started afresh");
                Ledger::default()
            }),
            Err(_) => Ledger::default(),
        }
    }

    fn save(&self, ledger: &Ledger) {
        let path = self.data_dir.join(LEDGER_FILE);
        let tmp = path.with_extension("tmp");
        let written = serde_json::to_vec_pretty(ledger)
            .map_err(std::io::Error::other)
            .and_then(|text| std::fs::write(&tmp, text))
            .and_then(|()| std::fs::rename(&tmp, &path));
        if let Err(e) = written {
            tracing::warn!(error = %e, "fleet: command ledger not written");
        }
    }
}

/// Takes the kiosk out of service again if the central had (before the first screen).
pub fn restore(data_dir: &std::path::Path, live: &Live) {
    if data_dir.join(WITHDRAWN_FILE).exists() {
        live.set_withdrawn(true);
        tracing::warn!("fleet: out of service, as the central asked; back with back_in_service");
    }
}

fn record(ledger: &mut Ledger, result: CommandResult, after_run: Option<String>) {
    ledger.entries.push(Entry {
        result,
        reported: false,
        after_run,
    });
    let excess = ledger.entries.len().saturating_sub(LEDGER_ENTRIES);
    ledger.entries.drain(..excess);
}

fn now() -> String {
    chrono::Local::now().format("%Y-%m-%dT%H:%M:%S").to_string()
}
