//! A simulated camera that replays a bundled studio portrait (Face Research Lab London Set,
//! DeBruine & Jones 2017, CC BY 4.0; see assets/demo/README.md) through the same decoding path as
//! real frames. The portrait is a compliant photo subject (frontal, neutral expression, mouth
//! closed) on the booth's white backdrop (made by tools/make-demo-portrait.py); a little sway
//! keeps the preview visibly alive.

use image::{Rgb, RgbImage, imageops};

use super::frame::{RawFrame, decode};
use super::{CameraError, FrameSource};

const PORTRAIT_PNG: &[u8] = include_bytes!("../../../assets/demo/portrait.png");
/// The head's centre in the 600×600 portrait: between the eyes across, halfway from the crown
/// (y ≈ 98) to the chin (y ≈ 435) down.
const HEAD: (f32, f32) = (300.0, 266.0);
/// The backdrop the portrait stands on, exact wherever the person is not.
pub const BACKDROP: Rgb<u8> = Rgb([246, 246, 244]);

/// The portrait on the booth's white backdrop.
pub fn booth_subject() -> Result<RgbImage, CameraError> {
    Ok(image::load_from_memory(PORTRAIT_PNG)
        .map_err(|e| CameraError::BadFrame(e.to_string()))?
        .to_rgb8())
}

/// A booth subject in a `width`×`height` frame: `zoom` scales the 600-pixel portrait, and the
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

/// Mild per-pixel noise on the subject, as a real sensor adds: an upscaled 600-pixel portrait is
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

/// Zoom that makes the head (crown to chin) 450 pixels of a 720-pixel-high frame, as a seated
/// applicant's is.
pub const ZOOM_720: f32 = 1.34;

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
