//! How well the photo checks do on a labelled set (`kiosk photo eval DIR`): false accepts, false
//! rejects, which check caught each planted defect, figures per group, and whether every accepted
//! photo, read back from its JPEG and measured from scratch, is inside the profile's geometry.
//!
//! The set is a directory of pictures and `labels.csv` (`file,expect,group`): `expect` is
//! `accept`, or the name of the defect the picture has (`expression`, `roll`, …), `group` any label
//! the figures are split by (the project's set uses the London set's own ethnicity labels). With
//! `variants`, every picture labelled `accept` that the checks accept also yields copies with one
//! planted defect each (`Defect::ALL`), made from its own measurement: the set then tests every
//! check on every face. Planted defects assume a white-backdrop profile.

use std::collections::BTreeMap;
use std::path::Path;

use image::{Rgb, RgbImage, imageops};
use serde::Serialize;

use super::checks;
use super::file::read_picture;
use super::landmarks::{EYE_LEFT, EYE_RIGHT, Landmarks};
use super::measure::{self, Measured};
use super::regions::Mask;
use super::{Detector, PhotoError, PhotoSpec, assess};

/// What a picture of the set should get.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Expect {
    Accept,
    /// Refused for this defect.
    Defect(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Label {
    pub file: String,
    pub expect: Expect,
    pub group: String,
}

#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    #[error("{0}: {1}")]
    Labels(String, String),
    #[error("{file} line {line}: {message}")]
    Line {
        file: String,
        line: usize,
        message: String,
    },
}

/// The rows of the comma-separated table `path` whose first line must name `columns`: each with
/// its line number (1-based) and exactly one trimmed field per column. Blank lines are skipped;
/// a table without rows is an error.
pub fn read_table(path: &Path, columns: &[&str]) -> Result<Vec<(usize, Vec<String>)>, EvalError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| EvalError::Labels(path.display().to_string(), e.to_string()))?;
    let file = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let header = text.lines().next().unwrap_or("").trim();
    let names = columns.join(",");
    if header.replace(' ', "") != names {
        return Err(EvalError::Line {
            file,
            line: 1,
            message: format!("the first line must be {names}, found {header:?}"),
        });
    }
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate().skip(1) {
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<String> = line.split(',').map(|f| f.trim().to_string()).collect();
        if fields.len() != columns.len() || fields.iter().any(String::is_empty) {
            return Err(EvalError::Line {
                file,
                line: i + 1,
                message: format!("expected {names}, none empty, found {line:?}"),
            });
        }
        rows.push((i + 1, fields));
    }
    if rows.is_empty() {
        return Err(EvalError::Line {
            file,
            line: 2,
            message: "no pictures listed".into(),
        });
    }
    Ok(rows)
}

/// Reads `labels.csv` of `dir`.
pub fn read_labels(dir: &Path) -> Result<Vec<Label>, EvalError> {
    let rows = read_table(&dir.join("labels.csv"), &["file", "expect", "group"])?;
    rows.into_iter()
        .map(|(line, fields)| {
            let [file, expect, group] = <[String; 3]>::try_from(fields).expect("three columns");
            let expect = match expect.as_str() {
                "accept" => Expect::Accept,
                d if !caught_by(d).is_empty() => Expect::Defect(d.into()),
                other => {
                    return Err(EvalError::Line {
                        file: "labels.csv".into(),
                        line,
                        message: format!(
                            "unknown expect {other:?}: accept, expression, or a planted defect's name"
                        ),
                    });
                }
            };
            Ok(Label {
                file,
                expect,
                group,
            })
        })
        .collect()
}

/// A defect planted into a compliant picture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Defect {
    Roll,
    GreyScale,
    Dark,
    Blown,
    Blur,
    BlueBackdrop,
    GreyBackdrop,
    SideShadow,
    DarkLenses,
    TooFar,
}

impl Defect {
    pub const ALL: [Defect; 10] = [
        Defect::Roll,
        Defect::GreyScale,
        Defect::Dark,
        Defect::Blown,
        Defect::Blur,
        Defect::BlueBackdrop,
        Defect::GreyBackdrop,
        Defect::SideShadow,
        Defect::DarkLenses,
        Defect::TooFar,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Defect::Roll => "roll",
            Defect::GreyScale => "grey-scale",
            Defect::Dark => "dark",
            Defect::Blown => "blown",
            Defect::Blur => "blur",
            Defect::BlueBackdrop => "blue-backdrop",
            Defect::GreyBackdrop => "grey-backdrop",
            Defect::SideShadow => "side-shadow",
            Defect::DarkLenses => "dark-lenses",
            Defect::TooFar => "too-far",
        }
    }

    /// The picture with this defect, from the compliant `image` whose face is `m`.
    pub fn plant(self, image: &RgbImage, m: &Measured) -> RgbImage {
        let face = &m.landmarks;
        match self {
            Defect::Roll => {
                let (cx, cy) = face.eyes_midpoint();
                turned(image, cx, cy, 15.0)
            }
            Defect::GreyScale => {
                let grey = imageops::grayscale(image);
                RgbImage::from_fn(image.width(), image.height(), |x, y| {
                    let l = grey.get_pixel(x, y)[0];
                    Rgb([l, l, l])
                })
            }
            Defect::Dark => imageops::colorops::brighten(image, -120),
            Defect::Blown => imageops::colorops::brighten(image, 110),
            Defect::Blur => imageops::blur(image, 4.0),
            Defect::BlueBackdrop => backdrop(image, m, |_, _| [100.0, 197.0, 255.0]),
            Defect::GreyBackdrop => backdrop(image, m, |_, _| [196.0, 196.0, 196.0]),
            Defect::SideShadow => {
                let (cx, cy) = face.eyes_midpoint();
                let reach = face.face_width();
                backdrop(image, m, |x, y| {
                    let d = ((x - cx - reach * 0.8).powi(2) + (y - cy).powi(2)).sqrt();
                    let k = (1.0 - d / (reach * 0.9)).clamp(0.0, 1.0) * 70.0;
                    [246.0 - k, 246.0 - k, 244.0 - k]
                })
            }
            Defect::DarkLenses => {
                let mut out = image.clone();
                for eye in [&EYE_LEFT, &EYE_RIGHT] {
                    paint_over(&mut out, face, &eye.contour, 1.8, Rgb([22, 22, 28]));
                }
                out
            }
            Defect::TooFar => {
                let small = imageops::resize(
                    image,
                    image.width() * 6 / 10,
                    image.height() * 6 / 10,
                    imageops::FilterType::Triangle,
                );
                let mut out =
                    RgbImage::from_pixel(image.width(), image.height(), Rgb([246, 246, 244]));
                let x = (image.width() - small.width()) / 2;
                imageops::overlay(&mut out, &small, x as i64, (image.height() / 4) as i64);
                out
            }
        }
    }
}

/// The checks that refuse a picture with `defect` for that defect's own reason.
pub fn caught_by(defect: &str) -> &'static [&'static str] {
    match defect {
        "expression" => &["mouth_closed", "expression"],
        "roll" => &["roll"],
        "grey-scale" => &["natural_colour"],
        "dark" => &["underexposed", "face_luminance"],
        "blown" => &["overexposed", "washed_out", "face_luminance"],
        "blur" => &["sharpness"],
        "blue-backdrop" | "grey-backdrop" => &["background_colour"],
        "side-shadow" => &["background_uniform"],
        "dark-lenses" => &["eyes_visible"],
        "too-far" => &["crop", "head_height"],
        _ => &[],
    }
}

/// `image` turned by `degrees` (clockwise on screen) about (`cx`, `cy`), edges repeated.
pub fn turned(image: &RgbImage, cx: f32, cy: f32, degrees: f32) -> RgbImage {
    let (sin, cos) = degrees.to_radians().sin_cos();
    RgbImage::from_fn(image.width(), image.height(), |x, y| {
        let (dx, dy) = (x as f32 - cx, y as f32 - cy);
        let sx = (cx + dx * cos + dy * sin).clamp(0.0, image.width() as f32 - 1.0);
        let sy = (cy - dx * sin + dy * cos).clamp(0.0, image.height() as f32 - 1.0);
        *image.get_pixel(sx as u32, sy as u32)
    })
}

/// Paints the polygon of landmarks `indices`, grown by `grow` about its centre, with `paint`.
pub fn paint_over(
    image: &mut RgbImage,
    face: &Landmarks,
    indices: &[usize],
    grow: f32,
    paint: Rgb<u8>,
) {
    let polygon = face.polygon(indices);
    let n = polygon.len() as f32;
    let (cx, cy) = polygon
        .iter()
        .fold((0.0, 0.0), |s, p| (s.0 + p.0 / n, s.1 + p.1 / n));
    let grown: Vec<_> = polygon
        .iter()
        .map(|p| (cx + (p.0 - cx) * grow, cy + (p.1 - cy) * grow))
        .collect();
    let mask = Mask::polygon(image.width(), image.height(), &grown);
    for (x, y, p) in image.enumerate_pixels_mut() {
        if mask.contains(x, y) {
            *p = paint;
        }
    }
}

/// `image` with the background (by the person mask, blended at the hair's soft edge) painted
/// with `paint(x, y)`.
fn backdrop(image: &RgbImage, m: &Measured, paint: impl Fn(f32, f32) -> [f32; 3]) -> RgbImage {
    let mut out = image.clone();
    for (x, y, p) in out.enumerate_pixels_mut() {
        let (fx, fy) = (x as f32 + 0.5, y as f32 + 0.5);
        let person = m.mask.at(fx, fy);
        let colour = paint(fx, fy);
        for c in 0..3 {
            p[c] = (p[c] as f32 * person + colour[c] * (1.0 - person)).round() as u8;
        }
    }
    out
}

/// One picture's result.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub name: String,
    pub group: String,
    pub expect: Expect,
    pub accepted: bool,
    pub failed: Vec<&'static str>,
    /// For an accepted photo: its JPEG decoded and measured from scratch is inside the profile's
    /// geometry (head height, crown margin, eye line, face width, eye distance, centring).
    pub geometry_on_file: Option<bool>,
}

fn run_one(
    detector: &mut Detector,
    name: String,
    image: &RgbImage,
    expect: Expect,
    group: &str,
    spec: &PhotoSpec,
) -> Result<Outcome, PhotoError> {
    let a = assess(detector, image, spec)?;
    let failed = a
        .report
        .checks
        .iter()
        .filter(|c| !c.passed)
        .map(|c| c.id)
        .collect();
    let geometry_on_file = match &a.photo {
        Some(photo) => Some(geometry_on_file(detector, &photo.jpeg, spec)?),
        None => None,
    };
    Ok(Outcome {
        name,
        group: group.into(),
        expect,
        accepted: a.photo.is_some(),
        failed,
        geometry_on_file,
    })
}

fn geometry_on_file(
    detector: &mut Detector,
    jpeg: &[u8],
    spec: &PhotoSpec,
) -> Result<bool, PhotoError> {
    let Ok(decoded) = image::load_from_memory(jpeg) else {
        return Ok(false);
    };
    let photo = decoded.to_rgb8();
    let faces = detector.detect(&photo);
    let [face] = faces[..] else {
        return Ok(false);
    };
    let Some(m) = measure::measure(&photo, measure::start_region(&face))? else {
        return Ok(false);
    };
    Ok(m.head
        .is_some_and(|head| checks::geometry(&head, spec).iter().all(|c| c.passed)))
}

/// Runs the checks over the set in `dir` (and the planted variants of its compliant pictures
/// when `variants`), reporting progress after each picture.
pub fn evaluate(
    dir: &Path,
    spec: &PhotoSpec,
    variants: bool,
    mut progress: impl FnMut(usize, usize),
) -> Result<Vec<Outcome>, EvalError> {
    let labels = read_labels(dir)?;
    let mut detector = Detector::new();
    let mut outcomes = Vec::new();
    let per_accept = if variants { 1 + Defect::ALL.len() } else { 1 };
    let mut total: usize = labels
        .iter()
        .map(|l| {
            if l.expect == Expect::Accept {
                per_accept
            } else {
                1
            }
        })
        .sum();
    let fault = |file: &str, e: String| EvalError::Labels(file.to_string(), e);
    for label in &labels {
        let image =
            read_picture(&dir.join(&label.file)).map_err(|e| fault(&label.file, e.to_string()))?;
        let one = |d: &mut Detector, name: String, image: &RgbImage, expect: Expect| {
            run_one(d, name, image, expect, &label.group, spec)
                .map_err(|e| fault(&label.file, e.to_string()))
        };
        let original = one(
            &mut detector,
            label.file.clone(),
            &image,
            label.expect.clone(),
        )?;
        let accepted = original.accepted;
        outcomes.push(original);
        progress(outcomes.len(), total);
        if !(variants && label.expect == Expect::Accept) {
            continue;
        }
        // Defects are planted only into pictures the checks accept: a variant of a refused
        // picture would count as "refused" whatever its defect. Its own outcome already counts
        // as a false reject.
        let faces = detector.detect(&image);
        let base = match (accepted, faces.first()) {
            (true, Some(face)) => measure::measure(&image, measure::start_region(face))
                .map_err(|e| fault(&label.file, e.to_string()))?,
            _ => None,
        };
        let Some(m) = base else {
            total -= Defect::ALL.len();
            continue;
        };
        for defect in Defect::ALL {
            let name = format!("{}+{}", label.file, defect.name());
            let expect = Expect::Defect(defect.name().into());
            let planted = defect.plant(&image, &m);
            outcomes.push(one(&mut detector, name, &planted, expect)?);
            progress(outcomes.len(), total);
        }
    }
    Ok(outcomes)
}

/// False accepts and rejects of one group (or of the whole set).
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Rates {
    pub compliant: usize,
    pub false_rejects: usize,
    pub defective: usize,
    pub false_accepts: usize,
}

/// The figures `kiosk photo eval` prints.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub overall: Rates,
    pub by_group: BTreeMap<String, Rates>,
    /// Per expected defect: how many of its pictures each check refused, and how many were
    /// refused by a check that names that defect.
    pub by_defect: BTreeMap<String, DefectFigures>,
    /// Checks that refused compliant pictures, with counts.
    pub false_reject_checks: BTreeMap<&'static str, usize>,
    /// Accepted photos whose JPEG, measured from scratch, is inside the geometry / all accepted.
    pub geometry_on_file: (usize, usize),
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct DefectFigures {
    pub pictures: usize,
    pub accepted: usize,
    pub caught_for_its_reason: usize,
    pub failed_checks: BTreeMap<&'static str, usize>,
}

impl Rates {
    fn add(&mut self, o: &Outcome) {
        match o.expect {
            Expect::Accept => {
                self.compliant += 1;
                self.false_rejects += usize::from(!o.accepted);
            }
            Expect::Defect(_) => {
                self.defective += 1;
                self.false_accepts += usize::from(o.accepted);
            }
        }
    }
}

pub fn summarise(outcomes: &[Outcome]) -> Summary {
    let mut s = Summary {
        overall: Rates::default(),
        by_group: BTreeMap::new(),
        by_defect: BTreeMap::new(),
        false_reject_checks: BTreeMap::new(),
        geometry_on_file: (0, 0),
    };
    for o in outcomes {
        s.overall.add(o);
        s.by_group.entry(o.group.clone()).or_default().add(o);
        if let Some(ok) = o.geometry_on_file {
            s.geometry_on_file.1 += 1;
            s.geometry_on_file.0 += usize::from(ok);
        }
        match &o.expect {
            Expect::Accept => {
                for id in &o.failed {
                    *s.false_reject_checks.entry(id).or_default() += 1;
                }
            }
            Expect::Defect(d) => {
                let f = s.by_defect.entry(d.clone()).or_default();
                f.pictures += 1;
                f.accepted += usize::from(o.accepted);
                f.caught_for_its_reason +=
                    usize::from(o.failed.iter().any(|id| caught_by(d).contains(id)));
                for id in &o.failed {
                    *f.failed_checks.entry(id).or_default() += 1;
                }
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(expect: Expect, group: &str, accepted: bool, failed: &[&'static str]) -> Outcome {
        Outcome {
            name: "x".into(),
            group: group.into(),
            expect,
            accepted,
            failed: failed.to_vec(),
            geometry_on_file: accepted.then_some(true),
        }
    }

    #[test]
    fn false_accepts_and_rejects_are_counted_per_group_and_per_defect() {
        let smile = || Expect::Defect("expression".into());
        let s = summarise(&[
            outcome(Expect::Accept, "a", true, &[]),
            outcome(Expect::Accept, "b", false, &["mouth_closed"]),
            outcome(smile(), "a", true, &[]),
            outcome(smile(), "b", false, &["mouth_closed", "sharpness"]),
            outcome(smile(), "b", false, &["sharpness"]),
        ]);
        assert_eq!(
            s.overall,
            Rates {
                compliant: 2,
                false_rejects: 1,
                defective: 3,
                false_accepts: 1
            }
        );
        assert_eq!(s.by_group["b"].false_rejects, 1);
        assert_eq!(s.by_group["a"].false_accepts, 1);
        let e = &s.by_defect["expression"];
        assert_eq!((e.pictures, e.accepted, e.caught_for_its_reason), (3, 1, 1));
        assert_eq!(e.failed_checks["sharpness"], 2);
        assert_eq!(s.false_reject_checks["mouth_closed"], 1);
        assert_eq!(s.geometry_on_file, (2, 2));
    }

    #[test]
    fn a_malformed_label_line_is_named_by_its_number() {
        let dir = std::env::temp_dir().join(format!("kiosk-eval-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("labels.csv"),
            "file,expect,group\na.jpg,accept,x\nb.jpg\n",
        )
        .unwrap();
        let e = read_labels(&dir).unwrap_err().to_string();
        assert!(e.starts_with("labels.csv line 3:"), "{e}");
        std::fs::write(
            dir.join("labels.csv"),
            "file,expect,group\na.jpg,Accept,x\n",
        )
        .unwrap();
        let e = read_labels(&dir).unwrap_err().to_string();
        assert!(e.starts_with("labels.csv line 2: unknown expect"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
