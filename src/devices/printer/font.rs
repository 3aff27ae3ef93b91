//! The bundled fonts used to draw text the printer cannot print by itself, and the previews:
//! KioskSans (WenQuanYi Micro Hei subset: all of GBK) first, then KioskSansExtA (Noto Sans CJK SC
//! subset: CJK Extension A, rare name characters such as 䶮 that GBK lacks).

use std::sync::OnceLock;

use fontdue::{Font, FontSettings, Metrics};

const MAIN: &[u8] = include_bytes!("../../../assets/fonts/KioskSans.ttf");
const EXT_A: &[u8] = include_bytes!("../../../assets/fonts/KioskSansExtA.otf");
/// Application numbers: DejaVu Sans Mono Bold (ASCII subset), whose dotted zero and serifed I
/// keep 0/O and 1/I apart.
const NUMBER: &[u8] = include_bytes!("../../../assets/fonts/KioskNumber.ttf");

fn fonts() -> &'static [Font; 2] {
    static FONTS: OnceLock<[Font; 2]> = OnceLock::new();
    FONTS.get_or_init(|| {
        let load = |bytes| {
            Font::from_bytes(bytes, FontSettings::default()).expect("bundled font is valid")
        };
        [load(MAIN), load(EXT_A)]
    })
}

/// The font application numbers are drawn in.
pub fn number_font() -> &'static Font {
    static FONT: OnceLock<Font> = OnceLock::new();
    FONT.get_or_init(|| Font::from_bytes(NUMBER, FontSettings::default()).expect("bundled font"))
}

/// The first bundled font with a glyph for `c` (the main font draws its missing-glyph box).
pub fn font_for(c: char) -> &'static Font {
    let [main, ext] = fonts();
    if main.lookup_glyph_index(c) == 0 && ext.lookup_glyph_index(c) != 0 {
        ext
    } else {
        main
    }
}

pub fn metrics(c: char, px: f32) -> Metrics {
    font_for(c).metrics(c, px)
}

/// Distance from the top of a line to the baseline.
pub fn ascent(px: f32) -> f32 {
    fonts()[0]
        .horizontal_line_metrics(px)
        .map_or(px * 0.8, |m| m.ascent)
}
