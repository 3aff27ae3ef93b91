//! Draws a job as the paper would come out of the printer, from the job's bytes: text in the
//! bundled font at the printer's character sizes and alignment, CODE128 and QR at their module
//! sizes, raster bands dot for dot. Demo mode writes it next to each job; the tests decode the
//! barcodes from it; a technician can preview a reprint.

use image::{GrayImage, Luma};

use super::escpos::{BARCODE_HEIGHT, QR_MODULE, TEXT_PX};
use super::interpret::{Command, ParseError, parse};
use super::raster::{self, Align, Bitmap};

const MARGIN: u32 = 8;

struct Paper {
    dots: u32,
    bitmap: Bitmap,
    y: u32,
}

impl Paper {
    fn place(&mut self, b: &Bitmap, align: Align) {
        if self.y + b.height > self.bitmap.height {
            let mut taller = Bitmap::new(
                self.dots,
                (self.bitmap.height * 2).max(self.y + b.height + 256),
            );
            taller.blit(&self.bitmap, 0, 0);
            self.bitmap = taller;
        }
        let x = match align {
            Align::Left => 0,
            Align::Center => self.dots.saturating_sub(b.width) / 2,
        };
        self.bitmap.blit(b, x, self.y);
        self.y += b.height;
    }
}

/// Lays a line out as the printer does: a fixed cell per character (12 dots half-width, 24 full
/// width, times the `GS !` magnification), wrapping where the paper ends.
fn printed_rows(line: &str, size: u8, dots: u32) -> Vec<Bitmap> {
    let (wide, tall) = (u32::from(size >> 4) + 1, u32::from(size & 0x0F) + 1);
    let row_h = (TEXT_PX as u32 + raster::LINE_GAP) * tall;
    let mut rows = Vec::new();
    let mut cells: Vec<(char, u32)> = Vec::new();
    let mut width = 0;
    let flush = |cells: &mut Vec<(char, u32)>, width: u32, rows: &mut Vec<Bitmap>| {
        let mut row = Bitmap::new(width, row_h);
        let mut x = 0;
        for (c, cell) in cells.drain(..) {
            // The font drawn at the printer's 24-dot size, squeezed into the character cell if
            // wider (proportional Latin letters), then magnified as `GS !` asks.
            let glyph = raster::glyph(c, TEXT_PX);
            let base = cell / wide;
            let scaled = glyph.resized(glyph.width.min(base) * wide, glyph.height * tall);
            row.blit(&scaled, x + cell.saturating_sub(scaled.width) / 2, 0);
            x += cell;
        }
        rows.push(row);
    };
    for c in line.chars() {
        let cell = escpos_cell(c) * wide;
        if width + cell > dots && !cells.is_empty() {
            flush(&mut cells, width, &mut rows);
            width = 0;
        }
        cells.push((c, cell));
        width += cell;
    }
    if !cells.is_empty() {
        flush(&mut cells, width, &mut rows);
    }
    rows
}

fn escpos_cell(c: char) -> u32 {
    super::escpos::text_dots(c.encode_utf8(&mut [0; 4]))
}

/// Renders the job `bytes` on paper `dots` wide.
pub fn render(bytes: &[u8], dots: u32) -> Result<GrayImage, ParseError> {
    let mut paper = Paper {
        dots,
        bitmap: Bitmap::new(dots, 2048),
        y: MARGIN,
    };
    let (mut align, mut size, mut line) = (Align::Left, 0u8, String::new());
    let (mut bar_height, mut bar_module, mut qr_module, mut qr_data) = (
        u32::from(BARCODE_HEIGHT),
        2,
        u32::from(QR_MODULE),
        Vec::new(),
    );
    for command in parse(bytes)? {
        match command {
            Command::Init => (align, size) = (Align::Left, 0),
            Command::Justify(n) => align = if n == 1 { Align::Center } else { Align::Left },
            Command::Size(n) => size = n,
            Command::Text(t) => line.push_str(&t),
            Command::NewLine => {
                if line.is_empty() {
                    paper.y += TEXT_PX as u32 * (1 + u32::from(size & 0x0F));
                }
                for row in printed_rows(&line, size, dots) {
                    paper.place(&row, align);
                }
                line.clear();
            }
            Command::Feed(n) => paper.y += u32::from(n) * TEXT_PX as u32,
            Command::BarcodeHeight(h) => bar_height = u32::from(h),
            Command::BarcodeModule(m) => bar_module = u32::from(m),
            Command::Code128(data) => {
                if let Some(b) = raster::code128(&data, bar_module, bar_height) {
                    paper.place(&b, align);
                }
            }
            Command::QrModule(m) => qr_module = u32::from(m),
            Command::QrStore(data) => qr_data = data,
            Command::QrPrint => {
                if let Some(b) = raster::qr(&qr_data, qr_module) {
                    paper.place(&b, align);
                }
            }
            Command::Raster { xbytes, rows, data } => {
                paper.place(&Bitmap::from_gs_v0(xbytes, rows, &data), Align::Left)
            }
            Command::Cut { .. } => {
                paper.y += 8;
                for x in (0..dots).step_by(8) {
                    for dx in 0..4 {
                        paper.bitmap.set(x + dx, paper.y);
                    }
                }
                paper.y += 8;
            }
            Command::ChineseOn
            | Command::ChineseOff
            | Command::Bold(_)
            | Command::BarcodeHri(_)
            | Command::QrModel(_)
            | Command::QrErrorCorrection(_)
            | Command::StatusQuery(_) => {}
        }
    }
    let height = paper.y + MARGIN;
    Ok(GrayImage::from_fn(dots, height, |x, y| {
        Luma([if paper.bitmap.get(x, y) { 0 } else { 255 }])
    }))
}
