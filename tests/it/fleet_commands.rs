//! Fleet commands from the development central over mTLS, to a hall kiosk with its screens:
//! each carried out once and its result reported in the contract's shape (a command repeated
//! in every heartbeat answer is not carried out again); a reprint waits for no applicant and
//! prints the kept form; out of service shows on the start screen and in the heartbeat, and
//! holds until back in service; the diagnostics bundle carries the counters and log lines and
//! no personal data; a restart waits for no applicant and is reported by the next run.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use kiosk::devices::printer::{PrintError, Printer, PrinterState};

use kiosk::sync::api::Heartbeat;
use kiosk::sync::api::fleet::{CommandKind, CommandResult, FleetCommand, Outcome};
use kiosk::sync::fleet::{Fleet, Live};

use crate::central::{Central, central_on};
use crate::support::{Options, demo_kiosk_with_options};

const DEVICE: &str = "TEST01";

fn command(id: &str, kind: CommandKind, number: Option<&str>) -> FleetCommand {
    FleetCommand {
        command_id: id.into(),
        kind,
        number: number.map(String::from),
        issued_at: "2026-12-01T10:00:00".into(),
    }
}

/// The operator's commands for the test kiosk (the development central reads the file at every
/// heartbeat).
fn send(central: &Central, commands: &[FleetCommand]) {
    std::fs::write(
        central.config_dir().join(format!("{DEVICE}.commands.json")),
        serde_json::to_string(commands).expect("json"),
    )
    .expect("commands file");
}

/// The results the central holds, as the kiosk sent them (each checked against the contract).
fn results(central: &Central) -> Vec<CommandResult> {
    let db = central.db();
    let mut stmt = db
        .prepare("SELECT body FROM command_results WHERE device_id = ?1 ORDER BY rowid")
        .expect("query");
    let bodies: Vec<String> = stmt
        .query_map([DEVICE], |r| r.get(0))
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("bodies");
    bodies
        .iter()
        .map(|body| {
            let value: serde_json::Value = serde_json::from_str(body).expect("json");
            let problems = crate::contract::schema_problems(
                &crate::contract::contract(),
                "CommandResult",
                &value,
                "a command result the kiosk sent",
            );
            assert!(problems.is_empty(), "{}", problems.join("\n"));
            serde_json::from_value(value).expect("result")
        })
        .collect()
}

fn result(central: &Central, id: &str) -> Option<CommandResult> {
    results(central).into_iter().find(|r| r.command_id == id)
}

fn last_heartbeat(central: &Central) -> Heartbeat {
    let body: String = central
        .db()
        .query_row(
            "SELECT body FROM heartbeats WHERE device_id = ?1 ORDER BY rowid DESC LIMIT 1",
            [DEVICE],
            |r| r.get(0),
        )
        .expect("a heartbeat");
    serde_json::from_str(&body).expect("heartbeat")
}

/// A printer that keeps the names of its jobs; from the second job on, its paper is near its end.
struct Counting(Arc<Mutex<Vec<String>>>);

impl Printer for Counting {
    fn status(&mut self) -> PrinterState {
        PrinterState::Ready
    }

    fn print(&mut self, job: &str, _: &[u8]) -> Result<PrinterState, PrintError> {
        let mut jobs = self.0.lock().expect("jobs");
        jobs.push(job.to_string());
        Ok(if jobs.len() >= 2 {
            PrinterState::PaperNearEnd
        } else {
            PrinterState::Ready
        })
    }
}

fn kiosk_in_fleet(central: &Central, jobs: &Arc<Mutex<Vec<String>>>) -> crate::support::Kiosk {
    let data = tempfile::tempdir().expect("data");
    let live = Live::new(crate::support::kiosk_toml_settings());
    let fleet = Fleet {
        device_id: DEVICE.into(),
        every: Duration::from_millis(300),
        data_dir: data.path().to_path_buf(),
        live: live.clone(),
    };
    let link = central.link(DEVICE);
    demo_kiosk_with_options(Options {
        data: Some(data),
        live: Some(live),
        printer: Some(Box::new(Counting(jobs.clone()))),
        sync: Some(Box::new(move |store| {
            kiosk::sync::worker::spawn(store, link, 30, Some(fleet)).expect("worker")
        })),
        ..Options::default()
    })
}

#[test]
fn commands_are_carried_out_once_and_reported_in_the_contracts_shape() {
    let central = central_on("127.0.0.1:0");
    let jobs = Arc::new(Mutex::new(Vec::new()));
    let printed_forms = |_: &crate::support::Kiosk| jobs.lock().expect("jobs").len();
    let k = kiosk_in_fleet(&central, &jobs);
    // An applicant: one form printed and kept for reprint.
    k.card_to_details_renewing(0);
    let number = k.details_to_done();
    let forms = printed_forms(&k);
    assert_eq!(forms, 1, "the form was printed");

    // A reprint while the done page is still up waits for the start screen.
    send(
        &central,
        &[command("c-reprint", CommandKind::Reprint, Some(&number))],
    );
    for _ in 0..10 {
        k.advance(100);
        std::thread::sleep(Duration::from_millis(60));
    }
    assert!(
        result(&central, "c-reprint").is_none(),
        "not while an applicant is there"
    );
    assert_eq!(printed_forms(&k), forms);
    k.tap("finish");
    k.wait_until("the reprint's result", |_| {
        result(&central, "c-reprint").is_some()
    });
    let reprint = result(&central, "c-reprint").expect("result");
    assert_eq!(
        (reprint.outcome, reprint.detail.as_str()),
        (Outcome::Done, "form printed again")
    );
    assert_eq!(printed_forms(&k), forms + 1, "printed once more");
    assert_eq!(jobs.lock().expect("jobs")[1], number, "the same form");
    // The reprint left the paper near its end: raised at once, in the heartbeat.
    k.wait_until("the paper's state at the central", |_| {
        let beat = last_heartbeat(&central);
        beat.counters.paper_near_end_events == 1
            && beat
                .devices
                .get("printer")
                .is_some_and(|s| s.contains("paper near end"))
    });

    // The rest at once; the reprint stays in the file (an operator's file is not edited by the
    // central) and is not printed again.
    send(
        &central,
        &[
            command("c-reprint", CommandKind::Reprint, Some(&number)),
            command("c-no-number", CommandKind::Reprint, None),
            command(
                "c-unknown-form",
                CommandKind::Reprint,
                Some("TEST01-20200101-0001"),
            ),
            command("c-send", CommandKind::SendNow, None),
            command("c-out", CommandKind::OutOfService, None),
            command("c-diag", CommandKind::Diagnostics, None),
        ],
    );
    k.wait_until("every result", |_| results(&central).len() == 6);
    let outcome = |id: &str| result(&central, id).map(|r| r.outcome);
    assert_eq!(outcome("c-no-number"), Some(Outcome::Refused));
    assert_eq!(outcome("c-send"), Some(Outcome::Done));
    assert_eq!(outcome("c-out"), Some(Outcome::Done));
    let unknown = result(&central, "c-unknown-form").expect("result");
    assert_eq!(unknown.outcome, Outcome::Failed);
    assert!(
        unknown.detail.contains("no form kept"),
        "{}",
        unknown.detail
    );
    assert_eq!(
        printed_forms(&k),
        forms + 1,
        "a command is carried out once"
    );

    let diag = result(&central, "c-diag")
        .and_then(|r| r.diagnostics)
        .expect("a diagnostics bundle");
    assert_eq!(diag.counters.card_reads, 1, "{:?}", diag.counters);
    assert_eq!(diag.counters.forms_printed, 2, "the form and its reprint");
    assert!(diag.devices.contains_key("printer"), "{:?}", diag.devices);
    let bundle = serde_json::to_string(&diag).expect("json");
    assert!(bundle.len() <= kiosk::sync::api::fleet::DIAGNOSTICS_MAX_BYTES);
    let applicant =
        kiosk::domain::samples::sample_identities(chrono::Local::now().date_naive()).remove(0);
    for personal in [applicant.name.as_str(), applicant.id_number.as_str()] {
        assert!(
            !bundle.contains(personal),
            "the diagnostics name the applicant: {personal}"
        );
    }

    // Out of service: the start screen says so and the heartbeat too, until back in service.
    k.wait_until("out of service on screen", |k| {
        k.find_visible("out-of-service").is_some()
    });
    assert!(
        k.label("out-of-service").contains("本机暂停服务"),
        "{}",
        k.label("out-of-service")
    );
    k.wait_until("the heartbeat says so", |_| {
        !last_heartbeat(&central).in_service
    });
    let mut all: Vec<FleetCommand> = serde_json::from_str(
        &std::fs::read_to_string(central.config_dir().join(format!("{DEVICE}.commands.json")))
            .expect("file"),
    )
    .expect("commands");
    all.push(command("c-back", CommandKind::BackInService, None));
    send(&central, &all);
    k.wait_until("back in service", |k| {
        k.find_visible("attract-title").is_some()
    });
    assert!(results(&central).len() == 7, "one result per command");
    k.wait_until("the heartbeat counts", |_| {
        let beat = last_heartbeat(&central);
        beat.in_service && beat.counters.forms_printed == 2 && beat.counters.card_reads == 1
    });
}

/// A restart waits for the start screen, asks the screens to close (the service manager starts
/// the program again) and is reported by the next run, never by the one that is stopping.
#[test]
fn a_restart_is_reported_by_the_program_that_started_again() {
    let central = central_on("127.0.0.1:0");
    let data = tempfile::tempdir().expect("data");
    send(
        &central,
        &[command("c-restart", CommandKind::Restart, None)],
    );
    let start = |live: &Live| {
        kiosk::sync::worker::spawn(
            crate::support::shared_store(data.path()),
            central.link(DEVICE),
            30,
            Some(Fleet {
                device_id: DEVICE.into(),
                every: Duration::from_millis(200),
                data_dir: data.path().to_path_buf(),
                live: live.clone(),
            }),
        )
        .expect("worker")
    };
    let first = Live::new(crate::support::kiosk_toml_settings());
    let _run = start(&first);
    crate::sync_central::wait("the restart asked of the screens", || {
        first.restart_requested()
    });
    std::thread::sleep(Duration::from_millis(800));
    assert!(
        result(&central, "c-restart").is_none(),
        "not reported by the run that stops"
    );

    let second = Live::new(crate::support::kiosk_toml_settings());
    let _again = start(&second);
    crate::sync_central::wait("the restart's result", || {
        result(&central, "c-restart").is_some()
    });
    assert_eq!(
        result(&central, "c-restart").map(|r| r.outcome),
        Some(Outcome::Done)
    );
    std::thread::sleep(Duration::from_millis(600));
    assert!(
        !second.restart_requested(),
        "the next run does not restart again"
    );
}
