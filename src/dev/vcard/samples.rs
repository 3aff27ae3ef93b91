//! Synthetic documents for the virtual card: the ICAO specimen passport (TD3 MRZ of Appendix D)
//! and a card-type permit to Hong Kong/Macau for one of the demo ID-card holders. Faces are the
//! demo booth subject; DG2 is padded to a set size so benchmarks read a realistic file.

use std::collections::BTreeMap;

use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;

use super::emrtd::{EmrtdCard, Quirks};
use super::endorsement_area::{AreaRecords, PermitCard};
use super::pki::TestPki;
use crate::devices::card::icao::lds::{self, PersonalDetails, build};
use crate::devices::card::icao::mrz;

/// ICAO 9303 specimen (Part 4 / Appendix D of Part 11): ERIKSSON, L898902C3.
pub const SPECIMEN_TD3: &str =
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<L898902C36UTO7408122F1204159ZE184226B<<<<<10";

/// The demo face as a baseline JPEG of exactly `size` bytes (padded with a comment segment).
pub fn face_jpeg(size: usize) -> Vec<u8> {
    let subject = crate::devices::camera::sim::booth_subject().expect("bundled portrait decodes");
    let small = image::imageops::resize(&subject, 240, 320, FilterType::Triangle);
    let mut jpeg = Vec::new();
    JpegEncoder::new_with_quality(&mut jpeg, 60)
        .encode_image(&small)
        .expect("in-memory JPEG");
    let pad = size.saturating_sub(jpeg.len());
    if pad >= 4 {
        // COM segments carry at most 65533 bytes each.
        let mut segments = Vec::new();
        let mut left = pad;
        while left >= 4 {
            let body = (left - 4).min(65_533 - 2);
            segments.extend_from_slice(&[0xFF, 0xFE]);
            segments.extend_from_slice(&((body + 2) as u16).to_be_bytes());
            segments.extend(std::iter::repeat_n(b' ', body));
            left -= body + 4;
        }
        jpeg.splice(2..2, segments);
    }
    jpeg
}

/// A document's files, EF.SOD included, keyed by file identifier.
fn files(groups: BTreeMap<u8, Vec<u8>>, pki: &TestPki) -> BTreeMap<u16, Vec<u8>> {
    let mut out = BTreeMap::new();
    out.insert(
        lds::EF_COM,
        build::com(&groups.keys().copied().collect::<Vec<_>>()),
    );
    out.insert(
        lds::EF_SOD,
        pki.sign_sod(&groups).expect("signing in memory"),
    );
    for (dg, bytes) in groups {
        out.insert(lds::dg_file(dg), bytes);
    }
    out
}

/// The specimen passport with a DG2 of `face_bytes` face image.
pub fn passport(pki: &TestPki, face_bytes: usize, quirks: Quirks) -> EmrtdCard {
    let mut groups = BTreeMap::new();
    groups.insert(1, build::dg1(SPECIMEN_TD3));
    groups.insert(2, build::dg2(&face_jpeg(face_bytes)));
    let bac = mrz::parse(&format!("{}\n{}", &SPECIMEN_TD3[..44], &SPECIMEN_TD3[44..]))
        .expect("specimen MRZ")
        .bac_input();
    EmrtdCard::new(&bac, files(groups, pki), quirks)
}

/// Permit number, expiry (YYMMDD) and the holder's birth date (YYMMDD) of the sample permit:
/// 曾小芳, the first demo ID card.
pub const PERMIT: (&str, &str, &str) = ("C12345678", "310101", "920418");

pub fn permit(pki: &TestPki, quirks: Quirks) -> EmrtdCard {
    let (number, expiry, birth) = PERMIT;
    let line = mrz::permit_line("CS", number, expiry, birth);
    // The national record after the line is undocumented (docs/CARDS.md, "Chinese travel
    // permits"); filler stands in.
    let record = format!("{line}{}", "<".repeat(60));
    let mut groups = BTreeMap::new();
    groups.insert(1, build::dg1(&record));
    groups.insert(2, build::dg2(&face_jpeg(12_000)));
    groups.insert(
        11,
        build::dg11(&PersonalDetails {
            full_name: Some("曾小芳".into()),
            personal_number: Some("350203199204180025".into()),
            full_birth_date: Some("19920418".into()),
            place_of_birth: Some("福建".into()),
        }),
    );
    let bac = mrz::bac_input_from_fields(number, birth, expiry).expect("sample fields");
    EmrtdCard::new(&bac, files(groups, pki), quirks)
}

/// The sample permit as a whole card: its chip and an endorsement area holding `records`
/// (shared with the caller, who sees what a writer puts there).
pub fn permit_card(pki: &TestPki, quirks: Quirks, records: AreaRecords) -> PermitCard {
    PermitCard::new(permit(pki, quirks), PERMIT.0, records)
}
