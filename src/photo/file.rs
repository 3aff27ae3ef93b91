//! Pictures from files (`kiosk photo check`): the format is read from the content, not the
//! name; the EXIF orientation a phone writes is applied (a portrait shot is often stored sideways
//! with Orientation 6); and a file cut short or damaged is refused with a plain reason instead of
//! being decoded with a grey band where the data stopped. docs/PHOTO.md, "Checking a file".

use std::io::Cursor;
use std::path::Path;

use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, RgbImage};
use zune_core::bytestream::ZCursor;
use zune_core::colorspace::ColorSpace;
use zune_core::options::DecoderOptions;

/// Why a file gives no picture to check. [`PictureError::code`] is its stable name in
/// `kiosk photo check --json`.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PictureError {
    #[error("the file cannot be opened: {0}")]
    Unopenable(String),
    #[error("the file is not a JPEG, PNG or JPEG 2000 picture")]
    NotAPicture,
    #[error("the picture is damaged or cut short ({0})")]
    Damaged(String),
    #[error("the picture is too large to check: {0}×{1} pixels")]
    TooLarge(u32, u32),
}

impl PictureError {
    /// `unopenable`, `not-a-picture` or `damaged`.
    pub fn code(&self) -> &'static str {
        match self {
            PictureError::Unopenable(_) => "unopenable",
            PictureError::NotAPicture => "not-a-picture",
            PictureError::Damaged(_) => "damaged",
            PictureError::TooLarge(..) => "too-large",
        }
    }
}

/// Reads the picture in `path`, upright, as RGB.
pub fn read_picture(path: &Path) -> Result<RgbImage, PictureError> {
    let bytes = std::fs::read(path).map_err(|e| PictureError::Unopenable(e.to_string()))?;
    decode_picture(&bytes)
}

/// Decodes a JPEG, PNG or JPEG 2000 (a JP2 file or a bare codestream, as document chips hold
/// portraits) held in memory, upright, as RGB. Errors as [`read_picture`].
pub fn decode_picture(bytes: &[u8]) -> Result<RgbImage, PictureError> {
    if bytes.starts_with(JP2_SIGNATURE) || bytes.starts_with(J2C_SIGNATURE) {
        return decode_jpeg2000(bytes);
    }
    let format = match image::guess_format(bytes) {
        Ok(f @ (ImageFormat::Jpeg | ImageFormat::Png)) => f,
        _ => return Err(PictureError::NotAPicture),
    };
    let damaged = |e: image::ImageError| PictureError::Damaged(e.to_string());
    let mut decoder = ImageReader::with_format(Cursor::new(bytes), format)
        .into_decoder()
        .map_err(damaged)?;
    let orientation = decoder.orientation().map_err(damaged)?;
    let mut picture = if format == ImageFormat::Jpeg {
        drop(decoder);
        DynamicImage::ImageRgb8(decode_jpeg_strictly(bytes)?)
    } else {
        DynamicImage::from_decoder(decoder).map_err(damaged)?
    };
    picture.apply_orientation(orientation);
    Ok(picture.into_rgb8())
}

/// The JP2 signature box (ISO/IEC 15444-1 Annex I.5.1).
const JP2_SIGNATURE: &[u8] = &[0, 0, 0, 0x0C, 0x6A, 0x50, 0x20, 0x20];
/// A bare codestream starts with SOC and SIZ (ISO/IEC 15444-1 Annex A.4.1, A.5.1).
const J2C_SIGNATURE: &[u8] = &[0xFF, 0x4F, 0xFF, 0x51];
/// Largest JPEG 2000 picture decoded, in pixels: a header can claim any size, and the decoder
/// would allocate it before finding the data missing. A chip portrait is well under a megapixel.
const JPEG2000_MAX_PIXELS: u64 = 16_000_000;

/// JPEG 2000 with hayro-jpeg2000 (pure Rust, no unsafe code with its `simd` feature off): grey
/// and RGB pictures, 8-bit or scaled to it.
fn decode_jpeg2000(bytes: &[u8]) -> Result<RgbImage, PictureError> {
    use hayro_jpeg2000::{ColorSpace, DecodeSettings, DecoderContext, Image};
    let damaged = |e: String| PictureError::Damaged(e);
    // Strict: a codestream cut short is refused, not decoded at the quality it reached.
    let settings = DecodeSettings {
        strict: true,
        ..DecodeSettings::default()
    };
    let image = Image::new(bytes, &settings).map_err(|e| damaged(e.to_string()))?;
    let (width, height) = (image.width(), image.height());
    if width == 0 || height == 0 {
        return Err(damaged(format!("a {width}×{height} JPEG 2000 picture")));
    }
    if u64::from(width) * u64::from(height) > JPEG2000_MAX_PIXELS {
        return Err(PictureError::TooLarge(width, height));
    }
    // An ICC profile describes grey or RGB samples more exactly; the samples are used as they are.
    let channels = match image.color_space() {
        ColorSpace::Gray
        | ColorSpace::Icc {
            num_channels: 1, ..
        } => 1,
        ColorSpace::RGB
        | ColorSpace::Icc {
            num_channels: 3, ..
        } => 3,
        other => return Err(damaged(format!("JPEG 2000 colour space {other:?}"))),
    } + usize::from(image.has_alpha());
    let mut context = DecoderContext::default();
    let decoded = image
        .decode(&mut context)
        .map_err(|e| damaged(e.to_string()))?;
    let samples = decoded.data_u8();
    let pixels = width as usize * height as usize;
    if samples.len() != pixels * channels {
        return Err(damaged(format!(
            "{} samples for {width}×{height}×{channels}",
            samples.len()
        )));
    }
    let rgb: Vec<u8> = samples
        .chunks_exact(channels)
        .flat_map(|p| {
            if channels < 3 {
                [p[0]; 3]
            } else {
                [p[0], p[1], p[2]]
            }
        })
        .collect();
    RgbImage::from_raw(width, height, rgb).ok_or_else(|| damaged("picture too large".into()))
}

/// zune-jpeg (the decoder `image` uses) in strict mode: `image` runs it leniently, which fills
/// what it cannot decode with grey and reports success.
fn decode_jpeg_strictly(jpeg: &[u8]) -> Result<RgbImage, PictureError> {
    let damaged = |e: String| PictureError::Damaged(e);
    let options = DecoderOptions::default()
        .set_strict_mode(true)
        .jpeg_set_out_colorspace(ColorSpace::RGB);
    let mut decoder = zune_jpeg::JpegDecoder::new_with_options(ZCursor::new(jpeg), options);
    let pixels = decoder.decode().map_err(|e| damaged(e.to_string()))?;
    let (width, height) = decoder
        .dimensions()
        .ok_or_else(|| damaged("no frame header".into()))?;
    let expected = width * height * 3;
    if pixels.len() != expected {
        return Err(damaged(format!(
            "{} bytes of pixels for {width}×{height}",
            pixels.len()
        )));
    }
    RgbImage::from_raw(width as u32, height as u32, pixels)
        .ok_or_else(|| damaged("picture too large".into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgb;

    /// 120×80: red in the top-left quarter, the rest a grey gradient (structure to compress).
    fn landscape() -> RgbImage {
        RgbImage::from_fn(120, 80, |x, y| {
            if x < 60 && y < 40 {
                Rgb([220, 20, 20])
            } else {
                let v = (x + y) as u8;
                Rgb([v, v, v])
            }
        })
    }

    fn jpeg(img: &RgbImage) -> Vec<u8> {
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
            .encode_image(img)
            .unwrap();
        out
    }

    fn png(img: &RgbImage) -> Vec<u8> {
        let mut out = Vec::new();
        img.write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .unwrap();
        out
    }

    /// An APP1 Exif segment (TIFF little-endian, one IFD entry: Orientation, SHORT, `value`),
    /// inserted right after SOI as a camera writes it (CIPA DC-008, TIFF 6.0 tag 274).
    fn with_orientation(jpeg: &[u8], value: u16) -> Vec<u8> {
        let mut tiff = b"II\x2a\x00\x08\x00\x00\x00".to_vec();
        tiff.extend(1u16.to_le_bytes());
        tiff.extend(0x0112u16.to_le_bytes());
        tiff.extend(3u16.to_le_bytes());
        tiff.extend(1u32.to_le_bytes());
        tiff.extend(value.to_le_bytes());
        tiff.extend([0, 0]);
        tiff.extend(0u32.to_le_bytes());
        let mut body = b"Exif\x00\x00".to_vec();
        body.extend(tiff);
        let mut out = jpeg[..2].to_vec();
        out.extend([0xFF, 0xE1]);
        out.extend(((body.len() + 2) as u16).to_be_bytes());
        out.extend(body);
        out.extend(&jpeg[2..]);
        out
    }

    fn is_red(p: &Rgb<u8>) -> bool {
        p[0] > 150 && p[1] < 80 && p[2] < 80
    }

    #[test]
    fn the_format_comes_from_the_content_not_the_name() {
        let dir = tempfile::tempdir().unwrap();
        for (name, bytes) in [
            ("png-named.jpg", png(&landscape())),
            ("jpeg-named.png", jpeg(&landscape())),
            ("no-extension", jpeg(&landscape())),
        ] {
            let path = dir.path().join(name);
            std::fs::write(&path, bytes).unwrap();
            let picture = read_picture(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(picture.dimensions(), (120, 80), "{name}");
            assert!(is_red(picture.get_pixel(10, 10)), "{name}");
        }
        assert_eq!(
            read_picture(&dir.path().join("missing.jpg"))
                .unwrap_err()
                .code(),
            "unopenable"
        );
        assert_eq!(
            decode_picture(b"GIF89a not a picture we read"),
            Err(PictureError::NotAPicture)
        );
    }

    #[test]
    fn exif_orientation_is_applied() {
        let plain = jpeg(&landscape());
        // Orientation 6: the stored picture must be turned 90° clockwise to be upright, so the
        // red top-left corner ends top-right, and 120×80 becomes 80×120.
        let upright = decode_picture(&with_orientation(&plain, 6)).unwrap();
        assert_eq!(upright.dimensions(), (80, 120));
        assert!(
            is_red(upright.get_pixel(70, 10)),
            "{:?}",
            upright.get_pixel(70, 10)
        );
        assert!(!is_red(upright.get_pixel(10, 10)));
        // Orientation 1 leaves it as stored.
        let same = decode_picture(&with_orientation(&plain, 1)).unwrap();
        assert_eq!(same.dimensions(), (120, 80));
        assert!(is_red(same.get_pixel(10, 10)));
    }

    #[test]
    fn a_jpeg_cut_short_or_damaged_is_refused_though_the_lenient_decoder_takes_it() {
        let whole = jpeg(&landscape());
        let cut = &whole[..whole.len() * 6 / 10];
        assert!(
            image::load_from_memory(cut).is_ok(),
            "the lenient decoder fills the missing part with grey"
        );
        assert_eq!(decode_picture(cut).unwrap_err().code(), "damaged");
        // A marker in the middle of the entropy-coded data, as a corrupted byte pair reads.
        let mut corrupt = whole.clone();
        let middle = corrupt.len() * 7 / 10;
        corrupt[middle..middle + 2].copy_from_slice(&[0xFF, 0xC4]);
        assert_eq!(decode_picture(&corrupt).unwrap_err().code(), "damaged");
        let cut_png = png(&landscape());
        assert_eq!(
            decode_picture(&cut_png[..cut_png.len() / 2])
                .unwrap_err()
                .code(),
            "damaged"
        );
    }

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(format!(
            "{}/tests/fixtures/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    #[test]
    fn jpeg_2000_decodes_exactly_as_a_jp2_file_and_as_a_bare_grey_codestream() {
        // Lossless (reversible 5/3 wavelet) encodings of `landscape()` made with OpenJPEG:
        // decoding must give back every pixel.
        let rgb = decode_picture(&fixture("landscape-lossless.jp2")).unwrap();
        assert_eq!(rgb, landscape());
        let grey = decode_picture(&fixture("landscape-grey-lossless.j2c")).unwrap();
        // The grey file holds ITU-R BT.601 luma, (299·R + 587·G + 114·B) / 1000, rounded.
        assert_eq!(grey.dimensions(), (120, 80));
        for (g, p) in grey.pixels().zip(landscape().pixels()) {
            let [r, gr, b] = p.0.map(u32::from);
            let luma = ((299 * r + 587 * gr + 114 * b + 500) / 1000) as u8;
            assert_eq!(g.0, [luma; 3]);
        }
    }

    #[test]
    fn a_jpeg_2000_header_claiming_a_huge_picture_is_refused_before_decoding() {
        // SIZ (ISO/IEC 15444-1 A.5.1) follows SOC: marker, Lsiz, Rsiz, then Xsiz and Ysiz.
        let mut j2c = fixture("landscape-grey-lossless.j2c");
        j2c[8..12].copy_from_slice(&100_000u32.to_be_bytes());
        j2c[12..16].copy_from_slice(&100_000u32.to_be_bytes());
        assert_eq!(decode_picture(&j2c).unwrap_err().code(), "too-large");
    }

    /// A small deterministic generator for the mutation runs (xorshift64*).
    fn next(state: &mut u64) -> u64 {
        *state ^= *state >> 12;
        *state ^= *state << 25;
        *state ^= *state >> 27;
        state.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    #[test]
    fn damaged_jpeg_2000_never_panics_and_cut_files_are_refused() {
        // Mutation run over the decoder's entry point: every prefix of the file, and 600 copies
        // with 1–8 bytes overwritten at random. Each must give a picture or a refusal, and a
        // file cut short must be refused.
        for name in ["landscape-lossless.jp2", "landscape-grey-lossless.j2c"] {
            let whole = fixture(name);
            for end in (1..whole.len()).step_by(7) {
                let cut = &whole[..end];
                assert!(decode_picture(cut).is_err(), "{name} cut at {end} decoded");
            }
            let mut state = 0x9E37_79B9_7F4A_7C15u64 ^ whole.len() as u64;
            for _ in 0..600 {
                let mut damaged = whole.clone();
                for _ in 0..=(next(&mut state) % 8) {
                    let at = (next(&mut state) % damaged.len() as u64) as usize;
                    damaged[at] = next(&mut state) as u8;
                }
                let _ = decode_picture(&damaged);
            }
        }
    }
}
