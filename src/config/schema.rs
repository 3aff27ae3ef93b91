//! The `kiosk.toml` schema: plain serde structs and their defaults, nothing else. The types are
//! the file's own (a printer profile here is what the file says, not the printer adapter's
//! type): the composition root turns them into adapter settings (`cli/settings.rs`), so a key
//! renamed in an adapter cannot silently change the file format, and the reverse.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KioskKind {
    HallSelfFill,
    StationEndorsement,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Device {
    /// Unique in the fleet; part of every application number (2–8 of A–Z/0–9, letter first).
    pub id: String,
    pub kind: KioskKind,
    /// Code of the hall or police station the device stands in.
    pub site_code: String,
    /// Name printed at the top of every form.
    pub site_name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ThemeVariant {
    #[default]
    Normal,
    LargeText,
    HighContrast,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Ui {
    pub languages: Vec<String>,
    pub default_language: String,
    #[serde(default)]
    pub theme: ThemeVariant,
    /// Shows the sample cards on the attract screen (only with the simulated reader).
    #[serde(default)]
    pub demo: bool,
    /// The header's "call staff" button on every page (docs/ACCESSIBILITY.md): the call goes
    /// to the central at once. On unless a site has no staff to send (`false`).
    #[serde(default = "default_true")]
    pub call_staff: bool,
}

fn default_true() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct TimeoutSettings {
    pub idle_seconds: u64,
    pub warning_seconds: u64,
    pub done_seconds: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CardKind {
    Sim,
    /// A PC/SC reader whose module answers class-FF pseudo-APDUs.
    Pcsc,
    /// A reader module on a serial port speaking the `AA AA AA 96 69` frame protocol.
    SamSerial,
}

/// Extended-length chip reads (`devices.card.extended_length`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExtendedLength {
    /// Try extended reads when the reader allows long responses; fall back to short reads.
    #[default]
    Auto,
    Never,
}

fn default_pseudo_apdu() -> String {
    "FF B0 00 00 00".into()
}

#[derive(Debug, Clone, Deserialize)]
pub struct CardSettings {
    pub kind: CardKind,
    /// PC/SC reader for the ID card: its name or a part of it (first reader when absent).
    #[serde(default)]
    pub reader: Option<String>,
    /// PC/SC reader for travel-permit and passport chips, when it is a second reader.
    #[serde(default)]
    pub permit_reader: Option<String>,
    /// Pseudo-APDU template for one block of the ID reader module; P1 is the block number.
    #[serde(default = "default_pseudo_apdu")]
    pub pseudo_apdu: String,
    /// Bytes in front of each block in the module's answer; absent means the reader module's
    /// usual prefix, which the card adapter knows.
    #[serde(default)]
    pub pseudo_apdu_prefix: Option<usize>,
    /// Serial port of a `sam_serial` reader module.
    #[serde(default)]
    pub port: Option<String>,
    #[serde(default = "default_baud")]
    pub baud: u32,
    /// CSCA certificates (PEM or DER) that passive authentication anchors chips to.
    #[serde(default)]
    pub csca: Vec<PathBuf>,
    /// Extended-length chip reads: "auto" (try, fall back to short reads) or "never".
    #[serde(default)]
    pub extended_length: ExtendedLength,
    /// Vendor library that decodes the ID card's 1024-byte photo block (see docs/CARDS.md).
    #[serde(default)]
    pub photo_decoder: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CameraKind {
    Sim,
    V4l,
}

#[derive(Debug, Clone, Deserialize)]
pub struct CameraSettings {
    pub kind: CameraKind,
    #[serde(default)]
    pub device: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PrinterKind {
    Sim,
    File,
    Tcp,
    Usb,
    Serial,
}

/// Which Chinese characters the printer's built-in font can print (in its Chinese mode).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Charset {
    /// No Chinese font: every non-ASCII text line is printed as a raster image.
    None,
    /// GB2312 levels 1 and 2 only; GBK-only characters are rasterised.
    Gb2312,
    /// GBK two-byte codes.
    Gbk,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CutKind {
    Full,
    Partial,
    None,
}

/// `[devices.printer.custom]`: a printer model none of the ready profiles describes.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomPrinterProfile {
    pub name: String,
    /// Printable dots per line.
    pub dots: u32,
    /// Font A characters per line.
    pub columns: usize,
    pub charset: Charset,
    /// The printer draws CODE128 itself (`GS k`); otherwise the kiosk sends a raster.
    pub native_code128: bool,
    /// The printer draws QR codes itself (`GS ( k`); otherwise the kiosk sends a raster.
    pub native_qr: bool,
    pub cut: CutKind,
    /// Tallest `GS v 0` band sent at once: small receive buffers overflow on big images.
    pub max_band_rows: u32,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PrinterSettings {
    pub kind: PrinterKind,
    /// A ready profile the printer adapter knows, or `custom` with `[devices.printer.custom]`.
    pub profile: String,
    /// file: output directory; tcp: host:port; usb: /dev/usb/lpN; serial: /dev/ttyXXX.
    #[serde(default)]
    pub target: Option<String>,
    /// Serial line speed.
    #[serde(default = "default_baud")]
    pub baud: u32,
    /// Deadline for connecting, each status answer and write progress.
    #[serde(default = "default_printer_timeout_ms")]
    pub timeout_ms: u64,
    /// How long a printed form's bytes are kept so staff can reprint it.
    #[serde(default = "default_reprint_hours")]
    pub reprint_hours: u64,
    #[serde(default)]
    pub custom: Option<CustomPrinterProfile>,
}

fn default_baud() -> u32 {
    115_200
}

fn default_printer_timeout_ms() -> u64 {
    2_000
}

fn default_reprint_hours() -> u64 {
    12
}

#[derive(Debug, Clone, Deserialize)]
pub struct Devices {
    pub card: CardSettings,
    pub camera: CameraSettings,
    pub printer: PrinterSettings,
}

#[derive(Debug, Clone, Deserialize)]
pub struct StoreSettings {
    pub data_dir: PathBuf,
    /// Days an acknowledged application's tombstone (number, times, receipt number — no personal
    /// data) is kept before it is deleted.
    #[serde(default = "default_tombstone_days")]
    pub tombstone_days: u32,
    /// The raw 256-bit store key (32 bytes, owner-only). A systemd credential named
    /// `kiosk-store-key` takes precedence; in demo mode a missing file is created.
    #[serde(default)]
    pub key_file: Option<PathBuf>,
    /// The store's size cap in MiB: at the cap the kiosk stops taking applicants.
    #[serde(default = "default_max_db_mb")]
    pub max_db_mb: u64,
    /// MiB that must stay free on the data disk, for the same reason.
    #[serde(default = "default_min_free_mb")]
    pub min_free_mb: u64,
}

fn default_max_db_mb() -> u64 {
    2048
}

fn default_min_free_mb() -> u64 {
    256
}

fn default_tombstone_days() -> u32 {
    30
}

#[derive(Debug, Clone, Deserialize)]
pub struct Central {
    /// `https://…`: applicants' data never travels unencrypted.
    pub url: String,
    /// The CA that issued the central's server certificate: the only one trusted.
    pub ca_cert: PathBuf,
    /// This kiosk's certificate (common name = `device.id`) and its private key.
    pub client_cert: PathBuf,
    pub client_key: PathBuf,
    /// Seconds between heartbeats.
    #[serde(default = "default_heartbeat_seconds")]
    pub heartbeat_seconds: u64,
}

fn default_heartbeat_seconds() -> u64 {
    60
}

#[derive(Debug, Clone, Deserialize)]
pub struct Technician {
    /// Argon2id PHC string made by `kiosk config hash-pin`; the PIN itself is never stored.
    pub pin_hash: String,
}

fn default_photo_profile() -> String {
    "exit-entry".into()
}

fn default_photo_attempts() -> u32 {
    5
}

#[derive(Debug, Clone, Deserialize)]
pub struct PhotoSettings {
    /// Photo specification the photo pipeline knows: exit-entry (354×472 white),
    /// exit-entry-blue, 390x567.
    #[serde(default = "default_photo_profile")]
    pub profile: String,
    /// Rejected captures before the photo is left to the window.
    #[serde(default = "default_photo_attempts")]
    pub max_attempts: u32,
}

impl Default for PhotoSettings {
    fn default() -> Self {
        PhotoSettings {
            profile: default_photo_profile(),
            max_attempts: default_photo_attempts(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Config {
    pub device: Device,
    pub ui: Ui,
    pub timeouts: TimeoutSettings,
    pub devices: Devices,
    pub store: StoreSettings,
    pub central: Central,
    pub technician: Technician,
    #[serde(default)]
    pub photo: PhotoSettings,
    /// The police-station endorsement kiosk's services and devices (`kind =
    /// "station_endorsement"`; a hall kiosk ignores it).
    #[serde(default)]
    pub station: StationSettings,
    /// What only the hall self-fill kiosk has (`kind = "hall_self_fill"`; a station kiosk
    /// ignores it).
    #[serde(default)]
    pub hall: HallSettings,
    /// `[voice]`: spoken guidance (docs/ACCESSIBILITY.md, "Voice guidance").
    #[serde(default)]
    pub voice: VoiceSettings,
    /// `[update]`: the A/B update engine's health gate (README "Updates").
    #[serde(default)]
    pub update: UpdateSettings,
}

/// `[update]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateSettings {
    /// The update engine that boots this machine: `none` (the default) or `rauc`.
    #[serde(default)]
    pub engine: UpdateEngineKind,
    /// How long a newly booted slot has to prove healthy, in minutes (5–120, default 15):
    /// ready on screen, store intact, a heartbeat acknowledged by the central. After it, the
    /// kiosk marks the slot bad and the next boot returns to the previous one.
    #[serde(default = "default_confirm_minutes")]
    pub confirm_minutes: u32,
}

impl Default for UpdateSettings {
    fn default() -> Self {
        UpdateSettings {
            engine: UpdateEngineKind::None,
            confirm_minutes: default_confirm_minutes(),
        }
    }
}

fn default_confirm_minutes() -> u32 {
    15
}

/// `update.engine`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UpdateEngineKind {
    #[default]
    None,
    Rauc,
}

/// `[voice]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VoiceSettings {
    /// The header's voice button on every page (eSpeak NG, offline). On by default.
    #[serde(default = "default_true")]
    pub enabled: bool,
    /// Loudness, 0–100 (% of the speech engine's normal amplitude).
    #[serde(default = "default_voice_volume")]
    pub volume: u8,
    /// Speaking rate, 80–450 words per minute (slower than eSpeak NG's 175 by default, for
    /// the elderly and for people listening in their second language).
    #[serde(default = "default_words_per_minute")]
    pub words_per_minute: u16,
    /// Large text (the elderly mode) turns voice on by default.
    #[serde(default = "default_true")]
    pub with_large_text: bool,
    /// ALSA device the prompts are played on.
    #[serde(default = "default_audio_device")]
    pub device: String,
}

impl Default for VoiceSettings {
    fn default() -> Self {
        VoiceSettings {
            enabled: true,
            volume: default_voice_volume(),
            words_per_minute: default_words_per_minute(),
            with_large_text: true,
            device: default_audio_device(),
        }
    }
}

fn default_voice_volume() -> u8 {
    80
}

fn default_words_per_minute() -> u16 {
    150
}

fn default_audio_device() -> String {
    "default".into()
}

/// `[hall]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HallSettings {
    /// `[hall.holder_check]`: the face at the camera against the ID card's photo before the
    /// form is filled (docs/FACE.md). Absent: off.
    #[serde(default)]
    pub holder_check: Option<HolderCheckSettings>,
    /// `[hall.payment]`: the fee paid by phone at the kiosk after the form is confirmed
    /// (docs/DOMAIN.md, "Paying the fee"). Absent: the fee is paid at the window.
    #[serde(default)]
    pub payment: Option<HallPaymentSettings>,
}

/// `[hall.payment]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HallPaymentSettings {
    /// `qr`: a payment QR issued by the central for the application number; `terminal`: the
    /// same payment collected at the kiosk's bank-card terminal, the QR as the alternative;
    /// `off`: none.
    pub mode: HallPaymentMode,
    /// How long the kiosk asks for the card or shows the QR and waits for the payment, in
    /// seconds (60–900): after it the form prints with the QR, payable until the end of the day.
    #[serde(default = "default_fee_wait")]
    pub wait_seconds: u32,
    /// The card terminal's adapter (`mode = "terminal"`).
    #[serde(default)]
    pub terminal: TerminalKind,
}

fn default_fee_wait() -> u32 {
    300
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HallPaymentMode {
    Off,
    Qr,
    Terminal,
}

/// A service on the station kiosk's attract screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StationService {
    Endorse,
    /// Write an endorsement approved and paid online.
    PrintApproved,
    RemainingTrips,
    /// Offered only where the writer module can reprint the back.
    ReprintBack,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    /// The bank-card terminal in the kiosk.
    Terminal,
    /// A QR issued by the central, paid by phone.
    Qr,
}

/// The payment terminal's adapter. Terminal makers publish no common protocol, so only the
/// simulated terminal exists until a vendor adapter is written (docs/STATION.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TerminalKind {
    #[default]
    Sim,
}

/// The endorsement writer module's adapter; as for the terminal, only the simulated one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WriterKind {
    #[default]
    Sim,
}

fn default_services() -> Vec<StationService> {
    vec![
        StationService::Endorse,
        StationService::PrintApproved,
        StationService::RemainingTrips,
    ]
}

fn default_methods() -> Vec<PaymentMethod> {
    vec![PaymentMethod::Terminal, PaymentMethod::Qr]
}

fn default_payment_timeout() -> u64 {
    180
}

/// `[station]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StationSettings {
    /// The services the attract screen offers.
    #[serde(default = "default_services")]
    pub services: Vec<StationService>,
    /// The payment methods offered.
    #[serde(default = "default_methods")]
    pub payment_methods: Vec<PaymentMethod>,
    /// Seconds an applicant has to pay before the payment is cancelled.
    #[serde(default = "default_payment_timeout")]
    pub payment_timeout_seconds: u64,
    #[serde(default)]
    pub terminal: TerminalKind,
    #[serde(default)]
    pub writer: WriterKind,
    /// `[station.mrz_scanner]`: an OCR reader for the permit's printed MRZ, offered beside the
    /// keypad when no record opens the chip. Absent: typing only.
    #[serde(default)]
    pub mrz_scanner: Option<MrzScannerSettings>,
    /// `[station.holder_check]`: the face check that the person at the kiosk is the permit's
    /// holder (docs/FACE.md). Absent: not asked for.
    #[serde(default)]
    pub holder_check: Option<HolderCheckSettings>,
}

/// `[station.holder_check]` and `[hall.holder_check]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HolderCheckSettings {
    /// What a verdict other than "confirmed" does (see [`HolderCheckMode`]). No default: a site
    /// decides.
    pub mode: HolderCheckMode,
    /// Largest face-descriptor distance accepted as the same person (docs/FACE.md, "Accuracy").
    #[serde(default = "default_holder_threshold")]
    pub threshold: f32,
    /// Attempts before the verdict stands (then, where required, the window).
    #[serde(default = "default_holder_tries")]
    pub tries: u32,
    /// Seconds for each action of the liveness challenge (blink, turn the head).
    #[serde(default = "default_action_seconds")]
    pub action_seconds: u64,
}

/// How the holder check's verdict is used. Which modes a kiosk takes depends on its kind
/// (`config::rules`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HolderCheckMode {
    /// No check (hall kiosk; the same as leaving the section out).
    Off,
    /// Station kiosk: the verdict is only recorded with the transaction, to measure the check
    /// on a site's own applicants before requiring it.
    Record,
    /// Hall kiosk: the verdict is printed on the form for the window clerk and sent with the
    /// application; nobody is turned away by it.
    Advisory,
    /// Not confirmed → the window.
    Required,
}

fn default_holder_threshold() -> f32 {
    0.40
}

fn default_holder_tries() -> u32 {
    2
}

fn default_action_seconds() -> u64 {
    10
}

/// `[station.mrz_scanner]`: a scanner that sends the MRZ as text lines (docs/STATION.md, "MRZ
/// scanner").
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MrzScannerSettings {
    /// Its device: a serial port (`/dev/ttyS0`, `/dev/ttyUSB0`) or a USB one (`/dev/ttyACM0`).
    pub path: String,
    /// A serial line's speed (8N1); leave out for a USB CDC-ACM device.
    #[serde(default)]
    pub baud: Option<u32>,
}

impl Default for StationSettings {
    fn default() -> Self {
        StationSettings {
            services: default_services(),
            payment_methods: default_methods(),
            payment_timeout_seconds: default_payment_timeout(),
            terminal: TerminalKind::Sim,
            writer: WriterKind::Sim,
            mrz_scanner: None,
            holder_check: None,
        }
    }
}
