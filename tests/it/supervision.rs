//! Supervision by systemd: the shipped unit passes `systemd-analyze verify` and asks for what
//! the kiosk does (`Type=notify`, a watchdog, a start limit, no udev-settle); and the kiosk
//! sends `READY=1` and then `WATCHDOG=1` from its UI thread's timers — checked on a real
//! notification socket, with the kiosk in a child process (`NOTIFY_SOCKET` is read from the
//! environment, which a test must not change in its own multithreaded process).

use std::os::unix::net::UnixDatagram;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use i_slint_backend_testing::ElementRoot;
use slint::ComponentHandle;

use crate::support::demo_kiosk;

const CHILD: &str = "KIOSK_SUPERVISION_CHILD";

#[test]
fn the_shipped_unit_passes_systemd_analyze_verify_and_asks_for_supervision() {
    let unit =
        std::fs::read_to_string(crate::support::repo().join("deploy/kiosk.service")).expect("unit");
    for wanted in [
        "Type=notify",
        "WatchdogSec=",
        "StartLimitBurst=",
        "NotifyAccess=main",
    ] {
        assert!(unit.contains(wanted), "{wanted} missing");
    }
    assert!(
        unit.lines()
            .filter(|l| l.starts_with("After=") || l.starts_with("Wants="))
            .all(|l| !l.contains("udev-settle")),
        "no systemd-udev-settle"
    );
    // The seat: seatd for the kiosk user (tests/it/appliance.rs shows it on a machine); after
    // the start limit, the out-of-service screen, which gives way when the kiosk starts again.
    for wanted in [
        "User=kiosk",
        "Environment=LIBSEAT_BACKEND=seatd",
        "Wants=seatd.service",
        "OnFailure=kiosk-out-of-service.service",
        "Conflicts=getty@tty1.service\n",
        "ExecStartPre=+-/bin/systemctl stop kiosk-out-of-service.service",
    ] {
        assert!(unit.contains(wanted), "{wanted} missing");
    }
    let screen =
        std::fs::read_to_string(crate::support::repo().join("deploy/kiosk-out-of-service.service"))
            .expect("out-of-service unit");
    assert!(screen.contains("ExecCondition=/bin/systemctl --quiet is-failed kiosk.service"));
    assert!(
        screen.contains(" out-of-service\n"),
        "runs `kiosk out-of-service`"
    );
    // verify checks that ExecStart's program exists: point it at the binary just built. Both
    // units side by side, as they name each other.
    let dir = tempfile::tempdir().expect("dir");
    let mut copies = Vec::new();
    for (name, text) in [
        ("kiosk.service", &unit),
        ("kiosk-out-of-service.service", &screen),
    ] {
        let copy = dir.path().join(name);
        std::fs::write(
            &copy,
            text.replace("/usr/bin/kiosk", env!("CARGO_BIN_EXE_kiosk")),
        )
        .expect("copy");
        copies.push(copy);
    }
    let out = Command::new("systemd-analyze")
        .arg("verify")
        .args(&copies)
        .output()
        .expect("systemd-analyze (Debian package systemd; make deps-test installs it)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The screen after the start limit names the kiosk and says, in both languages, to go to a
/// window; a configuration that cannot be read (perhaps what broke the kiosk) still gives it.
#[test]
fn the_out_of_service_screen_shows_even_when_the_configuration_is_broken() {
    crate::support::testing_backend();
    let labels = |w: &kiosk::ui::OutOfServiceWindow| -> Vec<String> {
        w.show().expect("show");
        w.window().take_snapshot().expect("frame");
        [
            "out-of-service-zh",
            "out-of-service-en",
            "out-of-service-kiosk",
        ]
        .iter()
        .map(|id| {
            w.root_element()
                .query_descendants()
                .match_predicate(move |e| e.accessible_id().as_deref() == Some(*id))
                .find_first()
                .and_then(|e| e.accessible_label())
                .map(|l| l.to_string())
                .unwrap_or_else(|| panic!("{id} not on screen"))
        })
        .collect()
    };
    let config = crate::support::repo().join("deploy/config/station-endorsement.toml");
    let named = kiosk::cli::out_of_service_window(&config).expect("window");
    let shown = labels(&named);
    assert!(
        shown[0].contains("暂停服务") && shown[0].contains("窗口"),
        "{shown:?}"
    );
    assert!(
        shown[1].contains("out of service") && shown[1].contains("window"),
        "{shown:?}"
    );
    assert!(
        shown[2].contains("PS0101") && shown[2].contains("思明派出所"),
        "{shown:?}"
    );

    let dir = tempfile::tempdir().expect("dir");
    let broken = dir.path().join("kiosk.toml");
    std::fs::write(&broken, "[device]\nid = \n").expect("write");
    let unnamed = kiosk::cli::out_of_service_window(&broken).expect("window");
    let shown = labels(&unnamed);
    assert!(shown[1].contains("out of service"), "{shown:?}");
    assert_eq!(shown[2], "", "no name to give");
}

/// The parent: a notification socket, the child kiosk told to use it with a 200 ms watchdog.
#[test]
fn ready_comes_first_and_the_watchdog_is_fed_only_while_the_ui_thread_runs() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("notify");
    let socket = UnixDatagram::bind(&path).expect("socket");
    socket
        .set_read_timeout(Some(Duration::from_millis(100)))
        .expect("timeout");
    // systemd names the process the watchdog is for (WATCHDOG_PID); a shell that execs the
    // child keeps its pid, so it can say it.
    let mut child = Command::new("sh")
        .args(["-c", "WATCHDOG_PID=$$ exec \"$0\" \"$@\""])
        .arg(std::env::current_exe().expect("this test binary"))
        .args([
            "--exact",
            "supervision::child_kiosk_under_a_service_manager",
            "--ignored",
            "--test-threads=1",
        ])
        .env(CHILD, "1")
        .env("NOTIFY_SOCKET", &path)
        .env("WATCHDOG_USEC", "200000")
        .spawn()
        .expect("child kiosk");
    // (message, when it came)
    let mut messages: Vec<(String, Instant)> = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut buf = [0u8; 512];
    while Instant::now() < deadline {
        if let Ok(n) = socket.recv(&mut buf) {
            messages.push((
                String::from_utf8_lossy(&buf[..n]).into_owned(),
                Instant::now(),
            ));
        }
        if let Ok(Some(_)) = child.try_wait() {
            // What the child sent last may still be queued: read it all.
            socket.set_nonblocking(true).expect("non-blocking");
            while let Ok(n) = socket.recv(&mut buf) {
                messages.push((
                    String::from_utf8_lossy(&buf[..n]).into_owned(),
                    Instant::now(),
                ));
            }
            break;
        }
    }
    let status = child.wait().expect("child");
    assert!(status.success(), "the child kiosk failed");
    let texts: Vec<&str> = messages.iter().map(|(m, _)| m.as_str()).collect();
    let ready = texts
        .iter()
        .position(|m| m.contains("READY=1"))
        .unwrap_or_else(|| panic!("no READY=1: {texts:?}"));
    let pings: Vec<Instant> = messages
        .iter()
        .filter(|(m, _)| m.contains("WATCHDOG=1"))
        .map(|(_, t)| *t)
        .collect();
    assert!(
        texts[..ready].iter().all(|m| !m.contains("WATCHDOG=1")),
        "no ping before READY: {texts:?}"
    );
    assert!(
        pings.len() >= 5,
        "the UI's timer fed the watchdog: {texts:?}"
    );
    // The child blocks its UI thread for 1.5 s at the end (a hung screen): no ping may come
    // from anywhere else in that time, so the longest gap between pings and the end spans it.
    let stopping = messages
        .iter()
        .find(|(m, _)| m.contains("HUNG"))
        .map(|(_, t)| *t);
    let last_ping = *pings.last().expect("pings");
    let hung_from = stopping.expect("the child's hang marker");
    assert!(
        last_ping <= hung_from,
        "a ping came while the UI thread was blocked"
    );
}

/// The child: a demo kiosk supervised as under systemd; its UI time advances for a while (the
/// pings), then its UI thread blocks (a hang) after telling the parent so on the socket.
#[test]
#[ignore = "run by ready_comes_first_and_the_watchdog_is_fed_only_while_the_ui_thread_runs"]
fn child_kiosk_under_a_service_manager() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    let k = demo_kiosk();
    let _supervision = kiosk::ui::systemd::supervise(k.window(), || {});
    for _ in 0..20 {
        k.advance(100);
        std::thread::sleep(Duration::from_millis(20));
    }
    let socket = UnixDatagram::unbound().expect("socket");
    let path = std::env::var_os("NOTIFY_SOCKET").expect("socket path");
    socket.send_to(b"HUNG", path).expect("marker");
    std::thread::sleep(Duration::from_millis(1500));
}

/// Under systemd, standard error is the journal's stream (`JOURNAL_STREAM` names it): the
/// kiosk then logs through the journal's native protocol, each event's fields as journal fields,
/// and writes no text to standard error. The journal's socket is the test's, mounted over
/// `/run/systemd/journal` in the child's own mount namespace (root, as `make test` runs).
#[test]
fn under_the_journal_events_carry_their_fields_as_journal_fields() {
    let dir = tempfile::tempdir().expect("dir");
    let socket = UnixDatagram::bind(dir.path().join("socket")).expect("journal socket");
    socket
        .set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    let stderr_path = dir.path().join("stderr");
    let stderr = std::fs::File::create(&stderr_path).expect("stderr file");
    let stream = {
        use std::os::unix::fs::MetadataExt;
        let meta = stderr.metadata().expect("stat");
        format!("{}:{}", meta.dev(), meta.ino())
    };
    let config = crate::support::repo().join("deploy/config/station-endorsement.toml");
    // The mount point is made on the machine's own /run when it has no journal: removed after.
    let made: Vec<&Path> = ["/run/systemd", "/run/systemd/journal"]
        .into_iter()
        .map(Path::new)
        .filter(|p| !p.exists())
        .collect();
    let status = Command::new("unshare")
        .args(["--mount", "--propagation", "private", "sh", "-c"])
        .arg(
            "mkdir -p /run/systemd/journal && mount --bind \"$0\" /run/systemd/journal && \
             exec \"$1\" --config \"$2\" out-of-service",
        )
        .arg(dir.path())
        .arg(crate::support::kiosk_bin())
        .arg(&config)
        .env("JOURNAL_STREAM", &stream)
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("DISPLAY")
        .env_remove("KIOSK_LOG")
        .stderr(stderr)
        .status()
        .expect("unshare (util-linux)");
    for dir in made.iter().rev() {
        let _ = std::fs::remove_dir(dir);
    }
    assert!(!status.success(), "no display here: the screen cannot open");
    let mut entries = Vec::new();
    let mut buf = vec![0u8; 65536];
    socket
        .set_read_timeout(Some(Duration::from_millis(500)))
        .expect("timeout");
    while let Ok(n) = socket.recv(&mut buf) {
        entries.push(journal_fields(&buf[..n]));
    }
    let message = |e: &std::collections::BTreeMap<String, String>, text: &str| {
        e.get("MESSAGE").is_some_and(|m| m.contains(text))
    };
    let entry = entries
        .iter()
        .find(|e| message(e, "kiosk.service stopped restarting"))
        .unwrap_or_else(|| panic!("no journal entry for the out-of-service screen: {entries:?}"));
    for (field, value) in [
        ("SYSLOG_IDENTIFIER", "kiosk"),
        ("PRIORITY", "3"),
        ("KIOSK_DEVICE", "PS0101"),
    ] {
        assert_eq!(
            entry.get(field).map(String::as_str),
            Some(value),
            "{entry:?}"
        );
    }
    assert!(
        entries.iter().any(|e| message(e, "cannot open the window")),
        "{entries:?}"
    );
    let text = std::fs::read_to_string(&stderr_path).expect("stderr");
    assert!(
        !text.contains("stopped restarting"),
        "the journal has it; standard error must not repeat it: {text}"
    );
}

/// The fields of one datagram of the journal's native protocol: `KEY=value\n`, or, for any
/// value, `KEY\n`, its length as 64-bit little-endian, the bytes and `\n`
/// (systemd.io/JOURNAL_NATIVE_PROTOCOL).
fn journal_fields(mut data: &[u8]) -> std::collections::BTreeMap<String, String> {
    let mut fields = std::collections::BTreeMap::new();
    while let Some(end) = data.iter().position(|&b| b == b'\n' || b == b'=') {
        let key = String::from_utf8_lossy(&data[..end]).into_owned();
        let rest = &data[end + 1..];
        let (value, next) = if data[end] == b'=' {
            let stop = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
            (&rest[..stop], stop + 1)
        } else {
            let len = u64::from_le_bytes(rest[..8].try_into().expect("length")) as usize;
            (&rest[8..8 + len], 8 + len + 1)
        };
        fields.insert(key, String::from_utf8_lossy(value).into_owned());
        data = rest.get(next..).unwrap_or_default();
    }
    fields
}

/// The kiosk makes itself non-dumpable: no core file holding an applicant's data, whatever the
/// limits, and no ptrace by other processes of its user.
#[test]
fn the_kiosk_process_is_not_dumpable() {
    // Run in a child: the test binary itself stays dumpable for the other tests' sake.
    if std::env::var_os("KIOSK_DUMPABLE_CHILD").is_none() {
        let out = Command::new(std::env::current_exe().expect("test binary"))
            .args(["--exact", "supervision::the_kiosk_process_is_not_dumpable"])
            .env("KIOSK_DUMPABLE_CHILD", "1")
            .output()
            .expect("child");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
        return;
    }
    // SAFETY: PR_GET_DUMPABLE takes no pointer.
    assert_eq!(unsafe { libc::prctl(libc::PR_GET_DUMPABLE) }, 1);
    kiosk::cli::forbid_core_dumps();
    assert_eq!(unsafe { libc::prctl(libc::PR_GET_DUMPABLE) }, 0);
}

/// Without a display the kiosk says so and exits with 1 at once — every time: the input
/// method's first start is still running on its thread then, and exit handlers racing it once
/// crashed or hung the process (a hang keeps systemd from reaching its start limit).
#[test]
fn without_a_display_the_kiosk_exits_with_1_at_once_every_time() {
    for run in 0..4 {
        let dir = tempfile::tempdir().expect("dir");
        kiosk::dev::pki::write_dev_pki(&dir.path().join("var/pki"), &["DEMO01"]).expect("pki");
        let config = dir.path().join("kiosk.toml");
        std::fs::copy(crate::support::repo().join("kiosk.toml"), &config).expect("config");
        let mut child = crate::run_logs::kiosk_command()
            .arg("--config")
            .arg(&config)
            .arg("run")
            .env_remove("WAYLAND_DISPLAY")
            .env_remove("DISPLAY")
            .env("SLINT_BACKEND", "winit-software")
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("kiosk");
        let started = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait") {
                break status;
            }
            if started.elapsed() > Duration::from_secs(60) {
                let _ = child.kill();
                panic!("run {run}: the kiosk did not exit within 60 s without a display");
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        let mut said = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().expect("stderr"), &mut said)
            .expect("stderr");
        assert_eq!(status.code(), Some(1), "run {run}: {status}\n{said}");
        assert!(said.contains("cannot open the window"), "run {run}: {said}");
    }
}
