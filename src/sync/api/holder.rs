//! The holder check's verdict as the central receives it, with an endorsement's issuance request
//! (`IssuanceRequest.holder_check`) or a hall application (`Submission.holder_check`): outcome,
//! distance, threshold and model — never a face or a descriptor (docs/FACE.md, "Privacy").

use serde::{Deserialize, Serialize};

use crate::domain::holder::{HolderOutcome, HolderVerdict};

/// A holder check's verdict as the central receives it: never a face or a descriptor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HolderCheck {
    pub outcome: HolderCheckOutcome,
    /// Face-descriptor distance, when both faces were described (4 decimals).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distance: Option<f64>,
    pub threshold: f64,
    /// The descriptor model that made the verdict.
    pub model: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HolderCheckOutcome {
    Confirmed,
    NotConfirmed,
    NotLive,
    NoPortraitFace,
    CheckFailed,
}

/// `v` to four decimals, as the wire carries it (0.21, not the f32's 0.20999999344…).
fn four_decimals(v: f32) -> f64 {
    (f64::from(v) * 10_000.0).round() / 10_000.0
}

impl From<&HolderVerdict> for HolderCheck {
    fn from(v: &HolderVerdict) -> HolderCheck {
        HolderCheck {
            outcome: match v.outcome {
                HolderOutcome::Confirmed => HolderCheckOutcome::Confirmed,
                HolderOutcome::NotConfirmed => HolderCheckOutcome::NotConfirmed,
                HolderOutcome::NotLive => HolderCheckOutcome::NotLive,
                HolderOutcome::NoPortraitFace => HolderCheckOutcome::NoPortraitFace,
                HolderOutcome::CheckFailed => HolderCheckOutcome::CheckFailed,
            },
            distance: v.distance.map(four_decimals),
            threshold: four_decimals(v.threshold),
            model: v.model.clone(),
        }
    }
}
