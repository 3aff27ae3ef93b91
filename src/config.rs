//! `kiosk.toml`: the one place where the configuration schema, its defaults and its validation
//! live. Every problem is reported as `FILE:LINE:COL: key: what is wrong` so a technician can go
//! straight to it; unknown keys are errors (a misspelt key must not silently fall back to a
//! default). Relative paths are resolved against the directory of the file.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use toml::de::{DeTable, DeValue};

use crate::devices::printer::PrinterProfile;
use crate::domain::app_number::valid_device_id;
use crate::flow::Timeouts;

/// UI languages with bundled translations.
pub const LANGUAGES: &[&str] = &["zh_CN", "en"];

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
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
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

impl TimeoutSettings {
    pub fn to_timeouts(&self) -> Timeouts {
        Timeouts {
            idle: Duration::from_secs(self.idle_seconds),
            warning: Duration::from_secs(self.warning_seconds),
            done: Duration::from_secs(self.done_seconds),
        }
    }
}

fn default_pseudo_apdu() -> String {
    "FF B0 00 00 00".into()
}

fn default_pseudo_apdu_prefix() -> usize {
    crate::devices::card::idcard::idmodule::BLOCK_PREFIX
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
    /// Bytes in front of each block in the module's answer.
    #[serde(default = "default_pseudo_apdu_prefix")]
    pub pseudo_apdu_prefix: usize,
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
    pub extended_length: crate::devices::card::emrtd::chip::ExtendedLength,
    /// Vendor library that decodes the ID card's 1024-byte photo block (see docs/CARDS.md).
    #[serde(default)]
    pub photo_decoder: Option<PathBuf>,
}

impl CardSettings {
    /// The pseudo-APDU template as bytes (validated at load).
    pub fn pseudo_apdu(&self) -> crate::devices::card::idcard::idmodule::PseudoApdu {
        crate::devices::card::idcard::idmodule::PseudoApdu {
            template: parse_hex(&self.pseudo_apdu).unwrap_or_default(),
            prefix: self.pseudo_apdu_prefix,
        }
    }
}

/// `"FF B0 00 00 00"` or `"FFB0000000"` → bytes.
pub fn parse_hex(text: &str) -> Option<Vec<u8>> {
    let digits: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if !digits.len().is_multiple_of(2) {
        return None;
    }
    (0..digits.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(digits.get(i..i + 2)?, 16).ok())
        .collect()
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

#[derive(Debug, Clone, Deserialize)]
pub struct PrinterSettings {
    pub kind: PrinterKind,
    /// A ready profile (see `PrinterProfile::BUILTIN_NAMES`) or `custom` with `[devices.printer.custom]`.
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
    pub custom: Option<PrinterProfile>,
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

impl StoreSettings {
    pub fn limits(&self) -> crate::store::Limits {
        crate::store::Limits {
            max_db_bytes: self.max_db_mb * 1024 * 1024,
            min_free_disk_bytes: self.min_free_mb * 1024 * 1024,
        }
    }
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
    /// Photo specification: exit-entry (354×472 white), exit-entry-blue, 390x567.
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
}

impl Config {
    /// The printer profile named in the file (validated, so it exists).
    pub fn printer_profile(&self) -> PrinterProfile {
        let p = &self.devices.printer;
        match (&p.custom, PrinterProfile::builtin(&p.profile)) {
            (Some(custom), _) if p.profile == "custom" => custom.clone(),
            (_, Some(builtin)) => builtin,
            _ => PrinterProfile::builtin("generic-80").expect("builtin profile"),
        }
    }

    pub fn timeouts(&self) -> Timeouts {
        self.timeouts.to_timeouts()
    }
}

/// One problem in a configuration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub key: String,
    pub message: String,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let key = if self.key.is_empty() {
            "(file)"
        } else {
            &self.key
        };
        write!(
            f,
            "{}:{}:{}: {key}: {}",
            self.file, self.line, self.column, self.message
        )
    }
}

/// Every key of the document with the span of its name and of its value.
struct KeyMap(Vec<(String, Range<usize>, Range<usize>)>);

impl KeyMap {
    fn build(root: &DeTable<'_>) -> KeyMap {
        fn walk(
            prefix: &str,
            table: &DeTable<'_>,
            out: &mut Vec<(String, Range<usize>, Range<usize>)>,
        ) {
            for (key, value) in table.iter() {
                let path = if prefix.is_empty() {
                    key.get_ref().to_string()
                } else {
                    format!("{prefix}.{}", key.get_ref())
                };
                out.push((path.clone(), key.span(), value.span()));
                if let DeValue::Table(inner) = value.get_ref() {
                    walk(&path, inner, out);
                }
            }
        }
        let mut out = Vec::new();
        walk("", root, &mut out);
        KeyMap(out)
    }

    /// Span of a key's name, or of its nearest existing parent.
    fn key_span(&self, path: &str) -> Option<Range<usize>> {
        let mut p = path;
        loop {
            if let Some((_, k, _)) = self.0.iter().find(|(name, _, _)| name == p) {
                return Some(k.clone());
            }
            p = &p[..p.rfind('.')?];
        }
    }

    /// The innermost key whose value contains `span`.
    fn key_at(&self, span: &Range<usize>) -> Option<&str> {
        self.0
            .iter()
            .filter(|(_, k, v)| {
                (v.start <= span.start && span.end <= v.end)
                    || (k.start <= span.start && span.end <= k.end)
            })
            .min_by_key(|(_, _, v)| v.end - v.start)
            .map(|(name, _, _)| name.as_str())
    }
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before
        .rfind('\n')
        .map_or(before.chars().count(), |i| before[i + 1..].chars().count())
        + 1;
    (line, col)
}

struct Reporter<'a> {
    file: &'a str,
    text: &'a str,
    errors: Vec<ConfigError>,
}

impl Reporter<'_> {
    fn at(&mut self, offset: usize, key: &str, message: impl Into<String>) {
        let (line, column) = line_col(self.text, offset);
        self.errors.push(ConfigError {
            file: self.file.to_string(),
            line,
            column,
            key: key.to_string(),
            message: message.into(),
        });
    }
}

/// Parses and validates a configuration. `file` names it in error messages and its directory
/// anchors relative paths.
pub fn parse(text: &str, file: &Path) -> Result<Config, Vec<ConfigError>> {
    let name = file.display().to_string();
    let mut r = Reporter {
        file: &name,
        text,
        errors: Vec::new(),
    };
    let (root, syntax) = DeTable::parse_recoverable(text);
    if !syntax.is_empty() {
        for e in syntax {
            let message = e.message().trim().to_string();
            r.at(e.span().map_or(0, |s| s.start), "", message);
        }
        return Err(r.errors);
    }
    let keys = KeyMap::build(root.get_ref());
    let mut unknown = Vec::new();
    let result: Result<Config, _> =
        serde_ignored::deserialize(toml::de::Deserializer::from(root), |path| {
            unknown.push(path.to_string().replace("?.", ""));
        });
    for path in &unknown {
        let offset = keys.key_span(path).map_or(0, |s| s.start);
        r.at(offset, path, "unknown key (misspelt, or not valid here)");
    }
    let mut config = match result {
        Ok(config) => config,
        Err(e) => {
            let span = e.span().unwrap_or(0..0);
            let key = keys.key_at(&span).unwrap_or("").to_string();
            r.at(span.start, &key, e.message().trim().to_string());
            return Err(r.errors);
        }
    };
    let base = file.parent().unwrap_or(Path::new("."));
    let card = &mut config.devices.card;
    card.csca = card.csca.iter().map(|p| base.join(p)).collect();
    card.photo_decoder = card.photo_decoder.as_ref().map(|p| base.join(p));
    validate(&config, &keys, &mut r);
    if !r.errors.is_empty() {
        return Err(r.errors);
    }
    config.store.data_dir = base.join(&config.store.data_dir);
    config.store.key_file = config.store.key_file.as_ref().map(|p| base.join(p));
    let central = &mut config.central;
    for path in [
        &mut central.ca_cert,
        &mut central.client_cert,
        &mut central.client_key,
    ] {
        *path = base.join(&*path);
    }
    if let Some(target) = &mut config.devices.printer.target
        && config.devices.printer.kind == PrinterKind::File
    {
        *target = base.join(&*target).display().to_string();
    }
    Ok(config)
}

/// The rules for the languages offered, shared by `kiosk.toml` and the configuration the
/// central sends: (key, problem) pairs, empty when all is well.
pub fn language_problems(languages: &[String], default: &str) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    if languages.is_empty() {
        out.push(("ui.languages", "list at least one language".to_string()));
    }
    for lang in languages {
        if !LANGUAGES.contains(&lang.as_str()) {
            out.push((
                "ui.languages",
                format!(
                    "{lang:?} has no translation; available: {}",
                    LANGUAGES.join(", ")
                ),
            ));
        }
    }
    if !languages.iter().any(|l| l == default) {
        out.push((
            "ui.default_language",
            format!("{default:?} is not in ui.languages"),
        ));
    }
    out
}

/// The rules for the idle timeouts (WCAG 2.2.1: a warning at least 20 s ahead), shared like
/// [`language_problems`].
pub fn timeout_problems(t: &TimeoutSettings) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    if t.idle_seconds < 30 {
        out.push((
            "timeouts.idle_seconds",
            "must be at least 30 seconds".to_string(),
        ));
    }
    if t.warning_seconds < 20 || t.warning_seconds >= t.idle_seconds {
        out.push((
            "timeouts.warning_seconds",
            "must be at least 20 seconds and less than idle_seconds".to_string(),
        ));
    }
    if t.done_seconds < 5 {
        out.push((
            "timeouts.done_seconds",
            "must be at least 5 seconds".to_string(),
        ));
    }
    out
}

fn validate(c: &Config, keys: &KeyMap, r: &mut Reporter<'_>) {
    let mut bad = |path: &str, message: String| {
        let offset = keys
            .0
            .iter()
            .find(|(n, _, _)| n == path)
            .map_or(0, |(_, _, v)| v.start);
        r.at(offset, path, message);
    };
    if !valid_device_id(&c.device.id) {
        bad(
            "device.id",
            format!(
                "{:?} must be 2 to 8 upper-case letters or digits, starting with a letter",
                c.device.id
            ),
        );
    }
    for (key, message) in language_problems(&c.ui.languages, &c.ui.default_language)
        .into_iter()
        .chain(timeout_problems(&c.timeouts))
    {
        bad(key, message);
    }
    let p = &c.devices.printer;
    if c.store.tombstone_days == 0 {
        bad(
            "store.tombstone_days",
            "keep tombstones at least one day, so staff can still look a number up".into(),
        );
    }
    let card = &c.devices.card;
    if parse_hex(&card.pseudo_apdu).is_none_or(|b| b.len() != 5) {
        bad(
            "devices.card.pseudo_apdu",
            format!(
                "{:?} must be five hex bytes, e.g. \"FF B0 00 00 00\"",
                card.pseudo_apdu
            ),
        );
    }
    if card.kind == CardKind::SamSerial && card.port.as_deref().is_none_or(str::is_empty) {
        bad(
            "devices.card.kind",
            "sam_serial needs devices.card.port, e.g. /dev/ttyUSB0".into(),
        );
    }
    if let Some(lib) = &card.photo_decoder
        && let Err(e) = crate::devices::card::idcard::portrait::PortraitDecoder::load(lib)
    {
        bad("devices.card.photo_decoder", e);
    }
    for path in &card.csca {
        if !path.is_file() {
            bad(
                "devices.card.csca",
                format!("{} does not exist", path.display()),
            );
        }
    }
    let target_needed = match p.kind {
        PrinterKind::Sim => None,
        PrinterKind::File => Some("an output directory"),
        PrinterKind::Tcp => Some("host:port, e.g. 192.0.2.10:9100"),
        PrinterKind::Usb => Some("a device such as /dev/usb/lp0"),
        PrinterKind::Serial => Some("a device such as /dev/ttyUSB0"),
    };
    if let Some(what) = target_needed
        && p.target.as_deref().is_none_or(str::is_empty)
    {
        bad(
            "devices.printer.kind",
            format!("this printer kind needs devices.printer.target: {what}"),
        );
    }
    if p.kind == PrinterKind::Tcp
        && let Some(target) = &p.target
        && target
            .rsplit_once(':')
            .is_none_or(|(h, port)| h.is_empty() || port.parse::<u16>().is_err())
    {
        bad(
            "devices.printer.target",
            format!("{target:?} is not host:port"),
        );
    }
    if p.profile == "custom" {
        if p.custom.is_none() {
            bad(
                "devices.printer.profile",
                "\"custom\" needs a [devices.printer.custom] table".into(),
            );
        }
    } else if PrinterProfile::builtin(&p.profile).is_none() {
        bad(
            "devices.printer.profile",
            format!(
                "{:?} is not a known profile; use one of {} or \"custom\"",
                p.profile,
                PrinterProfile::BUILTIN_NAMES.join(", ")
            ),
        );
    }
    if ![9600, 19200, 38400, 57600, 115_200].contains(&p.baud) {
        bad(
            "devices.printer.baud",
            format!("{} is not one of 9600, 19200, 38400, 57600, 115200", p.baud),
        );
    }
    if crate::photo::PhotoSpec::named(&c.photo.profile).is_none() {
        bad(
            "photo.profile",
            format!(
                "{:?} is not a known photo profile; use one of {}",
                c.photo.profile,
                crate::photo::PhotoSpec::NAMES.join(", ")
            ),
        );
    }
    if c.photo.max_attempts == 0 {
        bad("photo.max_attempts", "must be at least 1".into());
    }
    if c.devices.camera.kind == CameraKind::V4l
        && c.devices.camera.device.as_deref().is_none_or(str::is_empty)
    {
        bad(
            "devices.camera.kind",
            "v4l needs devices.camera.device, e.g. /dev/video0".into(),
        );
    }
    if c.central.heartbeat_seconds == 0 {
        bad("central.heartbeat_seconds", "must be at least 1".into());
    }
    if c.store.max_db_mb < 16 {
        bad(
            "store.max_db_mb",
            "must be at least 16 (MiB): a day of applications needs room".into(),
        );
    }
    if c.store.data_dir.as_os_str().is_empty() {
        bad("store.data_dir", "must not be empty".into());
    }
    match reqwest::Url::parse(&c.central.url) {
        Ok(url) if url.scheme() == "https" && url.host().is_some() => {}
        Ok(url) => bad(
            "central.url",
            format!(
                "{:?}: must be https:// with a host (applicants' data is only sent over mutual TLS), not {:?}",
                c.central.url,
                url.scheme()
            ),
        ),
        Err(e) => bad(
            "central.url",
            format!("{:?} is not a URL: {e}", c.central.url),
        ),
    }
    if argon2::PasswordHash::new(&c.technician.pin_hash).is_err() {
        bad(
            "technician.pin_hash",
            "is not an Argon2 hash: make one with `kiosk config hash-pin`".into(),
        );
    }
}

/// Reads and parses a configuration file.
pub fn load(file: &Path) -> Result<Config, Vec<ConfigError>> {
    match std::fs::read_to_string(file) {
        Ok(text) => parse(&text, file),
        Err(e) => Err(vec![ConfigError {
            file: file.display().to_string(),
            line: 0,
            column: 0,
            key: String::new(),
            message: format!("cannot read: {e}"),
        }]),
    }
}

/// Hashes a technician PIN for `technician.pin_hash`.
pub fn hash_pin(pin: &str) -> Result<String, String> {
    use argon2::password_hash::{PasswordHasher, SaltString};
    // Version-4 UUIDs are 122 random bits from the OS generator: plenty for a salt.
    let salt =
        SaltString::encode_b64(uuid::Uuid::new_v4().as_bytes()).map_err(|e| e.to_string())?;
    argon2::Argon2::default()
        .hash_password(pin.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// Checks a PIN typed on the technician screen against the configured hash.
pub fn verify_pin(pin: &str, hash: &str) -> bool {
    use argon2::password_hash::PasswordVerifier;
    argon2::PasswordHash::new(hash).is_ok_and(|h| {
        argon2::Argon2::default()
            .verify_password(pin.as_bytes(), &h)
            .is_ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEMO: &str = include_str!("../kiosk.toml");

    fn errors(text: &str) -> Vec<String> {
        parse(text, Path::new("k.toml"))
            .unwrap_err()
            .iter()
            .map(|e| e.to_string())
            .collect()
    }

    #[test]
    fn the_demo_configuration_is_valid() {
        let c = parse(DEMO, Path::new("/repo/kiosk.toml")).unwrap();
        assert_eq!(c.device.kind, KioskKind::HallSelfFill);
        assert_eq!(c.devices.card.kind, CardKind::Sim);
        assert!(c.store.data_dir.starts_with("/repo"));
        assert!(
            verify_pin("2468", &c.technician.pin_hash),
            "demo PIN is documented as 2468"
        );
        assert!(!verify_pin("0000", &c.technician.pin_hash));
    }

    #[test]
    fn bad_type_names_line_column_and_key() {
        let text = DEMO.replace("idle_seconds = 120", "idle_seconds = \"two minutes\"");
        let line = text
            .lines()
            .position(|l| l.contains("two minutes"))
            .unwrap()
            + 1;
        let e = errors(&text);
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(
            e[0].starts_with(&format!("k.toml:{line}:16: timeouts.idle_seconds: ")),
            "{e:?}"
        );
    }

    #[test]
    fn every_unknown_key_is_reported() {
        let text = DEMO
            .replace("[timeouts]", "[timeouts]\nidel_seconds = 5")
            .replace("[central]", "[central]\nproxy = 1");
        let e = errors(&text);
        assert_eq!(e.len(), 2, "{e:?}");
        assert!(
            e.iter()
                .any(|l| l.contains(": timeouts.idel_seconds: unknown key")),
            "{e:?}"
        );
        assert!(
            e.iter().any(|l| l.contains(": central.proxy: unknown key")),
            "{e:?}"
        );
    }

    #[test]
    fn plain_http_is_refused_and_paths_resolve_against_the_file() {
        let text = DEMO.replace(
            "url = \"https://127.0.0.1:8787\"",
            "url = \"http://127.0.0.1:8787\"",
        );
        let e = errors(&text);
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(
            e[0].contains("central.url:") && e[0].contains("mutual TLS"),
            "{e:?}"
        );
        let c = parse(DEMO, Path::new("/repo/kiosk.toml")).unwrap();
        assert_eq!(
            c.store.key_file.as_deref(),
            Some(Path::new("/repo/var/store.key"))
        );
        assert_eq!(c.central.ca_cert, Path::new("/repo/var/pki/ca.pem"));
        assert_eq!(c.store.limits().max_db_bytes, 256 * 1024 * 1024);
    }

    #[test]
    fn every_semantic_problem_is_reported() {
        let text = DEMO
            .replace("url = \"https://127.0.0.1:8787\"", "url = \"ftp//nowhere\"")
            .replace("id = \"DEMO01\"", "id = \"demo-1\"")
            .replace("warning_seconds = 30", "warning_seconds = 5");
        let e = errors(&text);
        assert_eq!(e.len(), 3, "{e:?}");
        assert!(
            e.iter()
                .any(|l| l.contains("central.url: \"ftp//nowhere\" is not a URL")),
            "{e:?}"
        );
        assert!(e.iter().any(|l| l.contains("device.id:")), "{e:?}");
        assert!(
            e.iter().any(|l| l.contains("timeouts.warning_seconds:")),
            "{e:?}"
        );
    }

    #[test]
    fn syntax_errors_have_positions() {
        let e = errors("[device\nid = 1\n");
        assert!(e[0].starts_with("k.toml:1:"), "{e:?}");
    }

    #[test]
    fn printer_profiles_ready_or_custom() {
        let c = parse(
            &DEMO.replace("profile = \"generic-80\"", "profile = \"sprt-58\""),
            Path::new("k.toml"),
        )
        .unwrap();
        assert_eq!(c.printer_profile().dots, 384);
        let custom = DEMO.replace(
            "profile = \"generic-80\"",
            "profile = \"custom\"\n[devices.printer.custom]\nname = \"kiosk-72\"\ndots = 512\ncolumns = 42\ncharset = \"gb2312\"\nnative_code128 = false\nnative_qr = true\ncut = \"full\"\nmax_band_rows = 128",
        );
        let c = parse(&custom, Path::new("k.toml")).unwrap();
        assert_eq!(c.printer_profile().name, "kiosk-72");
        let e = errors(&DEMO.replace("profile = \"generic-80\"", "profile = \"laser\""));
        assert!(
            e[0].contains("devices.printer.profile: \"laser\" is not a known profile"),
            "{e:?}"
        );
        let e = errors(&DEMO.replace("profile = \"generic-80\"", "profile = \"custom\""));
        assert!(
            e[0].contains("needs a [devices.printer.custom] table"),
            "{e:?}"
        );
    }

    #[test]
    fn missing_section_is_named() {
        let text = DEMO.replace("[technician]", "[technicain]");
        let e = errors(&text);
        assert!(
            e.iter().any(|l| l.contains("technicain: unknown key")),
            "{e:?}"
        );
    }
}
