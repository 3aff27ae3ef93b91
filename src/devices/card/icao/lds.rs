//! The logical data structure of an ICAO 9303 chip (Doc 9303 Part 10; the face record is ISO/IEC
//! 19794-5; docs/CARDS.md, "ICAO chips"): which data groups EF.COM lists, the MRZ in DG1, the face
//! image inside DG2's biometric templates, and the national-character details of DG11.

use super::mrz::{self, Mrz};
use super::tlv;
use crate::devices::card::error::CardError;

/// File identifiers and the outer tag of each elementary file read.
pub const EF_COM: u16 = 0x011E;
pub const EF_SOD: u16 = 0x011D;

/// The file identifier of data group `n` (`01nn`).
pub fn dg_file(n: u8) -> u16 {
    0x0100 | n as u16
}

/// EF.COM tag → data-group number.
fn dg_of_tag(tag: u8) -> Option<u8> {
    Some(match tag {
        0x61 => 1,
        0x75 => 2,
        0x63 => 3,
        0x76 => 4,
        0x65..=0x6F => tag - 0x65 + 5,
        0x70 => 16,
        _ => return None,
    })
}

/// The outer tag of data group `n`.
pub fn dg_tag(n: u8) -> u8 {
    match n {
        1 => 0x61,
        2 => 0x75,
        3 => 0x63,
        4 => 0x76,
        16 => 0x70,
        n => 0x65 + n - 5,
    }
}

/// The data groups EF.COM says the chip holds.
pub fn listed_groups(com: &[u8]) -> Result<Vec<u8>, CardError> {
    let outer = tlv::expect(com, 0x60)?;
    let list = tlv::find(outer.value, 0x5C)?
        .ok_or_else(|| CardError::Tlv("EF.COM has no tag list (5C)".into()))?;
    list.value
        .iter()
        .map(|&t| {
            dg_of_tag(t).ok_or_else(|| CardError::Tlv(format!("EF.COM lists unknown tag {t:02X}")))
        })
        .collect()
}

/// The MRZ characters of DG1 and their parse.
pub fn dg1_mrz(dg1: &[u8]) -> Result<(String, Mrz), CardError> {
    let outer = tlv::expect(dg1, 0x61)?;
    let field = tlv::find(outer.value, 0x5F1F)?
        .ok_or_else(|| CardError::Tlv("DG1 has no MRZ (5F1F)".into()))?;
    // Card-type permits carry their 30-character line followed by an undocumented national
    // record (docs/CARDS.md, "Chinese travel permits"), which may hold GBK bytes: only the
    // line is an MRZ, and only the line must be ASCII.
    let permit = field.value.starts_with(b"CS") || field.value.starts_with(b"CD");
    let mrz_bytes = if permit {
        &field.value[..field.value.len().min(30)]
    } else {
        field.value
    };
    let text = std::str::from_utf8(mrz_bytes)
        .ok()
        .filter(|s| s.is_ascii())
        .ok_or_else(|| CardError::Tlv("DG1 MRZ is not ASCII".into()))?;
    let lines: Vec<&str> = if permit {
        vec![text]
    } else {
        match text.len() {
            88 => vec![&text[..44], &text[44..]],
            90 => vec![&text[..30], &text[30..60], &text[60..]],
            72 => vec![&text[..36], &text[36..]],
            n => return Err(CardError::Tlv(format!("DG1 MRZ has {n} characters"))),
        }
    };
    let parsed = mrz::parse(&lines.join("\n"))?;
    Ok((text.to_string(), parsed))
}

/// The holder's Chinese name some card permits carry GBK-coded right after the MRZ line in DG1
/// (12 bytes, up to six characters, padded with `<`, spaces or zeros): decoded when those bytes
/// are GBK Chinese text, none otherwise (filler, or a record this kiosk does not know).
pub fn dg1_permit_name(dg1: &[u8]) -> Option<String> {
    let outer = tlv::expect(dg1, 0x61).ok()?;
    let field = tlv::find(outer.value, 0x5F1F).ok()??;
    let value = field.value;
    if !(value.starts_with(b"CS") || value.starts_with(b"CD")) || value.len() <= 30 {
        return None;
    }
    let raw = &value[30..value.len().min(42)];
    let end = raw
        .iter()
        .rposition(|b| !matches!(b, b'<' | b' ' | 0))
        .map_or(0, |i| i + 1);
    let raw = &raw[..end];
    // Only double-byte characters: an ASCII record is filler or something else.
    if raw.is_empty() || raw.iter().any(u8::is_ascii) {
        return None;
    }
    let (text, _, malformed) = encoding_rs::GBK.decode(raw);
    (!malformed).then(|| text.into_owned())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ImageFormat {
    Jpeg,
    Jpeg2000,
}

/// The first face image in DG2 (biometric information template `7F61` → `7F60` → `5F2E`/`7F2E`,
/// an ISO/IEC 19794-5 record whose image is found by its magic number).
pub fn dg2_face(dg2: &[u8]) -> Result<(ImageFormat, Vec<u8>), CardError> {
    let outer = tlv::expect(dg2, 0x75)?;
    let group = tlv::find(outer.value, 0x7F61)?
        .ok_or_else(|| CardError::Tlv("DG2 has no biometric group (7F61)".into()))?;
    let template = tlv::find(group.value, 0x7F60)?
        .ok_or_else(|| CardError::Tlv("DG2 has no biometric template (7F60)".into()))?;
    let block = tlv::all(template.value)?
        .into_iter()
        .find(|t| t.tag == 0x5F2E || t.tag == 0x7F2E)
        .ok_or_else(|| CardError::Tlv("DG2 has no biometric data block".into()))?;
    let record = block.value;
    if !record.starts_with(b"FAC\0") {
        return Err(CardError::Tlv(
            "DG2 data block is not an ISO 19794-5 face record".into(),
        ));
    }
    let magics: [(&[u8], ImageFormat); 3] = [
        (&[0xFF, 0xD8, 0xFF], ImageFormat::Jpeg),
        (
            &[0, 0, 0, 0x0C, 0x6A, 0x50, 0x20, 0x20],
            ImageFormat::Jpeg2000,
        ),
        (&[0xFF, 0x4F, 0xFF, 0x51], ImageFormat::Jpeg2000),
    ];
    magics
        .iter()
        .filter_map(|(m, f)| find_bytes(record, m).map(|at| (at, *f)))
        .min_by_key(|(at, _)| *at)
        .map(|(at, f)| (f, record[at..].to_vec()))
        .ok_or_else(|| CardError::Tlv("DG2 face record holds no JPEG or JPEG 2000 image".into()))
}

fn find_bytes(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Additional personal details (DG11) a kiosk uses.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct PersonalDetails {
    /// Full name in national characters (Chinese documents: the Chinese name).
    pub full_name: Option<String>,
    pub personal_number: Option<String>,
    /// YYYYMMDD.
    pub full_birth_date: Option<String>,
    pub place_of_birth: Option<String>,
}

/// Text of a DG11 field: UTF-8 as LDS 1.7 specifies, GB18030 as some national documents write.
fn text(value: &[u8]) -> String {
    match std::str::from_utf8(value) {
        Ok(s) => s.to_string(),
        Err(_) => encoding_rs::GB18030.decode(value).0.into_owned(),
    }
    .trim_end_matches(['\0', ' '])
    .to_string()
}

pub fn dg11(dg11: &[u8]) -> Result<PersonalDetails, CardError> {
    let outer = tlv::expect(dg11, 0x6B)?;
    let mut out = PersonalDetails::default();
    for t in tlv::all(outer.value)? {
        let slot = match t.tag {
            0x5F0E => &mut out.full_name,
            0x5F10 => &mut out.personal_number,
            0x5F2B => &mut out.full_birth_date,
            0x5F11 => &mut out.place_of_birth,
            _ => continue,
        };
        *slot = Some(text(t.value));
    }
    Ok(out)
}

/// Encoders for the virtual card and the tests: the same layouts, written.
pub mod build {
    use super::*;

    pub fn com(groups: &[u8]) -> Vec<u8> {
        let tags: Vec<u8> = groups.iter().map(|&g| dg_tag(g)).collect();
        let mut v = tlv::encode(0x5F01, b"0107");
        v.extend(tlv::encode(0x5F36, b"040000"));
        v.extend(tlv::encode(0x5C, &tags));
        tlv::encode(0x60, &v)
    }

    pub fn dg1(mrz_chars: &str) -> Vec<u8> {
        tlv::encode(0x61, &tlv::encode(0x5F1F, mrz_chars.as_bytes()))
    }

    /// A minimal ISO/IEC 19794-5 record around a JPEG: format `FAC\0`, version `010\0`, record
    /// length, one face.
    pub fn dg2(jpeg: &[u8]) -> Vec<u8> {
        let mut record = b"FAC\x00010\x00".to_vec();
        let total = 14 + 20 + 12 + jpeg.len();
        record.extend_from_slice(&(total as u32).to_be_bytes());
        record.extend_from_slice(&1u16.to_be_bytes());
        // Facial information block (20 bytes) and image information block (12 bytes), zeroed
        // apart from the block length and the image data type (0 = JPEG).
        let mut facial = vec![0u8; 20];
        facial[..4].copy_from_slice(&((20 + 12 + jpeg.len()) as u32).to_be_bytes());
        record.extend(facial);
        record.extend(vec![0u8; 12]);
        record.extend_from_slice(jpeg);
        let mut bit = tlv::encode(0xA1, &[0x87, 0x02, 0x01, 0x01, 0x88, 0x02, 0x05, 0x01]);
        bit.extend(tlv::encode(0x5F2E, &record));
        let mut group = vec![0x02, 0x01, 0x01];
        group.extend(tlv::encode(0x7F60, &bit));
        tlv::encode(0x75, &tlv::encode(0x7F61, &group))
    }

    pub fn dg11(details: &PersonalDetails) -> Vec<u8> {
        let mut v = Vec::new();
        let fields = [
            (0x5F0E, &details.full_name),
            (0x5F10, &details.personal_number),
            (0x5F2B, &details.full_birth_date),
            (0x5F11, &details.place_of_birth),
        ];
        let tags: Vec<u8> = fields
            .iter()
            .filter(|(_, f)| f.is_some())
            .flat_map(|(t, _)| (*t as u16).to_be_bytes())
            .collect();
        v.extend(tlv::encode(0x5C, &tags));
        for (tag, f) in fields {
            if let Some(s) = f {
                v.extend(tlv::encode(tag, s.as_bytes()));
            }
        }
        tlv::encode(0x6B, &v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TD3: &str =
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<L898902C36UTO7408122F1204159ZE184226B<<<<<10";

    #[test]
    fn reads_back_what_it_writes() {
        assert_eq!(
            listed_groups(&build::com(&[1, 2, 11, 14])).unwrap(),
            [1, 2, 11, 14]
        );
        let (text, m) = dg1_mrz(&build::dg1(TD3)).unwrap();
        assert_eq!(
            (text.as_str(), m.document_number.as_str()),
            (TD3, "L898902C3")
        );
        let jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3, 0xFF, 0xD9];
        assert_eq!(
            dg2_face(&build::dg2(&jpeg)).unwrap(),
            (ImageFormat::Jpeg, jpeg.to_vec())
        );
        let details = PersonalDetails {
            full_name: Some("张三".into()),
            personal_number: Some("11010519491231002X".into()),
            ..Default::default()
        };
        assert_eq!(dg11(&build::dg11(&details)).unwrap(), details);
    }

    #[test]
    fn finds_the_image_in_the_dg2_vicc_serves_with_its_outer_tag_restored() {
        // The nesting vicc serves (docs/CARDS.md, "ICAO chips"): 7F61 → 020101 → 7F60 →
        // A1 08 8702 0101 8802 0501 → 5F2E "FAC\0" "010\0" …
        let jpeg = [0xFF, 0xD8, 0xFF, 0xDB, 0, 0, 0xFF, 0xD9];
        let dg2 = build::dg2(&jpeg);
        assert_eq!(&dg2[..2], &[0x75, dg2.len() as u8 - 2]);
        assert!(
            dg2_face(&dg2[2..]).is_err(),
            "vicc's DG2 lacks the outer 75 tag"
        );
    }

    #[test]
    fn the_permit_record_yields_its_one_line_mrz() {
        let line = mrz::permit_line("CS", "C12345678", "310101", "920418");
        let record = format!("{line}{}", "X".repeat(60));
        match dg1_mrz(&build::dg1(&record)) {
            Ok((_, m)) => assert_eq!(m.document_number, "C12345678"),
            Err(e) => panic!("{e}"),
        }
        assert_eq!(dg1_permit_name(&build::dg1(&record)), None, "ASCII filler");
    }

    #[test]
    fn a_gbk_name_after_the_permit_line_is_decoded_and_does_not_break_the_mrz() {
        let line = mrz::permit_line("CS", "C12345678", "310101", "920418");
        let (gbk, _, _) = encoding_rs::GBK.encode("曾小芳");
        let mut record = line.into_bytes();
        record.extend_from_slice(&gbk);
        record.extend_from_slice(&[b'<'; 6]);
        record.extend_from_slice(&[b'<'; 48]);
        let dg1 = tlv::encode(0x61, &tlv::encode(0x5F1F, &record));
        let (_, m) = dg1_mrz(&dg1).expect("the line is still read");
        assert_eq!(m.document_number, "C12345678");
        assert_eq!(dg1_permit_name(&dg1).as_deref(), Some("曾小芳"));
        // A half character is not a name.
        let mut cut = mrz::permit_line("CS", "C12345678", "310101", "920418").into_bytes();
        cut.extend_from_slice(&gbk[..5]);
        let dg1 = tlv::encode(0x61, &tlv::encode(0x5F1F, &cut));
        assert_eq!(dg1_permit_name(&dg1), None);
    }

    #[test]
    fn garbage_is_an_error() {
        for bad in [
            &[][..],
            &[0x60, 0x02, 0x5C, 0x05],
            &[0x61, 0x03, 0x5F, 0x1F, 0x05],
            &[0x75, 0x00],
        ] {
            assert!(listed_groups(bad).is_err());
            assert!(dg1_mrz(bad).is_err());
            assert!(dg2_face(bad).is_err());
        }
    }
}
