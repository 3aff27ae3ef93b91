//! Following one face from camera frame to camera frame, as MediaPipe's own pipeline does: the
//! mesh runs on the region the last frame's landmarks give, and the detector only when there is
//! no face yet or the mesh lost it. The liveness challenge reads a pose from every frame, so this
//! is what keeps a frame well inside its time budget (docs/BENCHMARKS.md, "Holder check").

use image::RgbImage;

use super::descriptor::landmarks_in;
use crate::photo::Detector;
use crate::photo::landmarks::{self, Landmarks};
use crate::photo::models::ModelError;

pub struct Tracker {
    detector: Detector,
    last: Option<Landmarks>,
}

impl Tracker {
    pub fn new() -> Tracker {
        Tracker {
            detector: Detector::new(),
            last: None,
        }
    }

    /// The landmarks of the face in `frame`: the one followed from the last frame, else the
    /// nearest the detector finds. `Ok(None)` when there is no face.
    pub fn next(&mut self, frame: &RgbImage) -> Result<Option<&Landmarks>, ModelError> {
        let followed = match &self.last {
            Some(last) => landmarks::run(frame, last.region())?,
            None => None,
        };
        self.last = match followed {
            Some(found) => Some(found),
            None => landmarks_in(&mut self.detector, frame)?,
        };
        Ok(self.last.as_ref())
    }

    /// Forgets the face: the next frame starts with the detector.
    pub fn reset(&mut self) {
        self.last = None;
    }
}

impl Default for Tracker {
    fn default() -> Self {
        Tracker::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::devices::camera::sim::{HEAD_Y, ZOOM_720, booth_subject, frame_with_subject};

    #[test]
    fn a_face_moving_across_frames_is_followed_and_an_empty_frame_loses_it() {
        let subject = booth_subject().unwrap();
        let mut tracker = Tracker::new();
        let mut eyes_x = Vec::new();
        for x in [0.45, 0.5, 0.55] {
            let frame = frame_with_subject(&subject, 1280, 720, ZOOM_720, x, HEAD_Y);
            let face = tracker.next(&frame).unwrap().expect("followed");
            eyes_x.push(face.eyes_midpoint().0);
        }
        assert!(
            eyes_x.windows(2).all(|w| w[1] > w[0] + 40.0),
            "the landmarks follow the face right: {eyes_x:?}"
        );
        let empty = RgbImage::from_pixel(1280, 720, image::Rgb([240, 240, 240]));
        assert!(tracker.next(&empty).unwrap().is_none());
    }
}
