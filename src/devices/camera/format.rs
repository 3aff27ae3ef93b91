//! Choosing the camera mode ourselves instead of asking the driver for the "closest" one:
//! nokhwa's `Closest` looks up frame rates at the requested resolution only and fails on many
//! cameras, so the kiosk enumerates the modes and requests an exact one (docs/PHOTO.md,
//! "Camera frames"; pixel formats as in the V4L2 API's "Image Formats").

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PixelFormat {
    Mjpeg,
    Yuyv,
    /// NV12, grey, raw RGB…: not used.
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mode {
    pub format: PixelFormat,
    pub width: u32,
    pub height: u32,
    pub fps: u32,
}

/// The mode to request: at least `width`×`height` at `min_fps`, MJPEG before YUYV (a 720p YUYV
/// stream needs 28 MB/s, too much for many USB 2 cameras at full rate), then the smallest such
/// resolution (less to decode), then the highest frame rate.
pub fn choose(modes: &[Mode], width: u32, height: u32, min_fps: u32) -> Option<Mode> {
    let rank = |f: PixelFormat| match f {
        PixelFormat::Mjpeg => 0,
        PixelFormat::Yuyv => 1,
        PixelFormat::Other => 2,
    };
    modes
        .iter()
        .filter(|m| {
            m.format != PixelFormat::Other
                && m.width >= width
                && m.height >= height
                && m.fps >= min_fps
        })
        .min_by_key(|m| (rank(m.format), m.width * m.height, u32::MAX - m.fps))
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(format: PixelFormat, width: u32, height: u32, fps: u32) -> Mode {
        Mode {
            format,
            width,
            height,
            fps,
        }
    }

    #[test]
    fn prefers_mjpeg_at_the_smallest_sufficient_size() {
        let modes = [
            m(PixelFormat::Yuyv, 1280, 720, 30),
            m(PixelFormat::Mjpeg, 1920, 1080, 30),
            m(PixelFormat::Mjpeg, 1280, 720, 30),
            m(PixelFormat::Mjpeg, 1280, 720, 15),
            m(PixelFormat::Mjpeg, 640, 480, 30),
        ];
        assert_eq!(
            choose(&modes, 1280, 720, 15),
            Some(m(PixelFormat::Mjpeg, 1280, 720, 30))
        );
    }

    #[test]
    fn the_closest_edge_case_picks_a_larger_mode_with_enough_frames() {
        // 720p exists only at 10 fps: a "closest" request would fail; the kiosk takes 1080p.
        let modes = [
            m(PixelFormat::Mjpeg, 1280, 720, 10),
            m(PixelFormat::Mjpeg, 1920, 1080, 30),
        ];
        assert_eq!(
            choose(&modes, 1280, 720, 15),
            Some(m(PixelFormat::Mjpeg, 1920, 1080, 30))
        );
    }

    #[test]
    fn yuyv_only_cameras_and_impossible_requests() {
        let yuyv = [
            m(PixelFormat::Yuyv, 1280, 720, 15),
            m(PixelFormat::Other, 1280, 720, 30),
        ];
        assert_eq!(choose(&yuyv, 1280, 720, 15), Some(yuyv[0]));
        assert_eq!(
            choose(&[m(PixelFormat::Mjpeg, 640, 480, 30)], 1280, 720, 15),
            None
        );
        assert_eq!(choose(&[], 1280, 720, 15), None);
    }
}
