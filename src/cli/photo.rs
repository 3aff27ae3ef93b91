//! `kiosk photo check IMAGE`: runs the photo pipeline on a picture, as the kiosk does on a
//! capture, prints every check and writes the final photo when it passes. Exit status 0 passes,
//! 1 fails a check, 2 a wrong command line, 3 no verdict (the file unreadable, damaged or too
//! small); `--json` always prints exactly one JSON object.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;

use crate::photo::file::read_picture;
use crate::photo::{Advice, Detector, PhotoSpec, assess};

#[derive(Subcommand)]
pub enum PhotoCommand {
    /// Checks a picture against a photo specification.
    Check {
        image: PathBuf,
        /// Photo profile: exit-entry, exit-entry-blue, 390x567.
        #[arg(long, default_value = "exit-entry")]
        profile: String,
        /// Where to write the final JPEG when every check passes.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Print one JSON object: the report with its verdict, or an error with its code.
        #[arg(long)]
        json: bool,
    },
}

/// Exit status: the picture passes.
const ACCEPTED: u8 = 0;
/// Exit status: the picture was checked and fails (the report says which checks).
const REJECTED: u8 = 1;
/// Exit status: the command line is wrong (an unknown profile; clap uses 2 for its own errors).
const USAGE: u8 = 2;
/// Exit status: no verdict — the file cannot be read, is not a picture, is damaged or too small,
/// or the photo cannot be written.
const NO_VERDICT: u8 = 3;

/// A failure without a verdict: one line on stderr, or with `--json` one object
/// `{"error": {"code", "message"}}` on stdout, so a script always has one JSON document to read.
fn fail(json: bool, status: u8, code: &str, message: String) -> ExitCode {
    if json {
        println!(
            "{}",
            serde_json::json!({ "error": { "code": code, "message": message } })
        );
    } else {
        eprintln!("{message}");
    }
    ExitCode::from(status)
}

pub fn run(command: PhotoCommand) -> ExitCode {
    let PhotoCommand::Check {
        image,
        profile,
        out,
        json,
    } = command;
    let Some(spec) = PhotoSpec::named(&profile) else {
        let message = format!(
            "unknown profile {profile:?}; known: {}",
            PhotoSpec::NAMES.join(", ")
        );
        return fail(json, USAGE, "unknown-profile", message);
    };
    let frame = match read_picture(&image) {
        Ok(frame) => frame,
        Err(e) => {
            let message = format!("{}: {e}", image.display());
            return fail(json, NO_VERDICT, e.code(), message);
        }
    };
    let assessment = match assess(&mut Detector::new(), &frame, &spec) {
        Ok(a) => a,
        Err(e) => {
            let message = format!("{}: {e}", image.display());
            return fail(json, NO_VERDICT, "too-small", message);
        }
    };
    let report = &assessment.report;
    let written = match (&assessment.photo, &out) {
        (Some(photo), Some(path)) => match std::fs::write(path, &photo.jpeg) {
            Ok(()) => Some((path, photo.jpeg.len())),
            Err(e) => {
                let message = format!("cannot write {}: {e}", path.display());
                return fail(json, NO_VERDICT, "unwritable", message);
            }
        },
        _ => None,
    };
    if json {
        let mut body = serde_json::to_value(report).unwrap_or_default();
        body["verdict"] = (if report.passed() {
            "accepted"
        } else {
            "rejected"
        })
        .into();
        if let Some((path, _)) = written {
            body["photo"] = path.display().to_string().into();
        }
        println!(
            "{}",
            serde_json::to_string_pretty(&body).unwrap_or_default()
        );
    } else {
        println!("{}: profile {}", image.display(), report.spec);
        for c in &report.checks {
            let mark = if c.passed { "ok  " } else { "FAIL" };
            println!(
                "{mark} {:<20} {:>10.3}  limit {:<28} {}",
                c.id,
                c.value,
                c.limit,
                if c.passed {
                    String::new()
                } else {
                    format!("advice: {}", advice_name(c.advice))
                }
            );
        }
        match written {
            Some((path, bytes)) => println!(
                "photo: {} ({bytes} bytes, quality {})",
                path.display(),
                report.quality.unwrap_or(0)
            ),
            None if out.is_some() => println!("no photo written: the picture does not pass"),
            None => {}
        }
    }
    ExitCode::from(if report.passed() { ACCEPTED } else { REJECTED })
}

/// The advice's name as in the JSON report (`move-closer`): the technician's output names what
/// the applicant would be told; the sentences themselves are the UI's, translated there.
fn advice_name(advice: Advice) -> String {
    serde_json::to_value(advice)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}
