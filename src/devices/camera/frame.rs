//! Raw camera frames to RGB: MJPEG validated before decoding (a truncated JPEG can decode
//! without error, so a frame must start with SOI `FF D8` and end with EOI `FF D9`, ITU-T T.81),
//! given the standard Huffman tables when the camera leaves them out (`huffman`), and YUYV 4:2:2 (`V4L2_PIX_FMT_YUYV`) converted with ITU-R BT.601 coefficients; see
//! docs/PHOTO.md, "Camera frames". The simulated camera sends its frames through here too.

use image::{Rgb, RgbImage};

use super::CameraError;

pub enum RawFrame<'a> {
    Mjpeg(&'a [u8]),
    Yuyv {
        data: &'a [u8],
        width: u32,
        height: u32,
    },
}

pub fn decode(raw: RawFrame<'_>) -> Result<RgbImage, CameraError> {
    match raw {
        RawFrame::Mjpeg(bytes) => {
            // Some drivers pad buffers with zeros after the image.
            let end = bytes.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
            let jpeg = &bytes[..end];
            if jpeg.len() < 128
                || jpeg[..2] != [0xFF, 0xD8]
                || jpeg[jpeg.len() - 2..] != [0xFF, 0xD9]
            {
                return Err(CameraError::BadFrame(format!(
                    "incomplete MJPEG frame ({} bytes)",
                    jpeg.len()
                )));
            }
            let jpeg = super::huffman::with_standard_tables(jpeg);
            image::load_from_memory_with_format(&jpeg, image::ImageFormat::Jpeg)
                .map(image::DynamicImage::into_rgb8)
                .map_err(|e| CameraError::BadFrame(e.to_string()))
        }
        RawFrame::Yuyv {
            data,
            width,
            height,
        } => {
            if data.len() != (width * height * 2) as usize || width % 2 != 0 {
                return Err(CameraError::BadFrame(format!(
                    "YUYV frame of {} bytes for {width}×{height}",
                    data.len()
                )));
            }
            let mut out = RgbImage::new(width, height);
            for (i, quad) in data.chunks_exact(4).enumerate() {
                let (y0, u, y1, v) = (
                    quad[0] as f32,
                    quad[1] as f32 - 128.0,
                    quad[2] as f32,
                    quad[3] as f32 - 128.0,
                );
                let px = (i as u32 * 2) % width;
                let py = (i as u32 * 2) / width;
                for (dx, y) in [(0, y0), (1, y1)] {
                    let c = |v: f32| v.round().clamp(0.0, 255.0) as u8;
                    out.put_pixel(
                        px + dx,
                        py,
                        Rgb([
                            c(y + 1.402 * v),
                            c(y - 0.344 * u - 0.714 * v),
                            c(y + 1.772 * u),
                        ]),
                    );
                }
            }
            Ok(out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jpeg(img: &RgbImage) -> Vec<u8> {
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
            .encode_image(img)
            .unwrap();
        out
    }

    #[test]
    fn mjpeg_frames_decode_and_truncated_ones_are_dropped() {
        let img = RgbImage::from_pixel(64, 48, Rgb([200, 100, 50]));
        let bytes = jpeg(&img);
        assert_eq!(
            decode(RawFrame::Mjpeg(&bytes)).unwrap().dimensions(),
            (64, 48)
        );
        let mut padded = bytes.clone();
        padded.extend([0u8; 100]);
        assert!(
            decode(RawFrame::Mjpeg(&padded)).is_ok(),
            "zero padding is fine"
        );
        assert!(matches!(
            decode(RawFrame::Mjpeg(&bytes[..bytes.len() - 40])),
            Err(CameraError::BadFrame(_))
        ));
        assert!(matches!(
            decode(RawFrame::Mjpeg(&[0xFF, 0xD8, 0xFF, 0xD9])),
            Err(CameraError::BadFrame(_))
        ));
        // A frame sent without Huffman tables, as UVC allows.
        let bare = super::super::huffman::without_tables(&bytes);
        assert_eq!(
            decode(RawFrame::Mjpeg(&bare)).unwrap(),
            decode(RawFrame::Mjpeg(&bytes)).unwrap()
        );
    }

    #[test]
    fn yuyv_converts_known_colours() {
        // Y=235 U=V=128 is white; Y=16 is black.
        let data = [235, 128, 16, 128, 235, 128, 16, 128];
        let img = decode(RawFrame::Yuyv {
            data: &data,
            width: 2,
            height: 2,
        })
        .unwrap();
        assert_eq!(img.get_pixel(0, 0), &Rgb([235, 235, 235]));
        assert_eq!(img.get_pixel(1, 1), &Rgb([16, 16, 16]));
        assert!(
            decode(RawFrame::Yuyv {
                data: &data[..6],
                width: 2,
                height: 2
            })
            .is_err()
        );
    }
}
