//! The standard Huffman tables of ITU-T T.81 Annex K.3 (Tables K.3–K.6), inserted into a
//! baseline MJPEG frame that carries none. USB cameras may leave the tables out of every frame
//! (the UVC MJPEG payload allows it, and the APP0 "AVI1" marker that tells a decoder to assume
//! them is optional): such frames decode only once the tables are put back. docs/PHOTO.md,
//! "Camera frames".

use std::borrow::Cow;

/// Marker bytes (T.81 Table B.1).
const DHT: u8 = 0xC4;
const SOS: u8 = 0xDA;
const SOI: u8 = 0xD8;

/// One table: class and destination (`Tc << 4 | Th`), the count of codes of each length 1–16
/// (`BITS`), and the values in code order (`HUFFVAL`).
struct Table {
    class_and_id: u8,
    bits: [u8; 16],
    values: &'static [u8],
}

/// Table K.3: luminance DC differences.
const LUMA_DC: Table = Table {
    class_and_id: 0x00,
    bits: [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0],
    values: &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
};

/// Table K.4: chrominance DC differences.
const CHROMA_DC: Table = Table {
    class_and_id: 0x01,
    bits: [0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0],
    values: &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
};

/// Table K.5: luminance AC coefficients.
const LUMA_AC: Table = Table {
    class_and_id: 0x10,
    bits: [0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7D],
    values: &[
        0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61,
        0x07, 0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xA1, 0x08, 0x23, 0x42, 0xB1, 0xC1, 0x15, 0x52,
        0xD1, 0xF0, 0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0A, 0x16, 0x17, 0x18, 0x19, 0x1A, 0x25,
        0x26, 0x27, 0x28, 0x29, 0x2A, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3A, 0x43, 0x44, 0x45,
        0x46, 0x47, 0x48, 0x49, 0x4A, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5A, 0x63, 0x64,
        0x65, 0x66, 0x67, 0x68, 0x69, 0x6A, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7A, 0x83,
        0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8A, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99,
        0x9A, 0xA2, 0xA3, 0xA4, 0xA5, 0xA6, 0xA7, 0xA8, 0xA9, 0xAA, 0xB2, 0xB3, 0xB4, 0xB5, 0xB6,
        0xB7, 0xB8, 0xB9, 0xBA, 0xC2, 0xC3, 0xC4, 0xC5, 0xC6, 0xC7, 0xC8, 0xC9, 0xCA, 0xD2, 0xD3,
        0xD4, 0xD5, 0xD6, 0xD7, 0xD8, 0xD9, 0xDA, 0xE1, 0xE2, 0xE3, 0xE4, 0xE5, 0xE6, 0xE7, 0xE8,
        0xE9, 0xEA, 0xF1, 0xF2, 0xF3, 0xF4, 0xF5, 0xF6, 0xF7, 0xF8, 0xF9, 0xFA,
    ],
};

/// Table K.6: chrominance AC coefficients.
const CHROMA_AC: Table = Table {
    class_and_id: 0x11,
    bits: [0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 0x77],
    values: &[
        0x00, 0x01, 0x02, 0x03, 0x11, 0x04, 0x05, 0x21, 0x31, 0x06, 0x12, 0x41, 0x51, 0x07, 0x61,
        0x71, 0x13, 0x22, 0x32, 0x81, 0x08, 0x14, 0x42, 0x91, 0xA1, 0xB1, 0xC1, 0x09, 0x23, 0x33,
        0x52, 0xF0, 0x15, 0x62, 0x72, 0xD1, 0x0A, 0x16, 0x24, 0x34, 0xE1, 0x25, 0xF1, 0x17, 0x18,
        0x19, 0x1A, 0x26, 0x27, 0x28, 0x29, 0x2A, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3A, 0x43, 0x44,
        0x45, 0x46, 0x47, 0x48, 0x49, 0x4A, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5A, 0x63,
        0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6A, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7A,
        0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8A, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97,
        0x98, 0x99, 0x9A, 0xA2, 0xA3, 0xA4, 0xA5, 0xA6, 0xA7, 0xA8, 0xA9, 0xAA, 0xB2, 0xB3, 0xB4,
        0xB5, 0xB6, 0xB7, 0xB8, 0xB9, 0xBA, 0xC2, 0xC3, 0xC4, 0xC5, 0xC6, 0xC7, 0xC8, 0xC9, 0xCA,
        0xD2, 0xD3, 0xD4, 0xD5, 0xD6, 0xD7, 0xD8, 0xD9, 0xDA, 0xE2, 0xE3, 0xE4, 0xE5, 0xE6, 0xE7,
        0xE8, 0xE9, 0xEA, 0xF2, 0xF3, 0xF4, 0xF5, 0xF6, 0xF7, 0xF8, 0xF9, 0xFA,
    ],
};

const TABLES: [&Table; 4] = [&LUMA_DC, &LUMA_AC, &CHROMA_DC, &CHROMA_AC];

/// The DHT segment (marker, length, the four tables) a decoder needs for a frame without one.
fn standard_dht() -> Vec<u8> {
    let body: usize = TABLES.iter().map(|t| 17 + t.values.len()).sum();
    let length = (body + 2) as u16;
    let mut out = vec![0xFF, DHT];
    out.extend(length.to_be_bytes());
    for t in TABLES {
        out.push(t.class_and_id);
        out.extend(t.bits);
        out.extend(t.values);
    }
    out
}

/// Where the frame's scan starts (the offset of its SOS marker) and whether a DHT segment came
/// before it, walking the marker segments from SOI (T.81 B.1.1). `None` for a stream that is not
/// a well-formed JPEG header: the decoder then says what is wrong with it.
fn scan_start(jpeg: &[u8]) -> Option<(usize, bool)> {
    if jpeg.get(..2)? != [0xFF, SOI] {
        return None;
    }
    let mut at = 2;
    let mut has_dht = false;
    loop {
        if *jpeg.get(at)? != 0xFF {
            return None;
        }
        // Fill bytes: any number of 0xFF before the marker code.
        while *jpeg.get(at + 1)? == 0xFF {
            at += 1;
        }
        let marker = *jpeg.get(at + 1)?;
        match marker {
            SOS => return Some((at, has_dht)),
            // Markers without a length (TEM, RSTn).
            0x01 | 0xD0..=0xD7 => at += 2,
            _ => {
                has_dht |= marker == DHT;
                let length = u16::from_be_bytes([*jpeg.get(at + 2)?, *jpeg.get(at + 3)?]);
                at += 2 + usize::from(length);
            }
        }
    }
}

/// The frame with the standard tables inserted before its scan when it defines none; otherwise
/// the frame as it came.
pub fn with_standard_tables(jpeg: &[u8]) -> Cow<'_, [u8]> {
    match scan_start(jpeg) {
        Some((sos, false)) => {
            let mut out = Vec::with_capacity(jpeg.len() + 420);
            out.extend_from_slice(&jpeg[..sos]);
            out.extend(standard_dht());
            out.extend_from_slice(&jpeg[sos..]);
            Cow::Owned(out)
        }
        _ => Cow::Borrowed(jpeg),
    }
}

#[cfg(test)]
/// A JPEG the way a UVC camera may send it: the encoder's tables (the `image` encoder uses
/// exactly those of Annex K) removed.
pub(super) fn without_tables(jpeg: &[u8]) -> Vec<u8> {
    let (sos, had) = scan_start(jpeg).expect("a well-formed JPEG");
    assert!(had, "the encoder writes its tables");
    let mut out = jpeg[..2].to_vec();
    let mut at = 2;
    while at < sos {
        let length = usize::from(u16::from_be_bytes([jpeg[at + 2], jpeg[at + 3]]));
        if jpeg[at + 1] != DHT {
            out.extend_from_slice(&jpeg[at..at + 2 + length]);
        }
        at += 2 + length;
    }
    out.extend_from_slice(&jpeg[sos..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{Rgb, RgbImage};

    #[test]
    fn each_table_has_as_many_values_as_its_code_counts() {
        for t in TABLES {
            let counted: usize = t.bits.iter().map(|&n| usize::from(n)).sum();
            assert_eq!(counted, t.values.len(), "table {:#04x}", t.class_and_id);
        }
        // 4 × (1 + 16) + 12 + 162 + 12 + 162 bytes of tables, plus the length field.
        assert_eq!(standard_dht()[2..4], [0x01, 0xA2]);
    }

    #[test]
    fn a_frame_without_tables_decodes_as_the_same_picture_with_them() {
        let mut img = RgbImage::new(64, 48);
        for (x, y, p) in img.enumerate_pixels_mut() {
            *p = Rgb([(x * 4) as u8, (y * 5) as u8, ((x + y) * 2) as u8]);
        }
        let mut jpeg = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 90)
            .encode_image(&img)
            .unwrap();
        let bare = without_tables(&jpeg);
        assert!(bare.len() < jpeg.len());
        assert!(
            image::load_from_memory_with_format(&bare, image::ImageFormat::Jpeg).is_err(),
            "without tables the decoder refuses the frame"
        );
        let fixed = with_standard_tables(&bare);
        let expected = image::load_from_memory(&jpeg).unwrap().to_rgb8();
        let got = image::load_from_memory_with_format(&fixed, image::ImageFormat::Jpeg)
            .unwrap()
            .to_rgb8();
        assert_eq!(got, expected);
        assert!(
            matches!(with_standard_tables(&jpeg), Cow::Borrowed(_)),
            "a frame with tables is left alone"
        );
    }
}
