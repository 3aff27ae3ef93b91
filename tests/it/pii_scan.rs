//! The personal-data search over the logs of the whole test run (issue 6): `make test` runs the
//! test suite with `KIOSK_TEST_LOG_DIR` set (see `run_logs`), then this test, which fails if
//! any log names a test applicant — name, ID number, address, phone number or permit number —
//! or carries terminal colour codes.

use chrono::NaiveDate;

#[test]
#[ignore = "run by `make test` after the whole suite, on the logs it left"]
fn the_logs_of_the_whole_test_run_name_no_applicant() {
    let dir = crate::run_logs::dir().expect("KIOSK_TEST_LOG_DIR names the run's log directory");
    let mut logs = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("log directory") {
        let path = entry.expect("entry").path();
        logs.push((
            path.display().to_string(),
            std::fs::read(&path).expect("log"),
        ));
    }
    let all: usize = logs.iter().map(|(_, b)| b.len()).sum();
    let holds = |needle: &str| {
        logs.iter()
            .any(|(_, b)| b.windows(needle.len()).any(|w| w == needle.as_bytes()))
    };
    // The search is over real logs of the run: the kiosk's, the processes' and the centrals'.
    assert!(
        all > 100_000,
        "only {all} bytes of logs in {}",
        dir.display()
    );
    for marker in [
        "store: application saved and queued",
        "sync: acknowledged, personal data purged",
        "submission received",
        "heartbeat",
        // The station kiosk's flows ran and logged.
        "endorsement: state stored",
        "endorsement: recovery",
    ] {
        assert!(
            holds(marker),
            "no log line {marker:?}: the capture is incomplete"
        );
    }
    // Logs written to a file or a pipe carry no terminal colour codes (issue 14, item 7): the
    // journal and a technician's `grep` see plain text.
    for (path, bytes) in &logs {
        assert!(
            !bytes.windows(2).any(|w| w == b"\x1b["),
            "{path} holds ANSI escape sequences"
        );
    }
    let mut secrets: Vec<String> = vec!["13912345678".into(), "13900000000".into()];
    for day in [
        NaiveDate::from_ymd_opt(2026, 11, 25).expect("date"),
        chrono::Local::now().date_naive(),
    ] {
        for permit in kiosk::domain::samples::sample_permits(day) {
            secrets.push(permit.facts.document_number.clone());
        }
        for person in kiosk::domain::samples::sample_identities(day) {
            secrets.extend([
                person.name.clone(),
                person.id_number.clone(),
                person.address.clone(),
                person.name_latin.clone(),
            ]);
        }
    }
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        for (path, bytes) in &logs {
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "{path} names a test applicant ({} characters)",
                secret.chars().count()
            );
        }
    }
}
