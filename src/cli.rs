//! The command line and the composition root: reads `kiosk.toml`, builds the adapters it names
//! and hands them to the UI; technician commands live here too.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};

use crate::config::{
    self, CameraKind, CardKind, Config, PrinterKind, PrinterProfile, ThemeVariant,
};
use crate::devices::camera::{FrameSource, sim::SimCamera};
use crate::devices::card::sim::sim_reader;
use crate::devices::printer::{FilePrinter, PaperProfile, Printer};
use crate::domain::catalogue::Catalogue;
use crate::photo::PhotoSpec;
use crate::store::Store;
use crate::ui;

#[derive(Parser)]
#[command(name = "kiosk", version, about = "Exit-entry self-service kiosk")]
struct Cli {
    /// Configuration file.
    #[arg(long, short, global = true, default_value = "kiosk.toml")]
    config: PathBuf,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Runs the kiosk (the default).
    Run,
    /// Configuration tools.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Checks a configuration file: prints `ok` or every problem as FILE:LINE:COL: key: message.
    Check {
        /// The file to check (default: --config).
        file: Option<PathBuf>,
    },
    /// Reads a technician PIN from standard input and prints the hash for `technician.pin_hash`.
    HashPin,
}

pub fn main() -> ExitCode {
    init_logging();
    let cli = Cli::parse();
    match cli.command.unwrap_or(Command::Run) {
        Command::Run => run(&cli.config),
        Command::Config {
            command: ConfigCommand::Check { file },
        } => check(file.as_deref().unwrap_or(&cli.config)),
        Command::Config {
            command: ConfigCommand::HashPin,
        } => hash_pin(),
    }
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("KIOSK_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

fn check(file: &Path) -> ExitCode {
    match config::load(file) {
        Ok(_) => {
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

/// Builds the kiosk from a configuration: the adapters it names, the store and the sync worker.
pub fn assemble(config: &Config) -> Result<ui::Kiosk, String> {
    let today = chrono::Local::now().date_naive();
    let (card, demo_cards) = match config.devices.card.kind {
        CardKind::Sim => {
            let (reader, slot) = sim_reader(today);
            (
                Box::new(reader) as Box<dyn crate::devices::card::CardReader>,
                config.ui.demo.then_some(slot),
            )
        }
        CardKind::Pcsc => {
            return Err(
                "devices.card.kind = \"pcsc\" is not available in this build yet (issue 3)".into(),
            );
        }
    };
    let camera: Box<dyn FrameSource> = match config.devices.camera.kind {
        CameraKind::Sim => Box::new(SimCamera::new(1280, 720).map_err(|e| e.to_string())?),
        CameraKind::V4l => {
            return Err(
                "devices.camera.kind = \"v4l\" is not available in this build yet (issue 5)".into(),
            );
        }
    };
    let paper = match config.devices.printer.profile {
        PrinterProfile::Mm58 => PaperProfile::MM58,
        PrinterProfile::Mm80 => PaperProfile::MM80,
    };
    let printer: Box<dyn Printer> = match config.devices.printer.kind {
        PrinterKind::Sim => Box::new(FilePrinter::new(
            config.store.data_dir.join("receipts"),
            paper,
            true,
        )),
        PrinterKind::File => Box::new(FilePrinter::new(
            PathBuf::from(config.devices.printer.target.clone().unwrap_or_default()),
            paper,
            false,
        )),
        other => {
            return Err(format!(
                "devices.printer.kind = {other:?} is not available in this build yet (issue 4)"
            ));
        }
    };
    let store = Store::open(&config.store.data_dir)
        .map_err(|e| format!("store at {}: {e}", config.store.data_dir.display()))?;
    let sync =
        crate::sync::worker::spawn(config.store.data_dir.clone(), config.central.url.clone())
            .map_err(|e| format!("sync worker: {e}"))?;
    Ok(ui::Kiosk {
        settings: ui::Settings {
            device_id: config.device.id.clone(),
            site_name: config.device.site_name.clone(),
            languages: config.ui.languages.clone(),
            default_language: config.ui.default_language.clone(),
            theme: match config.ui.theme {
                ThemeVariant::Normal => ui::ThemeVariant::Normal,
                ThemeVariant::LargeText => ui::ThemeVariant::LargeText,
                ThemeVariant::HighContrast => ui::ThemeVariant::HighContrast,
            },
            timeouts: config.timeouts(),
            photo: PhotoSpec::default(),
        },
        catalogue: Arc::new(Catalogue::builtin()),
        devices: ui::Devices {
            card,
            demo_cards,
            camera,
            printer,
        },
        store,
        sync: Some(sync),
    })
}

fn run(file: &Path) -> ExitCode {
    let config = match config::load(file) {
        Ok(c) => c,
        Err(errors) => {
            for e in errors {
                eprintln!("{e}");
            }
            return ExitCode::FAILURE;
        }
    };
    let kiosk = match assemble(&config) {
        Ok(k) => k,
        Err(e) => {
            tracing::error!("cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    tracing::info!(device = %config.device.id, kind = ?config.device.kind, "kiosk starting");
    let running = match ui::start(kiosk) {
        Ok(r) => r,
        Err(e) => {
            tracing::error!("cannot open the window: {e}");
            return ExitCode::FAILURE;
        }
    };
    match slint::ComponentHandle::run(&running.window) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("UI stopped: {e}");
            ExitCode::FAILURE
        }
    }
}
