//! The person mask around a head (MediaPipe selfie segmentation): what is the applicant (hair,
//! face, shoulders) and what is background. The crown is the top of the mask above the face,
//! so it is the top of the hair, as the photo specifications measure it; the background checks
//! look only where the mask says there is no person, so long hair is not a "shadow" and a real
//! shadow beside the head is not hidden inside a box.

use image::RgbImage;

use super::landmarks::{FOREHEAD, Landmarks};
use super::models::{ModelError, SEGMENTATION_INPUT, run_segmentation};
use super::roi::Roi;

/// Mask value from which a pixel counts as the person.
pub const PERSON: f32 = 0.5;
/// The region segmented, in multiples of the forehead-to-chin length: wide enough for the
/// shoulders and hair, reaching this far above the forehead landmark (a high bun still fits).
const SIDE: f32 = 3.2;
const ABOVE_FOREHEAD: f32 = 1.3;

/// Person probabilities over a square of the frame.
#[derive(Debug, Clone)]
pub struct PersonMask {
    roi: Roi,
    probabilities: Vec<f32>,
}

/// The mask around the head whose landmarks are `face`.
pub fn around(frame: &RgbImage, face: &Landmarks) -> Result<PersonMask, ModelError> {
    let forehead = face.at(FOREHEAD);
    let length = (face.chin().1 - forehead.1).max(1.0);
    let side = length * SIDE;
    let roi = Roi {
        cx: face.eyes_midpoint().0,
        cy: forehead.1 - length * ABOVE_FOREHEAD + side / 2.0,
        side,
        angle: 0.0,
    };
    let probabilities = run_segmentation(roi.sample(frame, SEGMENTATION_INPUT))?;
    Ok(PersonMask { roi, probabilities })
}

impl PersonMask {
    fn cell(&self, x: f32, y: f32) -> Option<(usize, usize)> {
        let n = SEGMENTATION_INPUT as f32;
        let u = ((x - (self.roi.cx - self.roi.side / 2.0)) / self.roi.side * n).floor();
        let v = ((y - (self.roi.cy - self.roi.side / 2.0)) / self.roi.side * n).floor();
        (u >= 0.0 && v >= 0.0 && u < n && v < n).then_some((u as usize, v as usize))
    }

    /// Person probability at frame pixel (`x`, `y`); 0 outside the segmented square.
    pub fn at(&self, x: f32, y: f32) -> f32 {
        self.cell(x, y)
            .map(|(u, v)| self.probabilities[v * SEGMENTATION_INPUT + u])
            .unwrap_or(0.0)
    }

    /// The top of the head (hair included) in frame pixels: the median, over the columns within
    /// `half_width` of `centre_x`, of the highest person pixel. `None` when the person reaches the
    /// top of the segmented square or of the frame, so the crown is not in the picture.
    pub fn crown(&self, centre_x: f32, half_width: f32, frame_top: f32) -> Option<f32> {
        let n = SEGMENTATION_INPUT;
        let step = self.roi.side / n as f32;
        let top = self.roi.cy - self.roi.side / 2.0;
        let (u0, _) = self.cell(centre_x - half_width, self.roi.cy)?;
        let (u1, _) = self.cell(centre_x + half_width, self.roi.cy)?;
        let mut tops: Vec<usize> = (u0..=u1)
            .filter_map(|u| (0..n).find(|&v| self.probabilities[v * n + u] >= PERSON))
            .collect();
        if tops.len() * 2 < u1 - u0 + 1 {
            return None;
        }
        tops.sort_unstable();
        let v = tops[tops.len() / 2];
        let crown = top + v as f32 * step;
        (v > 0 && crown > frame_top + step).then_some(crown)
    }
}
