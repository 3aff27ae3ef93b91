//! The composition root: builds the adapters a configuration names and starts the kiosk.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::app;
use crate::config::{
    CameraKind, CardKind, Config, HallPaymentMode, HolderCheckMode, HolderCheckSettings, KioskKind,
    PrinterKind, TerminalKind, WriterKind,
};
use crate::devices::camera::{CameraOpener, FrameSource, sim::SimCamera};
use crate::devices::card::icao::pa;
use crate::devices::card::idcard::portrait::PortraitDecoder;
use crate::devices::card::idcard::sam::SamModule;
use crate::devices::card::permit::{PcscPermitReader, PermitReader, sim_permit_reader};
use crate::devices::card::readers::pcsc_id::PcscIdReader;
use crate::devices::card::readers::sam::SamReader;
use crate::devices::card::readers::sim::sim_reader;
use crate::devices::card::{CardReader, DemoCards};
use crate::devices::mrz::{DemoScan, MrzScanner, SerialScanner, SimScanner};
use crate::devices::payment::{self, PaymentTerminal, SimOutcome, SimTerminal, TERMINAL_LIMIT};
use crate::devices::printer::transport::{Device, Tcp};
use crate::devices::printer::{EscPosPrinter, FilePrinter, Printer};
use crate::devices::voice::Style;
use crate::devices::voice::aplay::Aplay;
use crate::devices::voice::espeak::Espeak;
use crate::devices::writer::{self, EndorsementWriter, SimWriter, WRITER_LIMIT, WriterScript};
use crate::domain::catalogue::Catalogue;
use crate::domain::divisions::Divisions;
use crate::domain::holder::HolderPolicy;
use crate::face::check::CheckSettings;
use crate::ime::port::InputMethod;
use crate::ime::rime::RimeEngine;
use crate::store::Store;
use crate::sync::fleet::{Fleet, Live, Settings as LiveSettings};
use crate::sync::link::Link;
use crate::sync::station::StationClient;
use crate::ui;

use super::settings;

/// The printer adapter the configuration names.
pub fn build_printer(config: &Config) -> Box<dyn Printer> {
    let p = &config.devices.printer;
    let target = p.target.clone().unwrap_or_default();
    let timeout = Duration::from_millis(p.timeout_ms);
    let dots = settings::printer_profile(p).dots;
    match p.kind {
        PrinterKind::Sim => Box::new(FilePrinter::new(
            config.store.data_dir.join("receipts"),
            dots,
            true,
        )),
        PrinterKind::File => Box::new(FilePrinter::new(PathBuf::from(target), dots, false)),
        PrinterKind::Tcp => Box::new(EscPosPrinter::new(Box::new(Tcp::new(&target, timeout)))),
        PrinterKind::Usb => Box::new(EscPosPrinter::new(Box::new(Device::usb(&target, timeout)))),
        PrinterKind::Serial => Box::new(EscPosPrinter::new(Box::new(Device::serial(
            &target, p.baud, timeout,
        )))),
    }
}

#[cfg(feature = "camera-v4l")]
fn v4l_opener(device: String) -> Result<CameraOpener, String> {
    Ok(Box::new(move || {
        Ok(
            Box::new(crate::devices::camera::v4l::V4lCamera::open(&device)?)
                as Box<dyn FrameSource>,
        )
    }))
}

#[cfg(not(feature = "camera-v4l"))]
fn v4l_opener(_device: String) -> Result<CameraOpener, String> {
    Err("devices.camera.kind = \"v4l\" needs a build with the camera-v4l feature".into())
}

fn portrait_decoder(c: &crate::config::CardSettings) -> Result<Option<PortraitDecoder>, String> {
    c.photo_decoder
        .as_deref()
        .map(PortraitDecoder::load)
        .transpose()
        .map_err(|e| format!("devices.card.photo_decoder: {e}"))
}

fn local_today() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}

/// Builds the kiosk from a configuration: the adapters it names, the store and the sync worker.
pub fn assemble(config: &Config) -> Result<app::Kiosk, String> {
    let today = local_today();
    type Cards = (Box<dyn CardReader>, Option<Box<dyn DemoCards>>);
    let (card, demo_cards): Cards = match config.devices.card.kind {
        CardKind::Sim => {
            let (reader, slot) = sim_reader(today, true);
            let demo = config.ui.demo.then(|| Box::new(slot) as Box<dyn DemoCards>);
            (Box::new(reader), demo)
        }
        CardKind::Pcsc => {
            let c = &config.devices.card;
            let decoder = portrait_decoder(c)?;
            let reader = PcscIdReader::new(
                c.reader.clone(),
                settings::pseudo_apdu(c),
                local_today,
                decoder,
            );
            (Box::new(reader), None)
        }
        CardKind::SamSerial => {
            let c = &config.devices.card;
            let port = c.port.clone().unwrap_or_default();
            let module = SamModule::new(&port, c.baud, Duration::from_secs(2));
            let decoder = portrait_decoder(c)?;
            (Box::new(SamReader::new(module, local_today, decoder)), None)
        }
    };
    let camera: CameraOpener = match config.devices.camera.kind {
        CameraKind::Sim => {
            Box::new(|| Ok(Box::new(SimCamera::new(1280, 720)?) as Box<dyn FrameSource>))
        }
        CameraKind::V4l => v4l_opener(config.devices.camera.device.clone().unwrap_or_default())?,
    };
    let key = super::store_key(config)?;
    let store = Store::open_with(
        &config.store.data_dir,
        &key,
        settings::store_limits(&config.store),
    )
    .map_err(|e| format!("store at {}: {e}", config.store.data_dir.display()))?;
    let store = Arc::new(std::sync::Mutex::new(store));
    let link = settings::link(&config.central).map_err(|e| e.to_string())?;
    let (station, records, fee) = match config.device.kind {
        KioskKind::StationEndorsement => (Some(station(config, &link, today)?), None, None),
        // The hall asks the central for the applicant's documents on record and booking, and
        // where it takes the fee, for the payment.
        KioskKind::HallSelfFill => {
            let client =
                StationClient::new(link.clone()).map_err(|e| format!("documents client: {e}"))?;
            let fee = match &config.hall.payment {
                Some(p) if p.mode != HallPaymentMode::Off => Some(app::FeeDesk {
                    client: StationClient::new(link.clone())
                        .map_err(|e| format!("payment client: {e}"))?,
                    terminal: (p.mode == HallPaymentMode::Terminal).then(|| terminal(p.terminal)),
                    wait_seconds: p.wait_seconds,
                    poll: Duration::from_secs(1),
                }),
                _ => None,
            };
            (None, Some(client), fee)
        }
    };
    let staff = match config.ui.call_staff {
        true => {
            Some(StationClient::new(link.clone()).map_err(|e| format!("staff-call client: {e}"))?)
        }
        false => None,
    };
    let catalogue = Arc::new(Catalogue::builtin());
    let live = Live::new(LiveSettings {
        version: None,
        timeouts: settings::timeouts(&config.timeouts),
        languages: config.ui.languages.clone(),
        default_language: config.ui.default_language.clone(),
        catalogue: catalogue.clone(),
        divisions: Arc::new(Divisions::builtin()),
        hours: None,
    });
    let fleet = Fleet {
        device_id: config.device.id.clone(),
        every: Duration::from_secs(config.central.heartbeat_seconds),
        data_dir: config.store.data_dir.clone(),
        live: live.clone(),
    };
    fleet.restore();
    let sync = crate::sync::worker::spawn(
        store.clone(),
        link,
        config.store.tombstone_days,
        Some(fleet),
    )
    .map_err(|e| format!("sync worker: {e}"))?;
    Ok(app::Kiosk {
        settings: app::Settings {
            device_id: config.device.id.clone(),
            site_name: config.device.site_name.clone(),
            languages: config.ui.languages.clone(),
            default_language: config.ui.default_language.clone(),
            display: settings::display(config.ui.theme),
            timeouts: settings::timeouts(&config.timeouts),
            photo: settings::photo_spec(&config.photo),
            max_photo_attempts: config.photo.max_attempts,
            pin_hash: config.technician.pin_hash.clone(),
            holder_check: holder_check(config, config.hall.holder_check.as_ref()),
        },
        catalogue,
        devices: app::Devices {
            card,
            demo_cards,
            camera,
            printer: build_printer(config),
            printer_profile: settings::printer_profile(&config.devices.printer),
            reprint_hours: config.devices.printer.reprint_hours,
        },
        store,
        sync: Some(sync),
        live: Some(live),
        station,
        records,
        fee,
        staff,
        ime: input_method(config),
        voice: voice(config),
    })
}

/// Voice guidance where `[voice] enabled` (the default): eSpeak NG, played through ALSA. The
/// sound is tried at start, so a kiosk without a sound card says so in its first log lines.
fn voice(config: &Config) -> Option<app::VoiceSetup> {
    let v = &config.voice;
    v.enabled.then(|| app::VoiceSetup {
        synthesizer: Box::new(Espeak::new()),
        out: {
            let mut out = Aplay::new(&v.device);
            // A failure is logged by the check itself; the kiosk runs silent.
            let _ = out.check();
            Box::new(out)
        },
        style: Style {
            volume: v.volume,
            words_per_minute: v.words_per_minute,
        },
        with_large_text: v.with_large_text,
    })
}

/// The on-screen keyboard's pinyin input method: librime, started now so its first start
/// (preparing the dictionaries under the data directory) is over before an applicant types.
/// The station kiosk types no text.
fn input_method(config: &Config) -> Option<Arc<dyn InputMethod>> {
    (config.device.kind == KioskKind::HallSelfFill).then(|| {
        Arc::new(RimeEngine::shared(&config.store.data_dir.join("rime"))) as Arc<dyn InputMethod>
    })
}

/// The payment terminal's adapter: only the simulated one, which approves every payment, until
/// a vendor adapter is written (docs/STATION.md).
fn terminal(kind: TerminalKind) -> Box<dyn PaymentTerminal> {
    let device: Box<dyn PaymentTerminal> = match kind {
        TerminalKind::Sim => Box::new(SimTerminal::new(SimOutcome::Approve)),
    };
    Box::new(payment::bounded(device, TERMINAL_LIMIT))
}

/// The station kiosk's devices: the permit reader beside the ID reader (simulated with the
/// simulated ID reader, else PC/SC), the payment terminal and the writer module (simulated:
/// no vendor adapter exists yet), and the central's station endpoints on the kiosk's link.
fn station(config: &Config, link: &Link, today: chrono::NaiveDate) -> Result<app::Station, String> {
    let c = &config.devices.card;
    let s = &config.station;
    let mut scanner = s
        .mrz_scanner
        .as_ref()
        .map(|m| Box::new(SerialScanner::new(&m.path, m.baud)) as Box<dyn MrzScanner>);
    let mut demo_scan = None;
    let (permit, demo_permits): (Box<dyn PermitReader>, Option<Box<dyn DemoCards>>) = match c.kind {
        CardKind::Sim => {
            let (reader, slot) = sim_permit_reader(today);
            // The demo shows the scanner too, unless a real one is configured: its button lays
            // the sample permit on the reader on a simulated scanner.
            if config.ui.demo && scanner.is_none() {
                let (sim, hand) = SimScanner::new();
                scanner = Some(Box::new(sim));
                demo_scan = Some(DemoScan::new(slot.clone(), hand));
            }
            let demo = config.ui.demo.then(|| Box::new(slot) as Box<dyn DemoCards>);
            (Box::new(reader), demo)
        }
        CardKind::Pcsc | CardKind::SamSerial => {
            let cscas = pa::load_cscas(&c.csca).map_err(|e| format!("devices.card.csca: {e}"))?;
            let reader =
                PcscPermitReader::new(c.permit_reader.clone(), cscas, settings::extended_length(c));
            (Box::new(reader), None)
        }
    };
    let terminal = terminal(s.terminal);
    let module: Box<dyn EndorsementWriter> = match s.writer {
        // The simulated module can reprint the back, so demo mode shows that service.
        WriterKind::Sim => Box::new(SimWriter::new(WriterScript::Succeed, true)),
    };
    let writer = Box::new(writer::bounded(module, WRITER_LIMIT));
    let central = StationClient::new(link.clone()).map_err(|e| format!("station client: {e}"))?;
    Ok(app::Station {
        permit,
        demo_permits,
        terminal,
        writer,
        scanner,
        demo_scan,
        central: Some(central),
        site_code: config.device.site_code.clone(),
        services: settings::station_services(&s.services),
        methods: settings::payment_methods(&s.payment_methods),
        payment_timeout: Duration::from_secs(s.payment_timeout_seconds),
        holder_check: holder_check(config, s.holder_check.as_ref()),
    })
}

/// A `holder_check` section as the core runs it; `None` when absent or off.
fn holder_check(config: &Config, h: Option<&HolderCheckSettings>) -> Option<app::HolderCheckSetup> {
    let h = h.filter(|h| h.mode != HolderCheckMode::Off)?;
    Some(app::HolderCheckSetup {
        check: CheckSettings {
            threshold: h.threshold,
            action_limit: Duration::from_secs(h.action_seconds),
            // Nobody can blink at the simulated camera: demo mode plays the applicant.
            simulated_liveness: config.devices.camera.kind == CameraKind::Sim,
        },
        policy: HolderPolicy::new(h.tries, h.mode == HolderCheckMode::Required),
    })
}

/// Leaves at once with status 1, running no exit handlers: the kiosk never showed its window,
/// and the input method's first start may still be preparing its dictionaries on its own
/// thread — librime's finaliser and C++ teardown racing it crashed or hung the process (and a
/// hang of `TimeoutStartSec` would keep systemd from ever reaching the start limit). Nothing is
/// lost: the log lines are written as they are made, and the store is SQLite's WAL, safe at
/// any instant.
fn abandon_start() -> ! {
    // SAFETY: _exit(2) ends the process; it takes no pointer and returns nothing.
    unsafe { libc::_exit(1) }
}

pub fn run(file: &Path) -> ExitCode {
    let config = match super::load_config(file) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let kiosk = match assemble(&config) {
        Ok(k) => k,
        Err(e) => {
            tracing::error!("cannot start: {e}");
            abandon_start();
        }
    };
    tracing::info!(device = %config.device.id, kind = ?config.device.kind, "kiosk starting");
    let (live, store) = (kiosk.live.clone(), kiosk.store.clone());
    let running = match ui::start(kiosk) {
        Ok(r) => r,
        Err(e) => {
            tracing::error!("cannot open the window: {e}");
            abandon_start();
        }
    };
    // READY once the first frame is drawn, then the watchdog fed from the UI thread; a new
    // update slot is confirmed once the kiosk is ready and healthy.
    let ready = Arc::new(AtomicBool::new(false));
    let _supervision = ui::systemd::supervise(&running.window, {
        let ready = ready.clone();
        move || ready.store(true, Ordering::SeqCst)
    });
    super::update_gate::start(&config, ready, live, store);
    super::run_window(&running.window)
}
