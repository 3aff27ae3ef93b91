//! `kiosk photo check IMAGE`: runs the photo pipeline on a picture, as the kiosk does on a
//! capture, prints every check and writes the final photo when it passes.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;

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
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
}

pub fn run(command: PhotoCommand) -> ExitCode {
    let PhotoCommand::Check {
        image,
        profile,
        out,
        json,
    } = command;
    let Some(spec) = PhotoSpec::named(&profile) else {
        eprintln!(
            "unknown profile {profile:?}; known: {}",
            PhotoSpec::NAMES.join(", ")
        );
        return ExitCode::FAILURE;
    };
    let frame = match image::open(&image) {
        Ok(img) => img.to_rgb8(),
        Err(e) => {
            eprintln!("{}: cannot read the image: {e}", image.display());
            return ExitCode::FAILURE;
        }
    };
    let assessment = match assess(&mut Detector::new(), &frame, &spec) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{}: {e}", image.display());
            return ExitCode::FAILURE;
        }
    };
    let report = &assessment.report;
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(report).unwrap_or_default()
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
    }
    match (&assessment.photo, out) {
        (Some(photo), Some(path)) => {
            if let Err(e) = std::fs::write(&path, &photo.jpeg) {
                eprintln!("cannot write {}: {e}", path.display());
                return ExitCode::FAILURE;
            }
            if !json {
                println!(
                    "photo: {} ({} bytes, quality {})",
                    path.display(),
                    photo.jpeg.len(),
                    report.quality.unwrap_or(0)
                );
            }
        }
        (None, Some(_)) if !json => println!("no photo written: the picture does not pass"),
        _ => {}
    }
    if report.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// The advice's name as in the JSON report (`move-closer`): the technician's output names what
/// the applicant would be told; the sentences themselves are the UI's, translated there.
fn advice_name(advice: Advice) -> String {
    serde_json::to_value(advice)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}
