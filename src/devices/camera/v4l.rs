//! Real cameras through V4L2 with nokhwa. The kiosk enumerates the camera's modes, chooses one
//! itself (`format::choose`) and requests it exactly; frames are decoded by `frame::decode` so
//! that a truncated MJPEG frame is dropped instead of shown. A stalled camera blocks in
//! `next_frame`; the camera worker's watchdog notices and opens it again.

use nokhwa::pixel_format::RgbFormat;
use nokhwa::utils::{
    ApiBackend, CameraFormat, CameraIndex, FrameFormat, RequestedFormat, RequestedFormatType,
    Resolution,
};

use super::format::{Mode, PixelFormat, choose};
use super::frame::{RawFrame, decode};
use super::{CameraError, FrameSource};

/// What the kiosk asks of a camera: enough pixels for a 354×472 crop of a seated applicant.
pub const WANT: (u32, u32, u32) = (1280, 720, 15);

fn unavailable(e: impl std::fmt::Display) -> CameraError {
    CameraError::Unavailable(e.to_string())
}

fn index_of(device: &str) -> Result<CameraIndex, CameraError> {
    device
        .trim_start_matches("/dev/video")
        .parse::<u32>()
        .map(CameraIndex::Index)
        .map_err(|_| CameraError::Unavailable(format!("{device}: expected /dev/videoN")))
}

fn mode_of(f: &CameraFormat) -> Mode {
    let format = match f.format() {
        FrameFormat::MJPEG => PixelFormat::Mjpeg,
        FrameFormat::YUYV => PixelFormat::Yuyv,
        _ => PixelFormat::Other,
    };
    Mode {
        format,
        width: f.width(),
        height: f.height(),
        fps: f.frame_rate(),
    }
}

pub struct V4lCamera {
    camera: nokhwa::Camera,
}

impl V4lCamera {
    pub fn open(device: &str) -> Result<V4lCamera, CameraError> {
        let index = index_of(device)?;
        let mut probe = nokhwa::Camera::new(
            index.clone(),
            RequestedFormat::new::<RgbFormat>(RequestedFormatType::None),
        )
        .map_err(unavailable)?;
        let formats = probe.compatible_camera_formats().map_err(unavailable)?;
        drop(probe);
        let modes: Vec<Mode> = formats.iter().map(mode_of).collect();
        let (w, h, fps) = WANT;
        let chosen = choose(&modes, w, h, fps).ok_or_else(|| {
            CameraError::Unavailable(format!(
                "{device}: no MJPEG or YUYV mode of at least {w}×{h} at {fps} fps"
            ))
        })?;
        let format = CameraFormat::new(
            Resolution::new(chosen.width, chosen.height),
            if chosen.format == PixelFormat::Mjpeg {
                FrameFormat::MJPEG
            } else {
                FrameFormat::YUYV
            },
            chosen.fps,
        );
        let mut camera = nokhwa::Camera::new(
            index,
            RequestedFormat::new::<RgbFormat>(RequestedFormatType::Exact(format)),
        )
        .map_err(unavailable)?;
        camera.open_stream().map_err(unavailable)?;
        tracing::info!(device, mode = ?chosen, "camera open");
        Ok(V4lCamera { camera })
    }
}

impl FrameSource for V4lCamera {
    fn next_frame(&mut self) -> Result<image::RgbImage, CameraError> {
        let buffer = self.camera.frame().map_err(unavailable)?;
        let res = buffer.resolution();
        match buffer.source_frame_format() {
            FrameFormat::MJPEG => decode(RawFrame::Mjpeg(buffer.buffer())),
            FrameFormat::YUYV => decode(RawFrame::Yuyv {
                data: buffer.buffer(),
                width: res.width(),
                height: res.height(),
            }),
            other => Err(CameraError::BadFrame(format!(
                "unexpected frame format {other}"
            ))),
        }
    }
}

/// Cameras on this machine with their modes, for `kiosk camera list`.
pub fn list() -> Result<Vec<(String, String, Vec<Mode>)>, CameraError> {
    let cameras = nokhwa::query(ApiBackend::Video4Linux).map_err(unavailable)?;
    Ok(cameras
        .into_iter()
        .map(|info| {
            let device = match info.index() {
                CameraIndex::Index(i) => format!("/dev/video{i}"),
                CameraIndex::String(s) => s.clone(),
            };
            let modes = nokhwa::Camera::new(
                info.index().clone(),
                RequestedFormat::new::<RgbFormat>(RequestedFormatType::None),
            )
            .and_then(|mut c| c.compatible_camera_formats())
            .map(|f| f.iter().map(mode_of).collect())
            .unwrap_or_default();
            (device, info.human_name(), modes)
        })
        .collect())
}
