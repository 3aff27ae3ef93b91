//! From `kiosk.toml`'s plain schema to the adapters' own settings, and the checks only the
//! adapters can make. The config room knows nothing of printers, card readers, photos, the
//! store or the central; this is the one place that knows both sides, so a key renamed on
//! either side is a compile error here rather than a silent change of the file format.

use std::path::Path;
use std::time::Duration;

use crate::app::DisplayMode;
use crate::config::{
    self, CardSettings, Central, Charset, Config, ConfigError, CustomPrinterProfile, CutKind,
    ExtendedLength, PhotoSettings, PrinterSettings, Problem, StoreSettings, ThemeVariant,
    TimeoutSettings,
};
use crate::config::{PaymentMethod, StationService};
use crate::devices::card::emrtd::chip as emrtd;
use crate::devices::card::idcard::idmodule::{self, PseudoApdu};
use crate::devices::card::idcard::portrait::PortraitDecoder;
use crate::devices::printer::PrinterProfile;
use crate::devices::printer::profile;
use crate::flow::Timeouts;
use crate::flow::station::{PayMethod, Service};
use crate::photo::PhotoSpec;
use crate::store::Limits;
use crate::sync::link::{Link, LinkError, REQUEST_TIMEOUT, TlsMaterial};

/// Loads a configuration file with every rule, the adapters' included.
pub fn load(file: &Path) -> Result<Config, Vec<ConfigError>> {
    config::load(file, adapter_problems)
}

/// What only the adapters can tell: whether they know the printer profile and photo
/// specification named, whether the vendor's photo decoder loads, and whether the TLS library
/// takes the central's certificates.
pub fn adapter_problems(c: &Config) -> Vec<Problem> {
    let mut out = Vec::new();
    if let Some(lib) = &c.devices.card.photo_decoder
        && let Err(e) = PortraitDecoder::load(lib)
    {
        out.push(("devices.card.photo_decoder", e));
    }
    // The trust anchors are parsed now, so a file that is not a certificate is found by
    // `kiosk config check` and at start, not by the first applicant's permit. (A missing file
    // is the schema rules' to report.)
    let csca = &c.devices.card.csca;
    if csca.iter().all(|p| p.is_file())
        && let Err(e) = crate::devices::card::icao::pa::load_cscas(csca)
    {
        out.push((
            "devices.card.csca",
            format!("not a CSCA certificate (DER or PEM) — {e}"),
        ));
    }
    // The central's certificates, once they are all there (before provisioning they are not,
    // and `kiosk config check` says so as a note): a file that is not PEM, a certificate the
    // TLS library refuses (an X.509 v1 certificate, a key that is not the certificate's) would
    // otherwise only show when the kiosk fails to start.
    let central = &c.central;
    if [&central.ca_cert, &central.client_cert, &central.client_key]
        .iter()
        .all(|p| p.is_file())
        && let Err(e) = link(central)
    {
        // "central.client_cert/client_key" (the pair did not parse) is reported at the
        // certificate's key, so that the line and column point into the file.
        let key = match &e {
            LinkError::Read { what, .. } | LinkError::Pem { what, .. } if !what.contains('/') => {
                *what
            }
            _ => "central.client_cert",
        };
        out.push((key, e.to_string()));
    }
    let p = &c.devices.printer;
    if p.profile != "custom" && PrinterProfile::builtin(&p.profile).is_none() {
        out.push((
            "devices.printer.profile",
            format!(
                "{:?} is not a known profile; use one of {} or \"custom\"",
                p.profile,
                PrinterProfile::BUILTIN_NAMES.join(", ")
            ),
        ));
    }
    if PhotoSpec::named(&c.photo.profile).is_none() {
        out.push((
            "photo.profile",
            format!(
                "{:?} is not a known photo profile; use one of {}",
                c.photo.profile,
                PhotoSpec::NAMES.join(", ")
            ),
        ));
    }
    out
}

/// The printer profile named in the file (checked at load, so it exists).
pub fn printer_profile(p: &PrinterSettings) -> PrinterProfile {
    match (&p.custom, PrinterProfile::builtin(&p.profile)) {
        (Some(custom), _) if p.profile == "custom" => custom_profile(custom),
        (_, Some(builtin)) => builtin,
        _ => PrinterProfile::builtin("generic-80").expect("builtin profile"),
    }
}

fn custom_profile(c: &CustomPrinterProfile) -> PrinterProfile {
    PrinterProfile {
        name: c.name.clone(),
        dots: c.dots,
        columns: c.columns,
        charset: match c.charset {
            Charset::None => profile::Charset::None,
            Charset::Gb2312 => profile::Charset::Gb2312,
            Charset::Gbk => profile::Charset::Gbk,
        },
        native_code128: c.native_code128,
        native_qr: c.native_qr,
        cut: match c.cut {
            CutKind::Full => profile::CutKind::Full,
            CutKind::Partial => profile::CutKind::Partial,
            CutKind::None => profile::CutKind::None,
        },
        max_band_rows: c.max_band_rows,
    }
}

/// The ID reader module's pseudo-APDU (the template was checked at load).
pub fn pseudo_apdu(c: &CardSettings) -> PseudoApdu {
    PseudoApdu {
        template: config::parse_hex(&c.pseudo_apdu).unwrap_or_default(),
        prefix: c.pseudo_apdu_prefix.unwrap_or(idmodule::BLOCK_PREFIX),
    }
}

pub fn extended_length(c: &CardSettings) -> emrtd::ExtendedLength {
    match c.extended_length {
        ExtendedLength::Auto => emrtd::ExtendedLength::Auto,
        ExtendedLength::Never => emrtd::ExtendedLength::Never,
    }
}

pub fn timeouts(t: &TimeoutSettings) -> Timeouts {
    Timeouts {
        idle: Duration::from_secs(t.idle_seconds),
        warning: Duration::from_secs(t.warning_seconds),
        done: Duration::from_secs(t.done_seconds),
    }
}

/// The display mode each session starts in.
pub fn display(theme: ThemeVariant) -> DisplayMode {
    match theme {
        ThemeVariant::Normal => DisplayMode::Normal,
        ThemeVariant::LargeText => DisplayMode::LargeText,
        ThemeVariant::HighContrast => DisplayMode::HighContrast,
    }
}

pub fn store_limits(s: &StoreSettings) -> Limits {
    Limits {
        max_db_bytes: s.max_db_mb * 1024 * 1024,
        min_free_disk_bytes: s.min_free_mb * 1024 * 1024,
    }
}

/// The photo specification named in the file (checked at load, so it exists).
pub fn photo_spec(p: &PhotoSettings) -> PhotoSpec {
    PhotoSpec::named(&p.profile).unwrap_or_default()
}

/// The link to the central `[central]` describes.
pub fn link(c: &Central) -> Result<Link, LinkError> {
    let tls = TlsMaterial::read(&c.ca_cert, &c.client_cert, &c.client_key)?;
    Link::new(&c.url, &tls, REQUEST_TIMEOUT)
}

/// The station services offered.
pub fn station_services(services: &[StationService]) -> Vec<Service> {
    services
        .iter()
        .map(|s| match s {
            StationService::Endorse => Service::Endorse,
            StationService::PrintApproved => Service::PrintApproved,
            StationService::RemainingTrips => Service::RemainingTrips,
            StationService::ReprintBack => Service::ReprintBack,
        })
        .collect()
}

/// The payment methods offered.
pub fn payment_methods(methods: &[PaymentMethod]) -> Vec<PayMethod> {
    methods
        .iter()
        .map(|m| match m {
            PaymentMethod::Terminal => PayMethod::Terminal,
            PaymentMethod::Qr => PayMethod::Qr,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEMO: &str = include_str!("../../kiosk.toml");

    fn parse(text: &str) -> Result<Config, Vec<ConfigError>> {
        config::parse(text, Path::new("k.toml"), adapter_problems)
    }

    fn errors(text: &str) -> Vec<String> {
        parse(text)
            .unwrap_err()
            .iter()
            .map(|e| e.to_string())
            .collect()
    }

    #[test]
    fn the_demo_configuration_converts() {
        let c = parse(DEMO).unwrap();
        assert_eq!(store_limits(&c.store).max_db_bytes, 256 * 1024 * 1024);
        assert_eq!(pseudo_apdu(&c.devices.card).template, [0xFF, 0xB0, 0, 0, 0]);
        assert_eq!(pseudo_apdu(&c.devices.card).prefix, idmodule::BLOCK_PREFIX);
        assert_eq!(
            extended_length(&c.devices.card),
            emrtd::ExtendedLength::Auto
        );
        assert_eq!(timeouts(&c.timeouts).idle, Duration::from_secs(120));
        assert_eq!(photo_spec(&c.photo).name, "exit-entry");
    }

    #[test]
    fn printer_profiles_ready_or_custom() {
        let c = parse(&DEMO.replace("profile = \"generic-80\"", "profile = \"sprt-58\"")).unwrap();
        assert_eq!(printer_profile(&c.devices.printer).dots, 384);
        let custom = DEMO.replace(
            "profile = \"generic-80\"",
            "profile = \"custom\"\n[devices.printer.custom]\nname = \"kiosk-72\"\ndots = 512\ncolumns = 42\ncharset = \"gb2312\"\nnative_code128 = false\nnative_qr = true\ncut = \"full\"\nmax_band_rows = 128",
        );
        let c = parse(&custom).unwrap();
        let p = printer_profile(&c.devices.printer);
        assert_eq!(p.name, "kiosk-72");
        assert_eq!(
            (p.charset, p.cut, p.native_code128, p.native_qr),
            (
                profile::Charset::Gb2312,
                profile::CutKind::Full,
                false,
                true
            )
        );
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
    fn an_unknown_photo_profile_is_placed_at_its_value() {
        let text = DEMO.replace("profile = \"exit-entry\"", "profile = \"passport-uk\"");
        let line = text
            .lines()
            .position(|l| l.contains("passport-uk"))
            .unwrap()
            + 1;
        let e = errors(&text);
        assert_eq!(
            e,
            [format!(
                "k.toml:{line}:11: photo.profile: \"passport-uk\" is not a known photo profile; use one of {}",
                PhotoSpec::NAMES.join(", ")
            )]
        );
    }
}
