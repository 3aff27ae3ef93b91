//! One holder check, fed camera frame by camera frame: the liveness challenge on the face
//! followed from frame to frame, the most frontal open-eyed frame kept, and when the challenge
//! is passed that frame's descriptor compared with the portrait's. The camera thread drives it;
//! it only measures and decides.
//!
//! With a simulated camera (demo mode) nobody can blink or turn: `simulated_liveness` then shows
//! each prompt for `SIMULATED_ACTION` and counts it done, as the demo's other simulated devices
//! do. The comparison with the portrait stays real.

use std::time::Duration;

use image::RgbImage;
use rand_core::RngCore;

use super::descriptor::{DescribeError, Descriptor, describe, of_landmarks};
use super::liveness::{Action, Challenge, Pose, Progress};
use super::track::Tracker;
use super::verify::compare;
use crate::domain::holder::{HolderOutcome, HolderPrompt, HolderVerdict};
use crate::photo::Detector;
use crate::photo::landmarks::Landmarks;
use crate::photo::models::ModelError;

/// The descriptor model's name, kept with every verdict.
pub const MODEL: &str = "dlib_face_recognition_resnet_model_v1";
/// How long a simulated applicant takes for one action.
const SIMULATED_ACTION: Duration = Duration::from_millis(1500);
/// The mesh's yaw under which a frame may be the one compared (degrees).
const FRONTAL_DEGREES: f32 = 12.0;
/// Lid gap over eye width a compared frame must show (eyes open).
const EYES_OPEN: f32 = 0.2;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CheckSettings {
    pub threshold: f32,
    /// Time for each action of the challenge.
    pub action_limit: Duration,
    pub simulated_liveness: bool,
}

/// What one frame changed.
#[derive(Debug, Clone, PartialEq)]
pub enum Update {
    Prompt(HolderPrompt),
    Done(HolderVerdict),
}

/// The frame kept for the comparison.
struct Best {
    yaw: f32,
    frame: RgbImage,
    landmarks: Landmarks,
}

pub struct HolderCheck {
    reference: Descriptor,
    tracker: Tracker,
    challenge: Challenge,
    settings: CheckSettings,
    best: Option<Best>,
}

fn verdict(outcome: HolderOutcome, distance: Option<f32>, threshold: f32) -> HolderVerdict {
    HolderVerdict {
        outcome,
        distance,
        threshold,
        model: MODEL.into(),
    }
}

fn prompt(action: Action) -> HolderPrompt {
    match action {
        Action::Blink => HolderPrompt::Blink,
        Action::TurnLeft => HolderPrompt::TurnLeft,
        Action::TurnRight => HolderPrompt::TurnRight,
    }
}

impl HolderCheck {
    /// A check against the face in `portrait`, with a challenge drawn from `rng`.
    ///
    /// Errors: `Err(verdict)` with `NoPortraitFace` when the portrait shows no face (nothing to
    /// compare with), or a bundled model failing (logged by the caller; the verdict is the same,
    /// as staff must compare).
    pub fn start(
        portrait: &RgbImage,
        settings: CheckSettings,
        rng: &mut impl RngCore,
    ) -> Result<HolderCheck, HolderVerdict> {
        let mut detector = Detector::new();
        let reference = match describe(&mut detector, portrait) {
            Ok(d) => d.descriptor,
            Err(DescribeError::NoFace | DescribeError::Model(_)) => {
                return Err(verdict(
                    HolderOutcome::NoPortraitFace,
                    None,
                    settings.threshold,
                ));
            }
        };
        Ok(HolderCheck {
            reference,
            tracker: Tracker::new(),
            challenge: Challenge::random(rng, settings.action_limit),
            settings,
            best: None,
        })
    }

    pub fn threshold(&self) -> f32 {
        self.settings.threshold
    }

    /// Takes one frame, `at` since the check started: the prompt to show, or the verdict.
    pub fn frame(&mut self, at: Duration, frame: &RgbImage) -> Result<Update, ModelError> {
        let landmarks = self.tracker.next(frame)?.cloned();
        let pose = landmarks.as_ref().map(Pose::of);
        if let (Some(l), Some(p)) = (&landmarks, &pose) {
            self.keep_if_best(frame, l, p);
        }
        let progress = if self.settings.simulated_liveness {
            self.simulated(at)
        } else {
            self.challenge.observe(at, pose.as_ref())
        };
        Ok(match progress {
            Progress::Asking(_) if landmarks.is_none() || !self.challenge_settled() => {
                Update::Prompt(HolderPrompt::LookAtCamera)
            }
            Progress::Asking(action) => Update::Prompt(prompt(action)),
            Progress::Failed(_) => Update::Done(verdict(
                HolderOutcome::NotLive,
                None,
                self.settings.threshold,
            )),
            Progress::Passed => Update::Done(self.compare()?),
        })
    }

    fn challenge_settled(&self) -> bool {
        self.settings.simulated_liveness || self.challenge.settled()
    }

    /// The simulated applicant does each action in `SIMULATED_ACTION`, once a frontal frame
    /// was seen.
    fn simulated(&self, at: Duration) -> Progress {
        let actions = self.challenge.actions();
        if self.best.is_none() {
            return Progress::Asking(actions[0]);
        }
        let step = (at.as_millis() / SIMULATED_ACTION.as_millis()) as usize;
        actions
            .get(step)
            .map_or(Progress::Passed, |&a| Progress::Asking(a))
    }

    fn keep_if_best(&mut self, frame: &RgbImage, landmarks: &Landmarks, pose: &Pose) {
        let frontal = pose.yaw.abs() < FRONTAL_DEGREES && pose.eye_opening >= EYES_OPEN;
        if frontal && self.best.as_ref().is_none_or(|b| pose.yaw.abs() < b.yaw) {
            self.best = Some(Best {
                yaw: pose.yaw.abs(),
                frame: frame.clone(),
                landmarks: landmarks.clone(),
            });
        }
    }

    fn compare(&mut self) -> Result<HolderVerdict, ModelError> {
        let threshold = self.settings.threshold;
        let Some(best) = self.best.take() else {
            return Ok(verdict(HolderOutcome::NotLive, None, threshold));
        };
        let live = match of_landmarks(&best.frame, &best.landmarks) {
            Ok(d) => d,
            Err(DescribeError::Model(m)) => {
                return Err(ModelError {
                    model: "face descriptor",
                    detail: m,
                });
            }
            Err(DescribeError::NoFace) => {
                return Ok(verdict(HolderOutcome::NotLive, None, threshold));
            }
        };
        let c = compare(&self.reference, &live, threshold);
        let outcome = if c.same_person {
            HolderOutcome::Confirmed
        } else {
            HolderOutcome::NotConfirmed
        };
        Ok(verdict(outcome, Some(c.distance), threshold))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::devices::camera::sim::{HEAD_Y, ZOOM_720, booth_subject, frame_with_subject};
    use crate::photo::file::read_picture;

    fn run(check: &mut HolderCheck, frame: &RgbImage, seconds: u64) -> Vec<Update> {
        (0..seconds * 10)
            .map(|i| {
                check
                    .frame(Duration::from_millis(100 * i), frame)
                    .expect("models")
            })
            .collect()
    }

    fn settings(simulated: bool) -> CheckSettings {
        CheckSettings {
            threshold: 0.40,
            action_limit: Duration::from_secs(2),
            simulated_liveness: simulated,
        }
    }

    fn booth_frame() -> RgbImage {
        frame_with_subject(&booth_subject().unwrap(), 1280, 720, ZOOM_720, 0.5, HEAD_Y)
    }

    #[test]
    fn a_still_picture_of_the_holder_is_not_live_and_never_compared() {
        let portrait = booth_subject().unwrap();
        let mut check =
            HolderCheck::start(&portrait, settings(false), &mut rand_core::OsRng).unwrap();
        let updates = run(&mut check, &booth_frame(), 6);
        let done: Vec<_> = updates
            .iter()
            .filter_map(|u| match u {
                Update::Done(v) => Some(v),
                _ => None,
            })
            .collect();
        assert!(!done.is_empty(), "the challenge must end in its time");
        assert_eq!(done[0].outcome, HolderOutcome::NotLive);
        assert_eq!(done[0].distance, None);
        // Before it ended the applicant was asked to do something.
        assert!(matches!(
            updates[0],
            Update::Prompt(HolderPrompt::Blink | HolderPrompt::TurnLeft | HolderPrompt::TurnRight)
        ));
    }

    #[test]
    fn with_simulated_liveness_the_holder_is_confirmed_and_another_person_is_not() {
        let frame = booth_frame();
        let holder = booth_subject().unwrap();
        let mut check = HolderCheck::start(&holder, settings(true), &mut rand_core::OsRng).unwrap();
        let v = match run(&mut check, &frame, 4)
            .into_iter()
            .find(|u| matches!(u, Update::Done(_)))
        {
            Some(Update::Done(v)) => v,
            other => panic!("no verdict: {other:?}"),
        };
        assert_eq!(v.outcome, HolderOutcome::Confirmed, "{v:?}");
        assert!(v.distance.unwrap() < 0.40);
        assert_eq!(v.model, MODEL);
        let path = format!(
            "{}/eval/photo/london-002-neutral.jpg",
            env!("CARGO_MANIFEST_DIR")
        );
        let other = read_picture(std::path::Path::new(&path)).unwrap();
        let mut check = HolderCheck::start(&other, settings(true), &mut rand_core::OsRng).unwrap();
        let v = match run(&mut check, &frame, 4)
            .into_iter()
            .find(|u| matches!(u, Update::Done(_)))
        {
            Some(Update::Done(v)) => v,
            other => panic!("no verdict: {other:?}"),
        };
        assert_eq!(v.outcome, HolderOutcome::NotConfirmed, "{v:?}");
        assert!(v.distance.unwrap() > 0.40);
    }

    #[test]
    fn a_portrait_without_a_face_gives_nothing_to_compare_with() {
        let blank = RgbImage::from_pixel(240, 320, image::Rgb([230, 230, 230]));
        let Err(v) = HolderCheck::start(&blank, settings(false), &mut rand_core::OsRng) else {
            panic!("a blank portrait started a check");
        };
        assert_eq!(v.outcome, HolderOutcome::NoPortraitFace);
    }
}
