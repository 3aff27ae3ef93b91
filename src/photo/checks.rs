//! The compliance checks, each reported as `{id, value, limit, passed, message}` so the applicant
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
    pub zh: &'static str,
    pub en: &'static str,
}

fn check(
    id: &'static str,
    value: f32,
    limit: String,
    passed: bool,
    zh: &'static str,
    en: &'static str,
) -> Check {
    Check {
        id,
        value,
        limit,
        passed,
        zh,
        en,
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
    low: (&'static str, &'static str),
    high: (&'static str, &'static str),
) -> Check {
    let v = value.round() as u32;
    let (zh, en) = if v < *range.start() { low } else { high };
    check(
        id,
        value,
        format!("{}–{} px", range.start(), range.end()),
        range.contains(&v),
        zh,
        en,
    )
}

const CLOSER: (&str, &str) = (
    "请靠近镜头一些",
    "Please move a little closer to the camera",
);
const BACK: (&str, &str) = ("请离镜头远一些", "Please move back a little");
const CENTRE: (&str, &str) = (
    "请将面部放在椭圆框中间",
    "Please centre your face in the oval",
);
const UP: (&str, &str) = (
    "请稍微坐低一些或调低座椅",
    "Please lower your head a little in the frame",
);
const DOWN: (&str, &str) = (
    "请稍微坐直或调高座椅",
    "Please sit up a little higher in the frame",
);

/// Checks of where the head ends up in the photo.
pub fn geometry(crop: &Crop, spec: &PhotoSpec, frame_scale_max: f32) -> Vec<Check> {
    let fits = crop.ideal_fits;
    let (zh, en) = if crop.needed_scale < 1.0 {
        CLOSER
    } else if crop.needed_scale > frame_scale_max {
        BACK
    } else {
        CENTRE
    };
    let centre_limit = spec.width as f32 * CENTRE_TOLERANCE;
    vec![
        check(
            "crop",
            crop.needed_scale,
            format!("1.0–{frame_scale_max:.2}, inside the frame"),
            fits,
            zh,
            en,
        ),
        range_check(
            "head_height",
            crop.head_height,
            &spec.head_height,
            CLOSER,
            BACK,
        ),
        range_check(
            "crown_margin",
            crop.crown_margin,
            &spec.crown_margin,
            UP,
            DOWN,
        ),
        range_check("eye_line", crop.eye_line, &spec.eye_line, UP, DOWN),
        range_check(
            "face_width",
            crop.face_width,
            &spec.face_width,
            CLOSER,
            BACK,
        ),
        check(
            "centred",
            crop.centre_offset,
            format!("±{centre_limit:.0} px"),
            crop.centre_offset.abs() <= centre_limit,
            CENTRE.0,
            CENTRE.1,
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
            "背景颜色不符合要求，请确认身后没有物品，或请工作人员协助",
            "The background is not the required colour: make sure nothing is behind you, or ask staff",
        ),
        check(
            "background_uniform",
            std_l,
            format!("luminance σ ≤ {BACKGROUND_STD_MAX}"),
            std_l <= BACKGROUND_STD_MAX,
            "背景不均匀（有阴影或杂物），请工作人员协助",
            "The background has shadows or objects: please ask staff",
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
        "光线太暗，请工作人员调整照明",
        "Too dark: please ask staff to adjust the light",
    ));
    checks.push(check(
        "overexposed",
        bright,
        format!("≤ {BRIGHT_FRACTION_MAX}"),
        bright <= BRIGHT_FRACTION_MAX,
        "光线太亮或有反光",
        "Too bright or there is glare",
    ));
    let (zh, en) = if mean < FACE_MEAN.0 {
        ("面部太暗", "Your face is too dark")
    } else {
        ("面部太亮", "Your face is too bright")
    };
    checks.push(check(
        "face_luminance",
        mean,
        format!("{}–{}", FACE_MEAN.0, FACE_MEAN.1),
        (FACE_MEAN.0..=FACE_MEAN.1).contains(&mean),
        zh,
        en,
    ));

    let sharp = laplacian_variance(&gray);
    checks.push(check(
        "sharpness",
        sharp,
        format!("≥ {SHARPNESS_MIN}"),
        sharp >= SHARPNESS_MIN,
        "照片模糊，请保持不动",
        "The photo is blurred: please hold still",
    ));
    let asym = asymmetry(&gray, mean);
    checks.push(check(
        "pose",
        asym,
        format!("≤ {ASYMMETRY_MAX}"),
        asym <= ASYMMETRY_MAX,
        "请正视镜头，不要侧脸或歪头",
        "Please look straight at the camera without turning or tilting your head",
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
