//! `kiosk config check` on the demo file and on broken files: exact FILE:LINE:COL: key: lines
//! and a non-zero exit.

use crate::support::repo;

fn check(text: &str) -> (bool, String, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("kiosk.toml");
    std::fs::write(&file, text).expect("write");
    let out = crate::run_logs::kiosk_command()
        .args(["config", "check"])
        .arg(&file)
        .output()
        .expect("run kiosk");
    let stdout = String::from_utf8_lossy(&out.stdout).replace(&file.display().to_string(), "FILE");
    (
        out.status.success(),
        stdout,
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

fn demo() -> String {
    std::fs::read_to_string(repo().join("kiosk.toml")).expect("demo kiosk.toml")
}

/// `kiosk config check` on `file`: success, and standard output with the file's directory
/// written `DIR`.
fn check_file(file: &std::path::Path) -> (bool, String) {
    let out = crate::run_logs::kiosk_command()
        .args(["config", "check"])
        .arg(file)
        .output()
        .expect("run kiosk");
    let dir = file.parent().expect("dir").display().to_string();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).replace(&dir, "DIR"),
    )
}

#[test]
fn the_demo_files_are_ok_and_name_the_certificates_make_run_has_not_made_yet() {
    for name in ["kiosk.toml", "kiosk-station.toml"] {
        let dir = tempfile::tempdir().expect("dir");
        let file = dir.path().join(name);
        std::fs::copy(repo().join(name), &file).expect("copy");
        let not_yet = |key: &str, path: &str| {
            format!(
                "DIR/{name}: {key}: DIR/var/pki/{path} is not there yet: the kiosk will not start \
                 until it is provisioned (README \"Installing\")\n"
            )
        };
        assert_eq!(
            check_file(&file),
            (
                true,
                not_yet("central.ca_cert", "ca.pem")
                    + &not_yet("central.client_cert", "device-DEMO01.pem")
                    + &not_yet("central.client_key", "device-DEMO01.key")
                    + "ok\n"
            ),
            "{name} before the development PKI is made"
        );
        kiosk::dev::pki::write_dev_pki(&dir.path().join("var/pki"), &["DEMO01"]).expect("pki");
        assert_eq!(check_file(&file), (true, "ok\n".to_string()), "{name}");
    }
}

#[test]
fn an_x509_v1_device_certificate_is_refused_at_its_key() {
    // A certificate without extensions, as `openssl x509 -req` makes one unless told otherwise:
    // PEM, with the right key, yet the TLS library refuses it, and the kiosk would not start.
    let dir = tempfile::tempdir().expect("dir");
    let pki = dir.path().join("var/pki");
    kiosk::dev::pki::write_dev_pki(&pki, &["DEMO01"]).expect("pki");
    let openssl = |args: &[&str]| {
        let out = std::process::Command::new("openssl")
            .args(args)
            .current_dir(&pki)
            .output()
            .expect("openssl (make deps-test installs it)");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    // A new P-256 key and, with `extra`, a request or a self-signed certificate for `subject`.
    let new_key = |extra: &[&str], subject: &str, key: &str, out: &str| {
        let mut args = vec!["req"];
        args.extend(extra);
        args.extend([
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
        ]);
        args.extend(["-subj", subject, "-keyout", key, "-out", out]);
        openssl(&args);
    };
    new_key(&["-x509"], "/CN=v1 CA", "v1-ca.key", "v1-ca.pem");
    new_key(&[], "/CN=DEMO01", "v1.key", "v1.csr");
    openssl(&[
        "x509",
        "-req",
        "-in",
        "v1.csr",
        "-CA",
        "v1-ca.pem",
        "-CAkey",
        "v1-ca.key",
        "-out",
        "v1.pem",
    ]);
    let file = dir.path().join("kiosk.toml");
    std::fs::write(
        &file,
        demo()
            .replace("var/pki/device-DEMO01.pem", "var/pki/v1.pem")
            .replace("var/pki/device-DEMO01.key", "var/pki/v1.key"),
    )
    .expect("write");
    let (ok, stdout) = check_file(&file);
    assert!(!ok, "{stdout}");
    assert_eq!(
        stdout,
        "DIR/kiosk.toml:45:15: central.client_cert: the HTTPS client cannot be built: builder \
         error: invalid peer certificate: Other(OtherError(UnsupportedCertVersion))\n"
    );
}

#[test]
fn bad_type_is_reported_with_position_and_key() {
    let text = demo().replace("idle_seconds = 120", "idle_seconds = \"soon\"");
    let line = text
        .lines()
        .position(|l| l.contains("\"soon\""))
        .expect("line")
        + 1;
    let (ok, out, _) = check(&text);
    assert!(!ok);
    assert!(
        out.starts_with(&format!("FILE:{line}:16: timeouts.idle_seconds: ")),
        "{out}"
    );
}

#[test]
fn unknown_keys_are_errors() {
    let text = demo().replace("[devices.printer]", "[devices.printer]\npaper = \"A4\"");
    let line = text
        .lines()
        .position(|l| l.starts_with("paper"))
        .expect("line")
        + 1;
    let (ok, out, _) = check(&text);
    assert!(!ok);
    assert_eq!(
        out.trim(),
        format!("FILE:{line}:1: devices.printer.paper: unknown key (misspelt, or not valid here)")
    );
}

#[test]
fn bad_url_and_other_semantic_errors_are_all_listed() {
    let text = demo()
        .replace("url = \"https://127.0.0.1:8787\"", "url = \"not a url\"")
        .replace("default_language = \"zh_CN\"", "default_language = \"fr\"");
    let (ok, out, _) = check(&text);
    assert!(!ok);
    let lines: Vec<_> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(
        lines
            .iter()
            .any(|l| l.contains(": central.url: \"not a url\" is not a URL")),
        "{out}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains(": ui.default_language: \"fr\" is not in ui.languages")),
        "{out}"
    );
}

#[test]
fn missing_file_is_a_clear_error() {
    let out = crate::run_logs::kiosk_command()
        .args(["config", "check", "/nonexistent/kiosk.toml"])
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("/nonexistent/kiosk.toml:0:0: (file): cannot read")
    );
}

#[test]
fn pin_hash_round_trip() {
    use std::io::Write;
    let mut child = crate::run_logs::kiosk_command()
        .args(["config", "hash-pin"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("run");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"135790\n")
        .expect("write");
    let out = child.wait_with_output().expect("wait");
    let hash = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    assert!(!hash.contains("135790"));
    assert!(kiosk::config::verify_pin("135790", &hash));
    assert!(!kiosk::config::verify_pin("135791", &hash));
}

#[test]
fn the_deployment_examples_are_valid_once_filled_in() {
    // The examples name their CSCA file and certificates where a real kiosk keeps them, and
    // carry a PIN hash placeholder: filled in as a technician would, the hall kiosk's is ok; the station kiosk's
    // is refused only for its simulated terminal and writer, as no vendor adapter exists yet.
    let dir = tempfile::tempdir().expect("temp dir");
    let csca = dir.path().join("CN-CSCA.pem");
    std::fs::write(&csca, crate::cards::pki().csca_pem().expect("test CSCA")).expect("csca");
    let hash = kiosk::config::hash_pin("135790").expect("hash");
    let pki = dir.path().join("pki");
    kiosk::dev::pki::write_dev_pki(&pki, &["XMH01"]).expect("pki");
    for (name, expected) in [
        ("hall-self-fill.toml", vec![]),
        (
            "station-endorsement.toml",
            vec!["station.terminal", "station.writer"],
        ),
    ] {
        let text = std::fs::read_to_string(repo().join("deploy/config").join(name))
            .expect("example")
            .replace("/etc/kiosk/csca/CN-CSCA.pem", &csca.display().to_string())
            .replace("REPLACE-ME", &hash)
            .replace(
                "/etc/kiosk/pki/ca.pem",
                &pki.join("ca.pem").display().to_string(),
            )
            .replace(
                "/etc/kiosk/pki/device.pem",
                &pki.join("device-XMH01.pem").display().to_string(),
            )
            .replace(
                "/etc/kiosk/pki/device.key",
                &pki.join("device-XMH01.key").display().to_string(),
            );
        let file = dir.path().join(name);
        std::fs::write(&file, text).expect("copy");
        let out = crate::run_logs::kiosk_command()
            .args(["config", "check"])
            .arg(&file)
            .output()
            .expect("run kiosk");
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        if expected.is_empty() {
            assert_eq!(text, "ok\n", "{name}");
            assert!(out.status.success(), "{name}");
        } else {
            assert!(!out.status.success(), "{name}");
            let keys: Vec<&str> = text.lines().filter_map(|l| l.split(": ").nth(1)).collect();
            assert_eq!(keys, expected, "{name}: {text}");
        }
    }
}

#[test]
fn the_published_demo_pin_and_a_shared_reader_are_refused_outside_demo_mode() {
    let demo = std::fs::read_to_string(repo().join("kiosk-station.toml")).expect("demo");
    let real = demo
        .replace("demo = true", "demo = false")
        .replace("kind = \"sim\"                  # sim: simulated", "kind = \"pcsc\"\nreader = \"Virtual PCD 00 00\"\npermit_reader = \"Virtual PCD 00 00\"  # sim: simulated");
    assert_ne!(real, demo);
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("kiosk.toml");
    std::fs::write(&file, real).expect("write");
    let out = crate::run_logs::kiosk_command()
        .args(["config", "check"])
        .arg(&file)
        .output()
        .expect("run kiosk");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success());
    for needle in [
        "technician.pin_hash: is the demo PIN",
        "devices.card.permit_reader: names the same reader",
        "devices.card.csca:",
        "station.terminal:",
        "station.writer:",
    ] {
        assert!(text.contains(needle), "{needle:?} missing:\n{text}");
    }
}

#[test]
fn a_station_kiosk_without_its_csca_file_is_told_where_and_what() {
    let out = crate::run_logs::kiosk_command()
        .args(["config", "check"])
        .arg(repo().join("deploy/config/station-endorsement.toml"))
        .output()
        .expect("run kiosk");
    assert!(!out.status.success());
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    let file = std::fs::read_to_string(repo().join("deploy/config/station-endorsement.toml"))
        .expect("example");
    let line = 1 + file
        .lines()
        .position(|l| l.starts_with("csca ="))
        .expect("the csca line");
    assert!(
        text.contains(&format!("station-endorsement.toml:{line}:"))
            && text.contains("devices.card.csca")
            && text.contains("does not exist"),
        "{text}"
    );
}

/// A CSCA file that exists but holds no certificate is found by `kiosk config check` (with the
/// key's position), not by the first applicant's permit; a service or payment method listed
/// twice is a slip the check names.
#[test]
fn a_csca_file_that_is_not_a_certificate_and_a_repeated_service_are_refused() {
    let demo = std::fs::read_to_string(repo().join("kiosk-station.toml")).expect("demo");
    let dir = tempfile::tempdir().expect("temp dir");
    let not_a_cert = dir.path().join("csca.pem");
    std::fs::write(
        &not_a_cert,
        "-----BEGIN PRIVATE NOTE-----\nnot a certificate\n-----END PRIVATE NOTE-----\n",
    )
    .expect("write");
    let text = demo.replacen(
        "[devices.card]",
        &format!(
            "[devices.card]\ncsca = [{:?}]",
            not_a_cert.display().to_string()
        ),
        1,
    );
    assert_ne!(
        text, demo,
        "the demo station file has a [devices.card] table"
    );
    let text = format!("{text}\n");
    let (ok, stdout, _) = check(&text);
    assert!(!ok);
    assert!(
        stdout.contains("devices.card.csca") && stdout.contains("not a CSCA certificate"),
        "{stdout}"
    );
    let line = stdout
        .lines()
        .find(|l| l.contains("devices.card.csca"))
        .expect("the csca line");
    assert!(line.starts_with("FILE:"), "with its position: {line}");

    let repeated = demo.replacen(
        "payment_methods = [\"terminal\", \"qr\"]",
        "payment_methods = [\"qr\", \"terminal\", \"qr\"]",
        1,
    );
    assert_ne!(
        repeated, demo,
        "the demo station file lists its payment methods"
    );
    let (ok, stdout, _) = check(&repeated);
    assert!(!ok);
    assert!(
        stdout.contains("station.payment_methods") && stdout.contains("\"qr\" is listed twice"),
        "{stdout}"
    );
}

/// An MRZ scanner's table is checked like the printer's: its device named, its speed one a
/// serial line can have, each problem at its key's position.
#[test]
fn an_mrz_scanner_without_a_device_or_with_an_odd_speed_is_refused_at_its_keys() {
    let demo = std::fs::read_to_string(repo().join("kiosk-station.toml")).expect("demo");
    let text = format!("{demo}\n[station.mrz_scanner]\npath = \"\"\nbaud = 4800\n");
    let lines = text.lines().count();
    let (passed, report, _) = check(&text);
    assert!(!passed, "{report}");
    for needle in [
        format!("FILE:{}:", lines - 1),
        "station.mrz_scanner.path: must name the scanner's device".to_string(),
        format!("FILE:{lines}:"),
        "station.mrz_scanner.baud: 4800 is not one of".to_string(),
    ] {
        assert!(report.contains(&needle), "{needle:?} missing:\n{report}");
    }
}

/// A `[station]` table left in a hall kiosk's file does nothing: the check says so, with its
/// line, and still passes (a kiosk must start with a leftover table).
#[test]
fn a_station_table_on_a_hall_kiosk_is_reported_as_ignored() {
    let demo = std::fs::read_to_string(repo().join("kiosk.toml")).expect("demo");
    let text = format!("{demo}\n[station]\npayment_methods = [\"qr\"]\n");
    let line = text.lines().count() - 1;
    let (passed, report, _) = check(&text);
    assert!(passed, "{report}");
    assert!(
        report.contains(&format!("FILE:{line}:"))
            && report.contains("station: ignored: only a station kiosk reads this table"),
        "{report}"
    );
    assert_eq!(report.lines().last(), Some("ok"));
}
