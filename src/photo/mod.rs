//! From a camera frame to the document photo: crop to the spec's aspect ratio around the frame
//! centre, scale to the exact pixel size, encode as baseline JPEG with the highest quality that
//! fits the size limit.
//!
//! This is the walking-skeleton pipeline: it does not detect the face yet, so it cannot check
//! head size, position, background or exposure. Face detection and the compliance checks are
//! issue 5; they slot in before `crop`.

use image::{RgbImage, codecs::jpeg::JpegEncoder, imageops};

use crate::domain::photo::Photo;

/// The photo geometry and file-size window (exit-entry default: 354×472 px, 40–45 KB).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PhotoSpec {
    pub width: u32,
    pub height: u32,
    pub max_bytes: usize,
    pub min_quality: u8,
}

impl Default for PhotoSpec {
    fn default() -> Self {
        PhotoSpec {
            width: 354,
            height: 472,
            max_bytes: 45 * 1024,
            min_quality: 60,
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PhotoError {
    #[error("frame {0}×{1} is smaller than the photo")]
    FrameTooSmall(u32, u32),
    #[error("photo does not fit in {0} bytes at the minimum quality")]
    TooLarge(usize),
    #[error("JPEG encoding failed: {0}")]
    Encode(String),
}

/// The largest centred region of `frame` with the spec's aspect ratio, scaled to the spec.
fn crop(frame: &RgbImage, spec: &PhotoSpec) -> Result<RgbImage, PhotoError> {
    let (fw, fh) = frame.dimensions();
    // Scale down only: upscaling would invent detail the central would reject later.
    if fw < spec.width || fh < spec.height {
        return Err(PhotoError::FrameTooSmall(fw, fh));
    }
    let (cw, ch) = if fw as u64 * spec.height as u64 > fh as u64 * spec.width as u64 {
        (
            (fh as u64 * spec.width as u64 / spec.height as u64) as u32,
            fh,
        )
    } else {
        (
            fw,
            (fw as u64 * spec.height as u64 / spec.width as u64) as u32,
        )
    };
    let region = imageops::crop_imm(frame, (fw - cw) / 2, (fh - ch) / 2, cw, ch).to_image();
    Ok(imageops::resize(
        &region,
        spec.width,
        spec.height,
        imageops::FilterType::Lanczos3,
    ))
}

fn encode(img: &RgbImage, quality: u8) -> Result<Vec<u8>, PhotoError> {
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, quality)
        .encode_image(img)
        .map_err(|e| PhotoError::Encode(e.to_string()))?;
    Ok(out)
}

/// Makes the document photo from a frame.
pub fn document_photo(frame: &RgbImage, spec: &PhotoSpec) -> Result<Photo, PhotoError> {
    let img = crop(frame, spec)?;
    // Binary search for the highest quality under the size limit.
    let (mut lo, mut hi) = (spec.min_quality, 95u8);
    let mut best = None;
    while lo <= hi {
        let q = lo + (hi - lo) / 2;
        let jpeg = encode(&img, q)?;
        if jpeg.len() <= spec.max_bytes {
            best = Some(jpeg);
            lo = q + 1;
        } else if q == 0 {
            break;
        } else {
            hi = q - 1;
        }
    }
    let jpeg = best.ok_or(PhotoError::TooLarge(spec.max_bytes))?;
    Ok(Photo {
        jpeg,
        width: spec.width,
        height: spec.height,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::devices::camera::{FrameSource, sim::SimCamera};

    #[test]
    fn photo_from_the_sim_camera_has_the_exact_size_and_fits() {
        let frame = SimCamera::new(1280, 720).unwrap().next_frame().unwrap();
        let spec = PhotoSpec::default();
        let photo = document_photo(&frame, &spec).unwrap();
        let decoded = image::load_from_memory(&photo.jpeg).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (354, 472));
        assert!(photo.jpeg.len() <= spec.max_bytes);
        assert_eq!(&photo.jpeg[..2], &[0xFF, 0xD8]);
    }

    #[test]
    fn small_frames_are_refused() {
        let frame = RgbImage::new(320, 240);
        assert_eq!(
            document_photo(&frame, &PhotoSpec::default()),
            Err(PhotoError::FrameTooSmall(320, 240))
        );
    }

    #[test]
    fn impossible_size_limit_is_an_error() {
        let frame = SimCamera::new(1280, 720).unwrap().next_frame().unwrap();
        let spec = PhotoSpec {
            max_bytes: 500,
            ..PhotoSpec::default()
        };
        assert_eq!(
            document_photo(&frame, &spec),
            Err(PhotoError::TooLarge(500))
        );
    }
}
