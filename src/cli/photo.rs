//! `kiosk photo check IMAGE`: runs the photo pipeline on a picture, as the kiosk does on a
//! capture, prints every check and writes the final photo when it passes. Exit status 0 passes,
//! 1 fails a check, 2 a wrong command line, 3 no verdict (the file unreadable, damaged or too
//! small); `--json` always prints exactly one JSON object.
//!
//! `kiosk photo eval DIR`: the checks over a labelled set (`photo::eval`), with the figures
//! docs/BENCHMARKS.md records; exit status 0 when the set was run, 3 when it cannot be read.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Subcommand;

use crate::photo::eval::{self, Summary, evaluate, summarise};
use crate::photo::file::read_picture;
use crate::photo::{Advice, Detector, PhotoError, PhotoSpec, assess};

#[derive(Subcommand)]
pub enum PhotoCommand {
    /// Checks a picture against a photo specification.
    Check {
        image: PathBuf,
        /// Photo profile: exit-entry, exit-entry-blue, 390x567 (default: `[photo] profile` of the
        /// configuration file when it exists, else exit-entry).
        #[arg(long)]
        profile: Option<String>,
        /// Where to write the final JPEG when every check passes.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Print one JSON object: the report with its verdict, or an error with its code.
        #[arg(long)]
        json: bool,
    },
    /// Runs the checks over a labelled set (DIR/labels.csv: file,expect,group) and prints false
    /// accepts, false rejects, which check caught each defect, and the figures per group.
    Eval {
        dir: PathBuf,
        /// Photo profile: exit-entry, exit-entry-blue, 390x567 (default: `[photo] profile` of the
        /// configuration file when it exists, else exit-entry).
        #[arg(long)]
        profile: Option<String>,
        /// Also plant one defect at a time into every compliant picture (roll, grey-scale, dark,
        /// blown, blur, blue and grey backdrops, a side shadow, dark lenses, too far).
        #[arg(long)]
        variants: bool,
        /// Print the summary and every picture's outcome as one JSON object.
        #[arg(long)]
        json: bool,
    },
}

/// Exit status: the picture passes.
pub(super) const ACCEPTED: u8 = 0;
/// Exit status: the picture was checked and fails (the report says which checks).
pub(super) const REJECTED: u8 = 1;
/// Exit status: the command line is wrong (an unknown profile; clap uses 2 for its own errors).
pub(super) const USAGE: u8 = 2;
/// Exit status: no verdict — the file cannot be read, is not a picture, is damaged or too small,
/// or the photo cannot be written.
pub(super) const NO_VERDICT: u8 = 3;

/// A failure without a verdict: one line on stderr, or with `--json` one object
/// `{"error": {"code", "message"}}` on stdout, so a script always has one JSON document to read.
pub(super) fn fail(json: bool, status: u8, code: &str, message: String) -> ExitCode {
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

/// The profile to check against: the one named on the command line, else the configuration's
/// (`[photo] profile`) when the configuration file exists, else the default. A configuration
/// that exists but does not load is an error, not a silent default.
fn profile_for(given: Option<String>, config: &Path, json: bool) -> Result<String, ExitCode> {
    if let Some(p) = given {
        return Ok(p);
    }
    if !config.exists() {
        return Ok(PhotoSpec::default().name.to_string());
    }
    super::settings::load(config)
        .map(|c| c.photo.profile)
        .map_err(|errors| {
            let message = errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ");
            fail(json, USAGE, "bad-config", message)
        })
}

pub fn run(command: PhotoCommand, config: &Path) -> ExitCode {
    let (given, json) = match &command {
        PhotoCommand::Check { profile, json, .. } | PhotoCommand::Eval { profile, json, .. } => {
            (profile.clone(), *json)
        }
    };
    let profile = match profile_for(given, config, json) {
        Ok(p) => p,
        Err(code) => return code,
    };
    match command {
        PhotoCommand::Check {
            image, out, json, ..
        } => check(image, profile, out, json),
        PhotoCommand::Eval {
            dir,
            variants,
            json,
            ..
        } => eval(dir, profile, variants, json),
    }
}

fn spec_named(profile: &str, json: bool) -> Result<PhotoSpec, ExitCode> {
    PhotoSpec::named(profile).ok_or_else(|| {
        let message = format!(
            "unknown profile {profile:?}; known: {}",
            PhotoSpec::NAMES.join(", ")
        );
        fail(json, USAGE, "unknown-profile", message)
    })
}

fn eval(dir: PathBuf, profile: String, variants: bool, json: bool) -> ExitCode {
    let spec = match spec_named(&profile, json) {
        Ok(spec) => spec,
        Err(code) => return code,
    };
    let outcomes = match evaluate(&dir, &spec, variants, progress("pictures checked")) {
        Ok(o) => o,
        Err(e) => return fail(json, NO_VERDICT, "unreadable-set", e.to_string()),
    };
    let summary = summarise(&outcomes);
    if json {
        println!(
            "{}",
            serde_json::json!({ "profile": spec.name, "summary": summary, "pictures": outcomes })
        );
    } else {
        print!("{}", render(&summary));
    }
    ExitCode::from(ACCEPTED)
}

/// Progress of a long run on stderr: on a terminal one line counts up (ending with a new line
/// at `total`); in a log, a line every 50 items.
pub(super) fn progress(what: &'static str) -> impl FnMut(usize, usize) {
    let terminal = std::io::stderr().is_terminal();
    move |done: usize, total: usize| {
        if terminal {
            eprint!("\r{done}/{total} {what}");
            if done == total {
                eprintln!();
            }
        } else if done.is_multiple_of(50) || done == total {
            eprintln!("{done}/{total} {what}");
        }
    }
}

pub(super) fn percent(part: usize, whole: usize) -> String {
    format!(
        "{part}/{whole} ({:.1} %)",
        100.0 * part as f64 / whole.max(1) as f64
    )
}

/// The summary as plain text, one figure per line.
fn render(s: &Summary) -> String {
    let mut out = String::new();
    let rates = |name: &str, r: &eval::Rates| {
        format!(
            "{name}: false rejects {}, false accepts {}\n",
            percent(r.false_rejects, r.compliant),
            percent(r.false_accepts, r.defective)
        )
    };
    out += &rates("all", &s.overall);
    for (group, r) in &s.by_group {
        out += &rates(&format!("  {group}"), r);
    }
    out += "compliant pictures refused by:\n";
    for (id, n) in &s.false_reject_checks {
        out += &format!("  {id}: {n}\n");
    }
    out += "defects (pictures, accepted, caught for their own reason; checks that failed):\n";
    for (defect, f) in &s.by_defect {
        let checks: Vec<String> = f
            .failed_checks
            .iter()
            .map(|(id, n)| format!("{id} {n}"))
            .collect();
        out += &format!(
            "  {defect}: {}, accepted {}, caught {}; {}\n",
            f.pictures,
            f.accepted,
            f.caught_for_its_reason,
            checks.join(", ")
        );
    }
    out += &format!(
        "accepted photos inside the geometry when read back from the JPEG: {}\n",
        percent(s.geometry_on_file.0, s.geometry_on_file.1)
    );
    out
}

fn check(image: PathBuf, profile: String, out: Option<PathBuf>, json: bool) -> ExitCode {
    let spec = match spec_named(&profile, json) {
        Ok(spec) => spec,
        Err(code) => return code,
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
            let code = match e {
                PhotoError::FrameTooSmall(..) => "too-small",
                PhotoError::Model(_) => "face-model",
            };
            return fail(json, NO_VERDICT, code, message);
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
        // The last line answers the question a technician asked, as `verdict` does in JSON.
        let failed = report.checks.iter().filter(|c| !c.passed).count();
        if failed == 0 {
            println!("verdict: accepted");
        } else {
            println!("verdict: rejected ({failed} check(s) failed)");
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
