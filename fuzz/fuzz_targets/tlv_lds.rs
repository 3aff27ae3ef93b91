//! BER-TLV and the LDS files built on it: EF.COM, DG1, DG2, DG11 and EF.SOD.
#![no_main]
use libfuzzer_sys::fuzz_target;
use kiosk::devices::card::icao::{lds, pa, tlv};

fuzz_target!(|data: &[u8]| {
    let _ = tlv::all(data);
    let _ = lds::listed_groups(data);
    let _ = lds::dg1_mrz(data);
    let _ = lds::dg2_face(data);
    let _ = lds::dg11(data);
    let _ = pa::parse_sod(data);
});
