//! MRZ text of any shape: TD1, TD3, the permit line, or an error.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(m) = kiosk::devices::card::icao::mrz::parse(text) {
            let _ = m.bac_input();
        }
    }
});
