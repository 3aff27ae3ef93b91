//! The part of eSpeak NG's C API (`espeak-ng/speak_lib.h`, 1.51) the adapter calls, declared by
//! hand.

use std::ffi::{c_char, c_int, c_short, c_uint, c_void};

/// `AUDIO_OUTPUT_SYNCHRONOUS`: `espeak_Synth` runs in the calling thread and hands the samples
/// to the callback before it returns.
pub const AUDIO_OUTPUT_SYNCHRONOUS: c_int = 2;
/// `espeakINITIALIZE_DONT_EXIT`: a missing data directory is an error code, not `exit(1)`.
pub const INITIALIZE_DONT_EXIT: c_int = 0x8000;
/// `espeakCHARS_UTF8`.
pub const CHARS_UTF8: c_uint = 1;
/// `POS_CHARACTER`.
pub const POS_CHARACTER: c_int = 1;
/// `espeakRATE`, `espeakVOLUME` (`espeak_PARAMETER`).
pub const RATE: c_int = 1;
pub const VOLUME: c_int = 2;
/// `EE_OK`.
pub const EE_OK: c_int = 0;

/// The callback gets the samples of each chunk (`numsamples` 0 at the end); returning 1 stops
/// the synthesis.
pub type SynthCallback =
    unsafe extern "C" fn(wav: *mut c_short, numsamples: c_int, events: *mut c_void) -> c_int;

#[link(name = "espeak-ng")]
unsafe extern "C" {
    pub fn espeak_Initialize(
        output: c_int,
        buflength: c_int,
        path: *const c_char,
        options: c_int,
    ) -> c_int;
    pub fn espeak_SetSynthCallback(callback: SynthCallback);
    pub fn espeak_SetVoiceByName(name: *const c_char) -> c_int;
    pub fn espeak_SetParameter(parameter: c_int, value: c_int, relative: c_int) -> c_int;
    pub fn espeak_Synth(
        text: *const c_void,
        size: usize,
        position: c_uint,
        position_type: c_int,
        end_position: c_uint,
        flags: c_uint,
        unique_identifier: *mut c_uint,
        user_data: *mut c_void,
    ) -> c_int;
    pub fn espeak_Synchronize() -> c_int;
}
