//! BER-TLV as ISO/IEC 7816-4 and ICAO 9303 Part 10 use it: tags of one to three bytes, definite
//! lengths of up to four bytes. Parsing never trusts a length: every value is bounds-checked.
//! Some chips serve EF.SOD (a CMS structure, which is BER) with indefinite lengths (ITU-T X.690
//! §8.1.3.6: `80`, contents, `00 00`): [`ber_len`] finds where such an element ends and
//! [`definite`] rewrites it with definite lengths, the contents unchanged, for the DER parsers.

use crate::devices::card::error::CardError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tlv<'a> {
    pub tag: u32,
    pub value: &'a [u8],
    /// Tag, length and value: what a data-group hash covers.
    pub whole: &'a [u8],
}

fn err(msg: impl Into<String>) -> CardError {
    CardError::Tlv(msg.into())
}

/// The header of a TLV: (tag, header length, value length). Enough bytes for the header suffice,
/// which is how a file's total size is learnt from its first bytes.
pub fn header(bytes: &[u8]) -> Result<(u32, usize, usize), CardError> {
    let first = *bytes.first().ok_or_else(|| err("empty input"))?;
    let mut tag = first as u32;
    let mut i = 1;
    if first & 0x1F == 0x1F {
        loop {
            let b = *bytes.get(i).ok_or_else(|| err("tag runs past the end"))?;
            tag = (tag << 8) | b as u32;
            i += 1;
            if b & 0x80 == 0 {
                break;
            }
            if i > 3 {
                return Err(err(format!("tag longer than three bytes at {first:02X}")));
            }
        }
    }
    let l0 = *bytes.get(i).ok_or_else(|| err("length missing"))?;
    i += 1;
    let len = match l0 {
        0..=0x7F => l0 as usize,
        0x81..=0x84 => {
            let n = (l0 & 0x7F) as usize;
            let raw = bytes
                .get(i..i + n)
                .ok_or_else(|| err("length runs past the end"))?;
            i += n;
            raw.iter().fold(0usize, |acc, b| (acc << 8) | *b as usize)
        }
        _ => return Err(err(format!("unsupported length byte {l0:02X}"))),
    };
    Ok((tag, i, len))
}

/// Tag length and whether the element is constructed, from the start of `bytes`; none when
/// the tag is not all there.
fn tag_len(bytes: &[u8]) -> Option<(usize, bool)> {
    let first = *bytes.first()?;
    let mut i = 1;
    if first & 0x1F == 0x1F {
        loop {
            let b = *bytes.get(i)?;
            i += 1;
            if b & 0x80 == 0 || i > 3 {
                break;
            }
        }
    }
    Some((i, first & 0x20 != 0))
}

/// `Some(n)` for a definite length of `n` bytes, `None` for the indefinite form; with the
/// length of the length field. `Ok(None)` when the bytes run out first.
fn length_at(bytes: &[u8], i: usize) -> Result<Option<(Option<usize>, usize)>, CardError> {
    let Some(&l0) = bytes.get(i) else {
        return Ok(None);
    };
    Ok(match l0 {
        0..=0x7F => Some((Some(l0 as usize), 1)),
        0x80 => Some((None, 1)),
        0x81..=0x84 => {
            let n = (l0 & 0x7F) as usize;
            bytes.get(i + 1..i + 1 + n).map(|raw| {
                (
                    Some(raw.iter().fold(0usize, |acc, b| (acc << 8) | *b as usize)),
                    1 + n,
                )
            })
        }
        _ => return Err(err(format!("unsupported length byte {l0:02X}"))),
    })
}

/// The whole length of the BER element at the start of `bytes`, definite or indefinite;
/// `Ok(None)` while `bytes` holds only part of it (read more).
///
/// Errors: a length form BER does not have, or an indefinite length on a primitive element.
pub fn ber_len(bytes: &[u8]) -> Result<Option<usize>, CardError> {
    let Some((t, constructed)) = tag_len(bytes) else {
        return Ok(None);
    };
    let Some((len, l)) = length_at(bytes, t)? else {
        return Ok(None);
    };
    let head = t + l;
    if let Some(len) = len {
        return Ok((bytes.len() >= head + len).then_some(head + len));
    }
    if !constructed {
        return Err(err("indefinite length on a primitive element"));
    }
    let mut i = head;
    loop {
        match bytes.get(i..i + 2) {
            None => return Ok(None),
            Some([0, 0]) => return Ok(Some(i + 2)),
            Some(_) => match ber_len(&bytes[i..])? {
                Some(n) => i += n,
                None => return Ok(None),
            },
        }
    }
}

/// The element at the start of `bytes` with every indefinite length made definite (X.690
/// §10.1's length rule); tags and primitive contents unchanged.
///
/// Errors: as [`ber_len`], or an element that does not end within `bytes`.
pub fn definite(bytes: &[u8]) -> Result<Vec<u8>, CardError> {
    let whole = ber_len(bytes)?.ok_or_else(|| err("element runs past the end"))?;
    let (t, constructed) = tag_len(bytes).ok_or_else(|| err("tag runs past the end"))?;
    let (len, l) = length_at(bytes, t)?.ok_or_else(|| err("length runs past the end"))?;
    if !constructed {
        return Ok(bytes[..whole].to_vec());
    }
    let end = if len.is_some() { whole } else { whole - 2 };
    let mut contents = Vec::new();
    let mut i = t + l;
    while i < end {
        let n = ber_len(&bytes[i..end])?.ok_or_else(|| err("element runs past its parent"))?;
        contents.extend(definite(&bytes[i..i + n])?);
        i += n;
    }
    let mut out = bytes[..t].to_vec();
    out.extend(encode_length(contents.len()));
    out.extend(contents);
    Ok(out)
}

/// Reads one TLV from the start of `bytes`; returns it and the rest.
pub fn read(bytes: &[u8]) -> Result<(Tlv<'_>, &[u8]), CardError> {
    let (tag, head, len) = header(bytes)?;
    let end = head
        .checked_add(len)
        .filter(|&e| e <= bytes.len())
        .ok_or_else(|| {
            err(format!(
                "tag {tag:X} declares {len} bytes, {} remain",
                bytes.len() - head
            ))
        })?;
    Ok((
        Tlv {
            tag,
            value: &bytes[head..end],
            whole: &bytes[..end],
        },
        &bytes[end..],
    ))
}

/// Every TLV in a sequence of them.
pub fn all(mut bytes: &[u8]) -> Result<Vec<Tlv<'_>>, CardError> {
    let mut out = Vec::new();
    while !bytes.is_empty() {
        let (t, rest) = read(bytes)?;
        out.push(t);
        bytes = rest;
    }
    Ok(out)
}

/// Reads one TLV that must carry `tag` and span the whole input.
pub fn expect(bytes: &[u8], tag: u32) -> Result<Tlv<'_>, CardError> {
    let (t, rest) = read(bytes)?;
    if t.tag != tag {
        return Err(err(format!("expected tag {tag:X}, found {:X}", t.tag)));
    }
    if !rest.is_empty() {
        return Err(err(format!("{} bytes after tag {tag:X}", rest.len())));
    }
    Ok(t)
}

/// The first child with `tag` among the TLVs of `bytes`.
pub fn find(bytes: &[u8], tag: u32) -> Result<Option<Tlv<'_>>, CardError> {
    Ok(all(bytes)?.into_iter().find(|t| t.tag == tag))
}

/// Encodes a TLV with the shortest definite length.
pub fn encode(tag: u32, value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.len() + 8);
    let tag_bytes = tag.to_be_bytes();
    let skip = tag_bytes.iter().position(|&b| b != 0).unwrap_or(3);
    out.extend_from_slice(&tag_bytes[skip..]);
    out.extend_from_slice(&encode_length(value.len()));
    out.extend_from_slice(value);
    out
}

pub fn encode_length(len: usize) -> Vec<u8> {
    match len {
        0..=0x7F => vec![len as u8],
        0x80..=0xFF => vec![0x81, len as u8],
        0x100..=0xFFFF => vec![0x82, (len >> 8) as u8, len as u8],
        _ => vec![0x83, (len >> 16) as u8, (len >> 8) as u8, len as u8],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_ef_com_served_by_vicc() {
        // vsmartcard's `vicc -t ePass` serves `60 16 5F01 04 "0107" 5F36 06 "040000" 5C 02 61 75`
        // (LDS 1.7, Unicode 4.0.0, DG1 and DG2; docs/CARDS.md, "ICAO chips"). Those children
        // add up to 20 bytes (0x14), not 0x16, so the length byte is taken from the children.
        let mut com = vec![0x60, 0x14, 0x5F, 0x01, 0x04];
        com.extend_from_slice(b"0107");
        com.extend_from_slice(&[0x5F, 0x36, 0x06]);
        com.extend_from_slice(b"040000");
        com.extend_from_slice(&[0x5C, 0x02, 0x61, 0x75]);
        let outer = expect(&com, 0x60).unwrap();
        let kids = all(outer.value).unwrap();
        assert_eq!(
            kids.iter().map(|t| t.tag).collect::<Vec<_>>(),
            [0x5F01, 0x5F36, 0x5C]
        );
        assert_eq!(kids[2].value, [0x61, 0x75]);
    }

    #[test]
    fn round_trips_every_length_form() {
        for len in [0usize, 1, 127, 128, 255, 256, 65535, 65536] {
            let value = vec![0xAB; len];
            let bytes = encode(0x7F61, &value);
            let (t, rest) = read(&bytes).unwrap();
            assert_eq!((t.tag, t.value.len(), rest.len()), (0x7F61, len, 0));
            assert_eq!(t.whole, &bytes[..]);
        }
    }

    #[test]
    fn malformed_input_is_an_error_not_a_panic() {
        for bad in [
            &[][..],
            &[0x5F],
            &[0x5F, 0x81, 0x81, 0x01],
            &[0x61, 0x05, 1, 2],
            &[0x61, 0x85, 0, 0, 0, 0, 1],
            &[0x61, 0x82, 0xFF],
            &[0x61, 0x84, 0xFF, 0xFF, 0xFF, 0xFF],
        ] {
            assert!(read(bad).is_err(), "{bad:02X?}");
        }
        assert!(expect(&[0x61, 0x00, 0x00], 0x61).is_err());
        assert!(expect(&[0x62, 0x00], 0x61).is_err());
    }

    #[test]
    fn indefinite_lengths_are_measured_and_made_definite() {
        // 30 80 { 04 02 AA BB, 30 80 { 02 01 05 } 00 00 } 00 00
        let ber = [
            0x30, 0x80, 0x04, 0x02, 0xAA, 0xBB, 0x30, 0x80, 0x02, 0x01, 0x05, 0x00, 0x00, 0x00,
            0x00,
        ];
        assert_eq!(ber_len(&ber).unwrap(), Some(ber.len()));
        assert_eq!(ber_len(&ber[..10]).unwrap(), None, "incomplete: read more");
        let der = definite(&ber).unwrap();
        assert_eq!(
            der,
            [
                0x30, 0x09, 0x04, 0x02, 0xAA, 0xBB, 0x30, 0x03, 0x02, 0x01, 0x05
            ]
        );
        assert_eq!(definite(&der).unwrap(), der, "DER stays as it is");
        assert!(
            ber_len(&[0x04, 0x80, 0x00, 0x00]).is_err(),
            "primitive, indefinite"
        );
        assert!(definite(&ber[..9]).is_err());
    }
}
