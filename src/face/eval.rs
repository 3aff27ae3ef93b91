//! How well verification does on a set of pictures (`kiosk face eval DIR`): every document-side
//! picture compared with every live one, false rejects over same-person pairs and false accepts
//! over different-person pairs at the threshold, per form of the document photo (original,
//! ID-card size, chip JPEG 2000), per live variant (original, dark, bright, blurred) and per group.
//!
//! The set is `DIR/set.csv` (`file,person,group,role,form`): `role` is `reference` (the document
//! side) or `live`, `form` names how the picture was made. A picture in which no face is found
//! counts as a miss: a false reject in a same-person pair (the applicant is sent to staff), never a
//! false accept.

use std::collections::BTreeMap;
use std::path::Path;

use image::{RgbImage, imageops};
use serde::Serialize;

use super::descriptor::{DescribeError, Descriptor, describe};
use crate::photo::Detector;
use crate::photo::eval::{EvalError, read_table};
use crate::photo::file::read_picture;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    Reference,
    Live,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub file: String,
    pub person: String,
    pub group: String,
    pub role: Role,
    pub form: String,
}

/// Reads `set.csv` of `dir`: at least one picture of each role, and one group per person.
pub fn read_set(dir: &Path) -> Result<Vec<Entry>, EvalError> {
    let entries = parse_set(dir)?;
    let whole = |message: String| EvalError::Line {
        file: "set.csv".into(),
        line: 1,
        message,
    };
    for role in [Role::Reference, Role::Live] {
        if !entries.iter().any(|e| e.role == role) {
            return Err(whole(format!(
                "no {} picture: nothing to compare",
                if role == Role::Live {
                    "live"
                } else {
                    "reference"
                }
            )));
        }
    }
    let mut groups: BTreeMap<&str, &str> = BTreeMap::new();
    for e in &entries {
        let group = groups.entry(&e.person).or_insert(&e.group);
        if *group != e.group {
            return Err(whole(format!(
                "person {} is in two groups ({} and {}): the figures per group would be wrong",
                e.person, group, e.group
            )));
        }
    }
    Ok(entries)
}

fn parse_set(dir: &Path) -> Result<Vec<Entry>, EvalError> {
    read_table(
        &dir.join("set.csv"),
        &["file", "person", "group", "role", "form"],
    )?
    .into_iter()
    .map(|(line, fields)| {
        let [file, person, group, role, form] =
            <[String; 5]>::try_from(fields).expect("five columns");
        let role = match role.as_str() {
            "reference" => Role::Reference,
            "live" => Role::Live,
            other => {
                return Err(EvalError::Line {
                    file: "set.csv".into(),
                    line,
                    message: format!("role {other:?}: reference or live"),
                });
            }
        };
        Ok(Entry {
            file,
            person,
            group,
            role,
            form,
        })
    })
    .collect()
}

/// A change made to a live picture, for what a kiosk camera really sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LiveVariant {
    /// Half the light (×0.45).
    Dark,
    /// Light added until the skin nearly clips (+70 on every channel).
    Bright,
    /// Out of focus (Gaussian blur, σ 4 px on a 900-px portrait).
    Blur,
}

impl LiveVariant {
    pub const ALL: [LiveVariant; 3] = [LiveVariant::Dark, LiveVariant::Bright, LiveVariant::Blur];

    pub fn name(self) -> &'static str {
        match self {
            LiveVariant::Dark => "dark",
            LiveVariant::Bright => "bright",
            LiveVariant::Blur => "blur",
        }
    }

    pub fn apply(self, image: &RgbImage) -> RgbImage {
        match self {
            LiveVariant::Dark => map_channels(image, |v| v * 0.45),
            LiveVariant::Bright => map_channels(image, |v| v + 70.0),
            LiveVariant::Blur => imageops::blur(image, 4.0),
        }
    }
}

fn map_channels(image: &RgbImage, f: impl Fn(f32) -> f32) -> RgbImage {
    let mut out = image.clone();
    for v in out.iter_mut() {
        *v = f(f32::from(*v)).round().clamp(0.0, 255.0) as u8;
    }
    out
}

/// One picture of the set as the check saw it.
struct Seen {
    person: String,
    group: String,
    role: Role,
    form: String,
    descriptor: Option<Descriptor>,
}

/// Figures of one group: its same-person pairs, and its different-person pairs in which both
/// people belong to the group (the pairs a biased descriptor confuses most).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct GroupFigures {
    pub genuine: usize,
    pub false_rejects: usize,
    pub impostors: usize,
    pub false_accepts: usize,
}

/// Figures of one combination of document form and live variant.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figures {
    pub reference_form: String,
    pub live_form: String,
    pub genuine: usize,
    pub false_rejects: usize,
    pub impostors: usize,
    pub false_accepts: usize,
    /// Pictures of this combination in which no face was found (document side, live side).
    pub no_face: (usize, usize),
    /// Largest same-person and smallest different-person distance.
    pub max_genuine: Option<f32>,
    pub min_impostor: Option<f32>,
    /// (threshold, false rejects, false accepts) at other thresholds, to show the trade.
    pub sweep: Vec<(f32, usize, usize)>,
    pub groups: BTreeMap<String, GroupFigures>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub threshold: f32,
    pub figures: Vec<Figures>,
}

/// Thresholds the sweep reports besides the one evaluated.
pub const SWEEP: [f32; 6] = [0.35, 0.40, 0.45, 0.50, 0.55, 0.60];

/// Describes every picture of the set (and, with `variants`, every live variant), calling
/// `progress(done, total)` after each, then compares every reference with every live picture.
/// Errors: the set or a picture cannot be read; a bundled model fails.
pub fn evaluate(
    dir: &Path,
    entries: &[Entry],
    variants: bool,
    threshold: f32,
    mut progress: impl FnMut(usize, usize),
) -> Result<Summary, String> {
    let mut detector = Detector::new();
    let per_live = if variants {
        1 + LiveVariant::ALL.len()
    } else {
        1
    };
    let total = entries
        .iter()
        .map(|e| match e.role {
            Role::Reference => 1,
            Role::Live => per_live,
        })
        .sum();
    let mut seen = Vec::with_capacity(total);
    let mut describe_one = |image: &RgbImage| match describe(&mut detector, image) {
        Ok(d) => Ok(Some(d.descriptor)),
        Err(DescribeError::NoFace | DescribeError::TooSmall(_)) => Ok(None),
        Err(DescribeError::Model(m)) => Err(m),
    };
    for e in entries {
        let path = dir.join(&e.file);
        let image = read_picture(&path).map_err(|err| format!("{}: {err}", path.display()))?;
        let mut forms = vec![(e.form.clone(), describe_one(&image)?)];
        if variants && e.role == Role::Live {
            for v in LiveVariant::ALL {
                let form = format!("{}+{}", e.form, v.name());
                forms.push((form, describe_one(&v.apply(&image))?));
            }
        }
        for (form, descriptor) in forms {
            seen.push(Seen {
                person: e.person.clone(),
                group: e.group.clone(),
                role: e.role,
                form,
                descriptor,
            });
            progress(seen.len(), total);
        }
    }
    Ok(compare_all(&seen, threshold))
}

fn forms(seen: &[Seen], role: Role) -> Vec<String> {
    let mut forms: Vec<String> = Vec::new();
    for s in seen.iter().filter(|s| s.role == role) {
        if !forms.contains(&s.form) {
            forms.push(s.form.clone());
        }
    }
    forms
}

fn compare_all(seen: &[Seen], threshold: f32) -> Summary {
    let mut figures = Vec::new();
    for reference_form in forms(seen, Role::Reference) {
        for live_form in forms(seen, Role::Live) {
            let of = |role: Role, form: &str| -> Vec<&Seen> {
                seen.iter()
                    .filter(|s| s.role == role && s.form == form)
                    .collect()
            };
            figures.push(combination(
                &of(Role::Reference, &reference_form),
                &of(Role::Live, &live_form),
                &reference_form,
                &live_form,
                threshold,
            ));
        }
    }
    Summary { threshold, figures }
}

/// Figures of one document form against one live form.
fn combination(
    references: &[&Seen],
    lives: &[&Seen],
    reference_form: &str,
    live_form: &str,
    threshold: f32,
) -> Figures {
    let no_face = |side: &[&Seen]| side.iter().filter(|s| s.descriptor.is_none()).count();
    let mut f = Figures {
        reference_form: reference_form.into(),
        live_form: live_form.into(),
        genuine: 0,
        false_rejects: 0,
        impostors: 0,
        false_accepts: 0,
        no_face: (no_face(references), no_face(lives)),
        max_genuine: None,
        min_impostor: None,
        sweep: SWEEP.iter().map(|&t| (t, 0, 0)).collect(),
        groups: BTreeMap::new(),
    };
    for r in references {
        for l in lives {
            let same = r.person == l.person;
            let distance = match (&r.descriptor, &l.descriptor) {
                (Some(a), Some(b)) => Some(a.distance(b)),
                _ => None,
            };
            let accepted = |t: f32| distance.is_some_and(|d| d <= t);
            let in_group = same || r.group == l.group;
            let group = f.groups.entry(r.group.clone()).or_default();
            if same {
                f.genuine += 1;
                group.genuine += 1;
                if !accepted(threshold) {
                    f.false_rejects += 1;
                    group.false_rejects += 1;
                }
                if let Some(d) = distance {
                    f.max_genuine = Some(f.max_genuine.map_or(d, |m: f32| m.max(d)));
                }
            } else {
                f.impostors += 1;
                if in_group {
                    group.impostors += 1;
                }
                if accepted(threshold) {
                    f.false_accepts += 1;
                    if in_group {
                        group.false_accepts += 1;
                    }
                }
                if let Some(d) = distance {
                    f.min_impostor = Some(f.min_impostor.map_or(d, |m: f32| m.min(d)));
                }
            }
            for (t, fr, fa) in &mut f.sweep {
                match (same, accepted(*t)) {
                    (true, false) => *fr += 1,
                    (false, true) => *fa += 1,
                    _ => {}
                }
            }
        }
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::photo::models::DESCRIPTOR_LEN;

    fn seen(person: &str, group: &str, role: Role, value: Option<f32>) -> Seen {
        Seen {
            person: person.into(),
            group: group.into(),
            role,
            form: "original".into(),
            descriptor: value.map(|v| {
                let mut d = [0.0; DESCRIPTOR_LEN];
                d[0] = v;
                Descriptor::from_values(d)
            }),
        }
    }

    #[test]
    fn pairs_are_counted_as_genuine_or_impostor_and_a_missing_face_is_a_reject_only() {
        // Distances are the differences of the first value: a–a' 0.3 (genuine, accepted),
        // b–b' 0.5 (genuine, rejected at 0.45), a–b' 0.4 (impostor, accepted), c has no face.
        let all = [
            seen("a", "x", Role::Reference, Some(0.0)),
            seen("b", "y", Role::Reference, Some(0.9)),
            seen("c", "x", Role::Reference, None),
            seen("a", "x", Role::Live, Some(0.3)),
            seen("b", "y", Role::Live, Some(0.4)),
            seen("c", "x", Role::Live, Some(5.0)),
        ];
        let s = compare_all(&all, 0.45);
        let f = &s.figures[0];
        assert_eq!((f.genuine, f.false_rejects), (3, 2), "b too far, c no face");
        assert_eq!((f.impostors, f.false_accepts), (6, 1), "a against b' only");
        assert_eq!(f.no_face, (1, 0));
        assert!((f.max_genuine.unwrap() - 0.5).abs() < 1e-6);
        assert!((f.min_impostor.unwrap() - 0.4).abs() < 1e-6);
        let x = &f.groups["x"];
        // Group x: genuine a and c; impostors within x: a–c', c–a' (c unseen, never accepted).
        assert_eq!(
            (x.genuine, x.false_rejects, x.impostors, x.false_accepts),
            (2, 1, 2, 0)
        );
        let at = |t: f32| f.sweep.iter().find(|s| (s.0 - t).abs() < 1e-6).unwrap();
        assert_eq!(at(0.35), &(0.35, 2, 0));
        assert_eq!(at(0.50), &(0.50, 1, 1));
    }

    #[test]
    fn a_set_with_an_unknown_role_is_refused_with_its_line() {
        let dir = std::env::temp_dir().join(format!("face-set-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("set.csv"),
            "file,person,group,role,form\na.jpg,p,g,reference,original\nb.jpg,p,g,camera,original\n",
        )
        .unwrap();
        let e = read_set(&dir).unwrap_err().to_string();
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(e.starts_with("set.csv line 3: role \"camera\""), "{e}");
    }

    #[test]
    fn a_set_without_live_pictures_or_with_a_person_in_two_groups_is_refused() {
        let dir = std::env::temp_dir().join(format!("face-set2-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let refused = |rows: &str| {
            std::fs::write(
                dir.join("set.csv"),
                format!("file,person,group,role,form\n{rows}"),
            )
            .unwrap();
            read_set(&dir).unwrap_err().to_string()
        };
        let no_live = refused("a.jpg,p,g,reference,original\n");
        let two_groups = refused("a.jpg,p,g,reference,original\nb.jpg,p,h,live,original\n");
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(no_live.contains("no live picture"), "{no_live}");
        assert!(two_groups.contains("two groups"), "{two_groups}");
    }
}
