//! `kiosk print sample|status|test|reprint`: for technicians setting up and checking printers.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Subcommand;

use super::{build_printer, load_config};
use crate::devices::printer::receipt;
use crate::devices::printer::{
    PrinterProfile, SAMPLE_SITE, escpos, preview, sample_application, test_page,
};
use crate::domain::catalogue::Catalogue;

#[derive(Subcommand)]
pub enum PrintCommand {
    /// Renders the sample application form (a made-up applicant) to files; needs no printer.
    Sample {
        /// Paper width in millimetres: 58 or 80.
        #[arg(long, default_value_t = 80, value_parser = clap::value_parser!(u32).range(58..=80))]
        width: u32,
        /// Printer profile (overrides --width), e.g. sprt-58 or raster-80.
        #[arg(long)]
        profile: Option<String>,
        /// Where to write the ESC/POS bytes.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Where to write a PNG preview of the paper.
        #[arg(long)]
        png: Option<PathBuf>,
    },
    /// Asks the configured printer for its status.
    Status,
    /// Prints a test page on the configured printer.
    Test,
    /// Prints a stored form again (staff reprint; forms are kept for `reprint_hours`).
    Reprint {
        /// The application number on the form.
        number: String,
    },
}

pub fn run(command: PrintCommand, config_file: &Path) -> ExitCode {
    match command {
        PrintCommand::Sample {
            width,
            profile,
            out,
            png,
        } => sample(width, profile.as_deref(), out, png),
        PrintCommand::Status => status(config_file),
        PrintCommand::Test => test_page(config_file),
        PrintCommand::Reprint { number } => reprint(config_file, &number),
    }
}

fn sample(
    width: u32,
    profile: Option<&str>,
    out: Option<PathBuf>,
    png: Option<PathBuf>,
) -> ExitCode {
    let name = match (profile, width) {
        (Some(name), _) => name,
        (None, 58) => "generic-58",
        (None, 80) => "generic-80",
        (None, other) => {
            eprintln!("--width is 58 or 80, not {other}");
            return ExitCode::FAILURE;
        }
    };
    let Some(profile) = PrinterProfile::builtin(name) else {
        eprintln!(
            "unknown profile {name:?}; known: {}",
            PrinterProfile::BUILTIN_NAMES.join(", ")
        );
        return ExitCode::FAILURE;
    };
    let app = sample_application();
    let form = receipt::application_form(&app, &Catalogue::builtin(), SAMPLE_SITE);
    let bytes = escpos::encode(&form, &profile);
    println!(
        "sample form {}: {} bytes for {} ({} dots)",
        app.number,
        bytes.len(),
        profile.name,
        profile.dots
    );
    if let Some(path) = out {
        if let Err(e) = std::fs::write(&path, &bytes) {
            eprintln!("cannot write {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
        println!("bytes: {}", path.display());
    }
    if let Some(path) = png {
        match preview::render(&bytes, profile.dots).map(|img| img.save(&path)) {
            Ok(Ok(())) => println!("preview: {}", path.display()),
            Ok(Err(e)) => {
                eprintln!("cannot write {}: {e}", path.display());
                return ExitCode::FAILURE;
            }
            Err(e) => {
                eprintln!("the job does not read back: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}

fn status(config_file: &Path) -> ExitCode {
    let config = match load_config(config_file) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let state = build_printer(&config).status();
    println!("{state}");
    if state.can_print() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn send(config: &crate::config::Config, job: &str, bytes: &[u8]) -> ExitCode {
    match build_printer(config).print(job, bytes) {
        Ok(state) => {
            println!("printed {job} ({} bytes); printer {state}", bytes.len());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{job}: {e}");
            ExitCode::FAILURE
        }
    }
}

fn test_page(config_file: &Path) -> ExitCode {
    let config = match load_config(config_file) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let profile = super::settings::printer_profile(&config.devices.printer);
    let number = format!("{}TEST", config.device.id);
    println!(
        "test page: section A is the printer's own CODE128 and QR, section B the kiosk's raster \
         codes; if A is garbled or empty, use a profile with raster codes"
    );
    send(
        &config,
        &number,
        &test_page::job(&config.device.id, &profile),
    )
}

fn reprint(config_file: &Path, number: &str) -> ExitCode {
    let config = match load_config(config_file) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let job = super::open_existing_store(&config)
        .and_then(|s| s.print_job(number).map_err(|e| e.to_string()));
    match job {
        Ok(Some(bytes)) => send(&config, number, &bytes),
        Ok(None) => {
            eprintln!(
                "{number}: no stored form (wrong number, or older than {} hours)",
                config.devices.printer.reprint_hours
            );
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
