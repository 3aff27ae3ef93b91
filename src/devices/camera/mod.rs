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
    /// The next frame. A real camera may block here when it stalls; the camera worker's
    /// watchdog notices and opens the camera again.
    fn next_frame(&mut self) -> Result<RgbImage, CameraError>;
}

/// Opens the camera; called again by the watchdog after a stall or an unplug.
pub type CameraOpener = Box<dyn FnMut() -> Result<Box<dyn FrameSource>, CameraError> + Send>;
