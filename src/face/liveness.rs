//! The active liveness challenge: the applicant is asked, in an order drawn at random, to blink
//! and to turn the head to one side, each within a time limit. Both are measured from the face
//! mesh on every camera frame. A photograph or a screen held to the camera cannot blink, and
//! however it is moved, turned or tilted it moves as a flat picture does: its landmarks move by
//! one homography of where they were (a plane seen through a camera, docs/FACE.md "Liveness"),
//! while a head that turns moves its nose across its cheeks. A turn counts only when the nose
//! moved far enough and the landmarks also stray from every homography of the frontal frame's.

use std::time::Duration;

use rand_core::RngCore;
use serde::Serialize;

use crate::photo::landmarks::{CHEEK_LEFT, CHEEK_RIGHT, Landmarks, NOSE_TIP};

/// One thing the applicant is asked to do. Left and right are the applicant's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    Blink,
    TurnLeft,
    TurnRight,
}

/// Lid gap over eye width (`Landmarks::eye_opening`) under which the eyes count as closed, and
/// over which as open again (about 0.3 open on the London set's portraits).
const EYES_CLOSED: f32 = 0.12;
const EYES_OPEN: f32 = 0.2;
/// How far the nose must move across the cheeks from the frontal frame (see `Pose::turn`) for a
/// turn: about 10° of yaw on the mesh of a London portrait turned in 3-D (`tests`).
const TURNED: f32 = 0.15;
/// The mesh's own yaw estimate under which a face counts as facing the camera, the start of
/// every action.
const FACING_DEGREES: f32 = 12.0;
/// Root-mean-square distance of the landmarks from the best homography of the frontal frame's,
/// over the face width, a turn must show (`tests` measure a turned head and pictures).
const NOT_FLAT: f32 = 0.012;
/// Share of the frontal frame's `Pose::aspect` a turn must keep: a head keeps 0.97 at the 10° a
/// turn needs (0.89 at 25°); a picture turned as a card far enough for the mesh to read a turn
/// into it (50°) keeps about 0.82 (`tests`).
const ASPECT_KEPT: f32 = 0.9;
/// A face missing for longer than this ends the challenge (someone left, or swapped what they
/// hold to the camera).
const FACE_GONE: Duration = Duration::from_millis(1500);

/// What the challenge reads from one frame's landmarks.
#[derive(Debug, Clone, PartialEq)]
pub struct Pose {
    /// `Landmarks::eye_opening`: the smaller eye's lid gap over its width.
    pub eye_opening: f32,
    /// Where the nose tip sits across the cheek-to-cheek line, minus the middle: near 0 facing
    /// the camera, growing towards the image's right (the applicant turned to their own left).
    pub turn: f32,
    /// `Landmarks::yaw`, degrees: the mesh's depth-based estimate, used only to see a face
    /// facing the camera.
    pub yaw: f32,
    /// Eye distance over the distance from the eyes' midpoint to the chin: a head turned by
    /// 25° keeps nearly all of it, a picture turned as a card loses it with the cosine.
    pub aspect: f32,
    /// The 2-D landmarks, for the flatness test.
    points: Vec<(f32, f32)>,
    face_width: f32,
}

impl Pose {
    pub fn of(face: &Landmarks) -> Pose {
        let (a, b, n) = (face.at(CHEEK_LEFT), face.at(CHEEK_RIGHT), face.at(NOSE_TIP));
        let (dx, dy) = (b.0 - a.0, b.1 - a.1);
        let width2 = (dx * dx + dy * dy).max(1.0);
        let along = ((n.0 - a.0) * dx + (n.1 - a.1) * dy) / width2;
        Pose {
            eye_opening: face.eye_opening(),
            turn: along - 0.5,
            yaw: face.yaw(),
            aspect: {
                let (m, c) = (face.eyes_midpoint(), face.chin());
                face.eye_distance() / ((c.0 - m.0).hypot(c.1 - m.1)).max(1.0)
            },
            points: face.points.iter().map(|p| (p[0], p[1])).collect(),
            face_width: width2.sqrt(),
        }
    }

    /// How far these landmarks are from the nearest homography of `frontal`'s (the maps a flat
    /// picture's points undergo however it is held before a camera), RMS over the frontal face
    /// width: about 0 for a picture, growing with the turn for a head.
    pub fn departure_from_flat(&self, frontal: &Pose) -> f32 {
        let Some(h) = fit_homography(&frontal.points, &self.points) else {
            return 0.0;
        };
        let n = self.points.len().min(frontal.points.len()).max(1) as f64;
        let sum: f64 = frontal
            .points
            .iter()
            .zip(&self.points)
            .map(|(&(x, y), &(u, v))| {
                let (x, y) = (f64::from(x), f64::from(y));
                let w = h[6] * x + h[7] * y + 1.0;
                let pu = (h[0] * x + h[1] * y + h[2]) / w;
                let pv = (h[3] * x + h[4] * y + h[5]) / w;
                (pu - f64::from(u)).powi(2) + (pv - f64::from(v)).powi(2)
            })
            .sum();
        ((sum / n).sqrt() / f64::from(frontal.face_width.max(1.0))) as f32
    }
}

/// Points moved to their centroid and scaled to a root-mean-square distance of √2 (Hartley's
/// normalisation, which keeps the fit well conditioned), with the map that does it:
/// `p' = (p − centre) · scale`.
fn normalised(points: &[(f32, f32)]) -> (Vec<(f64, f64)>, (f64, f64), f64) {
    let n = points.len().max(1) as f64;
    let (sx, sy) = points.iter().fold((0.0, 0.0), |s, p| {
        (s.0 + f64::from(p.0), s.1 + f64::from(p.1))
    });
    let centre = (sx / n, sy / n);
    let rms = (points
        .iter()
        .map(|p| (f64::from(p.0) - centre.0).powi(2) + (f64::from(p.1) - centre.1).powi(2))
        .sum::<f64>()
        / n)
        .sqrt()
        .max(1e-9);
    let scale = std::f64::consts::SQRT_2 / rms;
    let out = points
        .iter()
        .map(|p| {
            (
                (f64::from(p.0) - centre.0) * scale,
                (f64::from(p.1) - centre.1) * scale,
            )
        })
        .collect();
    (out, centre, scale)
}

/// The homography `h` (h₈ = 1) taking `from` nearest to `to` (direct linear transform on
/// normalised points, least squares), in the original coordinates; `None` when degenerate.
fn fit_homography(from: &[(f32, f32)], to: &[(f32, f32)]) -> Option<[f64; 8]> {
    let n = from.len().min(to.len());
    if n < 4 {
        return None;
    }
    let (a, ca, sa) = normalised(&from[..n]);
    let (b, cb, sb) = normalised(&to[..n]);
    // Normal equations of the 2n×8 system.
    let mut m = [[0.0f64; 9]; 8];
    for (&(x, y), &(u, v)) in a.iter().zip(&b) {
        for (row, rhs) in [
            ([x, y, 1.0, 0.0, 0.0, 0.0, -u * x, -u * y], u),
            ([0.0, 0.0, 0.0, x, y, 1.0, -v * x, -v * y], v),
        ] {
            for i in 0..8 {
                for j in 0..8 {
                    m[i][j] += row[i] * row[j];
                }
                m[i][8] += row[i] * rhs;
            }
        }
    }
    let h = solve(m)?;
    // Undo the normalisations: H = Tb⁻¹ · Hn · Ta.
    let hn = [[h[0], h[1], h[2]], [h[3], h[4], h[5]], [h[6], h[7], 1.0]];
    let ta = [
        [sa, 0.0, -sa * ca.0],
        [0.0, sa, -sa * ca.1],
        [0.0, 0.0, 1.0],
    ];
    let tb_inv = [
        [1.0 / sb, 0.0, cb.0],
        [0.0, 1.0 / sb, cb.1],
        [0.0, 0.0, 1.0],
    ];
    let full = mul(&tb_inv, &mul(&hn, &ta));
    let k = full[2][2];
    if k.abs() < 1e-12 {
        return None;
    }
    Some([
        full[0][0] / k,
        full[0][1] / k,
        full[0][2] / k,
        full[1][0] / k,
        full[1][1] / k,
        full[1][2] / k,
        full[2][0] / k,
        full[2][1] / k,
    ])
}

fn mul(a: &[[f64; 3]; 3], b: &[[f64; 3]; 3]) -> [[f64; 3]; 3] {
    std::array::from_fn(|i| std::array::from_fn(|j| (0..3).map(|k| a[i][k] * b[k][j]).sum()))
}

/// Gaussian elimination with partial pivoting on an 8×8 system (last column the right-hand
/// side); `None` when singular.
fn solve(mut m: [[f64; 9]; 8]) -> Option<[f64; 8]> {
    for col in 0..8 {
        let pivot = (col..8).max_by(|&i, &j| m[i][col].abs().total_cmp(&m[j][col].abs()))?;
        if m[pivot][col].abs() < 1e-12 {
            return None;
        }
        m.swap(col, pivot);
        let pivot_row = m[col];
        for (r, row) in m.iter_mut().enumerate() {
            if r != col {
                let f = row[col] / pivot_row[col];
                for (value, p) in row.iter_mut().zip(pivot_row).skip(col) {
                    *value -= f * p;
                }
            }
        }
    }
    Some(std::array::from_fn(|i| m[i][8] / m[i][i]))
}

/// Whether `pose` is a head turned from `frontal` to the side `sign` (+1 the applicant's left):
/// the nose moved far enough across the cheeks, the face kept its proportions, and the landmarks
/// left every homography of the frontal ones (a flat picture moves by one).
pub fn is_turn(frontal: &Pose, pose: &Pose, sign: f32) -> bool {
    sign * (pose.turn - frontal.turn) >= TURNED
        && pose.aspect >= ASPECT_KEPT * frontal.aspect
        && pose.departure_from_flat(frontal) >= NOT_FLAT
}

/// Where the challenge stands after a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "state", content = "action")]
pub enum Progress {
    /// Show this prompt: the applicant should now do `Action`.
    Asking(Action),
    /// Every action was seen.
    Passed,
    Failed(Failure),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Failure {
    /// The time for an action ran out.
    TimedOut,
    /// No face for longer than `FACE_GONE`.
    FaceLost,
}

/// Where one action stands.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Phase {
    /// Waiting for a frontal face with open eyes to start from.
    Settling,
    /// Frontal seen; waiting for the eyes to close or the head to turn.
    Ready,
    /// Eyes seen closed; waiting for them to open.
    Closed,
}

/// One challenge, fed frame by frame. Times are the camera's, from any fixed origin.
pub struct Challenge {
    actions: Vec<Action>,
    step: usize,
    phase: Phase,
    frontal: Option<Pose>,
    step_started: Option<Duration>,
    last_face: Option<Duration>,
    limit: Duration,
    outcome: Option<Progress>,
}

impl Challenge {
    /// A blink and a turn to a side drawn at random, in a random order; `limit` for each.
    pub fn random(rng: &mut impl RngCore, limit: Duration) -> Challenge {
        let bits = rng.next_u32();
        let turn = if bits & 1 == 0 {
            Action::TurnLeft
        } else {
            Action::TurnRight
        };
        let actions = if bits & 2 == 0 {
            vec![Action::Blink, turn]
        } else {
            vec![turn, Action::Blink]
        };
        Challenge::of(actions, limit)
    }

    /// A challenge of these actions, in this order.
    pub fn of(actions: Vec<Action>, limit: Duration) -> Challenge {
        Challenge {
            actions,
            step: 0,
            phase: Phase::Settling,
            frontal: None,
            step_started: None,
            last_face: None,
            limit,
            outcome: None,
        }
    }

    pub fn actions(&self) -> &[Action] {
        &self.actions
    }

    /// Whether the current action has its frontal start (else the applicant should look
    /// straight at the camera with open eyes first).
    pub fn settled(&self) -> bool {
        self.phase != Phase::Settling
    }

    /// What to show now, before or between frames.
    pub fn progress(&self) -> Progress {
        self.outcome
            .unwrap_or_else(|| Progress::Asking(self.actions[self.step]))
    }

    /// Takes one frame at `at`: the pose of the face in it, or `None` when no face was found.
    /// Once passed or failed, the outcome stays.
    pub fn observe(&mut self, at: Duration, pose: Option<&Pose>) -> Progress {
        if self.outcome.is_some() {
            return self.progress();
        }
        let started = *self.step_started.get_or_insert(at);
        let Some(pose) = pose else {
            // A face that was there and went: long enough, the challenge ends; at all, the
            // current action starts again from a frontal face (what comes back may be a
            // picture slid in). Before the first face only the time limit runs: the applicant
            // may still be looking at the reader.
            if let Some(last) = self.last_face {
                self.phase = Phase::Settling;
                if at.saturating_sub(last) > FACE_GONE {
                    self.outcome = Some(Progress::Failed(Failure::FaceLost));
                    return self.progress();
                }
            }
            if at.saturating_sub(started) > self.limit {
                self.outcome = Some(Progress::Failed(Failure::TimedOut));
            }
            return self.progress();
        };
        self.last_face = Some(at);
        if self.done_with(pose) {
            self.step += 1;
            self.phase = Phase::Settling;
            self.step_started = Some(at);
            if self.step == self.actions.len() {
                self.outcome = Some(Progress::Passed);
            }
        } else if at.saturating_sub(started) > self.limit {
            self.outcome = Some(Progress::Failed(Failure::TimedOut));
        }
        self.progress()
    }

    /// Advances the current action by one pose; true when it is complete.
    fn done_with(&mut self, pose: &Pose) -> bool {
        let frontal_now = pose.yaw.abs() < FACING_DEGREES && pose.eye_opening >= EYES_OPEN;
        match self.phase {
            Phase::Settling => {
                if frontal_now {
                    self.frontal = Some(pose.clone());
                    self.phase = Phase::Ready;
                }
                false
            }
            Phase::Ready | Phase::Closed => match self.actions[self.step] {
                Action::Blink => self.blink(pose),
                Action::TurnLeft => self.turned(pose, 1.0),
                Action::TurnRight => self.turned(pose, -1.0),
            },
        }
    }

    /// Eyes closed, then open again, with the face keeping its proportions: a picture tilted
    /// back also narrows the eyes, but squashes the whole face with them.
    fn blink(&mut self, pose: &Pose) -> bool {
        let steady = self.frontal.as_ref().is_some_and(|f| {
            let ratio = pose.aspect / f.aspect.max(f32::EPSILON);
            (ASPECT_KEPT..=1.0 / ASPECT_KEPT).contains(&ratio)
        });
        if !steady {
            return false;
        }
        match self.phase {
            Phase::Ready if pose.eye_opening < EYES_CLOSED => {
                self.phase = Phase::Closed;
                false
            }
            Phase::Closed => pose.eye_opening >= EYES_OPEN,
            _ => false,
        }
    }

    fn turned(&self, pose: &Pose, sign: f32) -> bool {
        self.frontal
            .as_ref()
            .is_some_and(|frontal| is_turn(frontal, pose, sign))
    }
}

#[cfg(test)]
mod tests;
