//! The eSpeak NG adapter of the `Synthesizer` port: offline speech for Mandarin (`cmn`) and
//! English (`en`) through libespeak-ng (Debian `libespeak-ng1`, data `espeak-ng-data`).
//!
//! Chosen over clips rendered at build time because the notices and prompts change with the
//! translations, and a clip set would have to be rebuilt and shipped with every change; the
//! engine starts in milliseconds and speaks a prompt in a few (docs/BENCHMARKS.md). Its Mandarin
//! is robotic but clear, and it is packaged, maintained and GPL-3.0 like the kiosk.
//!
//! eSpeak NG keeps its state in globals, so every call goes through one process-wide lock; the
//! samples of a synthesis are collected by its callback into that call's buffer.

use std::ffi::{CString, c_int, c_short, c_void};
use std::sync::Mutex;

use super::espeak_ffi as ffi;
use super::{Pcm, Style, Synthesizer, VoiceError, VoiceLang};

/// The engine's sample rate once it is started; held for every call into eSpeak NG.
static ENGINE: Mutex<Option<u32>> = Mutex::new(None);

/// The samples being produced by the synthesis in progress (its caller holds `ENGINE`).
static CHUNKS: Mutex<Vec<i16>> = Mutex::new(Vec::new());

unsafe extern "C" fn collect(wav: *mut c_short, count: c_int, _events: *mut c_void) -> c_int {
    if !wav.is_null() && count > 0 {
        // SAFETY: eSpeak NG hands `count` samples at `wav`, valid during the call.
        let chunk = unsafe { std::slice::from_raw_parts(wav, count as usize) };
        CHUNKS
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(chunk);
    }
    0
}

/// eSpeak NG through its library; any number of these share the one engine.
#[derive(Debug, Default)]
pub struct Espeak;

impl Espeak {
    pub fn new() -> Espeak {
        Espeak
    }
}

fn voice_name(lang: VoiceLang) -> &'static str {
    match lang {
        VoiceLang::Chinese => "cmn",
        VoiceLang::English => "en",
    }
}

impl Synthesizer for Espeak {
    fn synthesize(&mut self, text: &str, lang: VoiceLang, style: Style) -> Result<Pcm, VoiceError> {
        let mut engine = ENGINE.lock().unwrap_or_else(|p| p.into_inner());
        let rate = match *engine {
            Some(rate) => rate,
            None => {
                // SAFETY: called once, under the lock; NULL path = the packaged data. Without
                // DONT_EXIT the library ends the process when its data is missing.
                let rate = unsafe {
                    ffi::espeak_Initialize(
                        ffi::AUDIO_OUTPUT_SYNCHRONOUS,
                        0,
                        std::ptr::null(),
                        ffi::INITIALIZE_DONT_EXIT,
                    )
                };
                if rate <= 0 {
                    return Err(VoiceError::Unavailable(
                        "espeak_Initialize failed: is espeak-ng-data installed?".into(),
                    ));
                }
                // SAFETY: a plain function that lives as long as the process.
                unsafe { ffi::espeak_SetSynthCallback(collect) };
                *engine = Some(rate as u32);
                rate as u32
            }
        };
        let voice = CString::new(voice_name(lang)).expect("no NUL in a voice name");
        let text = CString::new(text.replace('\0', " ")).expect("NULs replaced");
        CHUNKS.lock().unwrap_or_else(|p| p.into_inner()).clear();
        // SAFETY: under the lock; the strings outlive the calls; synchronous mode returns when
        // every sample has reached the callback.
        unsafe {
            let found = ffi::espeak_SetVoiceByName(voice.as_ptr());
            if found != ffi::EE_OK {
                return Err(VoiceError::Unavailable(format!(
                    "no {} voice (error {found})",
                    voice_name(lang)
                )));
            }
            ffi::espeak_SetParameter(ffi::VOLUME, c_int::from(style.volume.min(100)), 0);
            ffi::espeak_SetParameter(
                ffi::RATE,
                c_int::from(style.words_per_minute.clamp(80, 450)),
                0,
            );
            let bytes = text.as_bytes_with_nul();
            let status = ffi::espeak_Synth(
                bytes.as_ptr().cast(),
                bytes.len(),
                0,
                ffi::POS_CHARACTER,
                0,
                ffi::CHARS_UTF8,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
            );
            if status != ffi::EE_OK {
                return Err(VoiceError::Synthesis(status));
            }
            ffi::espeak_Synchronize();
        }
        let samples = std::mem::take(&mut *CHUNKS.lock().unwrap_or_else(|p| p.into_inner()));
        Ok(Pcm { rate, samples })
    }
}
