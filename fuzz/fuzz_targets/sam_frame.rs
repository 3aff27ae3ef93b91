//! Reader-module frames: preamble, length, checksum, status and the text/photo split.
#![no_main]
use libfuzzer_sys::fuzz_target;
use kiosk::devices::card::idcard::sam;

fuzz_target!(|data: &[u8]| {
    if let Ok((_, payload)) = sam::response(data) {
        let _ = sam::base_data(payload);
    }
});
