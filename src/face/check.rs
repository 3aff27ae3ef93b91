//! One holder check, fed camera frame by camera frame: the liveness challenge on the face
//! followed from frame to frame, and the face compared with the portrait on the frames of the
//! challenge itself — the frontal start of every action and every fifth frontal frame between —
//! so the face that blinks and turns is the face that is compared (a picture of the holder shown
//! first, or slid in between, does not lend it its likeness). The camera thread drives it; it
//! only measures and decides.
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
/// The mesh's yaw under which a frame may be compared (degrees).
const FRONTAL_DEGREES: f32 = 12.0;
/// Lid gap over eye width a compared frame must show (eyes open).
const EYES_OPEN: f32 = 0.2;
/// Between the actions' starts, every this many frontal frames is compared too.
const COMPARE_EVERY: u32 = 5;

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

/// Why a check could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The portrait shows no face: the verdict to report.
    #[error("no face in the portrait")]
    NoPortraitFace(HolderVerdict),
    /// A bundled face model failed (a build fault: log it; staff compare).
    #[error("{0}")]
    Model(String),
}

pub struct HolderCheck {
    reference: Descriptor,
    tracker: Tracker,
    challenge: Challenge,
    settings: CheckSettings,
    /// Frontal frames seen since the last comparison.
    frontal_frames: u32,
    /// Comparisons made, and the largest distance among them.
    compared: u32,
    worst: f32,
    /// Simulated liveness: when the first comparison was made, from which the simulated
    /// applicant's actions are timed (loading the models may take seconds before it).
    simulated_from: Option<Duration>,
}

pub fn verdict(outcome: HolderOutcome, distance: Option<f32>, threshold: f32) -> HolderVerdict {
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
    /// Errors: [`StartError::NoPortraitFace`] when the portrait shows no face (nothing to
    /// compare with), [`StartError::Model`] when a bundled model fails.
    pub fn start(
        portrait: &RgbImage,
        settings: CheckSettings,
        rng: &mut impl RngCore,
    ) -> Result<HolderCheck, StartError> {
        let mut detector = Detector::new();
        let reference = match describe(&mut detector, portrait) {
            Ok(d) => d.descriptor,
            Err(DescribeError::NoFace | DescribeError::TooSmall(_)) => {
                return Err(StartError::NoPortraitFace(verdict(
                    HolderOutcome::NoPortraitFace,
                    None,
                    settings.threshold,
                )));
            }
            Err(DescribeError::Model(m)) => return Err(StartError::Model(m)),
        };
        Ok(HolderCheck {
            reference,
            tracker: Tracker::new(),
            challenge: Challenge::random(rng, settings.action_limit),
            settings,
            frontal_frames: 0,
            compared: 0,
            worst: 0.0,
            simulated_from: None,
        })
    }

    pub fn threshold(&self) -> f32 {
        self.settings.threshold
    }

    /// Takes one frame, `at` since the check started: the prompt to show, or the verdict.
    ///
    /// Errors: a bundled face model failed.
    pub fn frame(&mut self, at: Duration, frame: &RgbImage) -> Result<Update, ModelError> {
        let landmarks = self.tracker.next(frame)?.cloned();
        let pose = landmarks.as_ref().map(Pose::of);
        let was_settled = self.settled();
        let progress = if self.settings.simulated_liveness {
            self.simulated(at, pose.is_some())
        } else {
            self.challenge.observe(at, pose.as_ref())
        };
        if let (Some(l), Some(p)) = (&landmarks, &pose) {
            let settle = !was_settled && self.settled();
            self.maybe_compare(frame, l, p, settle)?;
        }
        Ok(match progress {
            Progress::Asking(_) if landmarks.is_none() || !self.settled() => {
                Update::Prompt(HolderPrompt::LookAtCamera)
            }
            Progress::Asking(action) => Update::Prompt(prompt(action)),
            Progress::Failed(_) => Update::Done(verdict(
                HolderOutcome::NotLive,
                None,
                self.settings.threshold,
            )),
            Progress::Passed => Update::Done(self.decide()),
        })
    }

    fn settled(&self) -> bool {
        self.settings.simulated_liveness || self.challenge.settled()
    }

    /// The simulated applicant does each action in `SIMULATED_ACTION` once the face is seen and
    /// compared, so each instruction is on screen for that long however slow the start was.
    fn simulated(&mut self, at: Duration, face: bool) -> Progress {
        let actions = self.challenge.actions();
        if !face || self.compared == 0 {
            return Progress::Asking(actions[0]);
        }
        let from = *self.simulated_from.get_or_insert(at);
        let step = (at.saturating_sub(from).as_millis() / SIMULATED_ACTION.as_millis()) as usize;
        actions
            .get(step)
            .map_or(Progress::Passed, |&a| Progress::Asking(a))
    }

    /// Compares this frame with the portrait when it is an action's frontal start, or every
    /// `COMPARE_EVERY`-th frontal frame (the first one with simulated liveness).
    fn maybe_compare(
        &mut self,
        frame: &RgbImage,
        landmarks: &Landmarks,
        pose: &Pose,
        settle: bool,
    ) -> Result<(), ModelError> {
        let frontal = pose.yaw.abs() < FRONTAL_DEGREES && pose.eye_opening >= EYES_OPEN;
        if !frontal || !self.settled() {
            return Ok(());
        }
        self.frontal_frames += 1;
        let due = settle
            || self.frontal_frames >= COMPARE_EVERY
            || (self.settings.simulated_liveness && self.compared == 0);
        if !due {
            return Ok(());
        }
        self.frontal_frames = 0;
        let live = match of_landmarks(frame, landmarks) {
            Ok(d) => d,
            Err(DescribeError::NoFace | DescribeError::TooSmall(_)) => return Ok(()),
            Err(DescribeError::Model(detail)) => {
                return Err(ModelError {
                    model: "face descriptor",
                    detail,
                });
            }
        };
        let c = compare(&self.reference, &live, self.settings.threshold);
        self.compared += 1;
        self.worst = self.worst.max(c.distance);
        Ok(())
    }

    /// Live: the same person when every compared frame was.
    fn decide(&self) -> HolderVerdict {
        let threshold = self.settings.threshold;
        if self.compared == 0 {
            return verdict(HolderOutcome::NotLive, None, threshold);
        }
        let outcome = if self.worst <= threshold {
            HolderOutcome::Confirmed
        } else {
            HolderOutcome::NotConfirmed
        };
        verdict(outcome, Some(self.worst), threshold)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::devices::camera::sim::{HEAD_Y, ZOOM_720, booth_subject, frame_with_subject};
    use crate::photo::file::read_picture;

    fn run(check: &mut HolderCheck, frames: &[RgbImage], seconds: u64) -> Vec<Update> {
        (0..seconds * 10)
            .map(|i| {
                let frame = &frames[(i as usize) % frames.len()];
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

    fn london(name: &str) -> RgbImage {
        let path = format!("{}/eval/photo/{name}", env!("CARGO_MANIFEST_DIR"));
        read_picture(std::path::Path::new(&path)).unwrap()
    }

    fn first_verdict(updates: Vec<Update>) -> HolderVerdict {
        match updates.into_iter().find(|u| matches!(u, Update::Done(_))) {
            Some(Update::Done(v)) => v,
            other => panic!("no verdict: {other:?}"),
        }
    }

    fn start(portrait: &RgbImage, simulated: bool) -> HolderCheck {
        HolderCheck::start(portrait, settings(simulated), &mut rand_core::OsRng)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_still_picture_of_the_holder_is_not_live_and_never_compared() {
        let mut check = start(&booth_subject().unwrap(), false);
        let updates = run(&mut check, &[booth_frame()], 6);
        assert!(
            matches!(
                updates[0],
                Update::Prompt(
                    HolderPrompt::Blink | HolderPrompt::TurnLeft | HolderPrompt::TurnRight
                )
            ),
            "the applicant is asked to do something: {:?}",
            updates[0]
        );
        let v = first_verdict(updates);
        assert_eq!((v.outcome, v.distance), (HolderOutcome::NotLive, None));
    }

    #[test]
    fn with_simulated_liveness_the_holder_is_confirmed_and_another_person_is_not() {
        let frame = booth_frame();
        let v = first_verdict(run(
            &mut start(&booth_subject().unwrap(), true),
            std::slice::from_ref(&frame),
            5,
        ));
        assert_eq!(v.outcome, HolderOutcome::Confirmed, "{v:?}");
        assert!(v.distance.unwrap() < 0.40);
        assert_eq!(v.model, MODEL);
        let v = first_verdict(run(
            &mut start(&london("london-002-neutral.jpg"), true),
            &[frame],
            5,
        ));
        assert_eq!(v.outcome, HolderOutcome::NotConfirmed, "{v:?}");
        assert!(v.distance.unwrap() > 0.40);
    }

    #[test]
    fn the_face_compared_is_the_face_at_the_camera_throughout_not_a_picture_shown_first() {
        // The holder's picture (the portrait's own person) alternates with another person: the
        // comparisons on the other person's frames make the verdict, whatever came first.
        let holder = london("london-001-smiling.jpg");
        let other = london("london-002-smiling.jpg");
        let frames = [
            holder.clone(),
            holder.clone(),
            holder,
            other.clone(),
            other.clone(),
            other,
        ];
        let mut check = start(&london("london-001-neutral.jpg"), true);
        let v = first_verdict(run(&mut check, &frames, 6));
        assert_eq!(v.outcome, HolderOutcome::NotConfirmed, "{v:?}");
    }

    #[test]
    fn a_portrait_without_a_face_gives_nothing_to_compare_with() {
        let blank = RgbImage::from_pixel(240, 320, image::Rgb([230, 230, 230]));
        match HolderCheck::start(&blank, settings(false), &mut rand_core::OsRng) {
            Err(StartError::NoPortraitFace(v)) => {
                assert_eq!(v.outcome, HolderOutcome::NoPortraitFace)
            }
            Err(e) => panic!("{e}"),
            Ok(_) => panic!("a blank portrait started a check"),
        }
    }
}
