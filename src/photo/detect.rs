//! Face detection offline with rustface (SeetaFace frontal cascade, BSD-2; its model is bundled
//! in `assets/models`). Frames are downscaled to about 480 px on the long side first: detection
//! time grows with the image, not with the minimum face size (docs/PHOTO.md, "Finding the head").

use image::{GrayImage, RgbImage, imageops};

const MODEL: &[u8] = include_bytes!("../../assets/models/seeta_fd_frontal_v1.0.bin");
const LONG_SIDE: u32 = 480;
/// Cascade score a face must reach; the astronaut portrait scores about 18.
const SCORE_THRESHOLD: f64 = 4.0;

/// A face box in the coordinates of the frame it was found in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Face {
    pub x: f32,
    pub y: f32,
    pub width: f32,
    pub height: f32,
    pub score: f64,
}

impl Face {
    pub fn centre_x(&self) -> f32 {
        self.x + self.width / 2.0
    }
}

pub struct Detector {
    inner: Box<dyn rustface::Detector>,
}

impl Detector {
    pub fn new() -> Detector {
        let model = rustface::read_model(MODEL).expect("bundled model parses");
        let mut inner = rustface::create_detector_with_model(model);
        inner.set_min_face_size(40);
        inner.set_score_thresh(SCORE_THRESHOLD);
        inner.set_pyramid_scale_factor(0.8);
        inner.set_slide_window_step(4, 4);
        Detector { inner }
    }

    /// Faces in `frame`, best first.
    pub fn detect(&mut self, frame: &RgbImage) -> Vec<Face> {
        let (w, h) = frame.dimensions();
        if w < 24 || h < 24 {
            return Vec::new();
        }
        let scale = (LONG_SIDE as f32 / w.max(h) as f32).min(1.0);
        let gray: GrayImage = imageops::grayscale(frame);
        let small = if scale < 1.0 {
            // An area average: `resize` would first make a float RGBA copy of the whole frame
            // (5.5 MB for 720p, at every hint), for a detector that only needs the shapes.
            imageops::thumbnail(&gray, (w as f32 * scale) as u32, (h as f32 * scale) as u32)
        } else {
            gray
        };
        let image = rustface::ImageData::new(small.as_raw(), small.width(), small.height());
        let mut faces: Vec<Face> = self
            .inner
            .detect(&image)
            .into_iter()
            .map(|f| {
                let b = f.bbox();
                Face {
                    x: b.x() as f32 / scale,
                    y: b.y() as f32 / scale,
                    width: b.width() as f32 / scale,
                    height: b.height() as f32 / scale,
                    score: f.score(),
                }
            })
            .collect();
        faces.sort_by(|a, b| b.score.total_cmp(&a.score));
        faces
    }
}

impl Default for Detector {
    fn default() -> Self {
        Detector::new()
    }
}
