//! Printer profiles: what a printer model can do, so one receipt layout prints right on each.
//! Column counts and dot widths are the printers' data sheets as collected in escpos-printer-db
//! (docs/PRINTING.md, "Paper and columns").

/// Which Chinese characters the printer's built-in font can print (in its Chinese mode).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Charset {
    /// No Chinese font: every non-ASCII text line is printed as a raster image.
    None,
    /// GB2312 levels 1 and 2 only (e.g. SPRT SP series); GBK-only characters are rasterised.
    Gb2312,
    /// GBK two-byte codes (most Chinese-market printers; no four-byte GB18030).
    Gbk,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CutKind {
    Full,
    Partial,
    None,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrinterProfile {
    pub name: String,
    /// Printable dots per line.
    pub dots: u32,
    /// Font A characters per line.
    pub columns: usize,
    pub charset: Charset,
    /// The printer draws CODE128 itself (`GS k 73`); otherwise the kiosk sends a raster.
    pub native_code128: bool,
    /// The printer draws QR codes itself (`GS ( k`); otherwise the kiosk sends a raster.
    pub native_qr: bool,
    pub cut: CutKind,
    /// Tallest `GS v 0` band sent at once: small receive buffers overflow on big images.
    pub max_band_rows: u32,
}

impl PrinterProfile {
    fn ready(
        name: &str,
        dots: u32,
        columns: usize,
        charset: Charset,
        native: bool,
        cut: CutKind,
    ) -> Self {
        PrinterProfile {
            name: name.into(),
            dots,
            columns,
            charset,
            native_code128: native,
            native_qr: native,
            cut,
            max_band_rows: 256,
        }
    }

    /// Ready profiles for common printers, by name (as used in kiosk.toml).
    pub fn builtin(name: &str) -> Option<PrinterProfile> {
        Some(match name {
            // Generic Chinese-market 80 mm (Xprinter XP-80, Gprinter GP-80 class): GBK, native codes.
            "80mm" | "generic-80" => {
                Self::ready("generic-80", 576, 48, Charset::Gbk, true, CutKind::Partial)
            }
            // Generic 58 mm (POS-58, Zjiang ZJ-5870/5890 class): GBK, no cutter. escpos-printer-db
            // lists this class without CODE128 and without QR (`barcodeB`, `qrCode` false): such
            // printers print the command bytes as text, so the codes go as raster.
            "58mm" | "generic-58" => {
                Self::ready("generic-58", 384, 32, Charset::Gbk, false, CutKind::None)
            }
            // SPRT SP series, 58 mm: GB2312 only; codes as raster like every 58 mm class.
            "sprt-58" => Self::ready("sprt-58", 384, 32, Charset::Gb2312, false, CutKind::None),
            // Epson TM-T88V (international): 180 dpi, 512 dots, no Chinese font.
            "epson-tm-t88v" => Self::ready(
                "epson-tm-t88v",
                512,
                42,
                Charset::None,
                true,
                CutKind::Partial,
            ),
            // Any printer: everything but ASCII as raster, barcodes as raster too.
            "raster-80" => Self::ready("raster-80", 576, 48, Charset::None, false, CutKind::Full),
            _ => return None,
        })
    }

    pub const BUILTIN_NAMES: &'static [&'static str] = &[
        "generic-80",
        "generic-58",
        "sprt-58",
        "epson-tm-t88v",
        "raster-80",
        "80mm",
        "58mm",
    ];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_profile_exists_and_is_sane() {
        for name in PrinterProfile::BUILTIN_NAMES {
            let p = PrinterProfile::builtin(name).unwrap();
            assert!(p.dots.is_multiple_of(8) && p.dots >= 384, "{name}");
            assert!(p.columns >= 32, "{name}");
            assert!(p.max_band_rows > 0);
        }
        assert!(PrinterProfile::builtin("laser").is_none());
    }

    #[test]
    fn fifty_eight_mm_classes_get_raster_codes() {
        for name in ["generic-58", "58mm", "sprt-58"] {
            let p = PrinterProfile::builtin(name).unwrap();
            assert_eq!((p.native_code128, p.native_qr), (false, false), "{name}");
        }
        let p = PrinterProfile::builtin("generic-80").unwrap();
        assert_eq!((p.native_code128, p.native_qr), (true, true));
    }
}
