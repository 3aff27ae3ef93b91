//! The holder check's words, shared by the session, the core and the record: what the applicant
//! is asked to do at the camera, and the verdict that is kept. The verdict carries the distance,
//! threshold and model — never a face or a descriptor (docs/FACE.md, "Privacy").

use std::fmt;

use zeroize::Zeroizing;

/// The portrait a document holds (DG2's JPEG or JPEG 2000, or the ID card's photo), as bytes.
/// Personal data: `Debug` gives only its size, the bytes are wiped on drop.
#[derive(Clone, PartialEq, Eq)]
pub struct Portrait(pub Zeroizing<Vec<u8>>);

impl fmt::Debug for Portrait {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Portrait({} bytes)", self.0.len())
    }
}

/// What the applicant is asked to do now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum HolderPrompt {
    /// Look at the camera, face straight on, eyes open (the start of every action).
    LookAtCamera,
    Blink,
    /// Turn the head to the applicant's own left.
    TurnLeft,
    TurnRight,
}

/// How a holder check ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum HolderOutcome {
    /// Live, and the same person as the portrait.
    Confirmed,
    /// Live, but not confirmed as the portrait's person.
    NotConfirmed,
    /// The liveness challenge was not completed in time.
    NotLive,
    /// No face was found in the document's portrait (nothing to compare with).
    NoPortraitFace,
    /// The check could not run: the camera did not open or stalled, or a face model failed.
    CheckFailed,
}

/// The verdict kept with the transaction and sent to the central.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct HolderVerdict {
    pub outcome: HolderOutcome,
    /// Descriptor distance, when both faces were described.
    pub distance: Option<f32>,
    pub threshold: f32,
    /// The descriptor model, so a verdict can be read against the model that made it.
    pub model: String,
}

impl HolderVerdict {
    pub fn confirmed(&self) -> bool {
        self.outcome == HolderOutcome::Confirmed
    }
}

/// How a kiosk uses the holder check's verdict (`[station.holder_check]`,
/// `[hall.holder_check]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HolderPolicy {
    /// Attempts (at least one) before the verdict stands.
    pub tries: u32,
    /// Not confirmed → the window; else the verdict is recorded (station) or printed for the
    /// clerk (hall) and the applicant goes on.
    pub required: bool,
}

impl HolderPolicy {
    pub fn new(tries: u32, required: bool) -> HolderPolicy {
        HolderPolicy {
            tries: tries.max(1),
            required,
        }
    }

    /// Whether another attempt follows `verdict` after `attempts` made: it helps a face that
    /// was not confirmed or did not finish the challenge; a portrait without a face, or a
    /// camera or model fault, would only fail again.
    pub fn retry(&self, verdict: &HolderVerdict, attempts: u32) -> bool {
        matches!(
            verdict.outcome,
            HolderOutcome::NotConfirmed | HolderOutcome::NotLive
        ) && attempts < self.tries
    }
}
