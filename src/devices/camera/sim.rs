//! A simulated camera that replays a bundled public-domain portrait (NASA astronaut Eileen
//! Collins, from scikit-image; see assets/demo/README.md) through the same decoding path as real
//! frames. The demo needs a subject a photo booth would accept, so the head is cut out of the
//! portrait's busy background (flag, shuttle) with a soft ellipse and placed on a plain white
//! backdrop above a dark jacket; a little sway keeps the preview visibly alive.

use image::{Rgb, RgbImage, imageops};

use super::frame::{RawFrame, decode};
use super::{CameraError, FrameSource};

const PORTRAIT_PNG: &[u8] = include_bytes!("../../../assets/demo/portrait.png");
/// The head (hair to chin) in the 512×512 portrait: centre and radii of the cut-out ellipse.
const HEAD: (f32, f32, f32, f32) = (224.0, 112.0, 66.0, 96.0);
pub const BACKDROP: Rgb<u8> = Rgb([246, 246, 244]);
const JACKET: Rgb<u8> = Rgb([28, 36, 58]);

/// The portrait's head on a white backdrop with shoulders: a photo-booth subject.
pub fn booth_subject() -> Result<RgbImage, CameraError> {
    let portrait = image::load_from_memory(PORTRAIT_PNG)
        .map_err(|e| CameraError::BadFrame(e.to_string()))?
        .to_rgb8();
    let (w, h) = portrait.dimensions();
    let (cx, cy, rx, ry) = HEAD;
    let mut out = RgbImage::from_pixel(w, h, BACKDROP);
    // Shoulders: a rounded trapezoid from just under the chin to the bottom edge.
    let neck_y = cy + ry * 0.75;
    for y in neck_y as u32..h {
        let t = (y as f32 - neck_y) / (h as f32 - neck_y);
        let half = 40.0 + t.sqrt() * 200.0;
        for x in (cx - half).max(0.0) as u32..((cx + half) as u32).min(w) {
            out.put_pixel(x, y, JACKET);
        }
    }
    for y in 0..h {
        for x in 0..w {
            let d = ((x as f32 - cx) / rx).powi(2) + ((y as f32 - cy) / ry).powi(2);
            // Soft edge between d = 0.85 and 1.0.
            let a = ((1.0 - d) / 0.15).clamp(0.0, 1.0);
            if a > 0.0 {
                let (p, q) = (portrait.get_pixel(x, y), *out.get_pixel(x, y));
                let mix = |i: usize| (p[i] as f32 * a + q[i] as f32 * (1.0 - a)).round() as u8;
                out.put_pixel(x, y, Rgb([mix(0), mix(1), mix(2)]));
            }
        }
    }
    Ok(out)
}

/// A booth subject in a `width`×`height` frame: `zoom` scales the 512-pixel portrait, and the
/// head's centre lands at (`head_x`, `head_y`) as fractions of the frame.
pub fn frame_with_subject(
    subject: &RgbImage,
    width: u32,
    height: u32,
    zoom: f32,
    head_x: f32,
    head_y: f32,
) -> RgbImage {
    frame_with_scaled(&scaled(subject, zoom), width, height, zoom, head_x, head_y)
}

/// The subject at `zoom` times its size.
fn scaled(subject: &RgbImage, zoom: f32) -> RgbImage {
    imageops::resize(
        subject,
        (subject.width() as f32 * zoom) as u32,
        (subject.height() as f32 * zoom) as u32,
        imageops::FilterType::Triangle,
    )
}

/// As [`frame_with_subject`], with the subject already scaled by `zoom`.
fn frame_with_scaled(
    scaled: &RgbImage,
    width: u32,
    height: u32,
    zoom: f32,
    head_x: f32,
    head_y: f32,
) -> RgbImage {
    let mut frame = RgbImage::from_pixel(width, height, BACKDROP);
    let x = (width as f32 * head_x - HEAD.0 * zoom) as i64;
    let y = (height as f32 * head_y - HEAD.1 * zoom) as i64;
    imageops::overlay(&mut frame, scaled, x, y);
    add_sensor_noise(&mut frame, BACKDROP);
    frame
}

/// Mild per-pixel noise on the subject, as a real sensor adds: an upscaled 512-pixel portrait is
/// otherwise smoother than any camera frame. The plain backdrop stays exact so tests can repaint it.
fn add_sensor_noise(frame: &mut RgbImage, keep: Rgb<u8>) {
    let mut state: u32 = 0x2545_F491;
    for p in frame.pixels_mut() {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        if *p == keep {
            continue;
        }
        for (i, c) in p.0.iter_mut().enumerate() {
            let n = ((state >> (i * 8)) & 0x07) as i16 - 3;
            *c = (*c as i16 + n).clamp(0, 255) as u8;
        }
    }
}

/// Where the head's centre sits, as a fraction of the frame height: room above for the crown.
pub const HEAD_Y: f32 = 0.47;

/// Zoom that makes the head fill a 720-pixel-high frame as a seated applicant does.
const ZOOM_720: f32 = 2.35;

pub struct SimCamera {
    /// The booth subject scaled once for the frame height (scaling it for every frame cost a
    /// 4 MB buffer and most of a frame's time).
    subject: RgbImage,
    zoom: f32,
    frame: u32,
    width: u32,
    height: u32,
}

impl SimCamera {
    /// A camera producing `width`×`height` frames of the booth subject, framed for a photo.
    pub fn new(width: u32, height: u32) -> Result<SimCamera, CameraError> {
        let zoom = ZOOM_720 * height as f32 / 720.0;
        Ok(SimCamera {
            subject: scaled(&booth_subject()?, zoom),
            zoom,
            frame: 0,
            width,
            height,
        })
    }
}

impl FrameSource for SimCamera {
    /// Each frame goes out as MJPEG, as from a USB camera, and comes back through the same
    /// validation and decoding as real frames.
    fn next_frame(&mut self) -> Result<RgbImage, CameraError> {
        let frame = self.render();
        let mut mjpeg = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut mjpeg, 92)
            .encode_image(&frame)
            .map_err(|e| CameraError::BadFrame(e.to_string()))?;
        decode(RawFrame::Mjpeg(&mjpeg))
    }
}

impl SimCamera {
    fn render(&mut self) -> RgbImage {
        self.frame = self.frame.wrapping_add(1);
        let sway = (self.frame as f32 / 8.0).sin() * 0.004;
        frame_with_scaled(
            &self.subject,
            self.width,
            self.height,
            self.zoom,
            0.5 + sway,
            HEAD_Y,
        )
    }
}
