//! The verification decision: a live face and a document portrait are the same person when
//! their descriptors lie within the threshold. The default is strict: on the London set the
//! descriptor's customary 0.6 accepts a fifth of East-Asian impostor pairs, so a kiosk errs
//! towards "please go to the window" (docs/FACE.md, "Accuracy").

use serde::Serialize;

use super::descriptor::Descriptor;

/// Default largest descriptor distance accepted as the same person (`[holder_check] threshold`).
pub const DEFAULT_THRESHOLD: f32 = 0.40;

/// One comparison, as stored and sent: the verdict and the distance, never the descriptors.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Comparison {
    pub distance: f32,
    pub threshold: f32,
    pub same_person: bool,
}

pub fn compare(reference: &Descriptor, live: &Descriptor, threshold: f32) -> Comparison {
    let distance = reference.distance(live);
    Comparison {
        distance,
        threshold,
        same_person: distance <= threshold,
    }
}
