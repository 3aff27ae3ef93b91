//! The logs of the whole test run, kept for the personal-data search that `make test` runs
//! after the tests (`pii_scan`). With `KIOSK_TEST_LOG_DIR` set:
//!
//! * this test binary logs everything at debug level to `it-<pid>.log` from before `main`
//!   (an `.init_array` constructor, so no test can run before the subscriber is in place);
//! * kiosk processes started through [`kiosk_command`] copy their standard error there;
//! * each development central's log is copied there when the test drops it.
//!
//! Without the variable (a plain `cargo test`) nothing is kept.

use std::path::PathBuf;
use std::process::Command;

pub const DIR_VAR: &str = "KIOSK_TEST_LOG_DIR";

pub fn dir() -> Option<PathBuf> {
    std::env::var_os(DIR_VAR).map(PathBuf::from)
}

extern "C" fn install_subscriber() {
    let Some(dir) = dir() else { return };
    if std::fs::create_dir_all(&dir).is_err() {
        return;
    }
    let path = dir.join(format!("it-{}.log", std::process::id()));
    let Ok(file) = std::fs::File::create(path) else {
        return;
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("debug"))
        .with_ansi(false)
        .with_writer(std::sync::Mutex::new(file))
        .try_init();
}

#[used]
#[unsafe(link_section = ".init_array")]
static INSTALL: extern "C" fn() = install_subscriber;

/// A command running the kiosk binary; with a log directory its standard error is also
/// appended to `kiosk-processes.log` there (through `tee`, so the test still reads it).
pub fn kiosk_command() -> Command {
    let kiosk = crate::support::kiosk_bin();
    match dir() {
        None => Command::new(kiosk),
        Some(dir) => {
            let mut c = Command::new("bash");
            c.arg("-c")
                .arg(r#"exec "$0" "$@" 2> >(tee -a "$KIOSK_PROCESS_LOG" >&2)"#)
                .arg(kiosk)
                .env("KIOSK_PROCESS_LOG", dir.join("kiosk-processes.log"));
            c
        }
    }
}

/// Keeps a copy of a log file (a central's) under `name` in the log directory.
pub fn keep(path: &std::path::Path, name: &str) {
    if let Some(dir) = dir() {
        let _ = std::fs::create_dir_all(&dir);
        let _ = std::fs::copy(path, dir.join(name));
    }
}
