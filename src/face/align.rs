//! The aligned face chip the descriptor was trained on: 150×150 pixels, the face scaled, turned
//! and placed so that the eye corners and the base of the nose land on dlib's template
//! (`get_face_chip_details`, size 150, padding 0.25, as dlib's `compute_face_descriptor` uses).
//! The five points come from the face mesh instead of dlib's 5-point shape predictor, whose
//! training data is not licensed for use here (docs/FACE.md, "Alignment").

use image::{Rgb, RgbImage, imageops};

use crate::photo::landmarks::{EYE_LEFT, EYE_RIGHT, Landmarks};
use crate::photo::models::DESCRIPTOR_INPUT;

/// dlib's 5-point face template in a unit square (image right eye outer and inner corner, image
/// left eye outer and inner corner, base of the nose) — the order of dlib's 5-point shape.
const TEMPLATE: [(f32, f32); 5] = [
    (0.859_567_5, 0.213_498_2),
    (0.646_060_5, 0.228_967_4),
    (0.120_575_06, 0.213_727_45),
    (0.334_085_06, 0.229_064_24),
    (0.490_112_3, 0.627_797_5),
];
/// Margin round the template, as a fraction of its size on each side (dlib's 0.25).
const PADDING: f32 = 0.25;
/// The mesh point under the nose, between the nostrils (the template's fifth point).
const NOSE_BASE: usize = 2;
/// Up to this many frame pixels per chip pixel, the chip is sampled from the frame directly.
const MAX_SCALE_UNFILTERED: f32 = 1.25;

/// The mesh points matching the template, in its order.
fn mesh_points(face: &Landmarks) -> [(f32, f32); 5] {
    [
        face.at(EYE_RIGHT.outer),
        face.at(EYE_RIGHT.inner),
        face.at(EYE_LEFT.outer),
        face.at(EYE_LEFT.inner),
        face.at(NOSE_BASE),
    ]
}

/// A similarity transform (scale, turn, shift): `(x, y) → (a·x − b·y + tx, b·x + a·y + ty)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Similarity {
    pub a: f32,
    pub b: f32,
    pub tx: f32,
    pub ty: f32,
}

impl Similarity {
    /// The least-squares similarity taking `from[i]` nearest to `to[i]` (no reflection).
    pub fn fit(from: &[(f32, f32)], to: &[(f32, f32)]) -> Similarity {
        let n = from.len().min(to.len()).max(1) as f32;
        let mean = |p: &[(f32, f32)]| {
            let (sx, sy) = p.iter().fold((0.0, 0.0), |s, q| (s.0 + q.0, s.1 + q.1));
            (sx / n, sy / n)
        };
        let (fm, tm) = (mean(from), mean(to));
        let (mut dot, mut cross, mut norm) = (0.0, 0.0, 0.0);
        for (f, t) in from.iter().zip(to) {
            let (x, y) = (f.0 - fm.0, f.1 - fm.1);
            let (u, v) = (t.0 - tm.0, t.1 - tm.1);
            dot += x * u + y * v;
            cross += x * v - y * u;
            norm += x * x + y * y;
        }
        let norm = norm.max(f32::EPSILON);
        let (a, b) = (dot / norm, cross / norm);
        Similarity {
            a,
            b,
            tx: tm.0 - (a * fm.0 - b * fm.1),
            ty: tm.1 - (b * fm.0 + a * fm.1),
        }
    }

    pub fn apply(&self, (x, y): (f32, f32)) -> (f32, f32) {
        (
            self.a * x - self.b * y + self.tx,
            self.b * x + self.a * y + self.ty,
        )
    }

    /// How many units of the target one unit of the source spans.
    pub fn scale(&self) -> f32 {
        (self.a * self.a + self.b * self.b).sqrt()
    }
}

/// Where each chip position falls in the frame for this face; `None` when the five points are
/// not all finite numbers (a model fault), as nothing could be cut from them.
pub fn chip_to_frame(face: &Landmarks) -> Option<Similarity> {
    let points = mesh_points(face);
    if points.iter().any(|p| !p.0.is_finite() || !p.1.is_finite()) {
        return None;
    }
    let size = DESCRIPTOR_INPUT as f32;
    let template = TEMPLATE.map(|(x, y)| {
        (
            (PADDING + x) / (2.0 * PADDING + 1.0) * size,
            (PADDING + y) / (2.0 * PADDING + 1.0) * size,
        )
    });
    let t = Similarity::fit(&template, &points);
    (t.scale().is_finite() && t.scale() > 0.0).then_some(t)
}

/// The 150×150 chip of `face` cut from `frame`, bilinear; outside the frame the edge pixels
/// repeat. A face larger than the chip is first shrunk to about chip scale with a triangle
/// filter (as dlib shrinks with an image pyramid), so its detail averages instead of aliasing.
pub fn chip(frame: &RgbImage, face: &Landmarks) -> Option<RgbImage> {
    let t = chip_to_frame(face)?;
    let n = DESCRIPTOR_INPUT as u32;
    let scale = t.scale();
    if scale <= MAX_SCALE_UNFILTERED {
        return Some(RgbImage::from_fn(n, n, |c, r| {
            let (x, y) = t.apply((c as f32 + 0.5, r as f32 + 0.5));
            Rgb(bilinear(frame, x - 0.5, y - 0.5))
        }));
    }
    // The part of the frame the chip covers, with a margin for the filter.
    let corners = [
        (0.0, 0.0),
        (n as f32, 0.0),
        (0.0, n as f32),
        (n as f32, n as f32),
    ]
    .map(|p| t.apply(p));
    let (fw, fh) = (frame.width() as f32, frame.height() as f32);
    let x0 = corners.iter().map(|p| p.0).fold(f32::MAX, f32::min).floor() - 2.0;
    let y0 = corners.iter().map(|p| p.1).fold(f32::MAX, f32::min).floor() - 2.0;
    let x1 = corners.iter().map(|p| p.0).fold(f32::MIN, f32::max).ceil() + 2.0;
    let y1 = corners.iter().map(|p| p.1).fold(f32::MIN, f32::max).ceil() + 2.0;
    let (x0, y0) = (x0.clamp(0.0, fw - 1.0), y0.clamp(0.0, fh - 1.0));
    let (x1, y1) = (x1.clamp(x0 + 1.0, fw), y1.clamp(y0 + 1.0, fh));
    let (cw, ch) = ((x1 - x0) as u32, (y1 - y0) as u32);
    let region = imageops::crop_imm(frame, x0 as u32, y0 as u32, cw, ch).to_image();
    let (sw, sh) = (
        ((cw as f32 / scale).round() as u32).max(1),
        ((ch as f32 / scale).round() as u32).max(1),
    );
    let small = imageops::resize(&region, sw, sh, imageops::FilterType::Triangle);
    let (kx, ky) = (sw as f32 / cw as f32, sh as f32 / ch as f32);
    Some(RgbImage::from_fn(n, n, |c, r| {
        let (x, y) = t.apply((c as f32 + 0.5, r as f32 + 0.5));
        Rgb(bilinear(&small, (x - x0) * kx - 0.5, (y - y0) * ky - 0.5))
    }))
}

/// The frame's colour at (`x`, `y`) in pixel-centre coordinates.
fn bilinear(frame: &RgbImage, x: f32, y: f32) -> [u8; 3] {
    let (w, h) = (frame.width() as i64, frame.height() as i64);
    let (x0, y0) = (x.floor(), y.floor());
    let (fx, fy) = (x - x0, y - y0);
    let at = |xi: i64, yi: i64| {
        frame
            .get_pixel(xi.clamp(0, w - 1) as u32, yi.clamp(0, h - 1) as u32)
            .0
            .map(f32::from)
    };
    let (x0, y0) = (x0 as i64, y0 as i64);
    let (a, b, c, d) = (
        at(x0, y0),
        at(x0 + 1, y0),
        at(x0, y0 + 1),
        at(x0 + 1, y0 + 1),
    );
    std::array::from_fn(|ch| {
        let top = a[ch] * (1.0 - fx) + b[ch] * fx;
        let bottom = c[ch] * (1.0 - fx) + d[ch] * fx;
        (top * (1.0 - fy) + bottom * fy).round().clamp(0.0, 255.0) as u8
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fitted_similarity_recovers_a_known_one() {
        let known = Similarity {
            a: 1.8,
            b: -0.6,
            tx: 40.0,
            ty: -7.0,
        };
        let from = [(0.0, 0.0), (10.0, 3.0), (-4.0, 8.0), (6.0, -5.0)];
        let to: Vec<_> = from.iter().map(|&p| known.apply(p)).collect();
        let fitted = Similarity::fit(&from, &to);
        for (got, want) in [
            (fitted.a, known.a),
            (fitted.b, known.b),
            (fitted.tx, known.tx),
            (fitted.ty, known.ty),
        ] {
            assert!((got - want).abs() < 1e-3, "{fitted:?}");
        }
    }

    #[test]
    fn a_chip_of_a_flat_frame_is_that_colour_and_a_gradient_runs_along_the_turn() {
        // Landmarks placed exactly on the template, scaled by 2 and shifted: the chip is the
        // frame shrunk by 2, so a horizontal gradient of the frame reads as one in the chip.
        let size = DESCRIPTOR_INPUT as f32;
        let mut points = vec![[0.0f32; 3]; 468];
        let idx = [
            EYE_RIGHT.outer,
            EYE_RIGHT.inner,
            EYE_LEFT.outer,
            EYE_LEFT.inner,
            NOSE_BASE,
        ];
        for (i, (x, y)) in idx.iter().zip(TEMPLATE) {
            let (cx, cy) = (
                (PADDING + x) / (2.0 * PADDING + 1.0) * size,
                (PADDING + y) / (2.0 * PADDING + 1.0) * size,
            );
            points[*i] = [cx * 2.0 + 10.0, cy * 2.0 + 20.0, 0.0];
        }
        let face = Landmarks {
            points,
            presence: 1.0,
        };
        let t = chip_to_frame(&face).unwrap();
        assert!((t.scale() - 2.0).abs() < 1e-3, "{t:?}");
        let frame = RgbImage::from_fn(340, 340, |x, _| Rgb([(x / 2) as u8, 90, 200]));
        let c = chip(&frame, &face).unwrap();
        // A landmark that is not a number gives no chip, not a panic.
        let mut broken = face.clone();
        broken.points[NOSE_BASE][0] = f32::NAN;
        assert!(chip(&frame, &broken).is_none());
        assert_eq!(c.dimensions(), (150, 150));
        // Chip column u covers frame columns 10 + 2u .. 12 + 2u, whose red is 5 + u.
        for u in [0u32, 37, 100, 149] {
            let p = c.get_pixel(u, 75);
            assert_eq!((p[1], p[2]), (90, 200));
            assert!((p[0] as i32 - (5 + u) as i32).abs() <= 1, "u {u}: {p:?}");
        }
    }
}
