//! The station kiosk's endorsement transactions survive its process being killed. A child
//! process runs the station's own use cases (`app::EndorsementDesk`, the code the station
//! worker runs) on a real encrypted store, against the development central over mTLS, with a
//! payment terminal and a writer module that keep their books in files (so a killed process
//! cannot make them forget what they charged or wrote). Each start settles what it finds in
//! flight (`EndorsementDesk::recover`), then runs transactions through every path: paid at the
//! terminal and printed; declined; given up before paying, at the terminal and by phone; paid
//! and not written (refund); written although the module reported a failure; approved and paid
//! online, written, or not written and kept open; Hong Kong and Macau in one payment, both
//! written, or Hong Kong written and Macau refunded.
//!
//! The parent kills the child with SIGKILL right after a chosen commit — every in-flight state,
//! and the moment the terminal has taken the money — six times each, then at random moments
//! (mid-commit, mid-request). After every kill the store must agree with itself and with what
//! the child reported; at the end, after a last start, nothing may be in flight, and the
//! books must agree: every payment the central took has exactly one issuance job per
//! endorsement it paid for, each confirmed either as verified or as not written (the refund
//! request of that endorsement's fee); the terminal took no money the
//! central does not hold as paid; no job was written twice, and no approval paid online either;
//! a job confirmed as verified was written and one confirmed as not written was not; the
//! store's final states say the same.
//! (A killed process is not a power cut — the page cache survives it; a commit's durability
//! across power loss is SQLite's `synchronous = FULL` in WAL mode.)

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kiosk::app::{EndorsementDesk, unattended};
use kiosk::dev::vcard::endorsement_area::{decode, encode};
use kiosk::devices::card::permit::sim_permit_reader;
use kiosk::devices::payment::{Fen, PaymentError, PaymentStatus, PaymentTerminal};
use kiosk::devices::printer::{FilePrinter, PrinterProfile};
use kiosk::devices::writer::{
    ChipEndorsement, EndorsementWriter, IssuanceJob, WriterError, WriterScript,
};
use kiosk::domain::catalogue::Catalogue;
use kiosk::domain::endorsement::{State, moves};
use kiosk::flow::station::{Order, PayMethod};
use kiosk::store::Store;
use kiosk::sync::link::Link;
use kiosk::sync::station::StationClient;
use tracing::field::{Field, Visit};
use tracing_subscriber::layer::{Context, SubscriberExt};

use crate::central::{central_on, material_in};
use crate::support::test_key;

const DIR: &str = "KIOSK_TXN_DIR";
const CRASH_IN: &str = "KIOSK_TXN_CRASH_IN";
const URL: &str = "KIOSK_TXN_CENTRAL";
const PKI: &str = "KIOSK_TXN_PKI";
/// Set for the last start: settle what is in flight, then stop.
const LAST: &str = "KIOSK_TXN_LAST";

/// The crash point "right after the terminal took the money" (no commit marks it).
const CHARGED: &str = "charged";

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

/// 曾小芳 and her permit, the samples the development central knows.
const ID_NUMBER: &str = "350203199204180025";
const PERMIT: &str = "C12345678";

/// The permit of online transaction `n`: a new one each time, as the development central
/// approves one endorsement per permit, once.
fn online_permit(n: u64) -> String {
    format!("C8{:07}", n % 10_000_000)
}

fn state_name(s: State) -> String {
    format!("{s:?}")
}

/// Appends one line to a book (one `write`, so a kill never leaves half a line) and returns
/// the book's lines.
fn book(path: &Path, line: Option<String>) -> Vec<String> {
    if let Some(line) = line {
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .expect("book opens");
        file.write_all(format!("{line}\n").as_bytes())
            .expect("book written");
    }
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

/// A payment terminal whose books are a file: `start REF FEN approve|decline`, `charge REF`,
/// `decline REF`, `cancel REF`. The applicant pays (or is declined) at the first status request,
/// as the script in force at `start` says; a repeated start answers the existing payment.
struct FileTerminal {
    path: PathBuf,
    /// Whether the next payment is approved.
    approve: Arc<Mutex<bool>>,
    /// Stop dead right after charging.
    crash_when_charged: bool,
}

impl FileTerminal {
    fn state(&self, reference: &str) -> Option<(Fen, PaymentStatus, bool)> {
        let mut found = None;
        for line in book(&self.path, None) {
            let words: Vec<&str> = line.split(' ').collect();
            if words.get(1) != Some(&reference) {
                continue;
            }
            match (words[0], &mut found) {
                ("start", None) => {
                    let fen = words[2].parse().expect("fen");
                    found = Some((fen, PaymentStatus::Pending, words[3] == "approve"));
                }
                ("charge", Some((_, status, _))) => {
                    *status = PaymentStatus::Paid {
                        transaction: format!("T-{reference}"),
                    }
                }
                ("decline", Some((_, status, _))) => {
                    *status = PaymentStatus::Declined {
                        reason: "simulated decline".into(),
                    }
                }
                ("cancel", Some((_, status, _))) => *status = PaymentStatus::Cancelled,
                _ => panic!("terminal book: {line}"),
            }
        }
        found
    }
}

impl PaymentTerminal for FileTerminal {
    fn start(&mut self, reference: &str, amount: Fen) -> Result<PaymentStatus, PaymentError> {
        if let Some((first, status, _)) = self.state(reference) {
            if first != amount {
                return Err(PaymentError::AmountMismatch {
                    reference: reference.into(),
                    first,
                    asked: amount,
                });
            }
            return Ok(status);
        }
        let approve = *self.approve.lock().expect("script");
        let how = if approve { "approve" } else { "decline" };
        book(
            &self.path,
            Some(format!("start {reference} {amount} {how}")),
        );
        Ok(PaymentStatus::Pending)
    }

    fn status(&mut self, reference: &str) -> Result<PaymentStatus, PaymentError> {
        let (_, status, approve) = self
            .state(reference)
            .ok_or_else(|| PaymentError::Unknown(reference.into()))?;
        if status != PaymentStatus::Pending {
            return Ok(status);
        }
        if approve {
            book(&self.path, Some(format!("charge {reference}")));
            if self.crash_when_charged {
                println!("{reference} {CHARGED}");
                die();
            }
        } else {
            book(&self.path, Some(format!("decline {reference}")));
        }
        Ok(self.state(reference).expect("just written").1)
    }

    fn cancel(&mut self, reference: &str) -> Result<PaymentStatus, PaymentError> {
        let (_, status, _) = self
            .state(reference)
            .ok_or_else(|| PaymentError::Unknown(reference.into()))?;
        if status != PaymentStatus::Pending {
            return Ok(status);
        }
        book(&self.path, Some(format!("cancel {reference}")));
        Ok(PaymentStatus::Cancelled)
    }
}

/// A writer module whose chip is a file of `write JOB RECORD` lines (the last record per
/// destination is what the chip carries), scripted as the simulated module is.
struct FileWriter {
    path: PathBuf,
    script: Arc<Mutex<WriterScript>>,
}

impl FileWriter {
    fn put(&self, job: &IssuanceJob) {
        let record = encode(&ChipEndorsement::from(job));
        let record = String::from_utf8(record).expect("ASCII record");
        book(
            &self.path,
            Some(format!(
                "write {} {record} {}",
                job.job_id, job.document_number
            )),
        );
    }
}

impl EndorsementWriter for FileWriter {
    fn write(&mut self, job: &IssuanceJob) -> Result<(), WriterError> {
        match *self.script.lock().expect("script") {
            WriterScript::Succeed => {
                self.put(job);
                Ok(())
            }
            WriterScript::FailAfterWriting => {
                self.put(job);
                Err(WriterError::Failed(
                    "simulated timeout after writing".into(),
                ))
            }
            WriterScript::FailBefore => Err(WriterError::Failed("simulated failure".into())),
            WriterScript::PermitRemoved => Err(WriterError::PermitRemoved),
            WriterScript::FailFor(destination) if job.destination == destination => {
                Err(WriterError::Failed("simulated failure".into()))
            }
            WriterScript::FailFor(_) => {
                self.put(job);
                Ok(())
            }
        }
    }

    fn read_back(&mut self, document_number: &str) -> Result<Vec<ChipEndorsement>, WriterError> {
        let mut chip: BTreeMap<String, ChipEndorsement> = BTreeMap::new();
        for line in book(&self.path, None) {
            let fields: Vec<&str> = line.split(' ').collect();
            if fields.get(3) != Some(&document_number) {
                continue;
            }
            let record = fields[2];
            let e = decode(record.as_bytes()).expect("a record");
            chip.insert(e.destination.clone(), e);
        }
        Ok(chip.into_values().collect())
    }

    fn can_reprint_back(&self) -> bool {
        false
    }

    fn reprint_back(&mut self, _document_number: &str) -> Result<(), WriterError> {
        Err(WriterError::NoReprint)
    }
}

/// Ends the process the way a kill does: no unwinding, no destructors, no flushing.
fn die() -> ! {
    // SAFETY: signalling our own process.
    unsafe { libc::kill(libc::getpid(), libc::SIGKILL) };
    unreachable!("killed")
}

/// Prints `<transaction> <state>` for every move the desk reports stored, and stops the
/// process dead right after the first commit of the state named in `KIOSK_TXN_CRASH_IN`.
struct Commits {
    crash_in: String,
}

#[derive(Default)]
struct Fields {
    message: String,
    txn: String,
    state: String,
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "txn" {
            self.txn = value.into();
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        match field.name() {
            "message" => self.message = format!("{value:?}"),
            "state" => self.state = format!("{value:?}"),
            "txn" => self.txn = format!("{value:?}"),
            _ => {}
        }
    }
}

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Commits {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        let mut f = Fields::default();
        event.record(&mut f);
        if f.message == "endorsement: state stored" {
            println!("{} {}", f.txn, f.state);
            if f.state == self.crash_in {
                die();
            }
        }
    }
}

/// How order `n` goes: payment method, whether the terminal approves, whether the applicant
/// gives up before paying, the writer's script, and whether Macau is bought with Hong Kong.
fn script(n: u64) -> (PayMethod, bool, bool, WriterScript, bool) {
    use PayMethod::{Online, Qr, Terminal};
    use WriterScript::{FailAfterWriting, FailBefore, FailFor, Succeed};
    const SCRIPTS: [(PayMethod, bool, bool, WriterScript, bool); 11] = [
        (Terminal, true, false, Succeed, false),
        (Terminal, false, false, Succeed, false),
        (Qr, true, true, Succeed, false),
        (Terminal, true, false, FailBefore, false),
        (Terminal, true, true, Succeed, false),
        (Online, true, false, Succeed, false),
        (Online, true, false, FailBefore, false),
        (Terminal, true, false, FailFor("macau"), true),
        (Qr, true, false, Succeed, true),
        (Qr, true, false, FailAfterWriting, false),
        (Terminal, false, false, Succeed, true),
    ];
    SCRIPTS[(n % SCRIPTS.len() as u64) as usize]
}

/// Runs in the child: settles what is in flight, then runs new transactions until killed
/// (or, on the last start, stops).
#[test]
#[ignore = "run by endorsement_crash::the_station_loses_and_doubles_nothing_when_killed_at_any_point"]
fn crash_loop_child() {
    let Some(dir) = std::env::var_os(DIR).map(PathBuf::from) else {
        return;
    };
    let crash_in = std::env::var(CRASH_IN).unwrap_or_default();
    let _log = tracing::subscriber::set_default(
        tracing_subscriber::registry()
            .with(Commits {
                crash_in: crash_in.clone(),
            })
            .with(
                tracing_subscriber::fmt::layer()
                    .with_writer(std::io::stderr)
                    .with_ansi(false),
            ),
    );
    let store = Arc::new(Mutex::new(
        Store::open(&dir.join("store"), &test_key()).expect("store"),
    ));
    let approve = Arc::new(Mutex::new(true));
    let script_now = Arc::new(Mutex::new(WriterScript::Succeed));
    let url = std::env::var(URL).expect("central url");
    let pki = std::env::var(PKI).expect("pki dir");
    let link = Link::new(
        &url,
        &material_in(Path::new(&pki), "TEST01"),
        Duration::from_secs(10),
    )
    .expect("link");
    let today = chrono::Local::now().date_naive();
    let mut desk = EndorsementDesk {
        store: store.clone(),
        printer: unattended(Box::new(FilePrinter::new(dir.join("printed"), 576, false))),
        profile: PrinterProfile::builtin("80mm").expect("profile"),
        permit: Box::new(sim_permit_reader(today).0),
        terminal: Box::new(FileTerminal {
            path: dir.join("terminal"),
            approve: approve.clone(),
            crash_when_charged: crash_in == CHARGED,
        }),
        writer: Box::new(FileWriter {
            path: dir.join("chip"),
            script: script_now.clone(),
        }),
        central: Some(StationClient::new(link).expect("client")),
        catalogue: Arc::new(Catalogue::builtin()),
        device_id: "TEST01".into(),
        site_code: "350203001".into(),
        site_name: "Test station".into(),
        payment_timeout: Duration::from_secs(30),
        poll: Duration::from_millis(5),
    };
    let recovered = desk.recover();
    assert_eq!(recovered.left, 0, "the central answers: nothing is left");
    if std::env::var_os(LAST).is_some() {
        return;
    }
    loop {
        // Orders started so far (a file, as the store counts lines, not orders).
        let n = book(&dir.join("orders"), None).len() as u64;
        let (method, approves, gives_up, writes, with_macau) = script(n);
        *approve.lock().expect("script") = approves;
        *script_now.lock().expect("script") = writes;
        let (permit, lines) = if method == PayMethod::Online {
            let permit = online_permit(n);
            let lines = desk.approved(ID_NUMBER, &permit).expect("approvals");
            (permit, lines)
        } else {
            (
                PERMIT.to_string(),
                desk.offers(ID_NUMBER, PERMIT).expect("offers"),
            )
        };
        let wanted: &[&str] = if with_macau {
            &["hk", "macau"]
        } else {
            &["hk"]
        };
        let offers: Vec<_> = wanted
            .iter()
            .map(|destination| {
                lines
                    .offers
                    .iter()
                    .find(|o| {
                        (o.destination.as_str(), o.kind.as_str(), o.trips.as_str())
                            == (*destination, "G", "3m1")
                    })
                    .cloned()
                    .unwrap_or_else(|| panic!("{destination} G 3m1 offered or approved"))
            })
            .collect();
        let order = Order {
            offers,
            method,
            id_number: ID_NUMBER.into(),
            name: "曾小芳".into(),
            permit_number: permit,
            holder: None,
        };
        book(&dir.join("orders"), Some(n.to_string()));
        desk.endorse(&order, &AtomicBool::new(gives_up), &mut |_| {});
    }
}

/// The central's books, from its log: payments that left `pending` (by the order's number), the
/// jobs made for each order's number and offer (or approval), each job's offer, each job's
/// confirmed outcome, and the approvals paid online.
#[derive(Default, Debug)]
struct CentralBooks {
    payments: BTreeMap<String, String>,
    jobs: BTreeMap<(String, String), String>,
    job_offers: BTreeMap<String, String>,
    outcomes: BTreeMap<String, String>,
    approvals: BTreeSet<String>,
}

fn field<'a>(line: &'a str, name: &str) -> &'a str {
    let start = line
        .find(&format!(" {name}="))
        .unwrap_or_else(|| panic!("no {name} in {line}"))
        + name.len()
        + 2;
    line[start..].split(' ').next().unwrap_or_default()
}

fn central_books(log: &str) -> CentralBooks {
    let mut books = CentralBooks::default();
    for line in log.lines() {
        if line.contains("payment settled") {
            let first = books
                .payments
                .insert(field(line, "txn").into(), field(line, "state").into());
            assert!(first.is_none(), "a payment settled twice: {line}");
        } else if line.contains("issuance job made") {
            let key = (field(line, "txn").into(), field(line, "offer").into());
            let first = books.jobs.insert(key, field(line, "job").into());
            assert!(first.is_none(), "a second job for an order's offer: {line}");
            books
                .job_offers
                .insert(field(line, "job").into(), field(line, "offer").into());
        } else if line.contains("approval made") {
            books.approvals.insert(field(line, "approval").into());
        } else if line.contains("issuance confirmed") {
            books
                .outcomes
                .insert(field(line, "job").into(), field(line, "outcome").into());
        }
    }
    books
}

/// Starts the child; `crash_in` names where it stops itself (empty: it runs until killed).
fn child(dir: &Path, central: &crate::central::Central, crash_in: &str, last: bool) -> Command {
    let mut command = Command::new(std::env::current_exe().expect("test binary"));
    command
        .args([
            "--ignored",
            "--exact",
            "endorsement_crash::crash_loop_child",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(DIR, dir)
        .env(CRASH_IN, crash_in)
        .env(URL, &central.url)
        .env(PKI, central.pki.dir.path())
        .stdout(Stdio::piped())
        // Every start's log, one after the other, for reading a failure.
        .stderr(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(dir.join("child.log"))
                .expect("child log"),
        );
    if last {
        command.env(LAST, "1");
    }
    command
}

#[test]
fn the_station_loses_and_doubles_nothing_when_killed_at_any_point() {
    let central = central_on("127.0.0.1:0");
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(dir.path().join("store")).expect("store dir");
    // The last state the child reported for each transaction.
    let mut reported: BTreeMap<String, String> = BTreeMap::new();
    let mut stopped_in: BTreeMap<String, usize> = BTreeMap::new();
    let mut seed = 0x2545_F491_u32;
    let mut targets: Vec<String> = IN_FLIGHT.iter().map(|s| state_name(*s)).collect();
    targets.push(CHARGED.into());
    // Stopped right after each target, six times each; then killed at random moments.
    let stops = targets.len() * 6;
    for round in 0..stops + 60 {
        let deterministic = round < stops;
        let target = if deterministic {
            targets[round % targets.len()].as_str()
        } else {
            ""
        };
        let mut running = child(dir.path(), &central, target, false)
            .spawn()
            .expect("child starts");
        if !deterministic {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            std::thread::sleep(Duration::from_millis(100 + (seed % 400) as u64));
            // SAFETY: signalling our own child by its pid.
            unsafe { libc::kill(running.id() as i32, libc::SIGKILL) };
        }
        // A target the transactions never reach would leave the child running: a minute is
        // far more than any target needs.
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        let status = loop {
            if let Some(status) = running.try_wait().expect("child") {
                break status;
            }
            if std::time::Instant::now() > deadline {
                let _ = running.kill();
                panic!("round {round}: the child never reached {target:?}");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let mut stdout = String::new();
        std::io::Read::read_to_string(&mut running.stdout.take().expect("stdout"), &mut stdout)
            .expect("read");
        assert_eq!(
            std::os::unix::process::ExitStatusExt::signal(&status),
            Some(libc::SIGKILL),
            "round {round}: the child was not killed but ended ({status}): {stdout}"
        );
        // The child's lines, among the test harness's own.
        let committed = stdout
            .lines()
            .filter_map(|line| line.split_once(' '))
            .filter(|(id, _)| {
                id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') && id.len() > 8
            });
        for (id, state) in committed {
            {
                if state == CHARGED {
                    *stopped_in.entry(CHARGED.into()).or_default() += 1;
                } else {
                    reported.insert(id.to_string(), state.to_string());
                }
            }
        }
        let store = Store::open(&dir.path().join("store"), &test_key())
            .unwrap_or_else(|e| panic!("round {round}: {e}"));
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
    // A last start settles what is left.
    let status = child(dir.path(), &central, "", true)
        .status()
        .expect("last start");
    assert!(status.success(), "the last start settles everything");
    let store = Store::open(&dir.path().join("store"), &test_key()).expect("store");
    assert!(
        store
            .endorsements_in_flight()
            .expect("in flight")
            .is_empty()
    );
    let books = central_books(&central.log());
    let terminal = book(&dir.path().join("terminal"), None);
    let chip = book(&dir.path().join("chip"), None);
    let mut writes: BTreeMap<String, usize> = BTreeMap::new();
    for line in &chip {
        *writes
            .entry(line.split(' ').nth(1).expect("job").into())
            .or_default() += 1;
    }
    // Each stored line: its order's number and its offer.
    let line_of = |id: &str| {
        let t = store.endorsement(id).expect("query").expect("there");
        let body: serde_json::Value = serde_json::from_str(&t.body).expect("body");
        let offer = body["offer"]["offer_id"]
            .as_str()
            .expect("offer id")
            .to_string();
        (t.order_id, offer)
    };
    let lines: BTreeMap<String, (String, String)> = reported
        .keys()
        .map(|id| (id.clone(), line_of(id)))
        .collect();
    // Every payment the central took: one job per line of its order, each confirmed verified
    // (and written) or not written (and never written: the refund request of that line).
    let mut paid = BTreeSet::new();
    let mut orders_of_two = 0;
    for (txn, state) in &books.payments {
        if state != "Paid" {
            continue;
        }
        paid.insert(txn.clone());
        let offers: Vec<&String> = lines
            .values()
            .filter(|(order, _)| order == txn)
            .map(|(_, offer)| offer)
            .collect();
        assert!(!offers.is_empty(), "{txn} paid, no line stored");
        if offers.len() == 2 {
            orders_of_two += 1;
        }
        for offer in offers {
            let job = books
                .jobs
                .get(&(txn.clone(), offer.clone()))
                .unwrap_or_else(|| panic!("{txn} {offer} paid without an issuance job: {books:?}"));
            match books.outcomes.get(job).map(String::as_str) {
                Some("Verified") => assert_eq!(writes.get(job), Some(&1), "{txn} verified"),
                Some("NotWritten") => assert_eq!(writes.get(job), None, "{txn} refunded"),
                other => panic!("{txn} {offer} paid, its job {job} confirmed {other:?}"),
            }
        }
    }
    // No job written twice, and none for a transaction the central did not take money for
    // unless it writes an approval paid online; no approval written twice, and a job confirmed
    // for one says what was written.
    let mut approval_writes: BTreeMap<&str, usize> = BTreeMap::new();
    for (job, n) in &writes {
        assert_eq!(*n, 1, "{job} written {n} times");
        let txn = books
            .jobs
            .iter()
            .find(|(_, j)| *j == job)
            .map(|((t, _), _)| t);
        let approval = books
            .job_offers
            .get(job)
            .filter(|offer| books.approvals.contains(*offer));
        if let Some(approval) = approval {
            *approval_writes.entry(approval).or_default() += 1;
        } else {
            assert!(
                txn.is_some_and(|t| paid.contains(t)),
                "{job} written without a payment"
            );
        }
    }
    for (approval, n) in &approval_writes {
        assert_eq!(*n, 1, "approval {approval} written {n} times");
    }
    for (job, offer) in &books.job_offers {
        if books.approvals.contains(offer) {
            match books.outcomes.get(job).map(String::as_str) {
                Some("Verified") => assert_eq!(writes.get(job), Some(&1), "{job} verified"),
                Some("NotWritten") => assert_eq!(writes.get(job), None, "{job} kept"),
                other => panic!("approval job {job} confirmed {other:?}"),
            }
        }
    }
    // Money the terminal took is money the central holds as paid, and a payment started at the
    // terminal that the central holds as paid was taken there.
    let started: BTreeSet<&str> = terminal
        .iter()
        .filter_map(|l| l.strip_prefix("start ")?.split(' ').next())
        .collect();
    let charged: BTreeSet<&str> = terminal
        .iter()
        .filter_map(|l| l.strip_prefix("charge "))
        .collect();
    for reference in &charged {
        assert!(
            paid.contains(*reference),
            "the terminal took {reference}, the central did not: {:?}",
            books.payments.get(*reference)
        );
    }
    for txn in &paid {
        assert!(
            !started.contains(txn.as_str()) || charged.contains(txn.as_str()),
            "{txn} paid at the central, started at the terminal and not taken there"
        );
    }
    // The store says the same: printed ⇔ verified, refund requested ⇔ not written.
    let mut finals: BTreeMap<String, usize> = BTreeMap::new();
    for (id, line) in &lines {
        let end = store.endorsement(id).expect("query").expect("there").state;
        *finals.entry(state_name(end)).or_default() += 1;
        let outcome = books
            .jobs
            .get(line)
            .and_then(|job| books.outcomes.get(job))
            .map(String::as_str);
        let paid = paid.contains(&line.0);
        match end {
            State::Printed => assert_eq!(outcome, Some("Verified"), "{id}"),
            State::RefundRequested => assert_eq!(outcome, Some("NotWritten"), "{id}"),
            // Kept: told "not written", or never given a job.
            State::ApprovalKept => assert!(matches!(outcome, Some("NotWritten") | None), "{id}"),
            State::Cancelled => assert!(!paid, "{id} cancelled but paid"),
            other => panic!("{id} ended {other:?}"),
        }
    }
    eprintln!(
        "{} transactions ({} payments taken, {orders_of_two} of them for two endorsements; {} written); ends {finals:?}; stopped in {stopped_in:?}",
        reported.len(),
        paid.len(),
        writes.len()
    );
    assert!(
        orders_of_two >= 5,
        "Hong Kong and Macau paid together only {orders_of_two} times"
    );
    assert!(
        reported.len() >= 100,
        "only {} transactions",
        reported.len()
    );
    assert!(
        !approval_writes.is_empty() && finals.contains_key(&state_name(State::ApprovalKept)),
        "the online paths ran: {} approvals written, ends {finals:?}",
        approval_writes.len()
    );
    for target in &targets {
        assert!(
            stopped_in.get(target).copied().unwrap_or(0) >= 5,
            "stopped in {target} fewer than 5 times: {stopped_in:?}"
        );
    }
}
