//! Cameras: the frame source port and its adapters — V4L2 cameras through nokhwa (feature
//! `camera-v4l`) and the simulated camera of demo mode and the tests — with the frame decoding
//! and mode choice they share.

pub mod format;
pub mod frame;
pub mod huffman;
pub mod sim;
#[cfg(feature = "camera-v4l")]
pub mod v4l;

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
