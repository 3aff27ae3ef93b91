//! From camera frames to the document photo: find the face (`detect`), measure it (`measure`:
//! face-mesh landmarks and the person mask, run by `models`), plan the crop to the spec from the
//! measurements (`crop`), measure the cropped photo again and check it (`checks`), and encode a
//! spec-exact JPEG (`encode`). The same pipeline serves the live photo step (guidance hints on
//! preview frames), the final capture (sharpest frame of a burst) and `kiosk photo check`.

pub mod checks;
pub mod crop;
pub mod detect;
pub mod encode;
pub mod eval;
pub mod file;
pub mod landmarks;
pub mod measure;
pub mod models;
pub mod regions;
pub mod roi;
pub mod segment;
pub mod spec;

use image::{RgbImage, imageops};
use serde::Serialize;

pub use checks::{Advice, Check};
pub use detect::{Detector, Face};
pub use spec::PhotoSpec;

use crate::domain::photo::Photo;
use roi::Roi;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PhotoError {
    #[error("frame {0}×{1} is smaller than the photo")]
    FrameTooSmall(u32, u32),
    /// A bundled face model failed to load or run (a build fault, not the applicant's).
    #[error("{0}")]
    Model(String),
}

impl From<models::ModelError> for PhotoError {
    fn from(e: models::ModelError) -> PhotoError {
        PhotoError::Model(e.to_string())
    }
}

/// Every check made on one capture.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub spec: &'static str,
    pub checks: Vec<Check>,
    /// JPEG quality of the final file, when one was made.
    pub quality: Option<u8>,
}

impl Report {
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|c| c.passed)
    }

    /// The first thing to tell the applicant.
    pub fn first_failure(&self) -> Option<&Check> {
        self.checks.iter().find(|c| !c.passed)
    }
}

pub struct Assessment {
    pub report: Report,
    /// The photo, when every check passed.
    pub photo: Option<Photo>,
    /// The cropped image (also when a check failed), for the staff review.
    pub cropped: Option<RgbImage>,
}

fn face_count_check(n: usize) -> Check {
    Check {
        id: "face_count",
        value: n as f32,
        limit: "1".into(),
        passed: n == 1,
        advice: if n == 0 {
            Advice::LookAtCamera
        } else {
            Advice::OnePerson
        },
    }
}

/// A check that failed before the photo could be measured: the face the detector found is not
/// one the mesh can measure, or the top of the head is outside the frame.
fn unmeasured(id: &'static str, advice: Advice) -> Check {
    Check {
        id,
        value: 0.0,
        limit: "measured".into(),
        passed: false,
        advice,
    }
}

/// A measured face with its head, or the check that says why there is none.
fn with_head(m: Option<measure::Measured>) -> Result<(measure::Measured, crop::Head), Check> {
    let m = m.ok_or_else(|| unmeasured("landmarks", Advice::LookAtCamera))?;
    match m.head {
        Some(head) => Ok((m, head)),
        None => Err(unmeasured("crown", Advice::LowerInFrame)),
    }
}

/// Runs the whole pipeline on one frame.
pub fn assess(
    detector: &mut Detector,
    frame: &RgbImage,
    spec: &PhotoSpec,
) -> Result<Assessment, PhotoError> {
    let (fw, fh) = frame.dimensions();
    if fw < spec.width || fh < spec.height {
        return Err(PhotoError::FrameTooSmall(fw, fh));
    }
    let faces = detector.detect(frame);
    let mut report = Report {
        spec: spec.name,
        checks: vec![face_count_check(faces.len())],
        quality: None,
    };
    let unfinished = |report| Assessment {
        report,
        photo: None,
        cropped: None,
    };
    if faces.len() != 1 {
        return Ok(unfinished(report));
    }
    let (measured, head) =
        match with_head(measure::measure(frame, measure::start_region(&faces[0]))?) {
            Ok(m) => m,
            Err(check) => {
                report.checks.push(check);
                return Ok(unfinished(report));
            }
        };
    let plan = crop::plan(&head, fw, fh, spec).ok_or(PhotoError::FrameTooSmall(fw, fh))?;
    let max_scale = (fw as f32 / spec.width as f32).min(fh as f32 / spec.height as f32);
    report.checks.push(checks::crop(&plan, max_scale));
    let region = imageops::crop_imm(frame, plan.x, plan.y, plan.width, plan.height).to_image();
    let out = imageops::resize(
        &region,
        spec.width,
        spec.height,
        imageops::FilterType::Lanczos3,
    );
    drop(region);
    // The photo is measured again on its own pixels, starting from where the frame's landmarks
    // land in it.
    let scale = plan.width as f32 / spec.width as f32;
    let start = measured
        .landmarks
        .in_crop(plan.x as f32, plan.y as f32, scale)
        .region();
    // The file is encoded while the photo is measured again and checked: the two are
    // independent, and on two cores this takes the encoder's ~30 ms off the capture. The file
    // is kept only if every check passes.
    let (checked, encoded) = std::thread::scope(|scope| {
        let encoding = scope.spawn(|| encode::within_window(&out, spec));
        let checked = check_photo(&out, start, spec);
        let encoded = encoding
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (checked, encoded)
    });
    report.checks.extend(checked?);
    let mut photo = None;
    if report.passed() {
        match encoded {
            Ok((jpeg, quality)) => {
                report.quality = Some(quality);
                photo = Some(Photo {
                    jpeg,
                    width: spec.width,
                    height: spec.height,
                });
            }
            Err(e) => report.checks.push(Check {
                id: "file_size",
                value: 0.0,
                limit: format!("{}–{} bytes", spec.file_size.start(), spec.file_size.end()),
                passed: false,
                advice: if matches!(e, encode::EncodeError::TooSmall { .. }) {
                    Advice::TooLittleDetail
                } else {
                    Advice::FileTooLarge
                },
            }),
        }
    }
    Ok(Assessment {
        report,
        photo,
        cropped: Some(out),
    })
}

/// The checks of the finished photo, measured on its own pixels from `start` (where the frame's
/// landmarks land in it). A face the mesh no longer finds, or a head cut off, ends the list
/// with that check.
fn check_photo(out: &RgbImage, start: Roi, spec: &PhotoSpec) -> Result<Vec<Check>, PhotoError> {
    let (remeasured, out_head) = match with_head(measure::remeasure(out, start)?) {
        Ok(m) => m,
        Err(check) => return Ok(vec![check]),
    };
    let mut checks = checks::geometry(&out_head, spec);
    checks.extend(checks::pose(&remeasured.landmarks, spec));
    checks.extend(checks::face(out, &remeasured.landmarks));
    checks.extend(checks::image(out, &remeasured, spec));
    Ok(checks)
}

/// What the live preview tells the applicant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Hint {
    NoFace,
    SeveralFaces,
    MoveCloser,
    MoveBack,
    Centre,
    /// The top of the head is outside the frame, or too near its top.
    LowerInFrame,
    /// The head sits so low that the photo would reach below the frame.
    HigherInFrame,
    TiltUpright,
    LookStraight,
    OpenEyes,
    CloseMouth,
    NoSmile,
    ShowEyes,
    TooDark,
    TooBright,
    Ready,
}

/// A hint for a preview frame from the same measurements the checks use, on the frame itself
/// (no crop, no encoding): the first thing the applicant can change, in the order a
/// photographer would ask for it (position, then pose, then face, then light).
pub fn hint(faces: &[Face], frame: &RgbImage, spec: &PhotoSpec) -> Result<Hint, PhotoError> {
    let face = match faces {
        [] => return Ok(Hint::NoFace),
        [f] => f,
        _ => return Ok(Hint::SeveralFaces),
    };
    let Some(measured) = measure::measure(frame, measure::start_region(face))? else {
        return Ok(Hint::NoFace);
    };
    let Some(head) = measured.head else {
        return Ok(Hint::LowerInFrame);
    };
    let (fw, fh) = frame.dimensions();
    let Some(plan) = crop::plan(&head, fw, fh, spec) else {
        return Ok(Hint::MoveCloser);
    };
    let max_scale = (fw as f32 / spec.width as f32).min(fh as f32 / spec.height as f32);
    let crop = checks::crop(&plan, max_scale);
    if !crop.passed {
        return Ok(match crop.advice {
            Advice::MoveCloser => Hint::MoveCloser,
            Advice::MoveBack => Hint::MoveBack,
            Advice::LowerInFrame => Hint::LowerInFrame,
            Advice::HigherInFrame => Hint::HigherInFrame,
            _ => Hint::Centre,
        });
    }
    if plan.centre_offset.abs() > spec.width as f32 * 0.05 {
        return Ok(Hint::Centre);
    }
    let first_failure = |checks: Vec<Check>| checks.into_iter().find(|c| !c.passed);
    if let Some(c) = first_failure(checks::pose(&measured.landmarks, spec)) {
        return Ok(if c.advice == Advice::TiltUpright {
            Hint::TiltUpright
        } else {
            Hint::LookStraight
        });
    }
    if let Some(c) = first_failure(checks::face(frame, &measured.landmarks)) {
        return Ok(match c.advice {
            Advice::OpenEyes => Hint::OpenEyes,
            Advice::CloseMouth => Hint::CloseMouth,
            Advice::NoSmile => Hint::NoSmile,
            _ => Hint::ShowEyes,
        });
    }
    let skin = checks::skin_luminance(frame, &measured.landmarks);
    let mean = skin.iter().sum::<f32>() / skin.len().max(1) as f32;
    Ok(if mean < checks::SKIN_MEAN.0 {
        Hint::TooDark
    } else if mean > checks::SKIN_MEAN.1 {
        Hint::TooBright
    } else {
        Hint::Ready
    })
}

/// Index of the sharpest frame of a burst (variance of the Laplacian over the whole frame).
pub fn sharpest(frames: &[RgbImage]) -> Option<usize> {
    frames
        .iter()
        .map(|f| {
            // Grey first, then halved by area average: `resize` would go through a float RGBA
            // copy of the whole frame (7 MB for 720p), three times per capture.
            let grey = imageops::grayscale(f);
            let small = imageops::thumbnail(&grey, f.width() / 2, f.height() / 2);
            checks::laplacian_variance(&small)
        })
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(i, _)| i)
}

#[cfg(test)]
mod tests;
