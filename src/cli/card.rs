//! `kiosk card list|read`: what a technician checks when a reader misbehaves. `read` prints the
//! parsed identity of an ID card, or the DG1 fields, data groups and passive-authentication
//! result of a chip; photo and face bytes are never printed, only their size.

use std::process::ExitCode;

use clap::{Args, Subcommand};
use serde_json::json;

use crate::config::{CardKind, CardSettings};
use crate::devices::card::emrtd::document::{self, ChipDocument};
use crate::devices::card::error::CardError;
use crate::devices::card::icao::{mrz, pa};
use crate::devices::card::idcard::portrait::{self, PortraitDecoder};
use crate::devices::card::idcard::sam::SamModule;
use crate::devices::card::idcard::{cnid, idmodule};
use crate::devices::card::readers::monitor::{Monitor, find_reader};
use crate::devices::card::transport::pcsc::PcscCard;
use crate::domain::identity::{Identity, ValidUntil};

use super::settings::{extended_length, pseudo_apdu};

#[derive(Subcommand)]
pub enum CardCommand {
    /// Lists the PC/SC readers and what is on them.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Reads the ID card, or a chip when MRZ data is given.
    Read(ReadArgs),
}

#[derive(Args)]
pub struct ReadArgs {
    /// Reader name or part of it (default: from kiosk.toml).
    #[arg(long)]
    reader: Option<String>,
    /// The full MRZ, lines separated by newlines or '/'.
    #[arg(long, conflicts_with_all = ["doc", "dob", "expiry"])]
    mrz: Option<String>,
    /// Document number (with --dob and --expiry instead of --mrz).
    #[arg(long, requires_all = ["dob", "expiry"])]
    doc: Option<String>,
    /// Birth date YYMMDD.
    #[arg(long)]
    dob: Option<String>,
    /// Expiry date YYMMDD.
    #[arg(long)]
    expiry: Option<String>,
    #[arg(long)]
    json: bool,
}

pub fn run(command: CardCommand, config: &std::path::Path) -> ExitCode {
    let outcome = match command {
        CardCommand::List { json } => list(json),
        CardCommand::Read(args) => match super::load_config(config) {
            Ok(c) => read(&args, &c.devices.card),
            Err(code) => return code,
        },
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

fn list(as_json: bool) -> Result<(), String> {
    let readers = Monitor::new()
        .snapshot()
        .map_err(|e| format!("PC/SC: {e} (is pcscd running?)"))?;
    if as_json {
        println!(
            "{}",
            serde_json::to_string_pretty(&readers).expect("plain data")
        );
        return Ok(());
    }
    if readers.is_empty() {
        println!("no PC/SC readers");
    }
    for r in readers {
        match &r.atr {
            Some(atr) => println!(
                "{}\tcard present, ATR {}{}",
                r.name,
                hex(atr),
                if r.in_use { " (in use)" } else { "" }
            ),
            None => println!("{}\tempty", r.name),
        }
    }
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn bac_input(args: &ReadArgs) -> Result<Option<String>, String> {
    if let Some(m) = &args.mrz {
        let parsed = mrz::parse(&m.replace('/', "\n")).map_err(|e| format!("--mrz: {e}"))?;
        return Ok(Some(parsed.bac_input()));
    }
    match (&args.doc, &args.dob, &args.expiry) {
        (Some(doc), Some(dob), Some(expiry)) => mrz::bac_input_from_fields(doc, dob, expiry)
            .map(Some)
            .ok_or_else(|| {
                "--doc, --dob and --expiry must be MRZ characters and YYMMDD dates".into()
            }),
        _ => Ok(None),
    }
}

fn connect(monitor: &mut Monitor, pattern: Option<&str>) -> Result<PcscCard, String> {
    let names: Vec<String> = monitor
        .snapshot()
        .map_err(|e| format!("PC/SC: {e} (is pcscd running?)"))?
        .into_iter()
        .map(|r| r.name)
        .collect();
    let name = find_reader(&names, pattern)
        .ok_or_else(|| format!("no PC/SC reader matches {:?}", pattern.unwrap_or("any")))?;
    let ctx = monitor.context().map_err(|e| e.to_string())?;
    PcscCard::connect(ctx, name).map_err(|e| format!("{name}: {e}"))
}

fn read(args: &ReadArgs, settings: &CardSettings) -> Result<(), String> {
    let fail = |e: CardError| format!("{e}\n{} / {}", e.advice().en, e.advice().zh);
    let mut monitor = Monitor::new();
    if let Some(bac) = bac_input(args)? {
        let pattern = args
            .reader
            .as_deref()
            .or(settings.permit_reader.as_deref())
            .or(settings.reader.as_deref());
        let cscas =
            pa::load_cscas(&settings.csca).map_err(|e| format!("devices.card.csca: {e}"))?;
        let mut card = connect(&mut monitor, pattern)?;
        let doc =
            document::read(&mut card, &bac, &cscas, extended_length(settings)).map_err(fail)?;
        print_chip(&doc, args.json);
        return Ok(());
    }
    let data = if settings.kind == CardKind::SamSerial && args.reader.is_none() {
        let port = settings.port.clone().unwrap_or_default();
        let mut module = SamModule::new(&port, settings.baud, std::time::Duration::from_secs(2));
        if !module.card_present().map_err(fail)? {
            return Err(fail(CardError::NoCard));
        }
        module.read().map_err(fail)?
    } else {
        let mut card = connect(
            &mut monitor,
            args.reader.as_deref().or(settings.reader.as_deref()),
        )?;
        idmodule::read(&mut card, &pseudo_apdu(settings)).map_err(fail)?
    };
    let identity = cnid::parse_text_block(&data.text[..], chrono::Local::now().date_naive())
        .map_err(|e| fail(e.into()))?;
    let photo = match &settings.photo_decoder {
        None => {
            "not decoded: no photo_decoder configured (the kiosk shows a placeholder)".to_string()
        }
        Some(lib) => match PortraitDecoder::load(lib).and_then(|d| d.decode(&data.photo)) {
            Ok(rgb) => format!(
                "decoded to {}×{} ({} bytes of RGB)",
                portrait::WIDTH,
                portrait::HEIGHT,
                rgb.len()
            ),
            Err(e) => format!("decoder failed: {e}"),
        },
    };
    print_identity(&identity, data.photo.len(), &photo, args.json);
    Ok(())
}

fn print_identity(id: &Identity, photo_len: usize, photo: &str, as_json: bool) {
    let valid_until = match id.valid_until {
        ValidUntil::LongTerm => "长期 long-term".to_string(),
        ValidUntil::Date(d) => d.to_string(),
    };
    let value = json!({
        "card_type": format!("{:?}", id.card_type),
        "name": id.name,
        "name_latin": id.name_latin,
        "sex": id.sex.code(),
        "nation": id.nation.as_ref().map(|n| n.display()),
        "birth_date": id.birth_date.to_string(),
        "address": id.address,
        "id_number": id.id_number,
        "issuer": id.issuer,
        "valid_from": id.valid_from.to_string(),
        "valid_until": valid_until,
        "permit_number": id.permit_number,
        "nationality": id.nationality,
        "photo_block_bytes": photo_len,
        "photo": photo,
    });
    print_value(&value, as_json);
}

fn print_chip(doc: &ChipDocument, as_json: bool) {
    let m = &doc.mrz;
    let value = json!({
        "document_kind": format!("{:?}", m.kind),
        "document_number": m.document_number,
        "birth_date": m.birth_date,
        "expiry_date": m.expiry_date,
        "nationality": m.nationality,
        "sex": m.sex.to_string(),
        "name": format!("{} {}", m.primary_name, m.secondary_name).trim().to_string(),
        "dg11": doc.details,
        "data_groups_read": doc.groups.iter().map(|g| format!("DG{g}")).collect::<Vec<_>>(),
        "face": doc.face.as_ref().map(|(f, b)| json!({"format": f, "bytes": b.len()})),
        "passive_authentication": doc.passive_auth,
        "apdus": doc.apdus,
        "extended_length": doc.extended_length,
    });
    print_value(&value, as_json);
    if !as_json {
        println!("passive authentication: {}", doc.passive_auth.describe());
    }
}

fn print_value(value: &serde_json::Value, as_json: bool) {
    if as_json {
        println!(
            "{}",
            serde_json::to_string_pretty(value).expect("plain data")
        );
        return;
    }
    for (k, v) in value.as_object().expect("an object") {
        let text = match v {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        println!("{k}: {text}");
    }
}
