//! The file the central receives: baseline 24-bit JPEG, JFIF at the spec's dpi, no EXIF (no
//! device or time leaks), with the highest quality whose size is within the spec's window, and
//! never below the spec's minimum quality. A photo that cannot land in the window is an error,
//! not an out-of-spec file. For one image the size grows with the quality, so a binary search
//! finds it (docs/PHOTO.md, "The file").

use image::RgbImage;
use image::codecs::jpeg::{JpegEncoder, PixelDensity};

use super::spec::PhotoSpec;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    #[error("even at quality {quality} the file is {bytes} bytes, over the {max}-byte limit")]
    TooLarge {
        quality: u8,
        bytes: usize,
        max: usize,
    },
    #[error(
        "even at quality 100 the file is only {bytes} bytes, under the {min}-byte minimum (flat or blurred image)"
    )]
    TooSmall { bytes: usize, min: usize },
    #[error("JPEG encoding failed: {0}")]
    Encoder(String),
}

pub fn jpeg(img: &RgbImage, quality: u8, dpi: u16) -> Result<Vec<u8>, EncodeError> {
    let mut out = Vec::new();
    let mut encoder = JpegEncoder::new_with_quality(&mut out, quality);
    encoder.set_pixel_density(PixelDensity::dpi(dpi));
    encoder
        .encode_image(img)
        .map_err(|e| EncodeError::Encoder(e.to_string()))?;
    Ok(out)
}

/// The JPEG and the quality chosen: a binary search over the qualities from the spec's minimum
/// to 100 for the highest whose file is not over the maximum (about four encodes).
pub fn within_window(img: &RgbImage, spec: &PhotoSpec) -> Result<(Vec<u8>, u8), EncodeError> {
    let (min, max) = (*spec.file_size.start(), *spec.file_size.end());
    let (mut lo, mut hi) = (spec.min_quality, 100u8);
    let mut best: Option<(Vec<u8>, u8)> = None;
    // Size of the lowest quality tried that was too large: the error when none fits.
    let mut too_large = 0;
    while lo <= hi {
        let q = lo + (hi - lo) / 2;
        let candidate = jpeg(img, q, spec.dpi)?;
        if candidate.len() <= max {
            best = Some((candidate, q));
            lo = q + 1;
        } else {
            too_large = candidate.len();
            if q == spec.min_quality {
                break;
            }
            hi = q - 1;
        }
    }
    let Some(best) = best else {
        return Err(EncodeError::TooLarge {
            quality: spec.min_quality,
            bytes: too_large,
            max,
        });
    };
    if best.0.len() < min {
        return Err(EncodeError::TooSmall {
            bytes: best.0.len(),
            min,
        });
    }
    Ok(best)
}
