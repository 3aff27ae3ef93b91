//! The 256-byte ID-card text block: any bytes give an identity or an error, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 26).expect("date");
    let _ = kiosk::devices::card::idcard::cnid::parse_text_block(data, today);
});
