//! One face measured on one image: landmarks from the face mesh, the person mask, and from them
//! the head's geometry (crown, chin, eye line, centre, widths). The crop is planned from these
//! measurements on the camera frame, and the checks measure the finished photo again the same
//! way, so a photo passes because its own pixels meet the specification.

use image::RgbImage;

use super::crop::Head;
use super::detect::Face;
use super::landmarks::{self, Landmarks};
use super::models::ModelError;
use super::roi::Roi;
use super::segment::{self, PersonMask};

/// The first region the mesh looks at for a detector box: the box spans brow to chin, the mesh
/// wants forehead to chin with a margin, so the square is larger and a little higher.
const START_SIDE: f32 = 1.8;
const START_RAISE: f32 = 0.1;

pub struct Measured {
    pub landmarks: Landmarks,
    pub mask: PersonMask,
    /// `None` when the top of the head is not in the image (cut off by its top edge).
    pub head: Option<Head>,
}

/// The region to start from for a detector's face box.
pub fn start_region(face: &Face) -> Roi {
    Roi {
        cx: face.centre_x(),
        cy: face.y + face.height / 2.0 - START_RAISE * face.height,
        side: face.width.max(face.height) * START_SIDE,
        angle: 0.0,
    }
}

/// Measures the face the mesh finds in `start` on `image`; `Ok(None)` when it finds none.
pub fn measure(image: &RgbImage, start: Roi) -> Result<Option<Measured>, ModelError> {
    match landmarks::find(image, start)? {
        Some(landmarks) => around(image, landmarks).map(Some),
        None => Ok(None),
    }
}

/// Measures a face whose region is already known (the photo cut around landmarks measured on
/// the frame): one mesh pass instead of two.
pub fn remeasure(image: &RgbImage, region: Roi) -> Result<Option<Measured>, ModelError> {
    match landmarks::run(image, region)? {
        Some(landmarks) => around(image, landmarks).map(Some),
        None => Ok(None),
    }
}

fn around(image: &RgbImage, landmarks: Landmarks) -> Result<Measured, ModelError> {
    let mask = segment::around(image, &landmarks)?;
    let (centre_x, eyes) = landmarks.eyes_midpoint();
    let crown = mask.crown(centre_x, landmarks.face_width() / 4.0, 0.0);
    let head = crown.map(|crown| Head {
        crown,
        chin: landmarks.chin().1,
        eyes,
        centre_x,
        face_width: landmarks.face_width(),
        eye_distance: landmarks.eye_distance(),
    });
    Ok(Measured {
        landmarks,
        mask,
        head,
    })
}
