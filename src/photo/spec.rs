//! Photo specifications as data (GA/T 1180-2014 and the MPS photo guide for exit-entry documents,
//! after ICAO Doc 9303 Part 3; docs/PHOTO.md, "Specification"): the exit-entry default is 354×472
//! px at 300 dpi, head (crown to chin) 331–390 px, crown 25–45 px below the top edge, eyes 176–251
//! px from the top, face width 189–283 px, eye centres 82–118 px apart, white background (every channel ≥ 210), JPEG 40–45 KB at
//! quality ≥ 85. The profiles disagree between sources, so the hall's vendor confirms which one
//! applies and kiosk.toml selects it.

use std::ops::RangeInclusive;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Background {
    /// White or light grey: every channel ≥ 210.
    White,
    /// Light blue RGB(100, 197, 255) (HSL 135/240/167 on the 0–240 scale).
    LightBlue,
}

/// Largest head rotation accepted, in degrees either way. ISO/IEC 39794-5 (after 19794-5:2011
/// §7.2.2) asks for yaw and pitch within ±5° and roll within ±8°. Roll is measured to a fraction of
/// a degree from the eye line; yaw (from the mesh's depth) and pitch (from where the nose tip sits
/// between eyes and chin) scatter by 2.5° and 5.4° over the frontal studio portraits of the London
/// set, because faces differ, so their limits add about twice that scatter to the standard's
/// (docs/PHOTO.md, "Head pose").
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PoseLimits {
    pub yaw: f32,
    pub pitch: f32,
    pub roll: f32,
}

impl PoseLimits {
    pub const ISO_WITH_MEASUREMENT_SCATTER: PoseLimits = PoseLimits {
        yaw: 10.0,
        pitch: 15.0,
        roll: 8.0,
    };
}

#[derive(Debug, Clone, PartialEq)]
pub struct PhotoSpec {
    pub name: &'static str,
    pub width: u32,
    pub height: u32,
    pub dpi: u16,
    /// Crown to chin, in output pixels.
    pub head_height: RangeInclusive<u32>,
    /// Crown below the top edge.
    pub crown_margin: RangeInclusive<u32>,
    /// Eye line below the top edge.
    pub eye_line: RangeInclusive<u32>,
    pub face_width: RangeInclusive<u32>,
    /// Between the eye centres.
    pub eye_distance: RangeInclusive<u32>,
    pub pose: PoseLimits,
    pub background: Background,
    /// JPEG file size window in bytes.
    pub file_size: RangeInclusive<usize>,
    pub min_quality: u8,
}

impl PhotoSpec {
    /// The profile named in kiosk.toml.
    pub fn named(name: &str) -> Option<PhotoSpec> {
        let exit_entry = PhotoSpec {
            name: "exit-entry",
            width: 354,
            height: 472,
            dpi: 300,
            head_height: 331..=390,
            crown_margin: 25..=45,
            eye_line: 176..=251,
            face_width: 189..=283,
            eye_distance: 82..=118,
            pose: PoseLimits::ISO_WITH_MEASUREMENT_SCATTER,
            background: Background::White,
            file_size: 40 * 1024..=45 * 1024,
            min_quality: 85,
        };
        Some(match name {
            "exit-entry" => exit_entry,
            "exit-entry-blue" => PhotoSpec {
                name: "exit-entry-blue",
                background: Background::LightBlue,
                ..exit_entry
            },
            // Older 数码照相 spec: 390×567 (33×48 mm at 300 dpi), head 354–402, eyes 152–246.
            "390x567" => PhotoSpec {
                name: "390x567",
                width: 390,
                height: 567,
                head_height: 354..=402,
                crown_margin: 25..=45,
                eye_line: 152..=246,
                face_width: 189..=283,
                file_size: 40 * 1024..=50 * 1024,
                ..exit_entry
            },
            _ => return None,
        })
    }

    pub const NAMES: &'static [&'static str] = &["exit-entry", "exit-entry-blue", "390x567"];

    /// Middle of a range: what the crop aims for.
    pub fn aim(range: &RangeInclusive<u32>) -> f32 {
        (*range.start() + *range.end()) as f32 / 2.0
    }
}

impl Default for PhotoSpec {
    fn default() -> Self {
        PhotoSpec::named("exit-entry").expect("built-in profile")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_arithmetic() {
        // 33×48 mm at 300 dpi is 390×567 px (±1); 28–33 mm head is 331–390 px.
        let mm = |mm: f32| (mm / 25.4 * 300.0).round() as u32;
        assert_eq!((mm(33.0), mm(48.0)), (390, 567));
        assert_eq!((mm(28.0), mm(33.0)), (331, 390));
        // HSL(135, 240, 167) on the 0–240 scale is RGB(100, 197, 255).
        let (h, s, l) = (135.0 / 240.0 * 360.0, 1.0f32, 167.0 / 240.0);
        let c = (1.0 - (2.0 * l - 1.0f32).abs()) * s;
        let x = c * (1.0 - ((h / 60.0) % 2.0 - 1.0f32).abs());
        let m = l - c / 2.0;
        let (r, g, b) = (m, x + m, c + m); // h in [180, 240): (0, x, c)
        assert_eq!(
            [r, g, b].map(|v| (v * 255.0).round() as u8),
            [100, 197, 255]
        );
        for name in PhotoSpec::NAMES {
            let s = PhotoSpec::named(name).unwrap();
            assert!(
                s.crown_margin.end() + s.head_height.end() < s.height,
                "{name}: head fits"
            );
            assert!(s.face_width.end() < &s.width, "{name}: face fits");
            assert!(
                s.eye_line.start() > s.crown_margin.end(),
                "{name}: eyes below the crown"
            );
        }
    }
}
