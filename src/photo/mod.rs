//! From camera frames to the document photo: detect the face (`detect`), plan the crop to the
//! spec (`crop`), check compliance (`checks`) and encode a spec-exact JPEG (`encode`). The same
//! pipeline serves the live photo step (guidance hints on preview frames), the final capture
//! (sharpest frame of a burst) and `kiosk photo check`.

pub mod checks;
pub mod crop;
pub mod detect;
pub mod encode;
pub mod file;
pub mod spec;

use image::{RgbImage, imageops};
use serde::Serialize;

pub use checks::{Advice, Check};
pub use detect::{Detector, Face};
pub use spec::PhotoSpec;

use crate::domain::photo::Photo;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PhotoError {
    #[error("frame {0}×{1} is smaller than the photo")]
    FrameTooSmall(u32, u32),
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
    if faces.len() != 1 {
        return Ok(Assessment {
            report,
            photo: None,
            cropped: None,
        });
    }
    let face = faces[0];
    let head = crop::Head::from_face(&face);
    let plan = crop::plan(&head, fw, fh, spec).ok_or(PhotoError::FrameTooSmall(fw, fh))?;
    let max_scale = (fw as f32 / spec.width as f32).min(fh as f32 / spec.height as f32);
    report
        .checks
        .extend(checks::geometry(&plan, spec, max_scale));
    let region = imageops::crop_imm(frame, plan.x, plan.y, plan.width, plan.height).to_image();
    let out = imageops::resize(
        &region,
        spec.width,
        spec.height,
        imageops::FilterType::Lanczos3,
    );
    let scale = plan.width as f32 / spec.width as f32;
    let face_out = (
        ((face.x - plan.x as f32) / scale).max(0.0) as u32,
        ((face.y - plan.y as f32) / scale).max(0.0) as u32,
        ((face.width / scale) as u32).min(spec.width),
        ((face.height / scale) as u32).min(spec.height),
    );
    let face_out = (
        face_out.0.min(spec.width - 1),
        face_out.1.min(spec.height - 1),
        face_out.2.min(spec.width - face_out.0.min(spec.width - 1)),
        face_out
            .3
            .min(spec.height - face_out.1.min(spec.height - 1)),
    );
    report
        .checks
        .extend(checks::image(&out, face_out, &plan, spec));
    let mut photo = None;
    if report.passed() {
        match encode::within_window(&out, spec) {
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

/// What the live preview tells the applicant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Hint {
    NoFace,
    SeveralFaces,
    MoveCloser,
    MoveBack,
    Centre,
    TooDark,
    TooBright,
    LookStraight,
    Ready,
}

/// A hint from the faces found on a preview frame (cheap: no crop, no encoding).
pub fn hint(faces: &[Face], frame: &RgbImage, spec: &PhotoSpec) -> Hint {
    let face = match faces {
        [] => return Hint::NoFace,
        [f] => f,
        _ => return Hint::SeveralFaces,
    };
    let head = crop::Head::from_face(face);
    let (fw, fh) = frame.dimensions();
    let Some(plan) = crop::plan(&head, fw, fh, spec) else {
        return Hint::MoveCloser;
    };
    let max_scale = (fw as f32 / spec.width as f32).min(fh as f32 / spec.height as f32);
    if plan.needed_scale < 1.0 || (plan.head_height.round() as u32) < *spec.head_height.start() {
        return Hint::MoveCloser;
    }
    if plan.needed_scale > max_scale || (plan.head_height.round() as u32) > *spec.head_height.end()
    {
        return Hint::MoveBack;
    }
    if !plan.ideal_fits || plan.centre_offset.abs() > spec.width as f32 * 0.05 {
        return Hint::Centre;
    }
    let (x, y) = (face.x.max(0.0) as u32, face.y.max(0.0) as u32);
    let region = imageops::crop_imm(
        frame,
        x,
        y,
        (face.width as u32).max(1),
        (face.height as u32).max(1),
    );
    let gray = imageops::grayscale(&region.to_image());
    let mean =
        gray.as_raw().iter().map(|&l| l as f32).sum::<f32>() / gray.as_raw().len().max(1) as f32;
    if mean < 70.0 {
        Hint::TooDark
    } else if mean > 200.0 {
        Hint::TooBright
    } else if checks::asymmetry(&gray, mean) > checks::ASYMMETRY_MAX {
        Hint::LookStraight
    } else {
        Hint::Ready
    }
}

/// Index of the sharpest frame of a burst (variance of the Laplacian over the whole frame).
pub fn sharpest(frames: &[RgbImage]) -> Option<usize> {
    frames
        .iter()
        .map(|f| {
            let small = imageops::resize(
                f,
                f.width() / 2,
                f.height() / 2,
                imageops::FilterType::Triangle,
            );
            checks::laplacian_variance(&imageops::grayscale(&small))
        })
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(i, _)| i)
}

#[cfg(test)]
mod tests;
