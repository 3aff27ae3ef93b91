//! Chip-read budget (issue 3): a full read — BAC, EF.COM, DG1, a 20 KB DG2, EF.SOD and passive
//! authentication — through pcscd and vpcd to the project's virtual card, and the same read
//! wired straight to the card (host work alone). Reports wall time per read, the APDU count and
//! the reading thread's CPU time (which includes the PC/SC client library but not the virtual
//! card's thread or pcscd). Run with
//! `tools/with-pcscd.sh cargo bench --no-default-features --features dev --bench cards`; results in
//! docs/BENCHMARKS.md.

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use kiosk::dev::vcard::emrtd::Quirks;
use kiosk::dev::vcard::pki::TestPki;
use kiosk::dev::vcard::{Loopback, samples, vpcd};
use kiosk::devices::card::emrtd::chip::ExtendedLength;
use kiosk::devices::card::emrtd::document;
use kiosk::devices::card::icao::mrz;
use kiosk::devices::card::icao::pa::PassiveAuth;
use kiosk::devices::card::readers::monitor::Monitor;
use kiosk::devices::card::transport::apdu::Transceiver;
use kiosk::devices::card::transport::pcsc::PcscCard;

fn thread_cpu() -> Duration {
    // SAFETY: getrusage fills the struct for the calling thread.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_THREAD, &mut u) };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(u.ru_utime) + tv(u.ru_stime)
}

fn report(
    label: &str,
    t: &mut dyn Transceiver,
    bac: &str,
    pki: &TestPki,
    extended: ExtendedLength,
) {
    let runs = 20;
    let (wall0, cpu0) = (std::time::Instant::now(), thread_cpu());
    let mut apdus = 0;
    for _ in 0..runs {
        let doc = document::read(t, bac, std::slice::from_ref(&pki.csca), extended).expect("read");
        assert!(matches!(doc.passive_auth, PassiveAuth::Verified { .. }));
        apdus = doc.apdus;
    }
    println!(
        "{label}: {apdus} APDUs, wall {:.1} ms, host CPU {:.1} ms per read (mean of {runs})",
        wall0.elapsed().as_secs_f64() * 1000.0 / runs as f64,
        (thread_cpu() - cpu0).as_secs_f64() * 1000.0 / runs as f64
    );
}

fn cards(c: &mut Criterion) {
    let pki = TestPki::generate("Kiosk Test CSCA").expect("PKI");
    let bac = mrz::bac_input_from_fields("L898902C3", "740812", "120415").expect("specimen");
    for (label, max, extended) in [
        ("loopback, extended length", 65_535, ExtendedLength::Auto),
        ("loopback, short APDUs", 258, ExtendedLength::Never),
    ] {
        let mut t = Loopback {
            card: samples::passport(&pki, 20_000, Quirks::default()),
            max_response: max,
        };
        report(label, &mut t, &bac, &pki, extended);
        c.bench_function(&format!("chip read ({label})"), |b| {
            b.iter(|| {
                document::read(&mut t, &bac, std::slice::from_ref(&pki.csca), extended)
                    .expect("read")
            })
        });
    }
    let card = samples::passport(&pki, 20_000, Quirks::default());
    let Ok(inserted) = vpcd::insert(
        "127.0.0.1",
        vpcd::BASE_PORT + 1,
        Box::new(card),
        Duration::from_secs(2),
    ) else {
        println!("vpcd is not listening: run under tools/with-pcscd.sh for the pcscd figures");
        return;
    };
    let mut monitor = Monitor::new();
    let reader = "Virtual PCD 00 01";
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !monitor
        .snapshot()
        .expect("pcscd")
        .iter()
        .any(|r| r.name == reader && r.atr.is_some())
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the virtual card never appeared"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let mut pcsc = PcscCard::connect(monitor.context().expect("context"), reader).expect("connect");
    let mut group = c.benchmark_group("pcscd");
    group.sample_size(10);
    for (label, extended) in [
        ("pcscd + vpcd, extended length", ExtendedLength::Auto),
        ("pcscd + vpcd, short APDUs", ExtendedLength::Never),
    ] {
        report(label, &mut pcsc, &bac, &pki, extended);
        group.bench_function(format!("chip read ({label})"), |b| {
            b.iter(|| {
                document::read(&mut pcsc, &bac, std::slice::from_ref(&pki.csca), extended)
                    .expect("read")
            })
        });
    }
    group.finish();
    drop(pcsc);
    inserted.remove();
}

criterion_group!(benches, cards);
criterion_main!(benches);
