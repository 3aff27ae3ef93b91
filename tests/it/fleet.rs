//! Heartbeat and configuration pull against the development central: the heartbeat carries
//! the queue and device figures, a new configuration is applied live (and kept for the next
//! start), an unchanged one costs a 304, and a bad one is refused, reported and changes nothing.

use std::time::Duration;

use kiosk::store::Store;
use kiosk::sync::api::Heartbeat;
use kiosk::sync::fleet::{Fleet, Live};

use crate::central::central_on;
use crate::support::test_key;
use crate::sync_central::{application, wait};

fn last_heartbeat(central: &crate::central::Central) -> Option<Heartbeat> {
    let body: String = central
        .db()
        .query_row(
            "SELECT body FROM heartbeats WHERE device_id = 'SYNC01' ORDER BY rowid DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .ok()?;
    serde_json::from_str(&body).ok()
}

#[test]
fn heartbeats_report_the_queue_and_configurations_apply_live_or_are_refused() {
    let central = central_on("127.0.0.1:0");
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = Store::open(dir.path(), &test_key()).expect("store");
    application(&mut store, "fleet-1");
    drop(store);
    let live = Live::new(crate::support::kiosk_toml_settings());
    live.set_device("printer", "ok");
    let fleet = Fleet {
        device_id: "SYNC01".into(),
        every: Duration::from_millis(200),
        data_dir: dir.path().to_path_buf(),
        live: live.clone(),
    };
    let sync = kiosk::sync::worker::spawn(
        crate::support::shared_store(dir.path()),
        central.link("SYNC01"),
        30,
        Some(fleet),
    )
    .expect("worker");
    sync.wake();
    wait("a heartbeat after the delivery", || {
        last_heartbeat(&central).is_some_and(|b| b.queue_pending == 0 && b.seq >= 2)
    });
    let beat = last_heartbeat(&central).expect("heartbeat");
    // The body as the kiosk sent it matches the contract's Heartbeat schema.
    let raw: String = central
        .db()
        .query_row(
            "SELECT body FROM heartbeats WHERE device_id = 'SYNC01' ORDER BY rowid DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .expect("stored body");
    let problems = crate::contract::schema_problems(
        &crate::contract::contract(),
        "Heartbeat",
        &serde_json::from_str(&raw).expect("json"),
        "the kiosk's heartbeat",
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    let sent: serde_json::Value = serde_json::from_str(&raw).expect("json");
    assert_eq!(
        sent["unsent_moves"], 0,
        "a hall kiosk has no endorsement moves: {raw}"
    );
    assert_eq!(sent["unsent_ratings"], 0, "no one rated: {raw}");
    assert_eq!(sent["staff_calls_open"], 0, "no one called staff: {raw}");
    // An applicant's call for staff shows in the next heartbeat (as the controller reports it
    // to `Live`: tests/it/staff_call.rs follows a call from the button to the central).
    live.set_staff_calls_open(1);
    wait("a heartbeat with the open staff call", || {
        last_heartbeat(&central).is_some_and(|b| b.staff_calls_open == 1)
    });
    live.set_staff_calls_open(0);
    assert_eq!(beat.device_id, "SYNC01");
    assert_eq!(beat.app_version, env!("CARGO_PKG_VERSION"));
    assert_eq!((beat.dead_letters, beat.oldest_pending_age_s), (0, None));
    assert_eq!(beat.devices.get("printer").map(String::as_str), Some("ok"));
    assert_eq!(beat.config_version, None);

    // A new configuration: shorter timeouts, English only, a changed passport fee, hours.
    let catalogue =
        include_str!("../../assets/catalogue.toml").replacen("fee = 120", "fee = 140", 1);
    let config = serde_json::json!({
        "config_version": "v2",
        "timeouts": {"idle_seconds": 45, "warning_seconds": 20, "done_seconds": 10},
        "languages": ["en"],
        "default_language": "en",
        "catalogue_toml": catalogue,
        "opening_hours": {"open": "08:30", "close": "17:30"},
    });
    std::fs::write(central.config_dir().join("SYNC01.json"), config.to_string()).expect("config");
    wait("the new configuration", || live.current().0 == 1);
    let (_, settings) = live.current();
    assert_eq!(settings.version.as_deref(), Some("v2"));
    assert_eq!(settings.timeouts.idle, Duration::from_secs(45));
    assert_eq!(settings.languages, ["en"]);
    assert_eq!(
        settings.catalogue.document("passport").map(|d| d.fee),
        Some(140)
    );
    let noon = chrono::NaiveTime::from_hms_opt(12, 0, 0).unwrap();
    let night = chrono::NaiveTime::from_hms_opt(20, 0, 0).unwrap();
    assert!(settings.open_at(noon) && !settings.open_at(night));
    wait("the heartbeat names the version", || {
        last_heartbeat(&central).is_some_and(|b| b.config_version.as_deref() == Some("v2"))
    });
    wait("an unchanged configuration costs a 304", || {
        central.log().contains("configuration unchanged: 304")
    });

    // A bad one (a time limit too short to read the warning): refused, reported, nothing changes.
    let bad = serde_json::json!({
        "config_version": "v3",
        "timeouts": {"idle_seconds": 5, "warning_seconds": 2, "done_seconds": 1},
    });
    std::fs::write(central.config_dir().join("SYNC01.json"), bad.to_string()).expect("config");
    wait("the refusal in a heartbeat", || {
        last_heartbeat(&central).is_some_and(|b| {
            b.devices
                .get("configuration")
                .is_some_and(|c| c.contains("rejected v3") && c.contains("timeouts.idle_seconds"))
        })
    });
    let (generation, settings) = live.current();
    assert_eq!((generation, settings.version.as_deref()), (1, Some("v2")));

    // Not JSON at all: refused the same way.
    std::fs::write(central.config_dir().join("SYNC01.json"), "{ not json").expect("config");
    wait("the refusal of garbage", || {
        last_heartbeat(&central).is_some_and(|b| {
            b.devices
                .get("configuration")
                .is_some_and(|c| c.contains("unreadable configuration"))
        })
    });
    assert_eq!(live.current().0, 1);

    // The accepted configuration was kept: a restart applies it before any network.
    let restarted = Live::new(crate::support::kiosk_toml_settings());
    Fleet {
        device_id: "SYNC01".into(),
        every: Duration::from_secs(60),
        data_dir: dir.path().to_path_buf(),
        live: restarted.clone(),
    }
    .restore();
    assert_eq!(restarted.current().1.version.as_deref(), Some("v2"));

    // A configuration is laid over kiosk.toml, not over the one before: v4 sets languages
    // only, so the timeouts are kiosk.toml's again, not v2's.
    let toml_timeouts = crate::support::kiosk_toml_settings().timeouts;
    let languages_only = serde_json::json!({"config_version": "v4", "languages": ["en", "zh_CN"]});
    std::fs::write(
        central.config_dir().join("SYNC01.json"),
        languages_only.to_string(),
    )
    .expect("config");
    wait("v4", || live.current().1.version.as_deref() == Some("v4"));
    assert_eq!(live.current().1.timeouts.idle, toml_timeouts.idle);

    // Removed at the central (404): kiosk.toml alone applies, the kept copy is gone, and the
    // heartbeat names no configuration.
    std::fs::remove_file(central.config_dir().join("SYNC01.json")).expect("remove");
    wait("kiosk.toml alone", || live.current().1.version.is_none());
    assert_eq!(
        live.current().1.languages,
        crate::support::kiosk_toml_settings().languages
    );
    assert!(!dir.path().join("central-config.json").exists());
    wait("a heartbeat without a configuration", || {
        last_heartbeat(&central)
            .is_some_and(|b| b.config_version.is_none() && !b.devices.contains_key("configuration"))
    });
}
