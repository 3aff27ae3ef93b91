//! Renders a receipt to an image of the paper as the printer would put it: text with the bundled
//! font, CODE128 and QR at their module sizes. Demo mode writes it next to the printer bytes so a
//! newcomer sees the form without a printer; the tests decode barcodes from it.

use std::sync::OnceLock;

use fontdue::{Font, FontSettings};
use image::{GrayImage, Luma};

use super::escpos::{Code128Part, code128_parts};
use super::receipt::{Align, Block, Receipt};

const FONT_BYTES: &[u8] = include_bytes!("../../../assets/fonts/KioskSans.ttf");
const MARGIN: u32 = 8;
const TEXT_PX: f32 = 24.0;
const BIG_PX: f32 = 44.0;
const LINE_GAP: u32 = 6;
const BARCODE_MODULE: u32 = 2;
const BARCODE_HEIGHT: u32 = 80;
const QR_MODULE: u32 = 6;

fn font() -> &'static Font {
    static FONT: OnceLock<Font> = OnceLock::new();
    FONT.get_or_init(|| {
        Font::from_bytes(FONT_BYTES, FontSettings::default()).expect("bundled font is valid")
    })
}

struct Canvas {
    width: u32,
    img: GrayImage,
    y: u32,
}

impl Canvas {
    fn new(width: u32) -> Canvas {
        Canvas {
            width,
            img: GrayImage::from_pixel(width, 4000, Luma([255])),
            y: MARGIN,
        }
    }

    fn ensure(&mut self, height: u32) {
        if self.y + height + MARGIN > self.img.height() {
            let mut bigger =
                GrayImage::from_pixel(self.width, self.img.height() * 2 + height, Luma([255]));
            image::imageops::overlay(&mut bigger, &self.img, 0, 0);
            self.img = bigger;
        }
    }

    fn black(&mut self, x: u32, y: u32, w: u32, h: u32) {
        for yy in y..y + h {
            for xx in x..(x + w).min(self.width) {
                self.img.put_pixel(xx, yy, Luma([0]));
            }
        }
    }

    /// Lays `text` out on as many lines as it needs.
    fn text(&mut self, text: &str, px: f32, align: Align) {
        let font = font();
        let usable = (self.width - 2 * MARGIN) as f32;
        let mut lines: Vec<(Vec<char>, f32)> = vec![(Vec::new(), 0.0)];
        for c in text.chars() {
            let adv = font.metrics(c, px).advance_width;
            let (line, w) = lines.last_mut().expect("never empty");
            if *w + adv > usable && !line.is_empty() {
                lines.push((vec![c], adv));
            } else {
                line.push(c);
                *w += adv;
            }
        }
        let ascent = font
            .horizontal_line_metrics(px)
            .map_or(px * 0.8, |m| m.ascent);
        let line_h = px.ceil() as u32 + LINE_GAP;
        for (line, w) in lines {
            self.ensure(line_h);
            let mut x = match align {
                Align::Left => MARGIN as f32,
                Align::Center => (self.width as f32 - w) / 2.0,
            };
            let baseline = self.y as f32 + ascent;
            for c in line {
                let (m, bitmap) = font.rasterize(c, px);
                let gx = (x + m.xmin as f32).round() as i64;
                let gy = (baseline - m.height as f32 - m.ymin as f32).round() as i64;
                for (i, &cov) in bitmap.iter().enumerate() {
                    let (px_x, px_y) = (gx + (i % m.width) as i64, gy + (i / m.width) as i64);
                    if cov > 100 && px_x >= 0 && px_y >= 0 && (px_x as u32) < self.width {
                        self.img.put_pixel(px_x as u32, px_y as u32, Luma([0]));
                    }
                }
                x += m.advance_width;
            }
            self.y += line_h;
        }
    }

    fn code128(&mut self, text: &str) {
        let mut data = String::new();
        for part in code128_parts(text) {
            match part {
                Code128Part::B(s) => {
                    data.push('Ɓ');
                    data.push_str(&s);
                }
                Code128Part::C(s) => {
                    data.push('Ć');
                    data.push_str(&s);
                }
            }
        }
        let Ok(modules) = barcoders::sym::code128::Code128::new(&data).map(|c| c.encode()) else {
            self.text(&format!("[barcode: {text}]"), TEXT_PX, Align::Center);
            return;
        };
        let w = modules.len() as u32 * BARCODE_MODULE;
        self.ensure(BARCODE_HEIGHT + LINE_GAP);
        let x0 = self.width.saturating_sub(w) / 2;
        for (i, &m) in modules.iter().enumerate() {
            if m == 1 {
                self.black(
                    x0 + i as u32 * BARCODE_MODULE,
                    self.y,
                    BARCODE_MODULE,
                    BARCODE_HEIGHT,
                );
            }
        }
        self.y += BARCODE_HEIGHT + LINE_GAP * 2;
    }

    fn qr(&mut self, text: &str) {
        let Ok(code) = qrcode::QrCode::with_error_correction_level(text, qrcode::EcLevel::M) else {
            self.text(&format!("[QR: {text}]"), TEXT_PX, Align::Center);
            return;
        };
        let n = code.width() as u32;
        let size = n * QR_MODULE;
        self.ensure(size + LINE_GAP);
        let x0 = self.width.saturating_sub(size) / 2;
        for (i, c) in code.to_colors().iter().enumerate() {
            if *c == qrcode::Color::Dark {
                let (cx, cy) = (i as u32 % n, i as u32 / n);
                self.black(
                    x0 + cx * QR_MODULE,
                    self.y + cy * QR_MODULE,
                    QR_MODULE,
                    QR_MODULE,
                );
            }
        }
        self.y += size + LINE_GAP * 2;
    }
}

/// Renders `receipt` on paper `dots` wide (384 for 58 mm, 576 for 80 mm at 203 dpi).
pub fn render(receipt: &Receipt, dots: u32) -> GrayImage {
    let mut c = Canvas::new(dots);
    for block in &receipt.blocks {
        match block {
            Block::Text {
                text, align, big, ..
            } => c.text(text, if *big { BIG_PX } else { TEXT_PX }, *align),
            Block::Rule => {
                c.ensure(LINE_GAP * 2 + 2);
                c.y += LINE_GAP;
                c.black(MARGIN, c.y, dots - 2 * MARGIN, 2);
                c.y += LINE_GAP + 2;
            }
            Block::Code128(text) => c.code128(text),
            Block::Qr(text) => c.qr(text),
            Block::Feed(n) => c.y += u32::from(*n) * (TEXT_PX as u32),
            Block::Cut => {}
        }
    }
    image::imageops::crop_imm(&c.img, 0, 0, dots, c.y + MARGIN).to_image()
}
