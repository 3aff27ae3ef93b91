//! The 468 face-mesh landmarks of one face, in frame pixels, and what is measured from them:
//! eye centres, chin, face width, head pose, eye and mouth opening, and the face's regions (skin,
//! eyes, lips) as polygons. Point numbers are MediaPipe's canonical face-mesh indices
//! (docs/PHOTO.md, "Landmarks", lists the ones used and why).
//!
//! The mesh is run twice, as MediaPipe's own pipeline does: first on a square around the
//! detector's box, then on a square 1.5 times the landmarks' extent, turned so the eyes are level,
//! which is the region the model was trained on.

use image::RgbImage;

use super::models::{MESH_INPUT, ModelError, run_face_mesh};
use super::roi::Roi;

pub const FOREHEAD: usize = 10;
pub const CHIN: usize = 152;
pub const NOSE_TIP: usize = 1;
/// Where the face contour meets the ears, on the image's left and right.
pub const CHEEK_LEFT: usize = 234;
pub const CHEEK_RIGHT: usize = 454;

/// An eye's contour (16 points, in order), corners and lids. "Left" and "right" are the image's:
/// the applicant's right eye is on the image's left.
pub struct Eye {
    pub contour: [usize; 16],
    pub outer: usize,
    pub inner: usize,
    pub upper: usize,
    pub lower: usize,
}

pub const EYE_LEFT: Eye = Eye {
    contour: [
        33, 246, 161, 160, 159, 158, 157, 173, 133, 155, 154, 153, 145, 144, 163, 7,
    ],
    outer: 33,
    inner: 133,
    upper: 159,
    lower: 145,
};

pub const EYE_RIGHT: Eye = Eye {
    contour: [
        263, 466, 388, 387, 386, 385, 384, 398, 362, 382, 381, 380, 374, 373, 390, 249,
    ],
    outer: 263,
    inner: 362,
    upper: 386,
    lower: 374,
};

/// The face's outline, forehead round to the chin and back.
pub const FACE_OVAL: [usize; 36] = [
    10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377, 152,
    148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109,
];

/// The eyebrows, image left and right (upper edge out, lower edge back).
pub const BROWS: [[usize; 10]; 2] = [
    [70, 63, 105, 66, 107, 55, 65, 52, 53, 46],
    [300, 293, 334, 296, 336, 285, 295, 282, 283, 276],
];

/// The outer edge of the lips.
pub const LIPS: [usize; 20] = [
    61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291, 375, 321, 405, 314, 17, 84, 181, 91, 146,
];
const MOUTH_CORNERS: (usize, usize) = (61, 291);
/// Points facing each other on the inner edges of the upper and lower lip: left of the middle,
/// the middle, right of the middle.
const INNER_LIPS: [(usize, usize); 3] = [(82, 87), (13, 14), (312, 317)];

/// Where the nose tip sits between the eye line and the chin in a level face: the mean over the
/// 59 frontal studio portraits of the London set measured (0.337, σ 0.033).
const LEVEL_NOSE: f32 = 0.337;
/// Face presence the mesh must report to be believed.
const PRESENCE_MIN: f32 = 0.5;
/// The second pass looks at a square this many times the landmarks' extent (MediaPipe's value).
const ROI_SCALE: f32 = 1.5;

/// One face's landmarks in frame pixels (z: relative depth at the same scale, nearer negative).
#[derive(Debug, Clone, PartialEq)]
pub struct Landmarks {
    pub points: Vec<[f32; 3]>,
    pub presence: f32,
}

/// Runs the mesh on `start` and again on the region its landmarks give. `Ok(None)` when the mesh
/// sees no face there.
pub fn find(frame: &RgbImage, start: Roi) -> Result<Option<Landmarks>, ModelError> {
    let Some(first) = run(frame, start)? else {
        return Ok(None);
    };
    Ok(Some(run(frame, first.region())?.unwrap_or(first)))
}

/// Runs the mesh once on `roi`, a region already fitted to the face (as `Landmarks::region`
/// gives); `Ok(None)` when the mesh sees no face there.
pub fn run(frame: &RgbImage, roi: Roi) -> Result<Option<Landmarks>, ModelError> {
    let (raw, presence) = run_face_mesh(roi.sample(frame, MESH_INPUT))?;
    if presence < PRESENCE_MIN {
        return Ok(None);
    }
    let depth_scale = roi.side / MESH_INPUT as f32;
    let points = raw
        .iter()
        .map(|&[u, v, z]| {
            let (x, y) = roi.to_frame(u, v, MESH_INPUT);
            [x, y, z * depth_scale]
        })
        .collect();
    Ok(Some(Landmarks { points, presence }))
}

fn distance(a: (f32, f32), b: (f32, f32)) -> f32 {
    ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt()
}

impl Landmarks {
    pub fn at(&self, i: usize) -> (f32, f32) {
        (self.points[i][0], self.points[i][1])
    }

    /// The points `indices`, as a polygon in frame pixels.
    pub fn polygon(&self, indices: &[usize]) -> Vec<(f32, f32)> {
        indices.iter().map(|&i| self.at(i)).collect()
    }

    /// The region MediaPipe's pipeline would run the mesh on for these landmarks: the square
    /// 1.5 times their extent, turned so the eye corners are level.
    pub fn region(&self) -> Roi {
        let (mut x0, mut y0, mut x1, mut y1) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
        for p in &self.points {
            x0 = x0.min(p[0]);
            y0 = y0.min(p[1]);
            x1 = x1.max(p[0]);
            y1 = y1.max(p[1]);
        }
        let (a, b) = (self.at(EYE_LEFT.outer), self.at(EYE_RIGHT.outer));
        Roi {
            cx: (x0 + x1) / 2.0,
            cy: (y0 + y1) / 2.0,
            side: (x1 - x0).max(y1 - y0) * ROI_SCALE,
            angle: (b.1 - a.1).atan2(b.0 - a.0),
        }
    }

    /// An eye's centre: the mean of its contour (within about 3 % of the inter-eye distance of
    /// the hand-placed pupils of the London set; docs/PHOTO.md).
    pub fn eye_centre(&self, eye: &Eye) -> (f32, f32) {
        let n = eye.contour.len() as f32;
        let (sx, sy) = eye
            .contour
            .iter()
            .map(|&i| self.at(i))
            .fold((0.0, 0.0), |s, p| (s.0 + p.0, s.1 + p.1));
        (sx / n, sy / n)
    }

    pub fn eye_distance(&self) -> f32 {
        distance(self.eye_centre(&EYE_LEFT), self.eye_centre(&EYE_RIGHT))
    }

    /// Midpoint of the eye centres: the face's centre for centring.
    pub fn eyes_midpoint(&self) -> (f32, f32) {
        let (a, b) = (self.eye_centre(&EYE_LEFT), self.eye_centre(&EYE_RIGHT));
        ((a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0)
    }

    pub fn chin(&self) -> (f32, f32) {
        self.at(CHIN)
    }

    /// Cheek to cheek at the ears, in frame pixels.
    pub fn face_width(&self) -> f32 {
        distance(self.at(CHEEK_LEFT), self.at(CHEEK_RIGHT))
    }

    /// Head roll in degrees: the eye line's angle, positive when the image's right eye is lower.
    pub fn roll(&self) -> f32 {
        let (a, b) = (self.eye_centre(&EYE_LEFT), self.eye_centre(&EYE_RIGHT));
        (b.1 - a.1).atan2(b.0 - a.0).to_degrees()
    }

    /// Head yaw in degrees, from the depth of one cheek against the other (0 facing the camera).
    pub fn yaw(&self) -> f32 {
        let (a, b) = (self.points[CHEEK_LEFT], self.points[CHEEK_RIGHT]);
        let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
        (b[2] - a[2]).atan2((dx * dx + dy * dy).sqrt()).to_degrees()
    }

    /// Head pitch in degrees, positive when the nose tip sits nearer the chin than in a level
    /// face (head tipped down, or the camera above the eyes). Measured in the image plane, where
    /// the mesh is precise: a nose tip `d` eye-to-chin lengths in front of the face (its depth
    /// from the mesh, 0.35 ± 0.03 over the London set) moves by `d · sin(pitch)` along the
    /// eye-to-chin line from where a level face has it, `LEVEL_NOSE` of the way down.
    /// (The depth of the chin against the forehead, the direct reading, scattered by 4.7° over
    /// frontal portraits against 3.3° for this one.)
    pub fn pitch(&self) -> f32 {
        let corners = [
            EYE_LEFT.outer,
            EYE_LEFT.inner,
            EYE_RIGHT.inner,
            EYE_RIGHT.outer,
        ];
        let eyes = corners.iter().fold([0.0f32; 3], |s, &i| {
            let p = self.points[i];
            [s[0] + p[0] / 4.0, s[1] + p[1] / 4.0, s[2] + p[2] / 4.0]
        });
        let (chin, nose) = (self.points[CHIN], self.points[NOSE_TIP]);
        let (ax, ay) = (chin[0] - eyes[0], chin[1] - eyes[1]);
        let length = (ax * ax + ay * ay).sqrt().max(1.0);
        let along = ((nose[0] - eyes[0]) * ax + (nose[1] - eyes[1]) * ay) / (length * length);
        let depth = (((eyes[2] + chin[2]) / 2.0 - nose[2]) / length).max(0.05);
        ((along - LEVEL_NOSE) / depth)
            .clamp(-1.0, 1.0)
            .asin()
            .to_degrees()
    }

    /// Lid gap over eye width, the smaller of the two eyes (about 0.3 open, under 0.1 closed).
    pub fn eye_opening(&self) -> f32 {
        [&EYE_LEFT, &EYE_RIGHT]
            .iter()
            .map(|e| {
                distance(self.at(e.upper), self.at(e.lower))
                    / distance(self.at(e.outer), self.at(e.inner)).max(1.0)
            })
            .fold(f32::MAX, f32::min)
    }

    /// Mean gap between the inner lips, at three places across the mouth, over the mouth's
    /// width.
    pub fn mouth_opening(&self) -> f32 {
        let gap = INNER_LIPS
            .iter()
            .map(|&(a, b)| distance(self.at(a), self.at(b)))
            .sum::<f32>()
            / INNER_LIPS.len() as f32;
        gap / distance(self.at(MOUTH_CORNERS.0), self.at(MOUTH_CORNERS.1)).max(1.0)
    }

    /// Mouth width, corner to corner, over the distance between the eye centres: a smile
    /// widens the mouth whether or not the lips part (0.68–0.88 on the London set's neutral
    /// portraits, mean 0.78; 0.75–1.06 smiling, mean 0.90).
    pub fn mouth_width(&self) -> f32 {
        distance(self.at(MOUTH_CORNERS.0), self.at(MOUTH_CORNERS.1)) / self.eye_distance().max(1.0)
    }

    /// The same landmarks in the coordinates of a crop at (`x`, `y`) scaled down by `scale`.
    pub fn in_crop(&self, x: f32, y: f32, scale: f32) -> Landmarks {
        Landmarks {
            points: self
                .points
                .iter()
                .map(|p| [(p[0] - x) / scale, (p[1] - y) / scale, p[2] / scale])
                .collect(),
            presence: self.presence,
        }
    }
}
