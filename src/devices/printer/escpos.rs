//! Receipt layout → ESC/POS bytes for one printer profile, in the subset listed in
//! docs/PRINTING.md, "What a job contains": `ESC @` initialise, `FS &` Chinese mode, `ESC a`
//! justify, `ESC E` bold, `GS !` character size, CODE128 `GS k 73` with `{B`/`{C` code sets, QR
//! model 2 `GS ( k`, raster `GS v 0`, `ESC d` feed, `GS V` cut. Text goes out in GBK when the
//! profile's font has every character; anything else — characters outside the printer's charset,
//! rare name characters, emoji — is drawn with the bundled font and sent as banded raster, never
//! dropped or garbled.

use super::code128::{Code128Part, code128_parts};
use super::profile::{Charset, CutKind, PrinterProfile};
use super::raster::{self, Bitmap};
use super::receipt::{Align, Block, Receipt};
use super::wrap;

/// Pixel sizes the raster fallback uses for normal and double-size text: the printer's 24-dot
/// CJK font and its double size.
pub const TEXT_PX: f32 = 24.0;
pub const BIG_PX: f32 = 48.0;
/// CODE128 bar height and QR module size, natively and in raster.
pub const BARCODE_HEIGHT: u8 = 80;
pub const QR_MODULE: u8 = 6;

/// Dots `text` takes in the printer's font at normal size: 12 per ASCII character (Font A,
/// 12×24), 24 for anything else, which goes out as a two-byte GB code and prints full width
/// (CJK 24×24; "·" and "–" too).
pub fn text_dots(text: &str) -> u32 {
    text.chars().map(char_dots).sum()
}

fn char_dots(c: char) -> u32 {
    if c.is_ascii() { 12 } else { 24 }
}

/// `GS !` for a heading: double width and height when the line still fits, else double height.
fn heading_size(text: &str, profile: &PrinterProfile) -> u8 {
    if text_dots(text) * 2 <= profile.dots {
        0x11
    } else {
        0x01
    }
}

/// The bytes `text` prints as in the printer's own font, or `None` if some character is not in
/// the profile's charset (then it must go as raster).
pub fn native_text(text: &str, charset: Charset) -> Option<Vec<u8>> {
    if text.chars().all(|c| (' '..='~').contains(&c)) {
        return Some(text.as_bytes().to_vec());
    }
    if charset == Charset::None || text.chars().any(|c| c.is_control()) {
        return None;
    }
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(text);
    if unmappable {
        return None;
    }
    // Every non-ASCII byte pair must be a two-byte code of the printer's font.
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b < 0x80 {
            i += 1;
            continue;
        }
        let second = *bytes.get(i + 1)?;
        // FE50–FEA0 is where GB18030-2005 moved Extension A characters (䶮 = FE9F); the fonts
        // of GBK printers predate that and hold other glyphs or nothing there.
        let remapped = b == 0xFE && (0x50..=0xA0).contains(&second);
        let ok = !remapped
            && match charset {
                Charset::Gbk => {
                    (0x81..=0xFE).contains(&b) && (0x40..=0xFE).contains(&second) && second != 0x7F
                }
                Charset::Gb2312 => (0xA1..=0xF7).contains(&b) && (0xA1..=0xFE).contains(&second),
                Charset::None => false,
            };
        if !ok {
            return None;
        }
        i += 2;
    }
    Some(bytes.into_owned())
}

/// `text` broken into lines that fit the paper in the printer's font, each with its bytes, or
/// `None` if some character must go as raster. A heading too wide for double width is printed
/// double height only, which keeps the normal width, so headings wrap like body text.
fn native_lines(text: &str, profile: &PrinterProfile) -> Option<Vec<(String, Vec<u8>)>> {
    wrap::lines(text, profile.dots as f32, |c| char_dots(c) as f32)
        .into_iter()
        .map(|line| native_text(&line, profile.charset).map(|bytes| (line, bytes)))
        .collect()
}

fn raster_block(out: &mut Vec<u8>, bitmap: &Bitmap, align: Align, profile: &PrinterProfile) {
    out.extend_from_slice(&[0x1B, 0x61, 0]);
    out.extend_from_slice(
        &bitmap
            .aligned(profile.dots, align)
            .to_gs_v0(profile.max_band_rows),
    );
}

fn code128(out: &mut Vec<u8>, text: &str, profile: &PrinterProfile) {
    let module = if raster::code128(text, 2, 1).is_some_and(|b| b.width <= profile.dots) {
        2
    } else {
        1
    };
    if !profile.native_code128 {
        if let Some(b) = raster::code128(text, module, u32::from(BARCODE_HEIGHT)) {
            raster_block(out, &b, Align::Center, profile);
        }
        return;
    }
    let mut data = Vec::new();
    for part in code128_parts(text) {
        match part {
            Code128Part::B(s) => {
                data.extend_from_slice(b"{B");
                data.extend_from_slice(s.as_bytes());
            }
            Code128Part::C(s) => {
                data.extend_from_slice(b"{C");
                for pair in s.as_bytes().chunks(2) {
                    data.push((pair[0] - b'0') * 10 + (pair[1] - b'0'));
                }
            }
        }
    }
    out.extend_from_slice(&[0x1B, 0x61, 1]);
    // GS h height, GS w module width, GS H 0: no human-readable text (the number is printed above).
    out.extend_from_slice(&[
        0x1D,
        0x68,
        BARCODE_HEIGHT,
        0x1D,
        0x77,
        module as u8,
        0x1D,
        0x48,
        0,
    ]);
    out.extend_from_slice(&[0x1D, 0x6B, 73, data.len() as u8]);
    out.extend_from_slice(&data);
    out.push(b'\n');
}

fn qr(out: &mut Vec<u8>, text: &str, profile: &PrinterProfile) {
    if !profile.native_qr {
        if let Some(b) = raster::qr(text.as_bytes(), u32::from(QR_MODULE)) {
            raster_block(out, &b, Align::Center, profile);
        }
        return;
    }
    let len = text.len() + 3;
    out.extend_from_slice(&[0x1B, 0x61, 1]);
    out.extend_from_slice(&[0x1D, 0x28, 0x6B, 0x04, 0x00, 0x31, 0x41, 0x32, 0x00]); // model 2
    out.extend_from_slice(&[0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x43, QR_MODULE]); // module size
    out.extend_from_slice(&[0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x45, 0x31]); // EC level M
    out.extend_from_slice(&[
        0x1D,
        0x28,
        0x6B,
        (len & 0xFF) as u8,
        (len >> 8) as u8,
        0x31,
        0x50,
        0x30,
    ]);
    out.extend_from_slice(text.as_bytes());
    out.extend_from_slice(&[0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x51, 0x30]); // print
    out.push(b'\n');
}

/// The printer bytes for `receipt` on a printer described by `profile`.
pub fn encode(receipt: &Receipt, profile: &PrinterProfile) -> Vec<u8> {
    let mut out = vec![0x1B, 0x40];
    if profile.charset != Charset::None {
        out.extend_from_slice(&[0x1C, 0x26]);
    }
    for block in &receipt.blocks {
        match block {
            Block::Text {
                text,
                align,
                big,
                bold,
            } => match native_lines(text, profile) {
                Some(lines) => {
                    let n = match align {
                        Align::Left => 0,
                        Align::Center => 1,
                    };
                    out.extend_from_slice(&[0x1B, 0x61, n, 0x1B, 0x45, u8::from(*bold)]);
                    for (line, bytes) in lines {
                        let size = if *big {
                            heading_size(&line, profile)
                        } else {
                            0x00
                        };
                        out.extend_from_slice(&[0x1D, 0x21, size]);
                        out.extend_from_slice(&bytes);
                        out.push(b'\n');
                    }
                    out.extend_from_slice(&[0x1D, 0x21, 0x00, 0x1B, 0x45, 0x00]);
                }
                None => {
                    let px = if *big { BIG_PX } else { TEXT_PX };
                    raster_block(
                        &mut out,
                        &raster::text(text, px, profile.dots, Align::Left),
                        *align,
                        profile,
                    );
                }
            },
            Block::Rule => {
                out.extend_from_slice(&[0x1B, 0x61, 0]);
                out.extend(std::iter::repeat_n(b'-', profile.columns));
                out.push(b'\n');
            }
            Block::Number(text) => raster_block(
                &mut out,
                &raster::number(text, BIG_PX, profile.dots),
                Align::Center,
                profile,
            ),
            Block::Code128(text) => code128(&mut out, text, profile),
            Block::Qr(text) => qr(&mut out, text, profile),
            Block::Feed(n) => out.extend_from_slice(&[0x1B, 0x64, *n]),
            Block::Cut => match profile.cut {
                CutKind::Full => out.extend_from_slice(&[0x1D, 0x56, 0x41, 0x03]),
                CutKind::Partial => out.extend_from_slice(&[0x1D, 0x56, 0x42, 0x03]),
                CutKind::None => out.extend_from_slice(&[0x1B, 0x64, 4]),
            },
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(name: &str) -> PrinterProfile {
        PrinterProfile::builtin(name).unwrap()
    }

    #[test]
    fn code128_bytes_follow_the_reference() {
        let mut out = Vec::new();
        code128(&mut out, "E1234", &profile("generic-80"));
        // ESC a 1, GS h, GS w, GS H, then GS k 73 len {B E {C 12 34
        assert_eq!(
            &out[12..],
            &[
                0x1D, 0x6B, 73, 7, b'{', b'B', b'E', b'{', b'C', 12, 34, b'\n'
            ]
        );
    }

    #[test]
    fn chinese_text_is_gbk_in_chinese_mode() {
        let r = Receipt {
            blocks: vec![Block::Text {
                text: "申请".into(),
                align: Align::Left,
                big: false,
                bold: false,
            }],
        };
        let bytes = encode(&r, &profile("generic-80"));
        assert_eq!(&bytes[..4], &[0x1B, 0x40, 0x1C, 0x26]);
        // 申 = C9 EA, 请 = C7 EB in GBK
        assert!(bytes.windows(4).any(|w| w == [0xC9, 0xEA, 0xC7, 0xEB]));
    }

    #[test]
    fn charsets_decide_what_is_native() {
        assert!(native_text("ABC 123", Charset::None).is_some());
        assert!(native_text("申请", Charset::None).is_none());
        assert!(native_text("申请", Charset::Gb2312).is_some());
        // 喆 is in GBK (86 B4) but not in GB2312.
        assert_eq!(native_text("喆", Charset::Gbk), Some(vec![0x86, 0xB4]));
        assert!(native_text("喆", Charset::Gb2312).is_none());
        // 䶮 (CJK Ext-A) and emoji are outside GBK.
        assert!(native_text("刘䶮", Charset::Gbk).is_none());
        assert!(native_text("😀", Charset::Gbk).is_none());
    }

    #[test]
    fn unencodable_text_becomes_raster_not_garbage() {
        let r = Receipt {
            blocks: vec![Block::Text {
                text: "姓名 Name: 刘䶮".into(),
                align: Align::Left,
                big: false,
                bold: false,
            }],
        };
        let bytes = encode(&r, &profile("generic-80"));
        assert!(
            bytes.windows(4).any(|w| w == [0x1D, 0x76, 0x30, 0x00]),
            "a raster band"
        );
        assert!(!bytes.windows(2).any(|w| w == b"&#"), "no HTML escapes");
    }

    #[test]
    fn latin_text_wraps_at_spaces_before_the_printer_would_cut_a_word() {
        use crate::devices::printer::interpret::{parse, text_lines};
        let text = "Nothing was written: the refund to your payment has been requested.";
        let r = Receipt {
            blocks: vec![Block::Text {
                text: text.into(),
                align: Align::Left,
                big: false,
                bold: false,
            }],
        };
        let p = profile("generic-58");
        let lines = text_lines(&parse(&encode(&r, &p)).unwrap());
        assert_eq!(
            lines,
            [
                "Nothing was written: the refund",
                "to your payment has been",
                "requested."
            ]
        );
        assert!(lines.iter().all(|l| l.len() <= p.columns));
    }

    #[test]
    fn fifty_eight_mm_forms_carry_raster_codes_only() {
        use crate::devices::printer::interpret::{Command, parse};
        let app = crate::devices::printer::sample_application();
        let form = super::super::receipt::application_form(
            &app,
            &crate::domain::catalogue::Catalogue::builtin(),
            "厦门",
        );
        let commands = parse(&encode(&form, &profile("generic-58"))).unwrap();
        assert!(!commands.iter().any(|c| matches!(
            c,
            Command::Code128(_) | Command::QrStore(_) | Command::QrPrint
        )));
        let native = parse(&encode(&form, &profile("generic-80"))).unwrap();
        assert!(native.contains(&Command::Code128(app.number.as_str().into())));
    }

    #[test]
    fn qr_store_length_counts_three_extra_bytes() {
        let mut out = Vec::new();
        qr(&mut out, "ABC", &profile("generic-80"));
        let store = out
            .windows(3)
            .position(|w| w == [0x31, 0x50, 0x30])
            .unwrap();
        assert_eq!(out[store - 2], 6);
        assert_eq!(out[store - 1], 0);
    }
}
