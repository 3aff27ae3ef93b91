//! ESC/POS bytes for a receipt. Byte sequences: `shared/reference/printing.md` §2 (initialise,
//! Chinese mode FS &, justify, bold, character size, CODE128 via `GS k 73` with `{B`/`{C` code
//! sets, QR model 2 via `GS ( k`, feed and cut). Chinese text is sent as GBK, which Chinese-market
//! printers take in their power-on Chinese mode.

use super::receipt::{Align, Block, Receipt};

/// A CODE128 segment in one code set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Code128Part {
    B(String),
    /// An even number of digits, two per symbol.
    C(String),
}

/// Splits `text` into code-set B and C runs: digit runs of four or more go into set C (pairs of
/// digits per symbol), which keeps a 17-character number narrow enough for 58 mm paper.
pub fn code128_parts(text: &str) -> Vec<Code128Part> {
    let mut parts = Vec::new();
    let mut b = String::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let run = chars[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        if run >= 4 {
            if run % 2 == 1 {
                b.push(chars[i]);
                i += 1;
            }
            let even = run - run % 2;
            if !b.is_empty() {
                parts.push(Code128Part::B(std::mem::take(&mut b)));
            }
            parts.push(Code128Part::C(chars[i..i + even].iter().collect()));
            i += even;
        } else {
            b.push(chars[i]);
            i += 1;
        }
    }
    if !b.is_empty() {
        parts.push(Code128Part::B(b));
    }
    parts
}

fn gbk(text: &str) -> Vec<u8> {
    let (bytes, _, _) = encoding_rs::GBK.encode(text);
    bytes.into_owned()
}

fn code128(out: &mut Vec<u8>, text: &str) {
    let mut data = Vec::new();
    for part in code128_parts(text) {
        match part {
            Code128Part::B(s) => {
                data.extend_from_slice(b"{B");
                data.extend_from_slice(s.as_bytes());
            }
            Code128Part::C(s) => {
                data.extend_from_slice(b"{C");
                let digits = s.as_bytes();
                for pair in digits.chunks(2) {
                    data.push((pair[0] - b'0') * 10 + (pair[1] - b'0'));
                }
            }
        }
    }
    // GS h 80 dots high, GS w 2 module width, GS H 0 no human-readable text (printed above).
    out.extend_from_slice(&[0x1D, 0x68, 80, 0x1D, 0x77, 2, 0x1D, 0x48, 0]);
    out.extend_from_slice(&[0x1D, 0x6B, 73, data.len() as u8]);
    out.extend_from_slice(&data);
    out.push(b'\n');
}

fn qr(out: &mut Vec<u8>, text: &str) {
    let len = text.len() + 3;
    out.extend_from_slice(&[0x1D, 0x28, 0x6B, 0x04, 0x00, 0x31, 0x41, 0x32, 0x00]); // model 2
    out.extend_from_slice(&[0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x43, 6]); // module size
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
}

/// The printer bytes for `receipt`; `columns` is the line width in ASCII characters.
pub fn encode(receipt: &Receipt, columns: usize) -> Vec<u8> {
    let mut out = vec![0x1B, 0x40, 0x1C, 0x26];
    for block in &receipt.blocks {
        match block {
            Block::Text {
                text,
                align,
                big,
                bold,
            } => {
                let n = match align {
                    Align::Left => 0,
                    Align::Center => 1,
                };
                out.extend_from_slice(&[0x1B, 0x61, n, 0x1B, 0x45, u8::from(*bold)]);
                out.extend_from_slice(&[0x1D, 0x21, if *big { 0x11 } else { 0x00 }]);
                out.extend_from_slice(&gbk(text));
                out.push(b'\n');
                out.extend_from_slice(&[0x1D, 0x21, 0x00, 0x1B, 0x45, 0x00]);
            }
            Block::Rule => {
                out.extend_from_slice(&[0x1B, 0x61, 0]);
                out.extend(std::iter::repeat_n(b'-', columns));
                out.push(b'\n');
            }
            Block::Code128(text) => {
                out.extend_from_slice(&[0x1B, 0x61, 1]);
                code128(&mut out, text);
            }
            Block::Qr(text) => {
                out.extend_from_slice(&[0x1B, 0x61, 1]);
                qr(&mut out, text);
                out.push(b'\n');
            }
            Block::Feed(n) => out.extend_from_slice(&[0x1B, 0x64, *n]),
            Block::Cut => out.extend_from_slice(&[0x1D, 0x56, 0x41, 0x03]),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digit_runs_use_code_set_c() {
        assert_eq!(
            code128_parts("XMH0126112500042Z"),
            vec![
                Code128Part::B("XMH0".into()),
                Code128Part::C("126112500042".into()),
                Code128Part::B("Z".into())
            ]
        );
        assert_eq!(
            code128_parts("AB1234"),
            vec![Code128Part::B("AB".into()), Code128Part::C("1234".into())]
        );
        assert_eq!(code128_parts("AB123"), vec![Code128Part::B("AB123".into())]);
    }

    #[test]
    fn code128_bytes_follow_the_reference() {
        let mut out = Vec::new();
        code128(&mut out, "E1234");
        // GS k 73 len {B E {C 12 34
        let tail = &out[9..];
        assert_eq!(
            tail,
            &[
                0x1D, 0x6B, 73, 7, b'{', b'B', b'E', b'{', b'C', 12, 34, b'\n'
            ]
        );
    }

    #[test]
    fn chinese_text_is_gbk() {
        let r = Receipt {
            blocks: vec![Block::Text {
                text: "申请".into(),
                align: Align::Left,
                big: false,
                bold: false,
            }],
        };
        let bytes = encode(&r, 32);
        // 申 = C9 EA, 请 = C7 EB in GBK
        assert!(bytes.windows(4).any(|w| w == [0xC9, 0xEA, 0xC7, 0xEB]));
        assert_eq!(&bytes[..4], &[0x1B, 0x40, 0x1C, 0x26]);
    }

    #[test]
    fn qr_store_length_counts_three_extra_bytes() {
        let mut out = Vec::new();
        qr(&mut out, "ABC");
        let store = out
            .windows(3)
            .position(|w| w == [0x31, 0x50, 0x30])
            .unwrap();
        assert_eq!(out[store - 2], 6);
        assert_eq!(out[store - 1], 0);
    }
}
