//! The compliance checks, each reported as `{id, value, limit, passed, advice}` so the applicant
//! hears what to change and staff see the numbers. Every check measures its own quantity on its
//! own region of the finished photo: geometry from the landmarks and the person mask measured
//! again on the photo; exposure, colour and sharpness on the face's skin (the face outline without
//! eyes and lips); background outside the person mask; pose, eyes and mouth from the landmarks.
//! Image measures follow ISO/IEC 29794-5 as BSI's OFIQ implements it; docs/PHOTO.md, "The
//! checks", says what each one measures, on which region, and how its limit was set. The numeric
//! limits are calibrated on the London set and the project's fixtures; tune them on captures from
//! the kiosk's own camera and lighting.

use image::{GrayImage, RgbImage};
use serde::Serialize;

use super::crop::{Crop, Head};
use super::landmarks::{BROWS, EYE_LEFT, EYE_RIGHT, FACE_OVAL, LIPS, Landmarks};
use super::measure::Measured;
use super::regions::Mask;
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
    /// Yaw or pitch: turn or tip the head back to face the camera.
    LookStraight,
    /// Roll: the head leans to one side.
    TiltUpright,
    OpenEyes,
    CloseMouth,
    /// The mouth is closed but smiling.
    NoSmile,
    /// Tinted glasses, glare or hair hide the eyes.
    ShowEyes,
    /// The colours are not natural (grey-scale, a colour cast): staff check the camera.
    NaturalColour,
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
/// Background uniformity: no part of it (a cell of the grid below that is mostly background)
/// differs from the whole background's mean luminance by more than this. A shadow beside the
/// head, a gradient or an object shows as a cell that departs.
const BACKGROUND_DEVIATION_MAX: f32 = 18.0;
const BACKGROUND_GRID: (u32, u32) = (6, 8);
/// A pixel is background where the person mask is below this (clear of the hair's soft edge).
const BACKGROUND_MASK_MAX: f32 = 0.2;
/// Skin exposure: at most 5 % of skin pixels at L ≤ 25 and 2 % at L ≥ 247; mean within the band.
/// The band's floor is low enough for dark skin under good light (the London set's darkest face
/// has a skin mean of 60).
const DARK_FRACTION_MAX: f32 = 0.05;
const BRIGHT_FRACTION_MAX: f32 = 0.02;
pub(crate) const SKIN_MEAN: (f32, f32) = (45.0, 210.0);
/// Natural colour: the skin's mean Cr − 128 (ITU-R BT.601), 8.6–20.4 over the London set, 0
/// for a grey-scale picture.
const SKIN_REDNESS_MIN: f32 = 3.0;
/// Variance of the Laplacian over the skin.
const SHARPNESS_MIN: f32 = 12.0;
/// Eyes open: lid gap over eye width, each eye (0.28–0.42 open over the London set).
pub(crate) const EYE_OPENING_MIN: f32 = 0.15;
/// Mouth closed: inner-lip gap over mouth width (at most 0.124 over the London set's neutral
/// faces, lips at rest sometimes a little apart; 0.16–0.27 for its twelve widest smiles).
pub(crate) const MOUTH_OPENING_MAX: f32 = 0.13;
/// Neutral expression: mouth width at most this many eye distances. Measured on the finished
/// photos of the London set, the widest neutral mouth is 0.909 (the next 0.880); the limit
/// keeps a margin over it and catches broad closed-lip smiles, not faint ones (docs/PHOTO.md,
/// "Expression"). A stricter limit would refuse people whose mouth is wide at rest, who cannot
/// change it.
pub(crate) const MOUTH_WIDTH_MAX: f32 = 0.92;
/// Washed out: the darkest 1 % of the face (pupils, brows, nostrils) at most this luminance.
/// 76 at most over the London set's portraits; 129 at least when they are over-exposed by 110
/// levels, which lifts every black while few skin pixels clip.
const FACE_BLACK_MAX: f32 = 100.0;
/// Eyes visible: the brightest tenth of each eye's pixels against the skin's median (0.79–2.3
/// with bare eyes over the London set; 0.14–0.38 with dark lenses painted over them).
pub(crate) const EYE_BRIGHTNESS_MIN: f32 = 0.55;
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

/// Whether the crop the spec needs fits the frame without upscaling (`crop` is the plan on the
/// frame; `frame_scale_max` the largest scale the frame allows).
pub fn crop(crop: &Crop, frame_scale_max: f32) -> Check {
    let fits = crop.ideal_fits;
    // When the crop had to move to stay in the frame, the advice says which way the head must
    // go: a crop pushed down means the head is too high in the frame.
    let advice = if crop.needed_scale < 1.0 {
        Advice::MoveCloser
    } else if crop.needed_scale > frame_scale_max {
        Advice::MoveBack
    } else if crop.shift.1 > 0.5 {
        Advice::LowerInFrame
    } else if crop.shift.1 < -0.5 {
        Advice::HigherInFrame
    } else {
        Advice::Centre
    };
    // The limit says what went wrong when the scale itself was fine: how far the crop had to
    // move to stay inside the frame.
    let moved = if crop.shift.0.abs() > 0.5 || crop.shift.1.abs() > 0.5 {
        format!(
            " (moved {:.0} px across, {:.0} px down to stay inside)",
            crop.shift.0, crop.shift.1
        )
    } else {
        String::new()
    };
    check(
        "crop",
        crop.needed_scale,
        format!("1.0–{frame_scale_max:.2}, inside the frame{moved}"),
        fits,
        advice,
    )
}

/// Checks of where the head is in the photo, on the head measured on the photo itself.
pub fn geometry(head: &Head, spec: &PhotoSpec) -> Vec<Check> {
    let centre_limit = spec.width as f32 * CENTRE_TOLERANCE;
    let offset = head.centre_x - spec.width as f32 / 2.0;
    vec![
        range_check(
            "head_height",
            head.height(),
            &spec.head_height,
            Advice::MoveCloser,
            Advice::MoveBack,
        ),
        range_check(
            "crown_margin",
            head.crown,
            &spec.crown_margin,
            Advice::LowerInFrame,
            Advice::HigherInFrame,
        ),
        range_check(
            "eye_line",
            head.eyes,
            &spec.eye_line,
            Advice::LowerInFrame,
            Advice::HigherInFrame,
        ),
        range_check(
            "face_width",
            head.face_width,
            &spec.face_width,
            Advice::MoveCloser,
            Advice::MoveBack,
        ),
        range_check(
            "eye_distance",
            head.eye_distance,
            &spec.eye_distance,
            Advice::MoveCloser,
            Advice::MoveBack,
        ),
        check(
            "centred",
            offset,
            format!("±{centre_limit:.0} px"),
            offset.abs() <= centre_limit,
            Advice::Centre,
        ),
    ]
}

/// Head pose from the landmarks, against the profile's limits.
pub fn pose(face: &Landmarks, spec: &PhotoSpec) -> Vec<Check> {
    let limits = spec.pose;
    let angle = |id, value: f32, limit: f32, advice| {
        check(
            id,
            value,
            format!("±{limit}°"),
            value.abs() <= limit,
            advice,
        )
    };
    vec![
        angle("roll", face.roll(), limits.roll, Advice::TiltUpright),
        angle("yaw", face.yaw(), limits.yaw, Advice::LookStraight),
        angle("pitch", face.pitch(), limits.pitch, Advice::LookStraight),
    ]
}

fn luminance(p: &image::Rgb<u8>) -> f32 {
    0.299 * p[0] as f32 + 0.587 * p[1] as f32 + 0.114 * p[2] as f32
}

/// The face's skin: inside the face outline, outside the eyes, the eyebrows and the lips.
/// (A beard or a fringe still counts: the mesh does not outline them.)
pub fn skin(face: &Landmarks, width: u32, height: u32) -> Mask {
    let region = |indices: &[usize]| Mask::polygon(width, height, &face.polygon(indices));
    region(&FACE_OVAL)
        .minus(&region(&EYE_LEFT.contour))
        .minus(&region(&EYE_RIGHT.contour))
        .minus(&region(&BROWS[0]))
        .minus(&region(&BROWS[1]))
        .minus(&region(&LIPS))
}

/// Luminance of the pixels of `image` inside `mask`, sorted.
fn sorted_luminance(image: &RgbImage, mask: &Mask) -> Vec<f32> {
    let mut values: Vec<f32> = image
        .enumerate_pixels()
        .filter(|(x, y, _)| mask.contains(*x, *y))
        .map(|(_, _, p)| luminance(p))
        .collect();
    values.sort_by(f32::total_cmp);
    values
}

fn quantile(sorted: &[f32], q: f32) -> f32 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() - 1) as f32 * q).round() as usize]
}

/// Luminance of the skin pixels of `image`, sorted.
pub fn skin_luminance(image: &RgbImage, face: &Landmarks) -> Vec<f32> {
    let (w, h) = image.dimensions();
    sorted_luminance(image, &skin(face, w, h))
}

/// Eyes open, mouth closed, no smile, and eyes visible (not behind tinted lenses, glare or hair).
pub fn face(image: &RgbImage, face: &Landmarks) -> Vec<Check> {
    let (w, h) = image.dimensions();
    let skin_median = quantile(&skin_luminance(image, face), 0.5).max(1.0);
    let eye_brightness = [&EYE_LEFT, &EYE_RIGHT]
        .iter()
        .map(|e| {
            let eye = Mask::polygon(w, h, &face.polygon(&e.contour));
            quantile(&sorted_luminance(image, &eye), 0.9) / skin_median
        })
        .fold(f32::MAX, f32::min);
    let opening = face.eye_opening();
    let mouth = face.mouth_opening();
    let width = face.mouth_width();
    vec![
        check(
            "eyes_open",
            opening,
            format!("lid gap ≥ {EYE_OPENING_MIN} × eye width"),
            opening >= EYE_OPENING_MIN,
            Advice::OpenEyes,
        ),
        check(
            "mouth_closed",
            mouth,
            format!("lip gap ≤ {MOUTH_OPENING_MAX} × mouth width"),
            mouth <= MOUTH_OPENING_MAX,
            Advice::CloseMouth,
        ),
        check(
            "expression",
            width,
            format!("mouth width ≤ {MOUTH_WIDTH_MAX} × eye distance"),
            width <= MOUTH_WIDTH_MAX,
            Advice::NoSmile,
        ),
        check(
            "eyes_visible",
            eye_brightness,
            format!("≥ {EYE_BRIGHTNESS_MIN} × skin"),
            eye_brightness >= EYE_BRIGHTNESS_MIN,
            Advice::ShowEyes,
        ),
    ]
}

/// The background pixels of the photo: where the person mask is clear.
fn background(photo: &RgbImage, measured: &Measured) -> Mask {
    let (w, h) = photo.dimensions();
    let mut inside = Vec::with_capacity((w * h) as usize);
    for y in 0..h {
        for x in 0..w {
            inside.push(measured.mask.at(x as f32 + 0.5, y as f32 + 0.5) < BACKGROUND_MASK_MAX);
        }
    }
    Mask {
        width: w,
        height: h,
        inside,
    }
}

/// Largest departure of a mostly-background grid cell's mean luminance from the background's.
fn background_deviation(photo: &RgbImage, background: &Mask, mean: f32) -> f32 {
    let (w, h) = photo.dimensions();
    let (cols, rows) = BACKGROUND_GRID;
    let mut worst = 0.0f32;
    for row in 0..rows {
        for col in 0..cols {
            let (x0, x1) = (col * w / cols, (col + 1) * w / cols);
            let (y0, y1) = (row * h / rows, (row + 1) * h / rows);
            let (mut sum, mut n) = (0.0, 0u32);
            for y in y0..y1 {
                for x in x0..x1 {
                    if background.contains(x, y) {
                        sum += luminance(photo.get_pixel(x, y));
                        n += 1;
                    }
                }
            }
            if n * 5 >= (x1 - x0) * (y1 - y0) * 3 {
                worst = worst.max((sum / n as f32 - mean).abs());
            }
        }
    }
    worst
}

/// Checks of the background, exposure, colour and sharpness on the finished photo, measured on
/// their own regions (`measured` is the photo's own measurement).
pub fn image(photo: &RgbImage, measured: &Measured, spec: &PhotoSpec) -> Vec<Check> {
    let (w, h) = photo.dimensions();
    let background = background(photo, measured);
    let mut sums = [0f64; 3];
    let mut lum_sum = 0f64;
    let mut n = 0usize;
    for (x, y, p) in photo.enumerate_pixels() {
        if background.contains(x, y) {
            for c in 0..3 {
                sums[c] += p[c] as f64;
            }
            lum_sum += luminance(p) as f64;
            n += 1;
        }
    }
    let n = n.max(1) as f64;
    let means = sums.map(|s| (s / n) as f32);
    let deviation = background_deviation(photo, &background, (lum_sum / n) as f32);
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
            deviation,
            format!("no part departs by more than {BACKGROUND_DEVIATION_MAX} levels"),
            deviation <= BACKGROUND_DEVIATION_MAX,
            Advice::BackgroundUniform,
        ),
    ];

    let skin = skin(&measured.landmarks, w, h);
    let lum = sorted_luminance(photo, &skin);
    let count = lum.len().max(1) as f32;
    let dark = lum.iter().filter(|&&l| l <= 25.0).count() as f32 / count;
    let bright = lum.iter().filter(|&&l| l >= 247.0).count() as f32 / count;
    let mean = lum.iter().sum::<f32>() / count;
    let blacks = quantile(
        &sorted_luminance(
            photo,
            &Mask::polygon(w, h, &measured.landmarks.polygon(&FACE_OVAL)),
        ),
        0.01,
    );
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
    checks.push(check(
        "washed_out",
        blacks,
        format!("darkest 1 % of the face ≤ {FACE_BLACK_MAX}"),
        blacks <= FACE_BLACK_MAX,
        Advice::TooBright,
    ));
    checks.push(check(
        "face_luminance",
        mean,
        format!("{}–{}", SKIN_MEAN.0, SKIN_MEAN.1),
        (SKIN_MEAN.0..=SKIN_MEAN.1).contains(&mean),
        if mean < SKIN_MEAN.0 {
            Advice::FaceTooDark
        } else {
            Advice::FaceTooBright
        },
    ));
    let redness = photo
        .enumerate_pixels()
        .filter(|(x, y, _)| skin.contains(*x, *y))
        .map(|(_, _, p)| 0.5 * p[0] as f32 - 0.4187 * p[1] as f32 - 0.0813 * p[2] as f32)
        .sum::<f32>()
        / count;
    checks.push(check(
        "natural_colour",
        redness,
        format!("skin Cr − 128 ≥ {SKIN_REDNESS_MIN}"),
        redness >= SKIN_REDNESS_MIN,
        Advice::NaturalColour,
    ));
    let gray = image::imageops::grayscale(photo);
    let sharp = laplacian_variance_in(&gray, &skin);
    checks.push(check(
        "sharpness",
        sharp,
        format!("≥ {SHARPNESS_MIN}"),
        sharp >= SHARPNESS_MIN,
        Advice::HoldStill,
    ));
    checks
}

/// Variance of the 4-neighbour Laplacian: high for sharp detail, low for blur.
pub fn laplacian_variance(g: &GrayImage) -> f32 {
    let (w, h) = g.dimensions();
    laplacian_variance_in(
        g,
        &Mask {
            width: w,
            height: h,
            inside: vec![true; (w * h) as usize],
        },
    )
}

/// The same over the pixels of `region` whose four neighbours are in the image.
fn laplacian_variance_in(g: &GrayImage, region: &Mask) -> f32 {
    let (w, h) = g.dimensions();
    if w < 3 || h < 3 {
        return 0.0;
    }
    let at = |x: u32, y: u32| g.get_pixel(x, y)[0] as f32;
    let mut values = Vec::new();
    for y in 1..h - 1 {
        for x in 1..w - 1 {
            if region.contains(x, y) {
                values.push(
                    at(x - 1, y) + at(x + 1, y) + at(x, y - 1) + at(x, y + 1) - 4.0 * at(x, y),
                );
            }
        }
    }
    if values.is_empty() {
        return 0.0;
    }
    let n = values.len() as f32;
    let mean = values.iter().sum::<f32>() / n;
    values.iter().map(|v| (v - mean).powi(2)).sum::<f32>() / n
}
