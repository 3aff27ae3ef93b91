//! `kiosk.toml`: loading it — read, parse into the plain [`schema`], check the [`rules`] —
//! returns the configuration or every problem found, each as `FILE:LINE:COL: key: what is
//! wrong` ([`position`]). Unknown keys are errors (a misspelt key must not silently fall back to
//! a default). Relative paths are resolved against the directory of the file.
//!
//! The config room knows only `domain`: the composition root turns the schema into adapter
//! settings and passes in the rules only adapters can judge (`cli/settings.rs`).

mod pin;
mod position;
pub mod rules;
pub mod schema;

use std::path::Path;

use toml::de::DeTable;

pub use pin::{hash_pin, verify_pin};
pub use position::ConfigError;
pub use rules::{LANGUAGES, Problem, language_problems, parse_hex, timeout_problems};
pub use schema::*;

use position::{KeyMap, Reporter};

/// What a technician must hear about a file that is valid: settings this kind of kiosk does not
/// read (a `[station]` table on a hall kiosk, a `[hall]` table on a station kiosk), and demo mode
/// left on with real devices. Not errors — a kiosk must still start with a table left over, and
/// a demo on real hardware is legitimate at a bench — but `kiosk config check` prints these and
/// the kiosk logs them.
pub fn notes(text: &str, file: &Path, config: &Config) -> Vec<ConfigError> {
    let name = file.display().to_string();
    let mut r = Reporter::new(&name, text);
    let (root, _) = DeTable::parse_recoverable(text);
    let keys = KeyMap::build(root.get_ref());
    let own_tables = [
        (
            KioskKind::StationEndorsement,
            "station",
            "ignored: only a station kiosk reads this table (device.kind = \"station_endorsement\")",
        ),
        (
            KioskKind::HallSelfFill,
            "hall",
            "ignored: only a hall kiosk reads this table (device.kind = \"hall_self_fill\")",
        ),
    ];
    for (kind, table, note) in own_tables {
        if config.device.kind != kind
            && let Some(span) = keys.table_span(table)
        {
            r.at(span.start, table, note);
        }
    }
    let devices = &config.devices;
    let real_device = devices.card.kind != CardKind::Sim
        || devices.camera.kind != CameraKind::Sim
        || !matches!(devices.printer.kind, PrinterKind::Sim | PrinterKind::File);
    if config.ui.demo
        && real_device
        && let Some(span) = keys.key_span("ui.demo")
    {
        r.at(
            span.start,
            "ui.demo",
            "demo mode with real devices: the published technician PIN, simulated payment \
             terminals and writers and a self-made store key are accepted — never on a kiosk in \
             service (set demo = false)",
        );
    }
    r.into_errors()
}

/// Parses and validates a configuration. `file` names it in error messages and its directory
/// anchors relative paths; `adapter_rules` are the checks only the adapters can make, reported
/// like the file's own.
pub fn parse(
    text: &str,
    file: &Path,
    adapter_rules: impl Fn(&Config) -> Vec<Problem>,
) -> Result<Config, Vec<ConfigError>> {
    let name = file.display().to_string();
    let mut r = Reporter::new(&name, text);
    let (root, syntax) = DeTable::parse_recoverable(text);
    if !syntax.is_empty() {
        for e in syntax {
            let message = e.message().trim().to_string();
            r.at(e.span().map_or(0, |s| s.start), "", message);
        }
        return Err(r.into_errors());
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
            return Err(r.into_errors());
        }
    };
    let base = file.parent().unwrap_or(Path::new("."));
    let card = &mut config.devices.card;
    card.csca = card.csca.iter().map(|p| base.join(p)).collect();
    card.photo_decoder = card.photo_decoder.as_ref().map(|p| base.join(p));
    // Files the adapters' rules open (the certificates, the CSCA list, the decoder) are
    // resolved before the rules run, so they are looked for where the kiosk will look.
    let central = &mut config.central;
    for path in [
        &mut central.ca_cert,
        &mut central.client_cert,
        &mut central.client_key,
    ] {
        *path = base.join(&*path);
    }
    for (key, message) in rules::problems(&config)
        .into_iter()
        .chain(adapter_rules(&config))
    {
        r.at(keys.value_start(key), key, message);
    }
    if !r.is_empty() {
        return Err(r.into_errors());
    }
    config.store.data_dir = base.join(&config.store.data_dir);
    config.store.key_file = config.store.key_file.as_ref().map(|p| base.join(p));
    if let Some(target) = &mut config.devices.printer.target
        && config.devices.printer.kind == PrinterKind::File
    {
        *target = base.join(&*target).display().to_string();
    }
    Ok(config)
}

/// [`notes`] for the file a configuration was loaded from (nothing when it cannot be read
/// again).
pub fn notes_in(file: &Path, config: &Config) -> Vec<ConfigError> {
    std::fs::read_to_string(file)
        .map(|text| notes(&text, file, config))
        .unwrap_or_default()
}

/// Reads and parses a configuration file (see [`parse`]).
pub fn load(
    file: &Path,
    adapter_rules: impl Fn(&Config) -> Vec<Problem>,
) -> Result<Config, Vec<ConfigError>> {
    match std::fs::read_to_string(file) {
        Ok(text) => parse(&text, file, adapter_rules),
        Err(e) => Err(vec![ConfigError {
            file: file.display().to_string(),
            line: 0,
            column: 0,
            key: String::new(),
            message: format!("cannot read: {e}"),
        }]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEMO: &str = include_str!("../../kiosk.toml");

    /// Without the adapters' rules: those are tested in `cli/settings.rs`.
    fn no_adapters(_: &Config) -> Vec<Problem> {
        Vec::new()
    }

    fn errors(text: &str) -> Vec<String> {
        parse(text, Path::new("k.toml"), no_adapters)
            .unwrap_err()
            .iter()
            .map(|e| e.to_string())
            .collect()
    }

    #[test]
    fn the_demo_configuration_is_valid() {
        let c = parse(DEMO, Path::new("/repo/kiosk.toml"), no_adapters).unwrap();
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
        let c = parse(DEMO, Path::new("/repo/kiosk.toml"), no_adapters).unwrap();
        assert_eq!(
            c.store.key_file.as_deref(),
            Some(Path::new("/repo/var/store.key"))
        );
        assert_eq!(c.central.ca_cert, Path::new("/repo/var/pki/ca.pem"));
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

    /// The line of `DEMO` that starts with `start`, counted from 1.
    fn demo_line(start: &str) -> usize {
        DEMO.lines()
            .position(|l| l.starts_with(start))
            .expect("in the demo file")
            + 1
    }

    #[test]
    fn the_hall_holder_check_takes_the_hall_modes_and_limits_at_its_keys() {
        let demo = parse(DEMO, Path::new("k.toml"), no_adapters).expect("the demo file");
        let h = demo.hall.holder_check.expect("the demo checks holders");
        assert_eq!(
            (h.mode, h.threshold, h.tries),
            (HolderCheckMode::Advisory, 0.40, 2)
        );
        let text = DEMO
            .replace("mode = \"advisory\"", "mode = \"record\"")
            .replace("threshold = 0.40", "threshold = 0.6")
            .replace("tries = 2", "tries = 0")
            .replace("action_seconds = 10", "action_seconds = 3");
        let e = errors(&text);
        for (line, needle) in [
            (
                demo_line("mode = \"advisory\""),
                "hall.holder_check.mode: this kiosk kind takes off, advisory, required (advisory prints",
            ),
            (
                demo_line("threshold = 0.40"),
                "hall.holder_check.threshold: 0.6 is outside 0.3–0.45",
            ),
            (
                demo_line("tries = 2"),
                "hall.holder_check.tries: 0 is outside 1–5",
            ),
            (
                demo_line("action_seconds = 10"),
                "hall.holder_check.action_seconds: 3 is outside 5–30",
            ),
        ] {
            assert!(
                e.iter()
                    .any(|l| l.starts_with(&format!("k.toml:{line}:")) && l.contains(needle)),
                "{needle:?} at line {line} missing: {e:?}"
            );
        }
    }

    #[test]
    fn the_hall_payment_takes_its_modes_and_its_wait_at_its_keys() {
        let demo = parse(DEMO, Path::new("k.toml"), no_adapters).expect("the demo file");
        let p = demo.hall.payment.expect("the demo takes the fee by phone");
        assert_eq!((p.mode, p.wait_seconds), (HallPaymentMode::Qr, 120));
        let line = demo_line("wait_seconds = 120");
        let e = errors(&DEMO.replace("wait_seconds = 120", "wait_seconds = 30"));
        assert!(
            e.iter().any(|l| l.starts_with(&format!("k.toml:{line}:"))
                && l.contains("hall.payment.wait_seconds: 30 is outside 60–900")),
            "{e:?}"
        );
        let e = errors(&DEMO.replace("mode = \"qr\"", "mode = \"card\""));
        assert!(
            e.iter()
                .any(|l| l.contains("hall.payment.mode") || l.contains("unknown variant `card`")),
            "{e:?}"
        );
    }

    #[test]
    fn the_hall_takes_the_simulated_card_terminal_only_in_demo_mode() {
        let terminal = DEMO.replace("mode = \"qr\"", "mode = \"terminal\"");
        let demo = parse(&terminal, Path::new("k.toml"), no_adapters).expect("demo");
        let p = demo.hall.payment.expect("payment");
        assert_eq!(
            (p.mode, p.terminal),
            (HallPaymentMode::Terminal, TerminalKind::Sim)
        );
        let e = errors(&terminal.replace("demo = true", "demo = false"));
        assert!(
            e.iter().any(
                |l| l.starts_with(&format!("k.toml:{}:", demo_line("mode = \"qr\"")))
                    && l.contains("hall.payment.mode: \"terminal\" with the simulated terminal")
                    && l.contains("use mode = \"qr\" or \"off\"")
            ),
            "{e:?}"
        );
    }

    #[test]
    fn a_hall_holder_check_needs_a_real_camera_and_the_card_photo_decoder_outside_demo() {
        let text = DEMO.replace("demo = true", "demo = false").replacen(
            "kind = \"sim\"",
            "kind = \"pcsc\"",
            1,
        );
        let e = parse(&text, Path::new("k.toml"), no_adapters).unwrap_err();
        let e: Vec<String> = e.iter().map(|e| e.to_string()).collect();
        assert!(
            e.iter().any(|l| l.contains(
                "hall.holder_check: compares the face with the ID card's photo: set devices.card.photo_decoder"
            )),
            "{e:?}"
        );
        assert!(
            e.iter()
                .any(|l| l.contains("devices.camera.kind: sim shows the demo's still picture")),
            "{e:?}"
        );
        let off = text.replace("mode = \"advisory\"", "mode = \"off\"");
        let e = parse(&off, Path::new("k.toml"), no_adapters).unwrap_err();
        assert!(
            !e.iter()
                .any(|e| e.to_string().contains("hall.holder_check")),
            "off needs neither: {e:?}"
        );
    }

    /// The notes [`notes`] gives on `text` as `k.toml`, which must still parse.
    fn notes_on(text: &str) -> Vec<String> {
        let file = Path::new("k.toml");
        let config = parse(text, file, no_adapters).expect("a leftover table still starts");
        notes(text, file, &config)
            .iter()
            .map(|e| e.to_string())
            .collect()
    }

    #[test]
    fn a_hall_table_on_a_station_kiosk_is_named_not_refused() {
        let station = include_str!("../../kiosk-station.toml");
        let notes = notes_on(&format!(
            "{station}\n[hall.holder_check]\nmode = \"advisory\"\n"
        ));
        assert!(
            matches!(&notes[..], [n] if n.contains("hall: ignored: only a hall kiosk")),
            "{notes:?}"
        );
    }

    #[test]
    fn a_station_table_on_a_hall_kiosk_is_named_not_refused() {
        let notes = notes_on(&format!(
            "{DEMO}\n[station.mrz_scanner]\npath = \"/dev/ttyACM0\"\n"
        ));
        let line = DEMO.lines().count() + 2;
        assert!(
            matches!(&notes[..], [n] if n.starts_with(&format!("k.toml:{line}:"))
                && n.contains("station: ignored: only a station kiosk")),
            "{notes:?}"
        );
        assert!(notes_on(DEMO).is_empty());
    }

    #[test]
    fn demo_mode_with_real_devices_is_named_at_its_key() {
        assert!(
            notes_on(DEMO).is_empty(),
            "the demo's own devices are simulated"
        );
        let real = DEMO.replace(
            "kind = \"sim\"                  # sim | file",
            "kind = \"usb\"\ntarget = \"/dev/usb/lp0\"  # sim | file",
        );
        assert_ne!(real, DEMO);
        let line = DEMO
            .lines()
            .position(|l| l.starts_with("demo = true"))
            .expect("the demo file turns demo mode on")
            + 1;
        let notes = notes_on(&real);
        assert!(
            matches!(&notes[..], [n] if n.starts_with(&format!("k.toml:{line}:1: ui.demo: demo mode with real devices"))),
            "{notes:?}"
        );
    }

    #[test]
    fn syntax_errors_have_positions() {
        let e = errors("[device\nid = 1\n");
        assert!(e[0].starts_with("k.toml:1:"), "{e:?}");
    }

    #[test]
    fn a_custom_printer_profile_needs_its_table() {
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
