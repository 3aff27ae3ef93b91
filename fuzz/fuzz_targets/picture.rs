//! Pictures from files and chips: JPEG, PNG and JPEG 2000 (a DG2 portrait's two formats).
#![no_main]
use libfuzzer_sys::fuzz_target;
use kiosk::photo::file::decode_picture;

fuzz_target!(|data: &[u8]| {
    let _ = decode_picture(data);
});
