//! The rules a `kiosk.toml` must follow beyond its types, one function per section. Each
//! problem is the dotted key it is about and what is wrong; the loader puts it at the key's
//! value in the file. Rules that need an adapter's knowledge (which printer profiles or photo
//! specifications exist, whether a vendor library loads) come from the composition root.
//!
//! The language and timeout rules are shared with the configuration the central sends
//! (`sync::fleet`), so both are held to the same limits.

use super::pin;
use super::schema::{
    CameraKind, CardKind, CardSettings, Central, Config, Device, HallPaymentMode, HolderCheckMode,
    HolderCheckSettings, KioskKind, PhotoSettings, PrinterKind, PrinterSettings, StationSettings,
    StoreSettings, Technician, TerminalKind, UpdateSettings, VoiceSettings, WriterKind,
};
use crate::domain::app_number::valid_device_id;

/// UI languages with bundled translations.
pub const LANGUAGES: &[&str] = &["zh_CN", "en"];

/// A problem found by a rule: the dotted key and what is wrong with it.
pub type Problem = (&'static str, String);

/// Line speeds a serial printer may be set to.
const BAUDS: [u32; 5] = [9600, 19200, 38400, 57600, 115_200];

/// Every problem of a parsed configuration, section by section.
pub fn problems(c: &Config) -> Vec<Problem> {
    [
        device(&c.device),
        language_problems(&c.ui.languages, &c.ui.default_language),
        timeout_problems(
            c.timeouts.idle_seconds,
            c.timeouts.warning_seconds,
            c.timeouts.done_seconds,
        ),
        card(&c.devices.card),
        printer(&c.devices.printer),
        camera(c),
        photo(&c.photo),
        store(&c.store),
        central(&c.central),
        technician(&c.technician, c.ui.demo),
        station(c),
        hall(c),
        voice(&c.voice),
        update(&c.update),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// The rules for the languages offered, shared by `kiosk.toml` and the configuration the
/// central sends: (key, problem) pairs, empty when all is well.
pub fn language_problems(languages: &[String], default: &str) -> Vec<Problem> {
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

/// The rules for the idle timeouts, in seconds (WCAG 2.2 success criterion 2.2.1: a warning
/// at least 20 s ahead), shared like [`language_problems`].
pub fn timeout_problems(idle: u64, warning: u64, done: u64) -> Vec<Problem> {
    let mut out = Vec::new();
    if idle < 30 {
        out.push((
            "timeouts.idle_seconds",
            "must be at least 30 seconds".to_string(),
        ));
    }
    if warning < 20 || warning >= idle {
        out.push((
            "timeouts.warning_seconds",
            "must be at least 20 seconds and less than idle_seconds".to_string(),
        ));
    }
    if done < 5 {
        out.push((
            "timeouts.done_seconds",
            "must be at least 5 seconds".to_string(),
        ));
    }
    out
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

fn device(d: &Device) -> Vec<Problem> {
    let mut out = Vec::new();
    if !valid_device_id(&d.id) {
        out.push((
            "device.id",
            format!(
                "{:?} must be 2 to 8 upper-case letters or digits, starting with a letter",
                d.id
            ),
        ));
    }
    out
}

fn card(card: &CardSettings) -> Vec<Problem> {
    let mut out = Vec::new();
    if parse_hex(&card.pseudo_apdu).is_none_or(|b| b.len() != 5) {
        out.push((
            "devices.card.pseudo_apdu",
            format!(
                "{:?} must be five hex bytes, e.g. \"FF B0 00 00 00\"",
                card.pseudo_apdu
            ),
        ));
    }
    if card.kind == CardKind::SamSerial && card.port.as_deref().is_none_or(str::is_empty) {
        out.push((
            "devices.card.kind",
            "sam_serial needs devices.card.port, e.g. /dev/ttyUSB0".into(),
        ));
    }
    for path in &card.csca {
        if !path.is_file() {
            out.push((
                "devices.card.csca",
                format!("{} does not exist", path.display()),
            ));
        }
    }
    out
}

fn printer(p: &PrinterSettings) -> Vec<Problem> {
    let mut out = Vec::new();
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
        out.push((
            "devices.printer.kind",
            format!("this printer kind needs devices.printer.target: {what}"),
        ));
    }
    if p.kind == PrinterKind::Tcp
        && let Some(target) = &p.target
        && target
            .rsplit_once(':')
            .is_none_or(|(h, port)| h.is_empty() || port.parse::<u16>().is_err())
    {
        out.push((
            "devices.printer.target",
            format!("{target:?} is not host:port"),
        ));
    }
    if p.profile == "custom" && p.custom.is_none() {
        out.push((
            "devices.printer.profile",
            "\"custom\" needs a [devices.printer.custom] table".into(),
        ));
    }
    if !BAUDS.contains(&p.baud) {
        out.push((
            "devices.printer.baud",
            format!("{} is not one of 9600, 19200, 38400, 57600, 115200", p.baud),
        ));
    }
    out
}

/// The camera's own settings, and the simulated one only in demo mode wherever the kiosk uses
/// the camera: the hall's photo step, the holder check.
fn camera(config: &Config) -> Vec<Problem> {
    let c = &config.devices.camera;
    let mut out = Vec::new();
    let used = match config.device.kind {
        KioskKind::HallSelfFill => true,
        KioskKind::StationEndorsement => config
            .station
            .holder_check
            .as_ref()
            .is_some_and(|h| h.mode != HolderCheckMode::Off),
    };
    // The simulated camera shows the demo subject: every applicant's photo would be theirs.
    if used && c.kind == CameraKind::Sim && !config.ui.demo {
        out.push((
            "devices.camera.kind",
            "sim shows the demo's still picture, for demo mode only (ui.demo = true); use v4l"
                .into(),
        ));
    }
    if c.kind == CameraKind::V4l && c.device.as_deref().is_none_or(str::is_empty) {
        out.push((
            "devices.camera.kind",
            "v4l needs devices.camera.device, e.g. /dev/video0".into(),
        ));
    }
    out
}

fn photo(p: &PhotoSettings) -> Vec<Problem> {
    let mut out = Vec::new();
    if p.max_attempts == 0 {
        out.push(("photo.max_attempts", "must be at least 1".into()));
    }
    out
}

fn voice(v: &VoiceSettings) -> Vec<Problem> {
    let mut out = Vec::new();
    if v.volume > 100 {
        out.push(("voice.volume", format!("{} is above 100 (%)", v.volume)));
    }
    if !(80..=450).contains(&v.words_per_minute) {
        out.push((
            "voice.words_per_minute",
            format!("{} is outside 80–450", v.words_per_minute),
        ));
    }
    if v.device.trim().is_empty() {
        out.push((
            "voice.device",
            "must name an ALSA device (\"default\")".into(),
        ));
    }
    out
}

fn update(u: &UpdateSettings) -> Vec<Problem> {
    if (5..=120).contains(&u.confirm_minutes) {
        return Vec::new();
    }
    vec![(
        "update.confirm_minutes",
        format!("{} is outside 5–120 (minutes)", u.confirm_minutes),
    )]
}

fn store(s: &StoreSettings) -> Vec<Problem> {
    let mut out = Vec::new();
    if s.tombstone_days == 0 {
        out.push((
            "store.tombstone_days",
            "keep tombstones at least one day, so staff can still look a number up".into(),
        ));
    }
    if s.max_db_mb < 16 {
        out.push((
            "store.max_db_mb",
            "must be at least 16 (MiB): a day of applications needs room".into(),
        ));
    }
    if s.data_dir.as_os_str().is_empty() {
        out.push(("store.data_dir", "must not be empty".into()));
    }
    out
}

fn central(c: &Central) -> Vec<Problem> {
    let mut out = Vec::new();
    if c.heartbeat_seconds == 0 {
        out.push(("central.heartbeat_seconds", "must be at least 1".into()));
    }
    match reqwest::Url::parse(&c.url) {
        Ok(url) if url.scheme() == "https" && url.host().is_some() => {}
        Ok(url) => out.push((
            "central.url",
            format!(
                "{:?}: must be https:// with a host (applicants' data is only sent over mutual TLS), not {:?}",
                c.url,
                url.scheme()
            ),
        )),
        Err(e) => out.push(("central.url", format!("{:?} is not a URL: {e}", c.url))),
    }
    out
}

/// The demo's technician PIN, which everyone who read the README knows.
const DEMO_PIN: &str = "2468";

fn technician(t: &Technician, demo: bool) -> Vec<Problem> {
    let mut out = Vec::new();
    if !pin::is_hash(&t.pin_hash) {
        out.push((
            "technician.pin_hash",
            "is not an Argon2 hash: make one with `kiosk config hash-pin`".into(),
        ));
    } else if !demo && pin::verify_pin(DEMO_PIN, &t.pin_hash) {
        out.push((
            "technician.pin_hash",
            "is the demo PIN 2468, which is published: make your own with `echo -n <PIN> | kiosk config hash-pin`".into(),
        ));
    }
    out
}

/// The first entry of a list that comes again later: a service or payment method listed twice is
/// a typing slip the technician should hear about (the screen shows each once, in a fixed order).
fn first_repeated<T: PartialEq>(items: &[T]) -> Option<&T> {
    items
        .iter()
        .enumerate()
        .find(|(i, x)| items[i + 1..].contains(x))
        .map(|(_, x)| x)
}

/// `"qr" is listed twice; list each once`, in the file's own spelling.
fn listed_twice(entry: &impl serde::Serialize) -> String {
    let name = serde_json::to_string(entry).unwrap_or_default();
    format!("{name} is listed twice; list each once")
}

/// Payment time limits an applicant can live with (WCAG 2.2.1 wants time to pay; a pending
/// payment must not hold the kiosk for long).
const PAYMENT_SECONDS: std::ops::RangeInclusive<u64> = 60..=900;
/// Thresholds a site may choose: at 0.3 false rejects already climb steeply on the project's own
/// set, and its closest different-person pair lies at 0.455 (docs/FACE.md, "Accuracy").
const HOLDER_THRESHOLD: std::ops::RangeInclusive<f32> = 0.3..=0.45;
const HOLDER_TRIES: std::ops::RangeInclusive<u32> = 1..=5;
/// Seconds for one action: the elderly need time; more only keeps a queue waiting.
const ACTION_SECONDS: std::ops::RangeInclusive<u64> = 5..=30;

/// The dotted keys of one kiosk kind's `holder_check` section, and the modes it takes.
struct HolderSection {
    section: &'static str,
    mode: &'static str,
    threshold: &'static str,
    tries: &'static str,
    action_seconds: &'static str,
    modes: &'static [(HolderCheckMode, &'static str)],
    /// What the kind's non-blocking mode does, for a mode it does not take.
    hint: &'static str,
}

const STATION_HOLDER: HolderSection = HolderSection {
    section: "station.holder_check",
    mode: "station.holder_check.mode",
    threshold: "station.holder_check.threshold",
    tries: "station.holder_check.tries",
    action_seconds: "station.holder_check.action_seconds",
    modes: &[
        (HolderCheckMode::Off, "off"),
        (HolderCheckMode::Record, "record"),
        (HolderCheckMode::Required, "required"),
    ],
    hint: "record runs the check and only records its verdict",
};

const HALL_HOLDER: HolderSection = HolderSection {
    section: "hall.holder_check",
    mode: "hall.holder_check.mode",
    threshold: "hall.holder_check.threshold",
    tries: "hall.holder_check.tries",
    action_seconds: "hall.holder_check.action_seconds",
    modes: &[
        (HolderCheckMode::Off, "off"),
        (HolderCheckMode::Advisory, "advisory"),
        (HolderCheckMode::Required, "required"),
    ],
    hint: "advisory prints the verdict on the form for the clerk and turns nobody away",
};

fn holder_check(h: &HolderCheckSettings, keys: &HolderSection) -> Vec<Problem> {
    let mut out = Vec::new();
    if !keys.modes.iter().any(|(m, _)| *m == h.mode) {
        let names: Vec<&str> = keys.modes.iter().map(|(_, n)| *n).collect();
        out.push((
            keys.mode,
            format!("this kiosk kind takes {} ({})", names.join(", "), keys.hint),
        ));
    }
    if !HOLDER_THRESHOLD.contains(&h.threshold) {
        out.push((
            keys.threshold,
            format!(
                "{} is outside 0.3–0.45 (default 0.40; docs/FACE.md, \"Accuracy\")",
                h.threshold
            ),
        ));
    }
    if !HOLDER_TRIES.contains(&h.tries) {
        out.push((keys.tries, format!("{} is outside 1–5", h.tries)));
    }
    if !ACTION_SECONDS.contains(&h.action_seconds) {
        out.push((
            keys.action_seconds,
            format!("{} is outside 5–30 seconds", h.action_seconds),
        ));
    }
    out
}

/// The hall kiosk's own settings.
fn hall(c: &Config) -> Vec<Problem> {
    if c.device.kind != KioskKind::HallSelfFill {
        return Vec::new();
    }
    let mut out = Vec::new();
    if let Some(p) = &c.hall.payment
        && p.mode != HallPaymentMode::Off
        && !(60..=900).contains(&p.wait_seconds)
    {
        out.push((
            "hall.payment.wait_seconds",
            format!("{} is outside 60–900 seconds", p.wait_seconds),
        ));
    }
    // As on the station kiosk: the simulated terminal takes no money, so only a demo may run
    // on it.
    if let Some(p) = &c.hall.payment
        && p.mode == HallPaymentMode::Terminal
        && p.terminal == TerminalKind::Sim
        && !c.ui.demo
    {
        // Reported at `mode`, which the file has (`terminal` is usually left to its default).
        out.push((
            "hall.payment.mode",
            "\"terminal\" with the simulated terminal (terminal = \"sim\", the default) takes no money: a real kiosk needs a payment terminal adapter, and none is built yet; use mode = \"qr\" or \"off\" (docs/DOMAIN.md, \"At the card terminal\")".into(),
        ));
    }
    let Some(h) = &c.hall.holder_check else {
        return out;
    };
    out.extend(holder_check(h, &HALL_HOLDER));
    // The ID card's photo is encrypted: without the vendor's decoder there is nothing to
    // compare the face with (docs/CARDS.md, "The ID photo").
    if h.mode != HolderCheckMode::Off
        && c.devices.card.kind != CardKind::Sim
        && c.devices.card.photo_decoder.is_none()
    {
        out.push((
            HALL_HOLDER.section,
            "compares the face with the ID card's photo: set devices.card.photo_decoder (docs/CARDS.md)".into(),
        ));
    }
    out
}

fn station(c: &Config) -> Vec<Problem> {
    if c.device.kind != KioskKind::StationEndorsement {
        return Vec::new();
    }
    let s: &StationSettings = &c.station;
    let mut out = Vec::new();
    if s.services.is_empty() {
        out.push(("station.services", "list at least one service".into()));
    }
    if s.payment_methods.is_empty() {
        out.push((
            "station.payment_methods",
            "list at least one payment method".into(),
        ));
    }
    if let Some(twice) = first_repeated(&s.services) {
        out.push(("station.services", listed_twice(twice)));
    }
    if let Some(twice) = first_repeated(&s.payment_methods) {
        out.push(("station.payment_methods", listed_twice(twice)));
    }
    if let Some(h) = &s.holder_check {
        out.extend(holder_check(h, &STATION_HOLDER));
    }
    if !PAYMENT_SECONDS.contains(&s.payment_timeout_seconds) {
        out.push((
            "station.payment_timeout_seconds",
            format!(
                "{} is outside {}–{} seconds",
                s.payment_timeout_seconds,
                PAYMENT_SECONDS.start(),
                PAYMENT_SECONDS.end()
            ),
        ));
    }
    let card = &c.devices.card;
    if card.kind != CardKind::Sim {
        // A real permit reader needs a trust anchor, or every chip fails passive
        // authentication and every applicant is sent to a window.
        if card.csca.is_empty() {
            out.push((
                "devices.card.csca",
                "a station kiosk needs the CSCA certificates its permits are verified against"
                    .into(),
            ));
        }
        // Without its own name the permit reader would be the first reader found — likely the
        // ID card's.
        match card.permit_reader.as_deref() {
            None | Some("") => out.push((
                "devices.card.permit_reader",
                "a station kiosk needs the permit reader's name (or a part of it): see `kiosk card list`".into(),
            )),
            Some(p) if card.reader.as_deref() == Some(p) => out.push((
                "devices.card.permit_reader",
                "names the same reader as devices.card.reader: the permit needs its own reader"
                    .into(),
            )),
            Some(_) => {}
        }
    }
    if let Some(scanner) = &s.mrz_scanner {
        if scanner.path.is_empty() {
            out.push((
                "station.mrz_scanner.path",
                "must name the scanner's device, e.g. /dev/ttyACM0".into(),
            ));
        }
        if let Some(baud) = scanner.baud
            && !BAUDS.contains(&baud)
        {
            out.push((
                "station.mrz_scanner.baud",
                format!("{baud} is not one of 9600, 19200, 38400, 57600, 115200"),
            ));
        }
    }
    // The simulators take no money and write nothing: only a demo may run on them (no vendor
    // adapter exists yet; docs/STATION.md, "Devices").
    if !c.ui.demo {
        if s.terminal == TerminalKind::Sim {
            out.push((
                "station.terminal",
                "\"sim\" takes no money: a real kiosk needs a payment terminal adapter, and none is built yet (docs/STATION.md)".into(),
            ));
        }
        if s.writer == WriterKind::Sim {
            out.push((
                "station.writer",
                "\"sim\" writes nothing: a real kiosk needs a writer module adapter, and none is built yet (docs/STATION.md)".into(),
            ));
        }
    }
    out
}
