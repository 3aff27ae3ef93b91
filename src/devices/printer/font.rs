//! The bundled fonts used to draw text the printer cannot print by itself, and the previews:
//! KioskSans (WenQuanYi Micro Hei subset: all of GBK) first, then KioskSansExtA (Noto Sans CJK SC
//! subset: CJK Extension A, rare name characters such as 䶮 that GBK lacks), and KioskNumber
//! for application numbers.
//!
//! The fonts are read in place with `ab_glyph` (over `ttf-parser`), which parses a glyph only
//! when it is drawn: a rasteriser that loads every outline up front held some 200 MB for the
//! two CJK fonts from the first print on.

use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, GlyphId, PxScale, ScaleFont, point};

const MAIN: &[u8] = include_bytes!("../../../assets/fonts/KioskSans.ttf");
const EXT_A: &[u8] = include_bytes!("../../../assets/fonts/KioskSansExtA.otf");
/// Application numbers: DejaVu Sans Mono Bold (ASCII subset), whose dotted zero and serifed I
/// keep 0/O and 1/I apart.
const NUMBER: &[u8] = include_bytes!("../../../assets/fonts/KioskNumber.ttf");

/// One bundled font.
pub type Face = FontRef<'static>;

fn load(bytes: &'static [u8]) -> Face {
    FontRef::try_from_slice(bytes).expect("bundled font is valid")
}

fn fonts() -> &'static [Face; 2] {
    static FONTS: OnceLock<[Face; 2]> = OnceLock::new();
    FONTS.get_or_init(|| [load(MAIN), load(EXT_A)])
}

/// The font application numbers are drawn in.
pub fn number_font() -> &'static Face {
    static FONT: OnceLock<Face> = OnceLock::new();
    FONT.get_or_init(|| load(NUMBER))
}

/// The first bundled font with a glyph for `c` (the main font draws its missing-glyph box).
pub fn font_for(c: char) -> &'static Face {
    let [main, ext] = fonts();
    if main.glyph_id(c) == GlyphId(0) && ext.glyph_id(c) != GlyphId(0) {
        ext
    } else {
        main
    }
}

/// The scale that makes the em square `px` pixels (as printers and CSS size fonts);
/// `ab_glyph` scales by ascent − descent instead.
fn scale(face: &Face, px: f32) -> PxScale {
    let em = face.units_per_em().unwrap_or(1000.0);
    PxScale::from(px * face.height_unscaled() / em)
}

/// Horizontal advance of `c` at `px`, in pixels.
pub fn advance(face: &Face, c: char, px: f32) -> f32 {
    face.as_scaled(scale(face, px)).h_advance(face.glyph_id(c))
}

/// Distance from the top of a line to the baseline in `face` at `px`.
pub fn ascent(face: &Face, px: f32) -> f32 {
    face.as_scaled(scale(face, px)).ascent()
}

/// The main font, whose line metrics text lines use (the Extension A font fills in glyphs).
pub fn main_font() -> &'static Face {
    &fonts()[0]
}

/// Draws `c` at `px` with its origin at (`x`, `baseline`), calling `ink(x, y)` for every pixel
/// at least half covered.
pub fn draw(face: &Face, c: char, px: f32, x: f32, baseline: f32, mut ink: impl FnMut(i64, i64)) {
    let glyph = face
        .glyph_id(c)
        .with_scale_and_position(scale(face, px), point(x, baseline));
    if let Some(outline) = face.outline_glyph(glyph) {
        let bounds = outline.px_bounds();
        outline.draw(|gx, gy, coverage| {
            if coverage >= 0.5 {
                ink(
                    bounds.min.x as i64 + i64::from(gx),
                    bounds.min.y as i64 + i64::from(gy),
                );
            }
        });
    }
}
