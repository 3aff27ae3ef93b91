//! Mutual TLS fails closed: a kiosk without a certificate, with one from another CA, with an
//! expired one, one facing a server outside its pinned CA, or one the central refuses (403)
//! sends nothing, pauses its queue and dead-letters nothing; once the certificate is right the
//! same queue goes out.

use std::time::Duration;

use kiosk::dev::pki;
use kiosk::store::Store;
use kiosk::sync::link::{Link, TlsMaterial};

use crate::central::{TestPki, central_on};
use crate::support::test_key;
use crate::sync_central::application;

fn queue_one(dir: &std::path::Path) -> Store {
    let mut store = Store::open(dir, &test_key()).expect("store");
    application(&mut store, "mtls-key");
    store
}

fn material(ca_pem: &str, pair: Option<&pki::Pair>) -> TlsMaterial {
    TlsMaterial {
        ca_pem: ca_pem.as_bytes().to_vec(),
        identity_pem: pair.map(|p| format!("{}\n{}", p.cert_pem, p.key_pem).into_bytes()),
    }
}

#[test]
fn certificate_problems_fail_closed_pause_the_queue_and_dead_letter_nothing() {
    let central = central_on("127.0.0.1:0");
    let ca = central.pki.ca.cert_pem().to_string();
    let stranger = TestPki::new();
    let expired = central
        .pki
        .ca
        .device("SYNC01", time::Duration::days(-10), 2)
        .expect("expired certificate");
    let good = central
        .pki
        .ca
        .device("SYNC01", time::Duration::days(-1), 30)
        .expect("certificate");
    let foreign = stranger
        .ca
        .device("SYNC01", time::Duration::days(-1), 30)
        .expect("foreign certificate");
    let cases: Vec<(&str, TlsMaterial, &str)> = vec![
        (
            "no client certificate",
            material(&ca, None),
            "TLS refused: the central refused this kiosk's certificate",
        ),
        (
            "a certificate from a foreign CA",
            material(&ca, Some(&foreign)),
            "TLS refused: the central refused this kiosk's certificate",
        ),
        (
            "an expired certificate",
            material(&ca, Some(&expired)),
            "TLS refused: the central refused this kiosk's certificate",
        ),
        (
            "a server outside the pinned CA",
            material(stranger.ca.cert_pem(), Some(&good)),
            "TLS refused: the central's certificate is not trusted: check central.ca_cert",
        ),
        (
            "a certificate for another device",
            central.pki.material("DEMO01"),
            "403",
        ),
    ];
    for (case, tls, reason) in cases {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut store = queue_one(dir.path());
        let link = Link::new(&central.url, &tls, Duration::from_secs(10)).expect("link");
        let (counts, error) = kiosk::sync::worker::sync_now(&mut store, &link).expect("pass");
        let error = error.unwrap_or_default();
        assert!(error.contains(reason), "{case}: {error}");
        assert_eq!(
            (counts.pending, counts.acked, counts.dead),
            (1, 0, 0),
            "{case}"
        );
        let row = store.queue(&["pending"]).expect("queue").remove(0);
        assert_eq!(
            row.attempts, 0,
            "{case}: a refusal is not the submission's fault"
        );
    }
    let stored: i64 = central
        .db()
        .query_row("SELECT count(*) FROM submissions", [], |r| r.get(0))
        .expect("count");
    assert_eq!(stored, 0, "nothing reached the central");
    assert!(central.log().contains("TLS handshake refused"));
}

/// Something other than the central's TLS on the port `central.url` names (here a plain-HTTP
/// answer) pauses the queue too, and says to check the URL rather than blame a certificate.
#[test]
fn a_url_that_reaches_no_tls_server_says_so() {
    let central = central_on("127.0.0.1:0");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("listener");
    let port = listener.local_addr().expect("address").port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut stream = stream;
            let _ = std::io::Write::write_all(
                &mut stream,
                b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n",
            );
        }
    });
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = queue_one(dir.path());
    let link = Link::new(
        &format!("https://127.0.0.1:{port}"),
        &central.pki.material("SYNC01"),
        Duration::from_secs(10),
    )
    .expect("link");
    let (counts, error) = kiosk::sync::worker::sync_now(&mut store, &link).expect("pass");
    let error = error.unwrap_or_default();
    assert!(
        error.contains("TLS refused: no TLS session with the central: check that central.url"),
        "{error}"
    );
    assert_eq!((counts.pending, counts.dead), (1, 0));
}

#[test]
fn a_paused_queue_says_why_and_goes_out_once_the_certificate_is_right() {
    let central = central_on("127.0.0.1:0");
    let dir = tempfile::tempdir().expect("temp dir");
    let store = queue_one(dir.path());
    let stranger = TestPki::new();
    let foreign = stranger
        .ca
        .device("SYNC01", time::Duration::days(-1), 30)
        .expect("foreign certificate");
    let bad = Link::new(
        &central.url,
        &material(central.pki.ca.cert_pem(), Some(&foreign)),
        Duration::from_secs(10),
    )
    .expect("link");
    let sync = kiosk::sync::worker::spawn(crate::support::shared_store(dir.path()), bad, 30, None)
        .expect("worker");
    sync.wake();
    crate::sync_central::wait("the pause", || sync.status().paused.is_some());
    let status = sync.status();
    assert!(!status.online);
    assert_eq!((status.pending, status.dead), (1, 0));
    // The technician installs the right certificate: `kiosk sync now` delivers.
    let mut store = store;
    let (counts, error) =
        kiosk::sync::worker::sync_now(&mut store, &central.link("SYNC01")).expect("pass");
    assert_eq!((counts.acked, error), (1, None));
}

/// One kiosk's certificate never reads another kiosk's applicant: the application behind a
/// number and the submission behind a key answer only the device that sent them (the station
/// endpoints' payments and jobs are held to the same rule in `station_central`).
#[test]
fn another_devices_certificate_reads_nothing_that_is_not_its_own() {
    let central = central_on("127.0.0.1:0");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let sender = central.link("SYNC01");
    let other = central.link("TEST01");
    let app = kiosk::devices::printer::sample_application();
    let key = "0190f3b7-1a2b-7c3d-8e4f-5a6b7c8d9e0f";
    let submission = kiosk::sync::api::Submission::new(
        &app,
        "SYNC01",
        key,
        kiosk::sync::api::FormType::HallSelfFill,
    );
    let status = |link: &Link, path: &str| -> u16 {
        runtime.block_on(async {
            link.client()
                .get(format!("{}{path}", link.url()))
                .send()
                .await
                .expect("the central answers")
                .status()
                .as_u16()
        })
    };
    let sent = runtime.block_on(async {
        sender
            .client()
            .post(format!("{}/v1/submissions", sender.url()))
            .header(kiosk::sync::api::IDEMPOTENCY_KEY, key)
            .json(&submission)
            .send()
            .await
            .expect("submitted")
            .status()
            .as_u16()
    });
    assert_eq!(sent, 201);
    let number = app.number.as_str();
    assert_eq!(status(&sender, &format!("/v1/applications/{number}")), 200);
    assert_eq!(status(&other, &format!("/v1/applications/{number}")), 403);
    assert_eq!(status(&sender, &format!("/v1/submissions/{key}")), 200);
    assert_ne!(status(&other, &format!("/v1/submissions/{key}")), 200);
    // Nor speaks for it: a submission, a heartbeat or a configuration request in the other
    // device's name is refused whatever the body says.
    let post = |link: &Link, path: &str, body: &serde_json::Value, key: Option<&str>| -> u16 {
        runtime.block_on(async {
            let mut request = link
                .client()
                .post(format!("{}{path}", link.url()))
                .json(body);
            if let Some(key) = key {
                request = request.header(kiosk::sync::api::IDEMPOTENCY_KEY, key);
            }
            request
                .send()
                .await
                .expect("the central answers")
                .status()
                .as_u16()
        })
    };
    let in_its_name = serde_json::to_value(kiosk::sync::api::Submission::new(
        &app,
        "SYNC01",
        "0190f3b7-1a2b-7c3d-8e4f-000000000002",
        kiosk::sync::api::FormType::HallSelfFill,
    ))
    .expect("json");
    assert_eq!(
        post(
            &other,
            "/v1/submissions",
            &in_its_name,
            Some("0190f3b7-1a2b-7c3d-8e4f-000000000002")
        ),
        403
    );
    let heartbeat = serde_json::to_value(kiosk::sync::api::Heartbeat {
        device_id: "SYNC01".into(),
        seq: 1,
        sent_at: "2026-11-30T10:00:00+08:00".into(),
        app_version: "test".into(),
        queue_pending: 0,
        oldest_pending_age_s: None,
        dead_letters: 0,
        unsent_moves: 0,
        unsent_ratings: 0,
        staff_calls_open: 0,
        paused: None,
        config_version: None,
        devices: Default::default(),
        counters: Default::default(),
        in_service: true,
    })
    .expect("json");
    assert_eq!(
        post(&sender, "/v1/devices/SYNC01/heartbeat", &heartbeat, None),
        200,
        "its own heartbeat is taken"
    );
    assert_eq!(
        post(&other, "/v1/devices/SYNC01/heartbeat", &heartbeat, None),
        403
    );
    assert_eq!(status(&other, "/v1/devices/SYNC01/config"), 403);
}
