//! The station kiosk's endorsement transactions survive crashes: a child process runs
//! transactions through every path (paid and printed; payment refused and cancelled; writer
//! failed and chip without the endorsement; issuance abandoned), each ending in a refund request
//! where money was taken, settling whatever it finds in flight at start-up as the kiosk does
//! (`domain::endorsement::recovery`). The parent stops the process dead right after a chosen
//! kind of commit (every state boundary several times) or with SIGKILL at a random moment
//! (mid-commit), and after every stop checks that the store agrees with itself (the state is the
//! journal's last, every journalled move is allowed) and with what the child reported (nothing
//! reported committed is lost). At the end, after a last recovery, nothing is in flight and
//! every transaction that was paid ends printed or with a refund request. (A killed process is
//! not a power cut — the page cache survives it; a commit's durability across power loss is
//! SQLite's `synchronous = FULL` in WAL mode.)

use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::time::Duration;

use kiosk::domain::endorsement::{Event, Recovery, State, moves, recovery};
use kiosk::store::Store;

use crate::support::test_key;

const DIR: &str = "KIOSK_TXN_DIR";
const CRASH_IN: &str = "KIOSK_TXN_CRASH_IN";

/// Every state a transaction can be left in by a crash.
const IN_FLIGHT: [State; 9] = [
    State::Offered,
    State::Chosen,
    State::PaymentPending,
    State::PaymentFailed,
    State::Paid,
    State::Issuing,
    State::Written,
    State::Verified,
    State::PaidNotIssued,
];

fn now() -> chrono::NaiveDateTime {
    chrono::Local::now().naive_local()
}

/// The event that settles a transaction found in `state` at start-up, in the simulation: the
/// payment went through, the chip shows the endorsement when the writer reported success.
fn settle(state: State, writer_ok: bool) -> Option<Event> {
    match recovery(state) {
        Recovery::Nothing => None,
        Recovery::Cancel => Some(Event::Cancel),
        Recovery::AskPayment => Some(Event::PaymentConfirmed),
        Recovery::Issue => Some(Event::IssueStarted),
        Recovery::ReadChip => Some(Event::ChipShows(writer_ok)),
        Recovery::PrintReceipt => Some(Event::ReceiptPrinted),
        Recovery::RequestRefund => Some(Event::RefundRequested),
    }
}

/// The four paths a new transaction takes, by its number.
fn path(n: u64) -> Vec<Event> {
    match n % 4 {
        0 => vec![
            Event::Choose,
            Event::PaymentStarted,
            Event::PaymentConfirmed,
            Event::IssueStarted,
            Event::WriterDone,
            Event::ChipShows(true),
            Event::ReceiptPrinted,
        ],
        1 => vec![
            Event::Choose,
            Event::PaymentStarted,
            Event::PaymentRefused,
            Event::Cancel,
        ],
        2 => vec![
            Event::Choose,
            Event::PaymentStarted,
            Event::PaymentConfirmed,
            Event::IssueStarted,
            Event::ChipShows(false),
            Event::RefundRequested,
        ],
        _ => vec![
            Event::Choose,
            Event::PaymentStarted,
            Event::PaymentConfirmed,
            Event::IssuanceAbandoned,
            Event::RefundRequested,
        ],
    }
}

/// Runs in the child: settles what is in flight, then runs new transactions until stopped.
/// Prints `<id> <state>` after every commit; when `KIOSK_TXN_CRASH_IN` names a state, stops
/// dead right after the first commit of that state.
#[test]
#[ignore = "run by endorsement_crash::transactions_survive_crashes_at_every_state_boundary"]
fn crash_loop_child() {
    let Some(dir) = std::env::var_os(DIR) else {
        return;
    };
    let crash_in = std::env::var(CRASH_IN).unwrap_or_default();
    let mut store = Store::open(std::path::Path::new(&dir), &test_key()).expect("store");
    let committed = |id: &str, state: State| {
        println!("{id} {}", state_name(state));
        if state_name(state) == crash_in {
            // Stopped dead right after the commit: nothing more happens.
            std::process::abort();
        }
    };
    for txn in store.endorsements_in_flight().expect("in flight") {
        let writer_ok = txn.body == "0";
        let mut state = txn.state;
        while let Some(e) = settle(state, writer_ok) {
            state = store
                .advance_endorsement(&txn.id, e, now())
                .expect("recovery move allowed");
            committed(&txn.id, state);
        }
    }
    let start = store.endorsements_count().expect("count");
    for n in start.. {
        let id = format!("T{n:06}");
        // The body remembers the path, so recovery knows whether the writer would succeed.
        store
            .open_endorsement(&id, 1500, &(n % 4).to_string(), now())
            .expect("open");
        committed(&id, State::Offered);
        for e in path(n) {
            let state = store.advance_endorsement(&id, e, now()).expect("allowed");
            committed(&id, state);
        }
    }
}

fn state_name(s: State) -> String {
    format!("{s:?}")
}

#[test]
fn transactions_survive_crashes_at_every_state_boundary() {
    let dir = tempfile::tempdir().expect("temp dir");
    let exe = std::env::current_exe().expect("test binary");
    // The last state the child reported for each transaction.
    let mut reported: BTreeMap<String, String> = BTreeMap::new();
    let mut stopped_in: BTreeMap<String, usize> = BTreeMap::new();
    let mut seed = 0x2545_F491_u32;
    // Stopped right after each in-flight state is committed, six times each; then killed at
    // random moments, mid-commit included.
    let stops = IN_FLIGHT.len() as u64 * 6;
    for round in 0..stops + 60 {
        let deterministic = round < stops;
        let target = deterministic.then(|| IN_FLIGHT[round as usize % IN_FLIGHT.len()]);
        let mut child = Command::new(&exe)
            .args([
                "--ignored",
                "--exact",
                "endorsement_crash::crash_loop_child",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(DIR, dir.path())
            .env(CRASH_IN, target.map(state_name).unwrap_or_default())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("child starts");
        if !deterministic {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            std::thread::sleep(Duration::from_millis(20 + (seed % 80) as u64));
            // SAFETY: signalling our own child by its pid.
            unsafe { libc::kill(child.id() as i32, libc::SIGKILL) };
        }
        let _ = child.wait();
        let mut stdout = String::new();
        std::io::Read::read_to_string(&mut child.stdout.take().expect("stdout"), &mut stdout)
            .expect("read");
        for line in stdout.lines() {
            if let Some((id, state)) = line.split_once(' ')
                && id.starts_with('T')
            {
                reported.insert(id.to_string(), state.to_string());
            }
        }
        let store =
            Store::open(dir.path(), &test_key()).unwrap_or_else(|e| panic!("round {round}: {e}"));
        for t in store.endorsements_in_flight().expect("in flight") {
            *stopped_in.entry(state_name(t.state)).or_default() += 1;
        }
        for (id, last) in &reported {
            let journal = store.endorsement_journal(id).expect("journal");
            let names: Vec<String> = journal.iter().map(|s| state_name(*s)).collect();
            assert!(
                names.contains(last),
                "round {round}: {id} was reported {last}, the store has {names:?}"
            );
            let stored = store.endorsement(id).expect("query").expect("there");
            assert_eq!(journal.last(), Some(&stored.state), "round {round}: {id}");
            for w in journal.windows(2) {
                assert!(moves(w[0], w[1]), "round {round}: {id} moved {w:?}");
            }
        }
    }
    // Settle what is left, as a last start-up would, then check the whole history.
    let mut store = Store::open(dir.path(), &test_key()).expect("store");
    for txn in store.endorsements_in_flight().expect("in flight") {
        let mut state = txn.state;
        while let Some(e) = settle(state, txn.body == "0") {
            state = store.advance_endorsement(&txn.id, e, now()).expect("move");
        }
    }
    assert!(
        store
            .endorsements_in_flight()
            .expect("in flight")
            .is_empty()
    );
    let mut paid = 0;
    for id in reported.keys() {
        let journal = store.endorsement_journal(id).expect("journal");
        if journal.contains(&State::Paid) {
            paid += 1;
            let end = journal.last().copied();
            assert!(
                matches!(end, Some(State::Printed | State::RefundRequested)),
                "{id} paid and left {end:?}"
            );
        }
    }
    assert!(
        reported.len() >= 100,
        "only {} transactions",
        reported.len()
    );
    eprintln!(
        "{} transactions, {paid} paid; in flight when stopped: {stopped_in:?}",
        reported.len()
    );
    // Stopped after every kind of commit, several times each: the boundaries were exercised.
    for s in IN_FLIGHT {
        assert!(
            stopped_in.get(&state_name(s)).copied().unwrap_or(0) >= 5,
            "stopped in {s:?} fewer than 5 times: {stopped_in:?}"
        );
    }
}
