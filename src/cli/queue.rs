//! `kiosk queue …` and `kiosk sync now`: what a technician does when the outbox is stuck. The
//! listings show application numbers, states, attempts and errors — never personal data; only
//! `export` writes the dead letters' submissions, owner-only, for handing over by other means.

use std::process::ExitCode;

use clap::Subcommand;

use crate::store::{QueueRow, Store};

#[derive(Subcommand)]
pub enum QueueCommand {
    /// Counts by state and the age of the oldest waiting application.
    Status {
        /// As one JSON object, for scripts and monitoring.
        #[arg(long)]
        json: bool,
    },
    /// Queues one synthetic application, marked `technician_test` for the central, to try the
    /// link end to end (`kiosk sync now` then sends it).
    Test,
    /// Waiting and dead-lettered applications (with --all, acknowledged ones too).
    List {
        #[arg(long)]
        all: bool,
        #[arg(long)]
        json: bool,
    },
    /// Dead letters and why the central refused them.
    DeadLetters,
    /// Puts a dead letter (or all of them) back in the queue.
    Retry {
        number: Option<String>,
        #[arg(long, conflicts_with = "number")]
        all: bool,
    },
    /// Writes the dead letters' submissions to DIR, one owner-only JSON file each.
    Export { dir: std::path::PathBuf },
}

#[derive(Subcommand)]
pub enum SyncCommand {
    /// Sends everything waiting now and reports what is left.
    Now,
}

/// The configuration and its store; `create` for the one command that may start a store (the
/// technician's test before the kiosk's first start), the others find it or say it is not there.
fn open(
    config: &std::path::Path,
    create: bool,
) -> Result<(crate::config::Config, Store), ExitCode> {
    let c = super::load_config(config)?;
    let opened = if create {
        super::open_store(&c)
    } else {
        super::open_existing_store(&c)
    };
    let store = opened.map_err(|e| {
        eprintln!("{e}");
        ExitCode::FAILURE
    })?;
    Ok((c, store))
}

fn print_rows(rows: &[QueueRow]) {
    for r in rows {
        println!(
            "{}\t{}\t{} attempt(s)\t{}\t{}",
            r.number,
            r.state,
            r.attempts,
            r.created_at,
            r.last_error.as_deref().unwrap_or("")
        );
    }
}

/// The technician's test application: a synthetic person (the first sample card, renamed so no
/// one mistakes it for an applicant), the sample choices, no photo.
fn test_job(now: chrono::NaiveDateTime) -> crate::app::SaveJob {
    let mut identity = crate::domain::samples::sample_identities(now.date()).remove(0);
    identity.name = "测试申请".into();
    let mut choices = crate::domain::application::samples::sample_choices();
    choices.pinyin_surname = "CESHI".into();
    choices.pinyin_given = "SHENQING".into();
    let catalogue = std::sync::Arc::new(crate::domain::catalogue::Catalogue::builtin());
    crate::app::SaveJob {
        identity,
        fee: choices.fee(&catalogue),
        choices,
        photo: None,
        photo_report: None,
        holder: None,
        guardian: None,
        previous_spelling: None,
        booking: None,
        pays: false,
        created_at: now,
        catalogue,
    }
}

pub fn run(command: QueueCommand, config: &std::path::Path) -> ExitCode {
    let (c, mut store) = match open(config, matches!(command, QueueCommand::Test)) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let device_id = c.device.id.clone();
    let result: Result<(), String> = (|| {
        let e = |e: crate::store::StoreError| e.to_string();
        match command {
            QueueCommand::Status { json } => {
                let c = store.counts().map_err(e)?;
                let moves = store.unsent_transition_count().map_err(e)?;
                let ratings = store.unsent_rating_count().map_err(e)?;
                let oldest = store.queue(&["pending"]).map_err(e)?.into_iter().next();
                if json {
                    let status = serde_json::json!({
                        "waiting": c.pending,
                        "endorsement_moves_waiting": moves,
                        "ratings_waiting": ratings,
                        "acknowledged": c.acked,
                        "dead_letters": c.dead,
                        "oldest_waiting": oldest.map(|o| serde_json::json!({
                            "number": o.number,
                            "since": o.created_at,
                        })),
                    });
                    println!("{status}");
                    return Ok(());
                }
                println!("waiting: {}", c.pending);
                if moves > 0 {
                    println!("endorsement moves waiting: {moves}");
                }
                if ratings > 0 {
                    println!("ratings waiting: {ratings} (sent ten of the day at a time)");
                }
                if let Some(o) = oldest {
                    println!("oldest waiting: {} (since {})", o.number, o.created_at);
                }
                println!("acknowledged: {}", c.acked);
                println!("dead letters: {}", c.dead);
            }
            QueueCommand::Test => {
                let job = test_job(chrono::Local::now().naive_local());
                let app = crate::app::queue(
                    &mut store,
                    &device_id,
                    &job,
                    crate::sync::api::FormType::TechnicianTest,
                )
                .map_err(e)?;
                println!(
                    "queued test application {} (technician_test, synthetic person); \
                     `kiosk sync now` sends it",
                    app.application.number
                );
            }
            QueueCommand::List { all, json } => {
                let states: &[&str] = if all {
                    &["pending", "dead", "acked"]
                } else {
                    &["pending", "dead"]
                };
                let rows = store.queue(states).map_err(e)?;
                if json {
                    println!(
                        "{}",
                        serde_json::to_string_pretty(&rows).expect("plain data")
                    );
                } else {
                    print_rows(&rows);
                }
            }
            QueueCommand::DeadLetters => print_rows(&store.queue(&["dead"]).map_err(e)?),
            QueueCommand::Retry { number, all } => {
                if number.is_none() && !all {
                    return Err("name an application number, or --all".into());
                }
                let n = store.retry_dead(number.as_deref()).map_err(e)?;
                if let (Some(number), 0) = (&number, n) {
                    // A mistyped number, or one that is waiting or acknowledged: nothing to do,
                    // and the technician must not read that as done.
                    return Err(format!(
                        "{number}: not a dead letter (see `kiosk queue dead-letters`)"
                    ));
                }
                println!("{n} dead letter(s) back in the queue");
            }
            QueueCommand::Export { dir } => {
                use std::os::unix::fs::OpenOptionsExt;
                std::fs::create_dir_all(&dir).map_err(|err| format!("{}: {err}", dir.display()))?;
                let bodies = store.dead_bodies().map_err(e)?;
                for (number, body) in &bodies {
                    let path = dir.join(format!("{number}.json"));
                    let mut f = std::fs::OpenOptions::new()
                        .write(true)
                        .create_new(true)
                        .mode(0o600)
                        .open(&path)
                        .map_err(|err| format!("{}: {err}", path.display()))?;
                    std::io::Write::write_all(&mut f, body.as_bytes())
                        .map_err(|err| format!("{}: {err}", path.display()))?;
                }
                println!(
                    "{} dead letter(s) written to {} (personal data: hand over, then delete)",
                    bodies.len(),
                    dir.display()
                );
            }
        }
        Ok(())
    })();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("{msg}");
            ExitCode::FAILURE
        }
    }
}

pub fn run_sync(command: SyncCommand, config: &std::path::Path) -> ExitCode {
    let SyncCommand::Now = command;
    let (c, mut store) = match open(config, false) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let link = match super::settings::link(&c.central) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    match crate::sync::worker::sync_now(&mut store, &link) {
        Ok((counts, error)) => {
            println!(
                "waiting: {}, acknowledged: {}, dead letters: {}",
                counts.pending, counts.acked, counts.dead
            );
            match error {
                None => ExitCode::SUCCESS,
                Some(err) => {
                    eprintln!("not everything went: {err}");
                    ExitCode::FAILURE
                }
            }
        }
        Err(err) => {
            eprintln!("{err}");
            ExitCode::FAILURE
        }
    }
}
