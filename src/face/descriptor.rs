//! A face's descriptor: the 128 values dlib's ResNet gives for its aligned chip. Two pictures of
//! one person give descriptors a small Euclidean distance apart. Descriptors are biometric data:
//! they live only in memory, are zeroised when dropped and never printed (`Debug` hides them).

use image::RgbImage;
use zeroize::{Zeroize, ZeroizeOnDrop};

use super::align;
use crate::photo::landmarks::{self, Landmarks};
use crate::photo::measure::start_region;
use crate::photo::models::{DESCRIPTOR_INPUT, DESCRIPTOR_LEN, ModelError, run_face_descriptor};
use crate::photo::roi::Roi;
use crate::photo::{Detector, Face};

#[derive(Clone, PartialEq, Zeroize, ZeroizeOnDrop)]
pub struct Descriptor([f32; DESCRIPTOR_LEN]);

impl std::fmt::Debug for Descriptor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Descriptor(…)")
    }
}

impl Descriptor {
    #[cfg(test)]
    pub(crate) fn from_values(values: [f32; DESCRIPTOR_LEN]) -> Descriptor {
        Descriptor(values)
    }

    /// Euclidean distance to `other` (0 the same chip; dlib's "same person" limit is 0.6).
    pub fn distance(&self, other: &Descriptor) -> f32 {
        self.0
            .iter()
            .zip(&other.0)
            .map(|(a, b)| (a - b) * (a - b))
            .sum::<f32>()
            .sqrt()
    }
}

/// Why a picture gives no descriptor.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum DescribeError {
    /// Neither the detector nor the mesh finds a face.
    #[error("no face found")]
    NoFace,
    /// The face is too small to describe reliably (eye centres closer than
    /// `MIN_EYE_DISTANCE` pixels).
    #[error(
        "the face is too small: {0:.0} px between the eyes, at least {MIN_EYE_DISTANCE} needed"
    )]
    TooSmall(f32),
    /// A bundled model failed to load or run (a build fault, not the person's).
    #[error("{0}")]
    Model(String),
}

impl From<ModelError> for DescribeError {
    fn from(e: ModelError) -> DescribeError {
        DescribeError::Model(e.to_string())
    }
}

/// One described face: its descriptor and the landmarks it was aligned with.
pub struct Described {
    pub descriptor: Descriptor,
    pub landmarks: Landmarks,
}

/// The descriptor of the face measured as `face` on `frame`.
pub fn of_landmarks(frame: &RgbImage, face: &Landmarks) -> Result<Descriptor, DescribeError> {
    let chip = align::chip(frame, face).ok_or(DescribeError::NoFace)?;
    let plane = DESCRIPTOR_INPUT * DESCRIPTOR_INPUT;
    let mut planar = vec![0.0f32; 3 * plane];
    for (i, p) in chip.pixels().enumerate() {
        for c in 0..3 {
            planar[c * plane + i] = f32::from(p[c]);
        }
    }
    Ok(Descriptor(run_face_descriptor(planar)?))
}

/// The largest face the detector finds: at a kiosk, the person standing at it.
pub fn nearest(faces: &[Face]) -> Option<&Face> {
    faces
        .iter()
        .max_by(|a, b| (a.width * a.height).total_cmp(&(b.width * b.height)))
}

/// The landmarks of the nearest face in `frame`; a portrait the detector misses (a small
/// ID-card or chip photo is mostly face) is tried whole.
pub fn landmarks_in(
    detector: &mut Detector,
    frame: &RgbImage,
) -> Result<Option<Landmarks>, ModelError> {
    if let Some(face) = nearest(&detector.detect(frame))
        && let Some(found) = landmarks::find(frame, start_region(face))?
    {
        return Ok(Some(found));
    }
    let (w, h) = (frame.width() as f32, frame.height() as f32);
    landmarks::find(
        frame,
        Roi {
            cx: w / 2.0,
            cy: h / 2.0,
            side: w.max(h),
            angle: 0.0,
        },
    )
}

/// Smallest distance between the eye centres, in pixels, a face is described at: the ID card's
/// 102×126 photo has about 28, the descriptor's chip about 37.
pub const MIN_EYE_DISTANCE: f32 = 20.0;

/// Finds, measures and describes the nearest face in `frame`.
///
/// Errors: no face; a face too small; a model failing.
pub fn describe(detector: &mut Detector, frame: &RgbImage) -> Result<Described, DescribeError> {
    let landmarks = landmarks_in(detector, frame)?.ok_or(DescribeError::NoFace)?;
    let eyes = landmarks.eye_distance();
    if eyes < MIN_EYE_DISTANCE {
        return Err(DescribeError::TooSmall(eyes));
    }
    Ok(Described {
        descriptor: of_landmarks(frame, &landmarks)?,
        landmarks,
    })
}
