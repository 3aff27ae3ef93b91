//! Store and sync budgets (issue 6), each printed as one line and recorded in
//! docs/BENCHMARKS.md. Run with `cargo bench --no-default-features --features dev --bench sync`
//! (`-- commit`, `-- drain` or `-- recovery` for one of them).
//!
//! * commit: a durable commit (SQLCipher, WAL, `synchronous=FULL`) of one application with a
//!   45 KB photo, with 10,000 applications already in the store: p50/p99 over 500 commits.
//! * drain: 1,000 queued applications (45 KB photos) sent to the development central over
//!   mutual TLS on loopback, until every one is acknowledged (budget ≤ 10 s).
//! * recovery: 500 simulated kiosks through a 30-minute outage with the worker's own backoff;
//!   the peak request rate in the first minute after the central returns against the steady
//!   rate (budget ≤ 3×).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use kiosk::store::{Store, StoreKey};
use kiosk::sync::api::Submission;

const PHOTO_BYTES: usize = 45 * 1024;

fn key() -> StoreKey {
    StoreKey::from_bytes([0x42; 32])
}

/// A submission body with a 45 KB photo of noise (JPEG data does not compress either).
fn body(number: &kiosk::domain::app_number::AppNumber, device: &str, idem: &str) -> String {
    let mut app = kiosk::devices::printer::sample_application();
    app.number = number.clone();
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    let jpeg = (0..PHOTO_BYTES)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed as u8
        })
        .collect();
    app.photo = Some(kiosk::domain::photo::Photo {
        jpeg,
        width: 354,
        height: 472,
    });
    serde_json::to_string(&Submission::new(
        &app,
        device,
        idem,
        kiosk::sync::api::FormType::HallSelfFill,
    ))
    .expect("json")
}

fn save(store: &mut Store, device: &str, i: usize) {
    let at = chrono::Local::now().naive_local();
    let idem = uuid::Uuid::now_v7().to_string();
    store
        .save_application(device, at, 120, &idem, |n| (body(n, device, &idem), ()))
        .unwrap_or_else(|e| panic!("save {i}: {e}"));
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn commit() {
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("temp dir");
    let mut store = Store::open(dir.path(), &key()).expect("store");
    let fill = Instant::now();
    for i in 0..10_000 {
        save(&mut store, "BENCH1", i);
    }
    let filled = fill.elapsed();
    let mut times: Vec<Duration> = (0..500)
        .map(|i| {
            let t = Instant::now();
            save(&mut store, "BENCH1", i);
            t.elapsed()
        })
        .collect();
    times.sort();
    let size = std::fs::metadata(dir.path().join("kiosk.db")).map_or(0, |m| m.len());
    println!(
        "commit: 10,000 rows present ({} MB, filled in {:.1} s); 500 commits of an application with a 45 KB photo: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        size / 1_000_000,
        filled.as_secs_f64(),
        percentile(&times, 0.50).as_secs_f64() * 1e3,
        percentile(&times, 0.99).as_secs_f64() * 1e3,
        times.last().expect("samples").as_secs_f64() * 1e3,
    );
}

fn drain() {
    let pki = tempfile::tempdir().expect("pki dir");
    kiosk::dev::pki::write_dev_pki(pki.path(), &["BENCH1"]).expect("pki");
    let data = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("central dir");
    /// Stops the central however the benchmark ends.
    struct Stop(std::process::Child);
    impl Drop for Stop {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let mut central = Command::new(env!("CARGO_BIN_EXE_kiosk-central-dev"))
        .args(["--listen", "127.0.0.1:0", "--tls"])
        .arg(pki.path())
        .arg("--data")
        .arg(data.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map(Stop)
        .expect("central");
    let mut line = String::new();
    BufReader::new(central.0.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("address");
    let url = format!(
        "https://{}",
        line.trim().trim_start_matches("listening on ")
    );
    let tls = kiosk::sync::link::TlsMaterial::read(
        &pki.path().join("ca.pem"),
        &pki.path().join("device-BENCH1.pem"),
        &pki.path().join("device-BENCH1.key"),
    )
    .expect("tls");
    let link = kiosk::sync::link::Link::new(&url, &tls, Duration::from_secs(30)).expect("link");
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("temp dir");
    let mut store = Store::open(dir.path(), &key()).expect("store");
    for i in 0..1_000 {
        save(&mut store, "BENCH1", i);
    }
    let start = Instant::now();
    let mut passes = 0;
    while store.counts().expect("counts").pending > 0 {
        passes += 1;
        let (_, error) = kiosk::sync::worker::sync_now(&mut store, &link).expect("pass");
        assert!(error.is_none(), "{error:?}");
    }
    let took = start.elapsed();
    let counts = store.counts().expect("counts");
    drop(central);
    println!(
        "drain: 1,000 applications (45 KB photos) over mTLS on loopback in {:.2} s ({:.1} per second, {passes} passes, {} acknowledged)",
        took.as_secs_f64(),
        1_000.0 / took.as_secs_f64(),
        counts.acked,
    );
}

/// 500 kiosks, a 30-minute outage, then recovery, in one-second steps, each kiosk run by the
/// worker's own `Pacer` (backoff with full jitter from 1 s to 5 min, `Retry-After` unused,
/// the paced backlog after an outage). Each kiosk takes one application every 5 minutes on
/// average (a save wakes the worker) and beats every 60 s (±10 %). Requests per second are
/// counted: one per submission sent and one per failed attempt.
fn recovery() {
    use kiosk::sync::worker::{Pacer, Pass};
    const KIOSKS: usize = 500;
    const OUTAGE: u64 = 30 * 60;
    const END: u64 = 600 + OUTAGE + 20 * 60;
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let mut rand = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed >> 11) as f64 / (1u64 << 53) as f64
    };
    struct Kiosk {
        pacer: Pacer,
        pending: u64,
        limit: usize,
        next_pass: f64,
        next_beat: f64,
        /// When the kiosk's backlog from the outage was all delivered.
        caught_up_at: Option<u64>,
    }
    let mut kiosks: Vec<Kiosk> = (0..KIOSKS)
        .map(|_| Kiosk {
            pacer: Pacer::default(),
            pending: 0,
            limit: 20,
            next_pass: f64::INFINITY,
            next_beat: rand() * 60.0,
            caught_up_at: None,
        })
        .collect();
    let mut per_second = vec![0u32; END as usize];
    let back = 600 + OUTAGE;
    // Ten minutes before the outage measure the steady rate.
    for second in 0..END {
        let t = second as f64;
        let up = !(600..back).contains(&second);
        for k in kiosks.iter_mut() {
            if rand() < 1.0 / 300.0 {
                k.pending += 1;
                k.next_pass = t;
            }
            if k.next_beat <= t {
                per_second[second as usize] += 1;
                k.next_beat = t + 60.0 * (0.9 + 0.2 * rand());
            }
            if k.next_pass > t {
                continue;
            }
            let pass = if k.pending == 0 {
                Pass::Done
            } else if up {
                let sent = k.pending.min(k.limit as u64);
                per_second[second as usize] += sent as u32;
                k.pending -= sent;
                if k.pending == 0 && second >= back {
                    k.caught_up_at.get_or_insert(second);
                }
                Pass::Done
            } else {
                per_second[second as usize] += 1;
                Pass::Failed(None)
            };
            let (wait, limit) = k.pacer.after(&pass, k.pending, rand());
            k.limit = limit;
            // An idle poll with nothing waiting sends nothing: sleep until the next save.
            k.next_pass = if k.pending == 0 && pass == Pass::Done {
                f64::INFINITY
            } else {
                t + wait.as_secs_f64().max(1.0)
            };
        }
    }
    let rate =
        |window: &[u32]| window.iter().map(|&n| f64::from(n)).sum::<f64>() / window.len() as f64;
    let busiest_10s = |seconds: &[u32]| seconds.windows(10).map(&rate).fold(0.0f64, f64::max);
    let steady = rate(&per_second[60..600]);
    let first_minute = &per_second[back as usize..back as usize + 60];
    let peak = busiest_10s(first_minute);
    let steady_peak = busiest_10s(&per_second[60..600]);
    let last_recovered = kiosks
        .iter()
        .filter_map(|k| k.caught_up_at)
        .max()
        .map_or(0, |s| s - back);
    println!(
        "recovery: 500 kiosks, 30-minute outage: steady {steady:.1} requests/s (busiest 10 s {steady_peak:.1}/s); first minute after recovery {:.1}/s on average, busiest 10 s {peak:.1}/s = {:.2}× steady; every backlog delivered within {last_recovered} s",
        rate(first_minute),
        peak / steady,
    );
}

fn main() {
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let wanted = |name: &str| filter.is_empty() || filter.iter().any(|f| name.contains(f.as_str()));
    if wanted("recovery") {
        recovery();
    }
    if wanted("drain") {
        drain();
    }
    if wanted("commit") {
        commit();
    }
}
