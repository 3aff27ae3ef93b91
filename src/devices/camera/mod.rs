//! Cameras: the frame source port and its adapters. Demo mode and the tests replay a bundled
//! portrait; the V4L2 adapter (nokhwa) comes with issue 5 behind the same trait.

pub mod sim;

use image::RgbImage;

#[derive(Debug, thiserror::Error)]
pub enum CameraError {
    #[error("camera unavailable: {0}")]
    Unavailable(String),
    #[error("frame could not be decoded: {0}")]
    BadFrame(String),
}

pub trait FrameSource: Send {
    /// The next frame, blocking at most one frame interval.
    fn next_frame(&mut self) -> Result<RgbImage, CameraError>;
}
