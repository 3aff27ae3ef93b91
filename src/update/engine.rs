//! The update engine port: which slot the machine booted, and the verdict on it.

/// The slot the machine is running from, as the update engine reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BootedSlot {
    /// The bootloader's name for it (`A`, `B`).
    pub bootname: String,
    /// What tells one installation into this slot from the next: the bundle version and the
    /// time the engine activated it. An update into the same slot changes it.
    pub installation: String,
    /// The bootloader's first choice is another slot, marked bad: this boot is a fallback from
    /// a failed update.
    pub fell_back: bool,
}

/// The kiosk's verdict on the booted slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Keep booting it.
    Good,
    /// Boot the previous slot next time.
    Bad,
}

/// Why the update engine could not be asked or did not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum UpdateError {
    /// The engine's program or service is not there (not installed, service not running).
    #[error("update engine unavailable: {0}")]
    Unavailable(String),
    /// The engine answered with an error.
    #[error("update engine refused: {0}")]
    Refused(String),
    /// The engine's answer could not be understood.
    #[error("update engine answer not understood: {0}")]
    Answer(String),
}

/// An A/B update engine (RAUC; a test double in unit tests).
pub trait UpdateEngine: Send {
    /// The slot this boot runs from.
    fn booted(&self) -> Result<BootedSlot, UpdateError>;
    /// Records the verdict on the booted slot with the bootloader.
    fn mark(&self, verdict: Verdict) -> Result<(), UpdateError>;
}
