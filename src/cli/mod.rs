//! The command line: `kiosk run` (the default) and the technician commands. `compose` is the
//! composition root that turns a `kiosk.toml` into adapters.

mod camera;
mod card;
mod compose;
mod config_cmd;
mod endorsements;
mod face;
mod out_of_service;
mod photo;
mod print;
mod queue;
mod settings;
mod update_gate;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub use compose::{assemble, build_printer};
pub use out_of_service::window as out_of_service_window;
pub use settings::load as load_settings;

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
        command: config_cmd::ConfigCommand,
    },
    /// Card reader tools: list readers, read an ID card or a chip.
    Card {
        #[command(subcommand)]
        command: card::CardCommand,
    },
    /// Camera tools.
    Camera {
        #[command(subcommand)]
        command: camera::CameraCommand,
    },
    /// Holder check tools: compare two faces, measure verification on a set.
    Face {
        #[command(subcommand)]
        command: face::FaceCommand,
    },
    /// Document photo tools.
    Photo {
        #[command(subcommand)]
        command: photo::PhotoCommand,
    },
    /// The outbox of applications waiting for the central.
    Queue {
        #[command(subcommand)]
        command: queue::QueueCommand,
    },
    /// Station kiosk: endorsement transactions not concluded, and recording what staff read on
    /// a permit the kiosk could not read back.
    Endorsements {
        #[command(subcommand)]
        command: endorsements::EndorsementsCommand,
    },
    /// Talks to the central now.
    Sync {
        #[command(subcommand)]
        command: queue::SyncCommand,
    },
    /// Receipt printer tools.
    Print {
        #[command(subcommand)]
        command: print::PrintCommand,
    },
    /// Shows only "out of service" (started by systemd once the kiosk stops restarting).
    OutOfService,
}

pub fn main() -> ExitCode {
    init_logging();
    let cli = Cli::parse();
    match cli.command.unwrap_or(Command::Run) {
        Command::Run => {
            forbid_core_dumps();
            compose::run(&cli.config)
        }
        Command::Config { command } => config_cmd::run(command, &cli.config),
        Command::Card { command } => card::run(command, &cli.config),
        Command::Camera { command } => camera::run(command),
        Command::Face { command } => face::run(command, &cli.config),
        Command::Photo { command } => photo::run(command, &cli.config),
        Command::Print { command } => print::run(command, &cli.config),
        Command::Queue { command } => queue::run(command, &cli.config),
        Command::Sync { command } => queue::run_sync(command, &cli.config),
        Command::Endorsements { command } => endorsements::run(command, &cli.config),
        Command::OutOfService => {
            forbid_core_dumps();
            out_of_service::run(&cli.config)
        }
    }
}

/// Log lines to the journal with their fields as journal fields when systemd connected standard
/// error to it (a unit's default), else as text to standard error; and the newest kept in memory
/// for the diagnostics bundle a central may ask for.
fn init_logging() {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let filter = tracing_subscriber::EnvFilter::try_from_env("KIOSK_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let journal = journal_layer();
    let text = journal.is_none().then(|| {
        tracing_subscriber::fmt::layer()
            .with_writer(std::io::stderr)
            // Colour codes only for a person at a terminal, never in a journal or a file.
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
    });
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(journal)
        .with(text)
        .with(crate::sync::recent_log::RecentLog)
        .try_init();
}

/// The journal's native protocol (tracing-journald), when standard error is the journal's
/// stream: `JOURNAL_STREAM` names its device and inode (systemd.exec(5), "Environment variables
/// in spawned processes"). Each event's fields become journal fields prefixed `KIOSK_`
/// (`KIOSK_NUMBER`, `KIOSK_DEVICE`…), with `SYSLOG_IDENTIFIER=kiosk`, the level as `PRIORITY`:
/// `journalctl -u kiosk KIOSK_COMMAND=…` finds one fleet command's lines.
fn journal_layer() -> Option<tracing_journald::Layer> {
    use std::os::fd::AsFd;
    use std::os::unix::fs::MetadataExt;
    let stream = std::env::var("JOURNAL_STREAM").ok()?;
    let stderr = std::fs::File::from(std::io::stderr().as_fd().try_clone_to_owned().ok()?);
    let meta = stderr.metadata().ok()?;
    if stream != format!("{}:{}", meta.dev(), meta.ino()) {
        return None;
    }
    let layer = tracing_journald::layer().ok()?;
    Some(
        layer
            .with_syslog_identifier("kiosk".into())
            .with_field_prefix(Some("KIOSK".into())),
    )
}

/// Runs the window's event loop until it closes (a restart the central asked for); a clean
/// exit tells the service manager the kiosk is stopping, not crashing.
fn run_window(window: &impl slint::ComponentHandle) -> ExitCode {
    match window.run() {
        Ok(()) => {
            crate::ui::systemd::stopping();
            ExitCode::SUCCESS
        }
        Err(e) => {
            tracing::error!("UI stopped: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Makes this process non-dumpable (prctl(2), `PR_SET_DUMPABLE` 0): no core file whatever the
/// resource limits (PAM may raise them), and no other process of the kiosk user may attach to
/// it or read its memory — it holds applicants' data. Called by the commands that show the
/// screen.
pub fn forbid_core_dumps() {
    // SAFETY: PR_SET_DUMPABLE takes integer arguments only and touches no memory of ours.
    let result = unsafe { libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0) };
    if result != 0 {
        tracing::warn!(error = %std::io::Error::last_os_error(), "the process stays dumpable");
    }
}

/// The store key the configuration names (a systemd credential first; demo mode creates a
/// missing key file).
pub fn store_key(config: &crate::config::Config) -> Result<crate::store::StoreKey, String> {
    crate::store::StoreKey::locate(config.store.key_file.as_deref(), config.ui.demo)
        .map_err(|e| e.to_string())
}

/// Opens the encrypted store with the configured key and limits; errors are ready to print.
pub fn open_store(config: &crate::config::Config) -> Result<crate::store::Store, String> {
    let key = store_key(config)?;
    crate::store::Store::open_with(
        &config.store.data_dir,
        &key,
        settings::store_limits(&config.store),
    )
    .map_err(|e| format!("store at {}: {e}", config.store.data_dir.display()))
}

/// Opens the store for a command that reads or settles what is already in it. A store that does
/// not exist is reported, not created: a mistyped `--config` or `store.data_dir` would otherwise
/// leave an empty store behind and report an empty queue as if all were well.
pub fn open_existing_store(config: &crate::config::Config) -> Result<crate::store::Store, String> {
    let path = crate::store::db_path(&config.store.data_dir);
    match std::fs::metadata(&path) {
        Ok(_) => open_store(config),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(format!(
            "no store at {}: no kiosk has run with this configuration yet (check --config and \
             store.data_dir)",
            path.display()
        )),
        // Most often permissions: the store is the kiosk user's (`sudo -u kiosk kiosk …`).
        Err(e) => Err(format!(
            "store at {}: {e} (run as the kiosk's user: sudo -u kiosk kiosk …)",
            path.display()
        )),
    }
}

/// Loads the configuration or prints every problem; for commands that need a valid file.
fn load_config(file: &std::path::Path) -> Result<crate::config::Config, ExitCode> {
    let config = settings::load(file).map_err(|errors| {
        for e in errors {
            eprintln!("{e}");
        }
        ExitCode::FAILURE
    })?;
    for note in crate::config::notes_in(file, &config) {
        tracing::warn!(%note, "configuration");
    }
    Ok(config)
}
