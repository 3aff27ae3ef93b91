//! The compliance checks, each reported as `{id, value, limit, passed, advice}` so the applicant
//! hears what to change and staff see the numbers. Image measures follow ISO/IEC 29794-5 as
//! BSI's OFIQ implements it (background ≥ 210 per channel and uniform; under/over-exposed
//! fractions and mean face luminance; Laplacian sharpness; left–right symmetry as a pose proxy);
//! docs/PHOTO.md, "The checks", says what each one measures.
//! The numeric limits are initial values calibrated on the project's fixtures; tune them on
//! captures from the kiosk's own camera and lighting.

use image::{GrayImage, RgbImage, imageops};
use serde::Serialize;

use super::crop::Crop;
use super::spec::{Background, PhotoSpec};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    pub id: &'static str,
    pub value: f32,
    pub limit: String,
    pub passed: bool,
    /// What the applicant is told when this check fails. The sentences themselves live in the
    /// UI's translation catalogue (`ui/globals/messages.slint`), so they are translated once.
    pub advice: Advice,
}

/// What an applicant can do about a failed check: the message the kiosk shows, by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Advice {
    LookAtCamera,
    OnePerson,
    MoveCloser,
    MoveBack,
    Centre,
    /// The head sits too high in the frame.
    LowerInFrame,
    /// The head sits too low in the frame.
    HigherInFrame,
    BackgroundColour,
    BackgroundUniform,
    /// The light is too weak: staff adjust it.
    TooDark,
    TooBright,
    FaceTooDark,
    FaceTooBright,
    HoldStill,
    LookStraight,
    /// The encoder could not reach the minimum file size: too little detail.
    TooLittleDetail,
    /// The encoder could not get under the maximum file size.
    FileTooLarge,
}

fn check(id: &'static str, value: f32, limit: String, passed: bool, advice: Advice) -> Check {
    Check {
        id,
        value,
        limit,
        passed,
        advice,
    }
}

/// Background: every channel's mean at least this (white/light grey rule: L ≥ 198/240).
const BACKGROUND_MIN: f32 = 210.0;
/// Light blue RGB(100, 197, 255): largest channel distance allowed.
const BLUE_TOLERANCE: f32 = 40.0;
/// Luminance standard deviation of the background bands.
const BACKGROUND_STD_MAX: f32 = 12.0;
/// Face exposure: at most 5 % of pixels at L ≤ 25 and 2 % at L ≥ 247; mean within the band.
const DARK_FRACTION_MAX: f32 = 0.05;
const BRIGHT_FRACTION_MAX: f32 = 0.02;
const FACE_MEAN: (f32, f32) = (70.0, 200.0);
/// Variance of the Laplacian over the face.
const SHARPNESS_MIN: f32 = 30.0;
/// Mean |left − mirrored right| over the face, relative to its mean luminance.
pub(crate) const ASYMMETRY_MAX: f32 = 0.35;
/// Face centre within this fraction of the photo width from the middle.
const CENTRE_TOLERANCE: f32 = 0.05;

fn range_check(
    id: &'static str,
    value: f32,
    range: &std::ops::RangeInclusive<u32>,
    low: Advice,
    high: Advice,
) -> Check {
    let v = value.round() as u32;
    let advice = if v < *range.start() { low } else { high };
    check(
        id,
        value,
        format!("{}–{} px", range.start(), range.end()),
        range.contains(&v),
        advice,
    )
}

/// Checks of where the head ends up in the photo.
pub fn geometry(crop: &Crop, spec: &PhotoSpec, frame_scale_max: f32) -> Vec<Check> {
    let fits = crop.ideal_fits;
    let advice = if crop.needed_scale < 1.0 {
        Advice::MoveCloser
    } else if crop.needed_scale > frame_scale_max {
        Advice::MoveBack
    } else {
        Advice::Centre
    };
    let centre_limit = spec.width as f32 * CENTRE_TOLERANCE;
    vec![
        check(
            "crop",
            crop.needed_scale,
            format!("1.0–{frame_scale_max:.2}, inside the frame"),
            fits,
            advice,
        ),
        range_check(
            "head_height",
            crop.head_height,
            &spec.head_height,
            Advice::MoveCloser,
            Advice::MoveBack,
        ),
        range_check(
            "crown_margin",
            crop.crown_margin,
            &spec.crown_margin,
            Advice::LowerInFrame,
            Advice::HigherInFrame,
        ),
        range_check(
            "eye_line",
            crop.eye_line,
            &spec.eye_line,
            Advice::LowerInFrame,
            Advice::HigherInFrame,
        ),
        range_check(
            "face_width",
            crop.face_width,
            &spec.face_width,
            Advice::MoveCloser,
            Advice::MoveBack,
        ),
        check(
            "centred",
            crop.centre_offset,
            format!("±{centre_limit:.0} px"),
            crop.centre_offset.abs() <= centre_limit,
            Advice::Centre,
        ),
    ]
}

fn luminance(p: &image::Rgb<u8>) -> f32 {
    0.299 * p[0] as f32 + 0.587 * p[1] as f32 + 0.114 * p[2] as f32
}

/// Rectangles (x, y, w, h) of background beside and above the head in the output photo.
fn background_bands(spec: &PhotoSpec, crown: f32, eyes: f32) -> Vec<(u32, u32, u32, u32)> {
    let top = (crown * 0.7).max(4.0) as u32;
    let side = spec.width * 10 / 100;
    let low = (eyes as u32).clamp(top + 1, spec.height);
    vec![
        (0, 0, spec.width, top),
        (0, 0, side, low),
        (spec.width - side, 0, side, low),
    ]
}

/// Checks of the background, exposure, sharpness and pose on the finished photo. `face` is the
/// face box in output pixels.
pub fn image(
    photo: &RgbImage,
    face: (u32, u32, u32, u32),
    crop: &Crop,
    spec: &PhotoSpec,
) -> Vec<Check> {
    let mut sums = [0f64; 3];
    let mut lum = Vec::new();
    for (x, y, w, h) in background_bands(spec, crop.crown_margin, crop.eye_line) {
        for yy in y..(y + h).min(photo.height()) {
            for xx in x..(x + w).min(photo.width()) {
                let p = photo.get_pixel(xx, yy);
                for c in 0..3 {
                    sums[c] += p[c] as f64;
                }
                lum.push(luminance(p));
            }
        }
    }
    let n = lum.len().max(1) as f64;
    let means = sums.map(|s| (s / n) as f32);
    let mean_l = lum.iter().sum::<f32>() / n as f32;
    let std_l = (lum.iter().map(|l| (l - mean_l).powi(2)).sum::<f32>() / n as f32).sqrt();
    let (colour_value, colour_ok, colour_limit) = match spec.background {
        Background::White => {
            let min = means.iter().copied().fold(f32::MAX, f32::min);
            (
                min,
                min >= BACKGROUND_MIN,
                format!("every channel ≥ {BACKGROUND_MIN}"),
            )
        }
        Background::LightBlue => {
            let d = [100.0, 197.0, 255.0]
                .iter()
                .zip(means)
                .map(|(t, m)| (t - m).abs())
                .fold(0.0, f32::max);
            (
                d,
                d <= BLUE_TOLERANCE,
                format!("within {BLUE_TOLERANCE} of RGB(100,197,255)"),
            )
        }
    };
    let mut checks = vec![
        check(
            "background_colour",
            colour_value,
            colour_limit,
            colour_ok,
            Advice::BackgroundColour,
        ),
        check(
            "background_uniform",
            std_l,
            format!("luminance σ ≤ {BACKGROUND_STD_MAX}"),
            std_l <= BACKGROUND_STD_MAX,
            Advice::BackgroundUniform,
        ),
    ];

    let (fx, fy, fw, fh) = face;
    let face_img = imageops::crop_imm(photo, fx, fy, fw.max(1), fh.max(1)).to_image();
    let gray: GrayImage = imageops::grayscale(&face_img);
    let px = gray.as_raw();
    let count = px.len().max(1) as f32;
    let dark = px.iter().filter(|&&l| l <= 25).count() as f32 / count;
    let bright = px.iter().filter(|&&l| l >= 247).count() as f32 / count;
    let mean = px.iter().map(|&l| l as f32).sum::<f32>() / count;
    checks.push(check(
        "underexposed",
        dark,
        format!("≤ {DARK_FRACTION_MAX}"),
        dark <= DARK_FRACTION_MAX,
        Advice::TooDark,
    ));
    checks.push(check(
        "overexposed",
        bright,
        format!("≤ {BRIGHT_FRACTION_MAX}"),
        bright <= BRIGHT_FRACTION_MAX,
        Advice::TooBright,
    ));
    let face_advice = if mean < FACE_MEAN.0 {
        Advice::FaceTooDark
    } else {
        Advice::FaceTooBright
    };
    checks.push(check(
        "face_luminance",
        mean,
        format!("{}–{}", FACE_MEAN.0, FACE_MEAN.1),
        (FACE_MEAN.0..=FACE_MEAN.1).contains(&mean),
        face_advice,
    ));

    let sharp = laplacian_variance(&gray);
    checks.push(check(
        "sharpness",
        sharp,
        format!("≥ {SHARPNESS_MIN}"),
        sharp >= SHARPNESS_MIN,
        Advice::HoldStill,
    ));
    let asym = asymmetry(&gray, mean);
    checks.push(check(
        "pose",
        asym,
        format!("≤ {ASYMMETRY_MAX}"),
        asym <= ASYMMETRY_MAX,
        Advice::LookStraight,
    ));
    checks
}

/// Variance of the 4-neighbour Laplacian: high for sharp detail, low for blur.
pub fn laplacian_variance(g: &GrayImage) -> f32 {
    let (w, h) = g.dimensions();
    if w < 3 || h < 3 {
        return 0.0;
    }
    let at = |x: u32, y: u32| g.get_pixel(x, y)[0] as f32;
    let mut values = Vec::with_capacity(((w - 2) * (h - 2)) as usize);
    for y in 1..h - 1 {
        for x in 1..w - 1 {
            values.push(at(x - 1, y) + at(x + 1, y) + at(x, y - 1) + at(x, y + 1) - 4.0 * at(x, y));
        }
    }
    let n = values.len() as f32;
    let mean = values.iter().sum::<f32>() / n;
    values.iter().map(|v| (v - mean).powi(2)).sum::<f32>() / n
}

/// Mean |left − mirrored right| of the face, relative to its mean luminance (0 = symmetric).
pub(crate) fn asymmetry(g: &GrayImage, mean: f32) -> f32 {
    let (w, h) = g.dimensions();
    if w < 2 || mean <= 0.0 {
        return 0.0;
    }
    let mut sum = 0.0;
    for y in 0..h {
        for x in 0..w / 2 {
            sum += (g.get_pixel(x, y)[0] as f32 - g.get_pixel(w - 1 - x, y)[0] as f32).abs();
        }
    }
    sum / ((w / 2) * h) as f32 / mean
}
