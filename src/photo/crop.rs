//! Where the photo is cut from the frame. The face box of the detector spans roughly brow to chin
//! and cheek to cheek; the crown sits about 0.57 box heights above it and the chin 0.12 below
//! (measured on the project's fixtures; docs/PHOTO.md, "Finding the head"). The crop scales the
//! head to the middle of the spec's range and puts the crown at the middle of its margin, but never
//! upscales and never leaves the frame: when the applicant is too close, too far or off-centre, the
//! crop cannot satisfy the spec and the checks say what to change.

use super::detect::Face;
use super::spec::PhotoSpec;

const CROWN_ABOVE_BOX: f32 = 0.57;
const CHIN_BELOW_BOX: f32 = 0.12;
const EYES_IN_BOX: f32 = 0.30;

/// Head landmarks estimated from a face box, in frame pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Head {
    pub crown: f32,
    pub chin: f32,
    pub eyes: f32,
    pub centre_x: f32,
    pub face_width: f32,
}

impl Head {
    pub fn from_face(f: &Face) -> Head {
        Head {
            crown: f.y - CROWN_ABOVE_BOX * f.height,
            chin: f.y + f.height * (1.0 + CHIN_BELOW_BOX),
            eyes: f.y + EYES_IN_BOX * f.height,
            centre_x: f.centre_x(),
            face_width: f.width,
        }
    }

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
    pub head_height: f32,
    pub crown_margin: f32,
    pub eye_line: f32,
    pub face_width: f32,
    /// Horizontal offset of the face centre from the photo centre, in output pixels.
    pub centre_offset: f32,
}

/// The crop for `head` in a `frame_w`×`frame_h` frame, or `None` if the frame is smaller than
/// the photo.
pub fn plan(head: &Head, frame_w: u32, frame_h: u32, spec: &PhotoSpec) -> Option<Crop> {
    let (w, h) = (spec.width as f32, spec.height as f32);
    let max_scale = (frame_w as f32 / w).min(frame_h as f32 / h);
    if max_scale < 1.0 {
        return None;
    }
    let needed = head.height() / PhotoSpec::aim(&spec.head_height);
    let scale = needed.clamp(1.0, max_scale);
    let (cw, ch) = (w * scale, h * scale);
    let ideal_x = head.centre_x - cw / 2.0;
    let ideal_y = head.crown - PhotoSpec::aim(&spec.crown_margin) * scale;
    let x = ideal_x.clamp(0.0, frame_w as f32 - cw);
    let y = ideal_y.clamp(0.0, frame_h as f32 - ch);
    let ideal_fits = needed >= 1.0 && needed <= max_scale && x == ideal_x && y == ideal_y;
    Some(Crop {
        x: x.round() as u32,
        y: y.round() as u32,
        width: (cw.round() as u32).min(frame_w),
        height: (ch.round() as u32).min(frame_h),
        needed_scale: needed,
        ideal_fits,
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

    fn face(x: f32, y: f32, size: f32) -> Face {
        Face {
            x,
            y,
            width: size,
            height: size,
            score: 10.0,
        }
    }

    #[test]
    fn a_well_placed_face_meets_the_spec() {
        let spec = PhotoSpec::default();
        let c = plan(
            &Head::from_face(&face(540.0, 200.0, 240.0)),
            1280,
            720,
            &spec,
        )
        .unwrap();
        assert!(c.ideal_fits, "{c:?}");
        assert!(spec.head_height.contains(&(c.head_height.round() as u32)));
        assert!(spec.crown_margin.contains(&(c.crown_margin.round() as u32)));
        assert!(c.centre_offset.abs() < 1.0);
        assert!((c.width * 472 / 354).abs_diff(c.height) <= 1, "3:4: {c:?}");
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
            let c = plan(&Head::from_face(&f), 1280, 720, &spec).unwrap();
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
            plan(
                &Head::from_face(&face(10.0, 10.0, 50.0)),
                320,
                240,
                &PhotoSpec::default()
            ),
            None
        );
    }
}
