//! What the composition root hands the core: the settings, the catalogue, the device adapters it
//! chose, the store and the link to the central.

use std::sync::Arc;
use std::time::Duration;

use crate::devices::camera::CameraOpener;
use crate::devices::card::permit::PermitReader;
use crate::devices::card::{CardReader, DemoCards};
use crate::devices::mrz::{DemoScan, MrzScanner};
use crate::devices::payment::PaymentTerminal;
use crate::devices::printer::{Printer, PrinterProfile};
use crate::devices::voice::{AudioOut, Style, Synthesizer};
use crate::devices::writer::EndorsementWriter;
use crate::domain::catalogue::Catalogue;
use crate::domain::holder::HolderPolicy;
use crate::face::check::CheckSettings;
use crate::flow::Timeouts;
use crate::flow::station::{PayMethod, Service};
use crate::ime::port::InputMethod;
use crate::photo::PhotoSpec;
use crate::store::SharedStore;
use crate::sync::fleet::Live;
use crate::sync::station::StationClient;
use crate::sync::worker::SyncHandle;

/// How the screen is drawn: what each session starts with, and what an applicant may choose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DisplayMode {
    #[default]
    Normal,
    /// Elderly mode: larger text and touch targets.
    LargeText,
    HighContrast,
}

/// The device adapters the composition root chose.
pub struct Devices {
    pub card: Box<dyn CardReader>,
    /// The simulated reader's sample cards, when demo mode offers them.
    pub demo_cards: Option<Box<dyn DemoCards>>,
    /// Opens the camera (again, after the watchdog saw it stall).
    pub camera: CameraOpener,
    pub printer: Box<dyn Printer>,
    /// What the printer can do: decides the bytes each form is sent as.
    pub printer_profile: PrinterProfile,
    /// How long printed forms are kept for reprint, in hours.
    pub reprint_hours: u64,
}

/// What the core needs from the configuration.
#[derive(Debug, Clone)]
pub struct Settings {
    pub device_id: String,
    pub site_name: String,
    /// Language codes offered on screen (`zh_CN`, `en`).
    pub languages: Vec<String>,
    /// The language each session starts in.
    pub default_language: String,
    /// The display mode each session starts in.
    pub display: DisplayMode,
    pub timeouts: Timeouts,
    pub photo: PhotoSpec,
    /// Rejected captures before the photo is left to the window.
    pub max_photo_attempts: u32,
    /// Argon2 hash of the technician PIN.
    pub pin_hash: String,
    /// The hall kiosk's holder check against the ID card's photo, where one is configured.
    pub holder_check: Option<HolderCheckSetup>,
}

/// What only the police-station endorsement kiosk has.
pub struct Station {
    pub permit: Box<dyn PermitReader>,
    /// The simulated permit reader's sample permits, when demo mode offers them.
    pub demo_permits: Option<Box<dyn DemoCards>>,
    pub terminal: Box<dyn PaymentTerminal>,
    /// The writer module, each call bounded in time (`devices::writer::bounded`, as the
    /// configuration's composition wraps it).
    pub writer: Box<dyn EndorsementWriter>,
    /// The MRZ scanner beside the keypad, where one is configured.
    pub scanner: Option<Box<dyn MrzScanner>>,
    /// Demo mode's hand on the simulated scanner (its "scan" button).
    pub demo_scan: Option<DemoScan>,
    /// The central's station endpoints (none: nothing can be offered, the kiosk says so).
    pub central: Option<StationClient>,
    /// The police station's code, sent with every eligibility request.
    pub site_code: String,
    /// The services the attract screen offers.
    pub services: Vec<Service>,
    /// The payment methods offered.
    pub methods: Vec<PayMethod>,
    /// How long an applicant has to pay.
    pub payment_timeout: Duration,
    /// The face check at the camera before the offers, where the station asks for one.
    pub holder_check: Option<HolderCheckSetup>,
}

/// The holder check as configured (`[station.holder_check]`, `[hall.holder_check]`).
#[derive(Debug, Clone, Copy)]
pub struct HolderCheckSetup {
    pub check: CheckSettings,
    pub policy: HolderPolicy,
}

/// Everything one kiosk runs with.
pub struct Kiosk {
    pub settings: Settings,
    pub catalogue: Arc<Catalogue>,
    pub devices: Devices,
    /// The kiosk's one store connection, shared with the sync worker.
    pub store: SharedStore,
    pub sync: Option<SyncHandle>,
    /// Settings the central may change while the kiosk runs (none without a central).
    pub live: Option<Live>,
    /// Present on a police-station endorsement kiosk: it runs the station session instead of
    /// the hall's.
    pub station: Option<Station>,
    /// The central's documents endpoint, where the hall kiosk asks for the applicant's
    /// documents on record (none: it does not ask).
    pub records: Option<StationClient>,
    /// Where the hall kiosk takes the fee after saving (none: paid at the window).
    pub fee: Option<FeeDesk>,
    /// The central's staff-call endpoint, where the header offers "call staff" (none: it does
    /// not).
    pub staff: Option<StationClient>,
    /// The pinyin input method of the on-screen keyboard (none: it types Latin letters only).
    pub ime: Option<Arc<dyn InputMethod>>,
    /// Voice guidance (none: no voice button).
    pub voice: Option<VoiceSetup>,
}

/// Voice guidance (`[voice]`): the engine, the player, how it sounds, and whether the elderly
/// mode turns it on.
pub struct VoiceSetup {
    pub synthesizer: Box<dyn Synthesizer>,
    pub out: Box<dyn AudioOut>,
    pub style: Style,
    /// Large text (the elderly mode) turns voice on, when the visit starts in it or the
    /// applicant chooses it.
    pub with_large_text: bool,
}

/// The hall kiosk's fee payment (`[hall.payment] mode = "qr"` or `"terminal"`).
pub struct FeeDesk {
    /// The central's payment endpoints.
    pub client: StationClient,
    /// The kiosk's bank-card terminal (`mode = "terminal"`): the card is asked for first, the
    /// phone is the alternative. None: by phone only.
    pub terminal: Option<Box<dyn PaymentTerminal>>,
    /// How long the QR is shown before the form prints with it, in seconds.
    pub wait_seconds: u32,
    /// Time between status requests.
    pub poll: Duration,
}
