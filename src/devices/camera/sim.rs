//! A simulated camera that replays a bundled public-domain portrait (NASA astronaut Eileen
//! Collins, from scikit-image; see assets/demo/README.md), decoded through the same `image`
//! path as real MJPEG frames, centred on a white 4:3 backdrop with a little sway so the preview
//! visibly lives.

use image::{Rgb, RgbImage, imageops};

use super::{CameraError, FrameSource};

const PORTRAIT_PNG: &[u8] = include_bytes!("../../../assets/demo/portrait.png");

pub struct SimCamera {
    portrait: RgbImage,
    frame: u32,
    width: u32,
    height: u32,
}

impl SimCamera {
    /// A camera producing `width`×`height` frames.
    pub fn new(width: u32, height: u32) -> Result<SimCamera, CameraError> {
        let portrait = image::load_from_memory(PORTRAIT_PNG)
            .map_err(|e| CameraError::BadFrame(e.to_string()))?
            .to_rgb8();
        let scale = (height as f32 * 0.9) / portrait.height() as f32;
        let portrait = imageops::resize(
            &portrait,
            (portrait.width() as f32 * scale) as u32,
            (portrait.height() as f32 * scale) as u32,
            imageops::FilterType::Triangle,
        );
        Ok(SimCamera {
            portrait,
            frame: 0,
            width,
            height,
        })
    }
}

impl FrameSource for SimCamera {
    fn next_frame(&mut self) -> Result<RgbImage, CameraError> {
        self.frame = self.frame.wrapping_add(1);
        let sway = ((self.frame as f32 / 8.0).sin() * 6.0) as i64;
        let mut frame = RgbImage::from_pixel(self.width, self.height, Rgb([245, 245, 245]));
        let x = (self.width as i64 - self.portrait.width() as i64) / 2 + sway;
        let y = (self.height as i64 - self.portrait.height() as i64) / 2;
        imageops::overlay(&mut frame, &self.portrait, x, y);
        Ok(frame)
    }
}
