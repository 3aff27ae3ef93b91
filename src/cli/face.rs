//! `kiosk face compare REFERENCE LIVE`: the holder check's verification on two pictures — the
//! descriptor distance and the verdict at the threshold. Exit status 0 same person, 1 not, 2 a
//! wrong command line, 3 no verdict (a file unreadable, or no face in it).
//!
//! `kiosk face eval DIR`: verification over a set (`face::eval`), with the figures
//! docs/BENCHMARKS.md records; 0 when the set was run, 3 when it cannot be read.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Subcommand;

use super::photo::{ACCEPTED, NO_VERDICT, REJECTED, USAGE, fail, percent, progress};
use crate::config::KioskKind;
use crate::face::descriptor::{DescribeError, describe};
use crate::face::eval::{Summary, evaluate, read_set};
use crate::face::verify::{DEFAULT_THRESHOLD, compare};
use crate::photo::Detector;
use crate::photo::file::read_picture;

#[derive(Subcommand)]
pub enum FaceCommand {
    /// Compares the face in a document portrait with the face in a second picture.
    Compare {
        reference: PathBuf,
        live: PathBuf,
        /// Largest descriptor distance accepted as the same person (above 0, below 2); default:
        /// the configuration's holder check, else 0.40.
        #[arg(long, value_parser = threshold)]
        threshold: Option<f32>,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Compares every document-side picture of a set with every live one (DIR/set.csv:
    /// file,person,group,role,form) and prints false rejects and false accepts.
    Eval {
        dir: PathBuf,
        /// Also compare darkened, brightened and blurred copies of every live picture.
        #[arg(long)]
        variants: bool,
        /// Largest descriptor distance accepted as the same person (above 0, below 2); default:
        /// the configuration's holder check, else 0.40.
        #[arg(long, value_parser = threshold)]
        threshold: Option<f32>,
        /// Print the figures as one JSON object.
        #[arg(long)]
        json: bool,
    },
}

/// A threshold a comparison can use: descriptors are unit-length, so two of them lie 0–2 apart;
/// 0 or less refuses everyone, 2 or more accepts everyone.
fn threshold(text: &str) -> Result<f32, String> {
    let t: f32 = text
        .parse()
        .map_err(|_| format!("{text:?} is not a number"))?;
    if t.is_finite() && t > 0.0 && t < 2.0 {
        Ok(t)
    } else {
        Err(format!(
            "{text}: must be above 0 and below 2 (descriptors lie 0–2 apart; the default is {DEFAULT_THRESHOLD})"
        ))
    }
}

/// The threshold to use: the one given, else the holder check's in the configuration at
/// `config` (the section of its kiosk kind), else the default. A configuration file that
/// exists but does not load is an error: a calibration run must not quietly use another
/// threshold than the site's.
fn resolve_threshold(given: Option<f32>, config: &Path) -> Result<f32, ExitCode> {
    if let Some(t) = given {
        return Ok(t);
    }
    if !config.exists() {
        return Ok(DEFAULT_THRESHOLD);
    }
    let c = super::load_config(config).map_err(|_| {
        eprintln!(
            "{}: fix the configuration, or give --threshold",
            config.display()
        );
        ExitCode::from(USAGE)
    })?;
    let section = match c.device.kind {
        KioskKind::HallSelfFill => c.hall.holder_check,
        KioskKind::StationEndorsement => c.station.holder_check,
    };
    Ok(section.map_or(DEFAULT_THRESHOLD, |h| h.threshold))
}

pub fn run(command: FaceCommand, config: &Path) -> ExitCode {
    match command {
        FaceCommand::Compare {
            reference,
            live,
            threshold,
            json,
        } => match resolve_threshold(threshold, config) {
            Ok(t) => compare_files(reference, live, t, json),
            Err(code) => code,
        },
        FaceCommand::Eval {
            dir,
            variants,
            threshold,
            json,
        } => match resolve_threshold(threshold, config) {
            Ok(t) => eval(dir, variants, t, json),
            Err(code) => code,
        },
    }
}

fn compare_files(reference: PathBuf, live: PathBuf, threshold: f32, json: bool) -> ExitCode {
    let mut detector = Detector::new();
    let mut described = Vec::new();
    for (side, path) in [("reference", &reference), ("live", &live)] {
        let image = match read_picture(path) {
            Ok(i) => i,
            Err(e) => {
                let message = format!("{}: {e}", path.display());
                return fail(json, NO_VERDICT, e.code(), message);
            }
        };
        match describe(&mut detector, &image) {
            Ok(d) => described.push(d.descriptor),
            Err(e) => {
                let code = match e {
                    DescribeError::TooSmall(_) => "face-too-small",
                    DescribeError::Model(_) => "face-model",
                    DescribeError::NoFace => "no-face",
                };
                let message = format!("{side} {}: {e}", path.display());
                return fail(json, NO_VERDICT, code, message);
            }
        }
    }
    let c = compare(&described[0], &described[1], threshold);
    if json {
        println!("{}", serde_json::to_string(&c).unwrap_or_default());
    } else {
        println!(
            "distance {:.3} (threshold {:.2}): {}",
            c.distance,
            c.threshold,
            if c.same_person {
                "same person"
            } else {
                "not confirmed"
            }
        );
    }
    ExitCode::from(if c.same_person { ACCEPTED } else { REJECTED })
}

fn eval(dir: PathBuf, variants: bool, threshold: f32, json: bool) -> ExitCode {
    let entries = match read_set(&dir) {
        Ok(e) => e,
        Err(e) => return fail(json, NO_VERDICT, "unreadable-set", e.to_string()),
    };
    let summary = match evaluate(
        &dir,
        &entries,
        variants,
        threshold,
        progress("pictures described"),
    ) {
        Ok(s) => s,
        Err(e) => return fail(json, NO_VERDICT, "unreadable-set", e),
    };
    if json {
        println!("{}", serde_json::to_string(&summary).unwrap_or_default());
    } else {
        print!("{}", render(&summary));
    }
    ExitCode::from(ACCEPTED)
}

/// The figures as plain text: one block per document form and live variant.
fn render(s: &Summary) -> String {
    let mut out = format!("threshold {:.2}\n", s.threshold);
    for f in &s.figures {
        out += &format!(
            "\n{} against live {}:\n  false rejects {}\n  false accepts {}\n",
            f.reference_form,
            f.live_form,
            percent(f.false_rejects, f.genuine),
            percent(f.false_accepts, f.impostors),
        );
        let d = |v: Option<f32>| v.map_or("-".to_string(), |v| format!("{v:.3}"));
        out += &format!(
            "  largest same-person distance {}, smallest other-person distance {}\n",
            d(f.max_genuine),
            d(f.min_impostor)
        );
        if f.no_face != (0, 0) {
            out += &format!(
                "  no face found: {} document, {} live\n",
                f.no_face.0, f.no_face.1
            );
        }
        let sweep: Vec<String> = f
            .sweep
            .iter()
            .map(|(t, fr, fa)| format!("{t:.2}: {fr} FR / {fa} FA"))
            .collect();
        out += &format!("  at other thresholds: {}\n", sweep.join(", "));
        for (group, g) in &f.groups {
            out += &format!(
                "  {group}: false rejects {}, false accepts within the group {}\n",
                percent(g.false_rejects, g.genuine),
                percent(g.false_accepts, g.impostors)
            );
        }
    }
    out
}
