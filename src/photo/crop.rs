//! Where the photo is cut from the frame, from the head as measured (`measure`): the crop scales
//! the head (crown to chin) to the middle of the spec's range and puts the crown at the middle of
//! its margin, centred on the eyes, but never upscales and never leaves the frame. When the
//! applicant is too close, too far or off-centre, the crop cannot satisfy the spec and the checks
//! say what to change (docs/PHOTO.md, "Finding the head").

use super::spec::PhotoSpec;

/// A head as measured, in the pixels of the image it was measured on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Head {
    /// Top of the hair.
    pub crown: f32,
    pub chin: f32,
    /// The eye line: height of the midpoint of the eye centres.
    pub eyes: f32,
    /// Horizontal position of the midpoint of the eye centres.
    pub centre_x: f32,
    /// Cheek to cheek at the ears.
    pub face_width: f32,
    /// Between the eye centres.
    pub eye_distance: f32,
}

impl Head {
    pub fn height(&self) -> f32 {
        self.chin - self.crown
    }
}

/// A crop rectangle in frame pixels and what the head looks like inside the output.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Crop {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
    /// Frame pixels per output pixel the spec's head size would need (< 1 means upscaling).
    pub needed_scale: f32,
    /// Whether the ideal crop fits in the frame at that scale without moving.
    pub ideal_fits: bool,
    /// How far the crop had to move to stay inside the frame, in frame pixels (positive: right
    /// or down, so the head sits left of or above where it should).
    pub shift: (f32, f32),
    pub head_height: f32,
    pub crown_margin: f32,
    pub eye_line: f32,
    pub face_width: f32,
    /// Horizontal offset of the face centre from the photo centre, in output pixels.
    pub centre_offset: f32,
}

/// Frame pixels per photo pixel that put the head's sizes inside the spec: the head height in the
/// middle of its range, unless that leaves the face width or the eye distance outside theirs
/// (a large volume of hair makes the head tall for its face) — then the scale closest to it at
/// which head height, face width and eye distance are all inside their ranges, when one exists.
fn needed_scale(head: &Head, spec: &PhotoSpec) -> f32 {
    let aim = head.height() / PhotoSpec::aim(&spec.head_height);
    // Output = frame / scale, so a range [lo, hi] of the output allows scales [v/hi, v/lo].
    let allowed =
        |v: f32, r: &std::ops::RangeInclusive<u32>| (v / *r.end() as f32, v / *r.start() as f32);
    let (lo, hi) = [
        allowed(head.height(), &spec.head_height),
        allowed(head.face_width, &spec.face_width),
        allowed(head.eye_distance, &spec.eye_distance),
    ]
    .into_iter()
    .fold((f32::MIN, f32::MAX), |(lo, hi), (a, b)| {
        (lo.max(a), hi.min(b))
    });
    // A small margin inside the ranges, so rounding on the photo does not cross an edge.
    let (lo, hi) = (lo * 1.01, hi * 0.99);
    if lo <= hi { aim.clamp(lo, hi) } else { aim }
}

/// The crop for `head` in a `frame_w`×`frame_h` frame, or `None` if the frame is smaller than
/// the photo.
pub fn plan(head: &Head, frame_w: u32, frame_h: u32, spec: &PhotoSpec) -> Option<Crop> {
    let (w, h) = (spec.width as f32, spec.height as f32);
    let max_scale = (frame_w as f32 / w).min(frame_h as f32 / h);
    if max_scale < 1.0 {
        return None;
    }
    let needed = needed_scale(head, spec);
    let scale = needed.clamp(1.0, max_scale);
    let (cw, ch) = (w * scale, h * scale);
    let ideal_x = head.centre_x - cw / 2.0;
    let ideal_y = head.crown - PhotoSpec::aim(&spec.crown_margin) * scale;
    // `max(0.0)`: at the largest scale, `w * scale` can come out a hair above the frame.
    let x = ideal_x.clamp(0.0, (frame_w as f32 - cw).max(0.0));
    let y = ideal_y.clamp(0.0, (frame_h as f32 - ch).max(0.0));
    let ideal_fits = needed >= 1.0 && needed <= max_scale && x == ideal_x && y == ideal_y;
    Some(Crop {
        x: x.round() as u32,
        y: y.round() as u32,
        width: (cw.round() as u32).min(frame_w),
        height: (ch.round() as u32).min(frame_h),
        needed_scale: needed,
        ideal_fits,
        shift: (x - ideal_x, y - ideal_y),
        head_height: head.height() / scale,
        crown_margin: (head.crown - y) / scale,
        eye_line: (head.eyes - y) / scale,
        face_width: head.face_width / scale,
        centre_offset: (head.centre_x - x) / scale - w / 2.0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A head whose face spans `size` pixels from (`x`, `y`), in the proportions of an adult's.
    fn face(x: f32, y: f32, size: f32) -> Head {
        Head {
            crown: y - 0.57 * size,
            chin: y + 1.12 * size,
            eyes: y + 0.3 * size,
            centre_x: x + size / 2.0,
            face_width: size,
            eye_distance: 0.4 * size,
        }
    }

    #[test]
    fn a_well_placed_face_meets_the_spec() {
        let spec = PhotoSpec::default();
        let c = plan(&face(540.0, 200.0, 240.0), 1280, 720, &spec).unwrap();
        assert!(c.ideal_fits, "{c:?}");
        assert!(spec.head_height.contains(&(c.head_height.round() as u32)));
        assert!(spec.crown_margin.contains(&(c.crown_margin.round() as u32)));
        assert!(c.centre_offset.abs() < 1.0);
        assert!((c.width * 472 / 354).abs_diff(c.height) <= 1, "3:4: {c:?}");
    }

    #[test]
    fn a_head_tall_with_hair_is_scaled_so_the_face_stays_wide_enough() {
        // Crown to chin 430 px (a large volume of hair), cheek to cheek 215 px: at the middle of
        // the head-height range the face would be 180 px, under the 189 px floor.
        let spec = PhotoSpec::default();
        let head = Head {
            crown: 100.0,
            chin: 530.0,
            eyes: 330.0,
            centre_x: 640.0,
            face_width: 215.0,
            eye_distance: 95.0,
        };
        let c = plan(&head, 1280, 720, &spec).unwrap();
        let inside = |v: f32, r: &std::ops::RangeInclusive<u32>| r.contains(&(v.round() as u32));
        assert!(inside(c.face_width, &spec.face_width), "{c:?}");
        assert!(inside(c.head_height, &spec.head_height), "{c:?}");
        assert!(c.head_height > PhotoSpec::aim(&spec.head_height), "{c:?}");
    }

    #[test]
    fn random_faces_give_3_by_4_crops_inside_the_frame() {
        let spec = PhotoSpec::default();
        let mut x: u32 = 99;
        let mut next = |m: u32| {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            (x >> 8) % m
        };
        for _ in 0..2000 {
            let size = 40.0 + next(500) as f32;
            let f = face(next(1280) as f32 - 50.0, next(720) as f32 - 50.0, size);
            let c = plan(&f, 1280, 720, &spec).unwrap();
            assert!(c.x + c.width <= 1280 && c.y + c.height <= 720, "{c:?}");
            assert!(
                (c.width as f32 / c.height as f32 - 354.0 / 472.0).abs() < 0.01,
                "{c:?}"
            );
            assert!(c.width >= 354, "never upscaled: {c:?}");
        }
    }

    #[test]
    fn too_small_a_frame_has_no_crop() {
        assert_eq!(
            plan(&face(10.0, 10.0, 50.0), 320, 240, &PhotoSpec::default()),
            None
        );
    }
}
