//! One-bit images the width of the paper: text drawn with the bundled fonts, CODE128 and QR
//! symbols, and their `GS v 0` form. The encoder sends them when a printer cannot print
//! something itself; the preview draws everything through the same code.

use super::code128::{Code128Part, code128_parts};
use super::font;
pub use super::receipt::Align;

/// 1 = black dot. Rows are `width` dots wide.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bitmap {
    pub width: u32,
    pub height: u32,
    bits: Vec<bool>,
}

impl Bitmap {
    pub fn new(width: u32, height: u32) -> Bitmap {
        Bitmap {
            width,
            height,
            bits: vec![false; (width * height) as usize],
        }
    }

    pub fn get(&self, x: u32, y: u32) -> bool {
        x < self.width && y < self.height && self.bits[(y * self.width + x) as usize]
    }

    pub fn set(&mut self, x: u32, y: u32) {
        if x < self.width && y < self.height {
            self.bits[(y * self.width + x) as usize] = true;
        }
    }

    fn fill(&mut self, x: u32, y: u32, w: u32, h: u32) {
        for yy in y..y + h {
            for xx in x..x + w {
                self.set(xx, yy);
            }
        }
    }

    /// Copies `other` onto this bitmap at (x, y).
    pub fn blit(&mut self, other: &Bitmap, x: u32, y: u32) {
        for yy in 0..other.height {
            for xx in 0..other.width {
                if other.get(xx, yy) {
                    self.set(x + xx, y + yy);
                }
            }
        }
    }

    /// A bitmap `width` dots wide with `self` placed according to `align`.
    pub fn aligned(&self, width: u32, align: Align) -> Bitmap {
        let mut out = Bitmap::new(width, self.height);
        let x = match align {
            Align::Left => 0,
            Align::Center => width.saturating_sub(self.width) / 2,
        };
        out.blit(self, x, 0);
        out
    }

    /// `GS v 0` commands, at most `max_rows` rows each (`1D 76 30 m xL xH yL yH data`,
    /// MSB = leftmost dot, 1 = black; docs/PRINTING.md, "Chinese text", for why in bands).
    pub fn to_gs_v0(&self, max_rows: u32) -> Vec<u8> {
        let xbytes = self.width.div_ceil(8);
        let mut out = Vec::new();
        let mut y0 = 0;
        while y0 < self.height {
            let rows = (self.height - y0).min(max_rows.max(1));
            out.extend_from_slice(&[0x1D, 0x76, 0x30, 0x00]);
            out.extend_from_slice(&(xbytes as u16).to_le_bytes());
            out.extend_from_slice(&(rows as u16).to_le_bytes());
            for y in y0..y0 + rows {
                for xb in 0..xbytes {
                    let mut byte = 0u8;
                    for bit in 0..8 {
                        if self.get(xb * 8 + bit, y) {
                            byte |= 0x80 >> bit;
                        }
                    }
                    out.push(byte);
                }
            }
            y0 += rows;
        }
        out
    }

    /// The image of one `GS v 0` command's data.
    pub fn from_gs_v0(xbytes: u32, rows: u32, data: &[u8]) -> Bitmap {
        let mut b = Bitmap::new(xbytes * 8, rows);
        for y in 0..rows {
            for xb in 0..xbytes {
                let byte = data.get((y * xbytes + xb) as usize).copied().unwrap_or(0);
                for bit in 0..8 {
                    if byte & (0x80 >> bit) != 0 {
                        b.set(xb * 8 + bit, y);
                    }
                }
            }
        }
        b
    }

    pub fn is_blank(&self) -> bool {
        !self.bits.iter().any(|&b| b)
    }
}

impl Bitmap {
    /// Nearest-neighbour resize, as a printer magnifies its font.
    pub fn resized(&self, width: u32, height: u32) -> Bitmap {
        let mut out = Bitmap::new(width, height);
        for y in 0..height {
            for x in 0..width {
                if self.get(
                    x * self.width / width.max(1),
                    y * self.height / height.max(1),
                ) {
                    out.set(x, y);
                }
            }
        }
        out
    }
}

/// One character drawn at `px`, its advance wide and `px` tall (baseline at the font's ascent).
pub fn glyph(c: char, px: f32) -> Bitmap {
    let advance = font::advance(font::font_for(c), c, px);
    text(
        &c.to_string(),
        px,
        advance.ceil().max(1.0) as u32,
        Align::Left,
    )
}

/// Gap between text lines, in dots.
pub const LINE_GAP: u32 = 6;

/// Draws `text` at `px` pixels, wrapped to `width` dots where line breaking allows.
pub fn text(text: &str, px: f32, width: u32, align: Align) -> Bitmap {
    draw(text, px, width, align, font::main_font(), font::font_for)
}

/// Draws an application number on one line, centred on `width` dots, in the number font
/// (dotted zero, serifed I: docs/DOMAIN.md, "Application number"): at `px` pixels, or smaller
/// where that would not fit (58 mm paper), since a number must never wrap.
pub fn number(text: &str, px: f32, width: u32) -> Bitmap {
    let face = font::number_font();
    let wide: f32 = text.chars().map(|c| font::advance(face, c, px)).sum();
    let px = if wide > width as f32 {
        (px * width as f32 / wide).floor()
    } else {
        px
    };
    draw(text, px, width, Align::Center, face, |_| face)
}

/// Draws `text` with the line metrics of `lines_in` and each glyph from `face(c)`.
fn draw(
    text: &str,
    px: f32,
    width: u32,
    align: Align,
    lines_in: &font::Face,
    face: impl Fn(char) -> &'static font::Face,
) -> Bitmap {
    let advance = |c| font::advance(face(c), c, px);
    let lines: Vec<(String, f32)> = super::wrap::lines(text, width as f32, advance)
        .into_iter()
        .map(|l| {
            let w = l.chars().map(advance).sum();
            (l, w)
        })
        .collect();
    let line_h = px.ceil() as u32 + LINE_GAP;
    let ascent = font::ascent(lines_in, px);
    let mut out = Bitmap::new(width, line_h * lines.len() as u32);
    for (i, (line, w)) in lines.into_iter().enumerate() {
        let mut x = match align {
            Align::Left => 0.0,
            Align::Center => ((width as f32 - w) / 2.0).max(0.0),
        };
        let baseline = (i as u32 * line_h) as f32 + ascent;
        for c in line.chars() {
            font::draw(face(c), c, px, x, baseline, |px_x, px_y| {
                if px_x >= 0 && px_y >= 0 {
                    out.set(px_x as u32, px_y as u32);
                }
            });
            x += advance(c);
        }
    }
    out
}

/// A CODE128 symbol (`{B`/`{C` runs as the printer would draw them) with `module` dots per
/// module and a 10-module quiet zone each side; `None` if `data` is not CODE128-encodable.
pub fn code128(data: &str, module: u32, height: u32) -> Option<Bitmap> {
    let mut input = String::new();
    for part in code128_parts(data) {
        match part {
            Code128Part::B(s) => {
                input.push('Ɓ');
                input.push_str(&s);
            }
            Code128Part::C(s) => {
                input.push('Ć');
                input.push_str(&s);
            }
        }
    }
    let modules = barcoders::sym::code128::Code128::new(&input).ok()?.encode();
    let quiet = 10 * module;
    let mut b = Bitmap::new(modules.len() as u32 * module + 2 * quiet, height);
    for (i, &m) in modules.iter().enumerate() {
        if m == 1 {
            b.fill(quiet + i as u32 * module, 0, module, height);
        }
    }
    Some(b)
}

/// A QR code, error correction M, with `module` dots per module and a 4-module quiet zone.
pub fn qr(data: &[u8], module: u32) -> Option<Bitmap> {
    let code = qrcode::QrCode::with_error_correction_level(data, qrcode::EcLevel::M).ok()?;
    let n = code.width() as u32;
    let quiet = 4 * module;
    let mut b = Bitmap::new(n * module + 2 * quiet, n * module + 2 * quiet);
    for (i, c) in code.to_colors().iter().enumerate() {
        if *c == qrcode::Color::Dark {
            let (x, y) = (i as u32 % n, i as u32 / n);
            b.fill(quiet + x * module, quiet + y * module, module, module);
        }
    }
    Some(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gs_v0_round_trip_and_banding() {
        let t = text("出入境 Exit-entry", 24.0, 384, Align::Center);
        assert!(!t.is_blank());
        let bytes = t.to_gs_v0(16);
        let bands = bytes
            .windows(4)
            .filter(|w| *w == [0x1D, 0x76, 0x30, 0x00])
            .count();
        assert_eq!(bands as u32, t.height.div_ceil(16));
        let first_rows = u16::from_le_bytes([bytes[6], bytes[7]]) as u32;
        assert_eq!(first_rows, 16);
        let back = Bitmap::from_gs_v0(48, first_rows, &bytes[8..8 + 48 * 16]);
        for y in 0..16 {
            for x in 0..384 {
                assert_eq!(back.get(x, y), t.get(x, y));
            }
        }
    }

    /// Ink at the centre of a glyph's box, above the baseline.
    fn centre_ink(c: char) -> bool {
        let b = number(&c.to_string(), 96.0, 96);
        let (xs, ys): (Vec<u32>, Vec<u32>) = (0..b.height)
            .flat_map(|y| (0..b.width).map(move |x| (x, y)))
            .filter(|&(x, y)| b.get(x, y))
            .unzip();
        let (cx, cy) = (
            (xs.iter().min().unwrap() + xs.iter().max().unwrap()) / 2,
            (ys.iter().min().unwrap() + ys.iter().max().unwrap()) / 2,
        );
        (cx - 2..=cx + 2).any(|x| (cy - 2..=cy + 2).any(|y| b.get(x, y)))
    }

    /// Width of ink in the glyph's top row and in its middle row.
    fn top_and_middle_width(c: char) -> (usize, usize) {
        let b = number(&c.to_string(), 96.0, 96);
        let rows: Vec<u32> = (0..b.height)
            .filter(|&y| (0..b.width).any(|x| b.get(x, y)))
            .collect();
        let width = |y| (0..b.width).filter(|&x| b.get(x, y)).count();
        (width(rows[1]), width(rows[rows.len() / 2]))
    }

    #[test]
    fn a_long_number_shrinks_to_one_line_on_narrow_paper() {
        let on_80 = number("DEMO0126112500001L", 48.0, 576);
        let on_58 = number("DEMO0126112500001L", 48.0, 384);
        let one_line = 48 + LINE_GAP;
        assert_eq!(on_80.height, one_line);
        assert!(on_58.height < one_line, "smaller type, still one line");
        assert!(!on_58.is_blank());
    }

    #[test]
    fn numbers_are_drawn_so_that_zero_and_o_one_and_i_differ() {
        // The zero is dotted, the letter O is empty inside.
        assert!(centre_ink('0'));
        assert!(!centre_ink('O'));
        // The I has serifs: its top is much wider than its stem.
        let (top, middle) = top_and_middle_width('I');
        assert!(top >= 3 * middle, "I: top {top}, stem {middle}");
        // The one has a flag but no full-width top bar.
        let (top, middle) = top_and_middle_width('1');
        assert!(top < 3 * middle, "1: top {top}, stem {middle}");
    }

    #[test]
    fn long_text_wraps() {
        let one = text("申请", 24.0, 384, Align::Left);
        let many = text(&"申请".repeat(30), 24.0, 384, Align::Left);
        assert!(many.height >= one.height * 3);
    }
}
