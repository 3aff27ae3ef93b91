//! The development central as the tests run it: a process on loopback with its own
//! development PKI (devices SYNC01, DEMO01 and TEST01), mTLS links into it, and a foreign PKI
//! for the certificate negatives.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use kiosk::dev::pki;
use kiosk::sync::link::{Link, TlsMaterial};

use crate::support::central_bin;

/// The devices the test PKI has certificates for.
pub const DEVICES: &[&str] = &["SYNC01", "DEMO01", "TEST01"];

/// A development PKI in a temporary directory, with its CA at hand to issue more.
pub struct TestPki {
    pub dir: tempfile::TempDir,
    pub ca: pki::DevCa,
}

/// The CA, certificate and key of `device` in a test PKI's directory (another process's).
pub fn material_in(dir: &Path, device: &str) -> TlsMaterial {
    TlsMaterial::read(
        &dir.join(pki::CA_FILE),
        &dir.join(pki::device_cert_file(device)),
        &dir.join(pki::device_key_file(device)),
    )
    .expect("tls material")
}

impl TestPki {
    pub fn new() -> TestPki {
        let dir = tempfile::tempdir().expect("temp dir");
        let ca = pki::DevCa::new("Kiosk test CA").expect("ca");
        std::fs::write(dir.path().join(pki::CA_FILE), ca.cert_pem()).expect("ca.pem");
        let server = ca.server(&["localhost", "127.0.0.1"]).expect("server");
        pki::write_pair(
            dir.path(),
            pki::SERVER_CERT_FILE,
            pki::SERVER_KEY_FILE,
            &server,
        )
        .expect("server files");
        for device in DEVICES {
            let pair = ca
                .device(device, time::Duration::days(-1), 30)
                .expect("device");
            pki::write_pair(
                dir.path(),
                &pki::device_cert_file(device),
                &pki::device_key_file(device),
                &pair,
            )
            .expect("device files");
        }
        TestPki { dir, ca }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The CA, certificate and key of `device`.
    pub fn material(&self, device: &str) -> TlsMaterial {
        material_in(self.dir.path(), device)
    }

    /// An mTLS link to `url` as `device`.
    pub fn link(&self, url: &str, device: &str, timeout: Duration) -> Link {
        Link::new(url, &self.material(device), timeout).expect("link")
    }

    /// The `[central]` table of a kiosk.toml that talks to `url` as `device`.
    pub fn central_table(&self, url: &str, device: &str) -> String {
        format!(
            "[central]\nurl = {url:?}\nca_cert = {:?}\nclient_cert = {:?}\nclient_key = {:?}\n",
            self.path(pki::CA_FILE).display().to_string(),
            self.path(&pki::device_cert_file(device))
                .display()
                .to_string(),
            self.path(&pki::device_key_file(device))
                .display()
                .to_string(),
        )
    }
}

/// A running development central; killed on drop.
pub struct Central {
    child: Child,
    pub url: String,
    pub pki: TestPki,
    pub data: tempfile::TempDir,
}

impl Drop for Central {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        crate::run_logs::keep(
            &self.data.path().join("central.log"),
            &format!("central-{}.log", self.child.id()),
        );
    }
}

impl Central {
    /// An mTLS link as `device` with a 10-second request timeout.
    pub fn link(&self, device: &str) -> Link {
        self.pki.link(&self.url, device, Duration::from_secs(10))
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.data.path().join("central.log")).unwrap_or_default()
    }

    pub fn db(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(self.data.path().join("central.db")).expect("central db")
    }

    /// Where the central reads per-device configurations (`<device>.json`).
    pub fn config_dir(&self) -> PathBuf {
        self.data.path().join("configs")
    }
}

/// An mTLS link as `TEST01` to `central`, or with `None` to an address where nothing answers
/// (a central that is down).
pub fn link_or_down(central: Option<&Central>) -> Link {
    match central {
        Some(c) => c.link("TEST01"),
        None => {
            let idle = central_on("127.0.0.1:0");
            let link = idle.link("TEST01");
            drop(idle);
            link
        }
    }
}

pub fn central_on(listen: &str) -> Central {
    central_with(listen, &[])
}

/// A development central started with extra arguments (the fault layer).
pub fn central_with(listen: &str, extra: &[&str]) -> Central {
    central_with_pki(listen, TestPki::new(), extra)
}

pub fn central_with_pki(listen: &str, pki: TestPki, extra: &[&str]) -> Central {
    let data = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(data.path().join("configs")).expect("configs");
    let log = std::fs::File::create(data.path().join("central.log")).expect("log file");
    let mut child = Command::new(central_bin())
        .args(["--listen", listen, "--tls"])
        .arg(pki.dir.path())
        .arg("--data")
        .arg(data.path())
        .arg("--config-dir")
        .arg(data.path().join("configs"))
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .expect("start central");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("read");
    let addr = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected: {line}"));
    Central {
        child,
        url: format!("https://{addr}"),
        pki,
        data,
    }
}

/// A kiosk.toml for a kiosk process on the store in `data` (test key) talking to `central` as
/// `device`, written into `dir`.
pub fn kiosk_config(dir: &Path, data: &Path, pki: &TestPki, url: &str, device: &str) -> PathBuf {
    config_from("kiosk.toml", dir, data, pki, url, device)
}

/// The same from the station kiosk's demo configuration (`kiosk-station.toml`).
pub fn station_config(dir: &Path, data: &Path, pki: &TestPki, url: &str, device: &str) -> PathBuf {
    config_from("kiosk-station.toml", dir, data, pki, url, device)
}

fn config_from(
    demo: &str,
    dir: &Path,
    data: &Path,
    pki: &TestPki,
    url: &str,
    device: &str,
) -> PathBuf {
    let base = std::fs::read_to_string(crate::support::repo().join(demo)).expect(demo);
    let start = base.find("[central]").expect("[central] table");
    let end = base[start..]
        .find("\n[technician]")
        .map(|i| start + i + 1)
        .expect("[technician] table");
    let text = format!(
        "{}{}\n{}",
        &base[..start],
        pki.central_table(url, device),
        &base[end..]
    )
    .replace("id = \"DEMO01\"", &format!("id = {device:?}"));
    // The store's two paths, whatever the demo names them.
    let text: String = text
        .lines()
        .map(|line| {
            if line.starts_with("data_dir = ") {
                format!("data_dir = {:?}\n", data.display().to_string())
            } else if line.starts_with("key_file = ") {
                format!(
                    "key_file = {:?}\n",
                    dir.join("store.key").display().to_string()
                )
            } else {
                format!("{line}\n")
            }
        })
        .collect();
    if !dir.join("store.key").exists() {
        crate::support::write_test_key(&dir.join("store.key"));
    }
    let config = dir.join("kiosk.toml");
    std::fs::write(&config, text).expect("write config");
    config
}
