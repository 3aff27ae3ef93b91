//! Voice guidance: the `Synthesizer` port (text in one of the kiosk's languages → PCM samples)
//! with its eSpeak NG adapter, and the `AudioOut` port (plays samples, the newest replacing
//! whatever plays) with its ALSA adapter (`aplay`). Kept apart so that what is said can be
//! measured without a sound card, and a kiosk without one still runs.

pub mod aplay;
pub mod espeak;
mod espeak_ffi;

use thiserror::Error;

/// The language a prompt is spoken in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VoiceLang {
    /// Mandarin (eSpeak NG's `cmn` voice).
    Chinese,
    English,
}

/// How the voice sounds: configured in `kiosk.toml` (`[voice]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    /// Loudness, 0–100 (% of the engine's normal amplitude).
    pub volume: u8,
    /// Speaking rate in words per minute (eSpeak NG: 80–450; 175 is its default).
    pub words_per_minute: u16,
}

/// Mono 16-bit PCM.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pcm {
    /// Samples per second.
    pub rate: u32,
    pub samples: Vec<i16>,
}

impl Pcm {
    /// Length in seconds.
    pub fn seconds(&self) -> f64 {
        match self.rate {
            0 => 0.0,
            rate => self.samples.len() as f64 / f64::from(rate),
        }
    }

    /// Root-mean-square amplitude (0 for silence, 32767 at most).
    pub fn rms(&self) -> f64 {
        if self.samples.is_empty() {
            return 0.0;
        }
        let sum: f64 = self.samples.iter().map(|&s| f64::from(s).powi(2)).sum();
        (sum / self.samples.len() as f64).sqrt()
    }
}

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum VoiceError {
    /// The engine could not start or has no voice for the language (the reason is for the log).
    #[error("speech engine unavailable: {0}")]
    Unavailable(String),
    /// The engine refused the text.
    #[error("speech engine error {0}")]
    Synthesis(i32),
    /// No sound could be played (no audio device, the player missing).
    #[error("no sound: {0}")]
    Audio(String),
}

/// Turns text into speech samples.
pub trait Synthesizer: Send {
    fn synthesize(&mut self, text: &str, lang: VoiceLang, style: Style) -> Result<Pcm, VoiceError>;
}

/// Plays speech. `play` returns at once; a new `play` or `stop` cuts off what is playing.
pub trait AudioOut: Send {
    fn play(&mut self, pcm: &Pcm) -> Result<(), VoiceError>;
    fn stop(&mut self);
}
