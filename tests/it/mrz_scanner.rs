//! The serial MRZ scanner adapter on a pseudo-terminal: scans framed as readers send them, a
//! device that goes away and comes back, and one that never existed.

use std::io::Write;
use std::time::{Duration, Instant};

use kiosk::devices::card::icao::mrz::permit_line;
use kiosk::devices::mrz::{MrzScanner, ScannerError, SerialScanner, read_permit};

use crate::support::pty;

fn soon() -> Instant {
    Instant::now() + Duration::from_secs(5)
}

#[test]
fn scans_arrive_whole_and_a_vanished_device_is_an_error() {
    let (mut master, slave, path) = pty();
    let mut scanner = SerialScanner::new(&path, Some(9600));
    assert!(
        scanner
            .next_scan(Instant::now() + Duration::from_millis(200))
            .unwrap()
            .is_none(),
        "nothing laid on it"
    );
    let line = permit_line("CS", "C45678901", "350101", "800101");
    // Sent in two pieces, the way a slow line delivers it: still one scan.
    master
        .write_all(format!("\x02{}", &line[..12]).as_bytes())
        .unwrap();
    std::thread::sleep(Duration::from_millis(30));
    master
        .write_all(format!("{}\r\x03", &line[12..]).as_bytes())
        .unwrap();
    let scan = scanner.next_scan(soon()).unwrap().expect("a scan");
    assert_eq!(scan.as_str(), line);
    let permit = read_permit(&scan).unwrap();
    assert_eq!(permit.document_number, "C45678901");

    // Unplugged: the pty's other side closes, reads fail.
    drop(master);
    drop(slave);
    let e = scanner.next_scan(soon()).unwrap_err();
    let ScannerError::Device { path: named, .. } = &e;
    assert_eq!(named, &path);
    assert!(e.to_string().contains(&path), "{e}");
}

#[test]
fn a_device_that_does_not_exist_is_named_in_the_error() {
    let mut scanner = SerialScanner::new("/dev/no-such-mrz-scanner", None);
    let e = scanner.next_scan(soon()).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("MRZ scanner /dev/no-such-mrz-scanner:"),
        "{e}"
    );
}
