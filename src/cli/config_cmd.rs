//! `kiosk config check|hash-pin`.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Subcommand;

use crate::config;

#[derive(Subcommand)]
pub enum ConfigCommand {
    /// Checks a configuration file: prints `ok` or every problem as FILE:LINE:COL: key: message.
    Check {
        /// The file to check (default: --config).
        file: Option<PathBuf>,
    },
    /// Reads a technician PIN from standard input and prints the hash for `technician.pin_hash`.
    HashPin,
}

pub fn run(command: ConfigCommand, default_file: &Path) -> ExitCode {
    match command {
        ConfigCommand::Check { file } => check(file.as_deref().unwrap_or(default_file)),
        ConfigCommand::HashPin => hash_pin(),
    }
}

fn check(file: &Path) -> ExitCode {
    match super::settings::load(file) {
        Ok(config) => {
            for note in crate::config::notes_in(file, &config) {
                println!("{note}");
            }
            for note in unprovisioned(file, &config.central) {
                println!("{note}");
            }
            println!("ok");
            ExitCode::SUCCESS
        }
        Err(errors) => {
            for e in errors {
                println!("{e}");
            }
            ExitCode::FAILURE
        }
    }
}

/// The central's certificates not yet in place: normal right after the package is installed,
/// so a note, not a problem; but the kiosk will not start until they are.
fn unprovisioned(file: &Path, central: &config::Central) -> Vec<String> {
    [
        ("central.ca_cert", &central.ca_cert),
        ("central.client_cert", &central.client_cert),
        ("central.client_key", &central.client_key),
    ]
    .into_iter()
    .filter(|(_, path)| !path.is_file())
    .map(|(key, path)| {
        format!(
            "{}: {key}: {} is not there yet: the kiosk will not start until it is provisioned \
             (README \"Installing\")",
            file.display(),
            path.display()
        )
    })
    .collect()
}

fn hash_pin() -> ExitCode {
    let mut pin = String::new();
    if std::io::stdin().read_to_string(&mut pin).is_err() {
        eprintln!("cannot read the PIN from standard input");
        return ExitCode::FAILURE;
    }
    let pin = pin.trim();
    if pin.len() < 4 || !pin.chars().all(|c| c.is_ascii_digit()) {
        eprintln!("a technician PIN is at least 4 digits");
        return ExitCode::FAILURE;
    }
    match config::hash_pin(pin) {
        Ok(hash) => {
            println!("{hash}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("cannot hash the PIN: {e}");
            ExitCode::FAILURE
        }
    }
}
