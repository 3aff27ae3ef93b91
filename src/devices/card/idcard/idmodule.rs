//! ID-card readers whose firmware holds the security module and hands its data out as class-FF
//! pseudo-APDUs over PC/SC (class FF is the class PC/SC Part 3 leaves to the reader itself; the
//! block scheme is one vendor's, docs/CARDS.md "ID readers on PC/SC"): six blocks, each answered
//! with a 4-byte prefix and a slice of the 256-byte text block or the 1024-byte photo block. The
//! command template is configurable because the scheme is vendor-specific.

use chrono::NaiveDate;
use zeroize::Zeroizing;

use super::cnid::{TEXT_BLOCK_LEN, parse_text_block};
use super::portrait::{self, PortraitDecoder};
use crate::devices::card::error::CardError;
use crate::devices::card::transport::apdu::{self, Transceiver};
use crate::domain::identity::Identity;

pub const PHOTO_LEN: usize = 1024;
/// The undocumented prefix in front of each block (likely the text and photo lengths that the
/// serial module's read answer starts with, see `sam::base_data`).
pub const BLOCK_PREFIX: usize = 4;
const BLOCKS: u8 = 6;

/// Block `n` → (from the text block?, byte range): text; photo 0–251; three of 256; last 4.
pub fn block_layout(n: u8) -> Option<(bool, std::ops::Range<usize>)> {
    Some(match n {
        0 => (true, 0..TEXT_BLOCK_LEN),
        1 => (false, 0..252),
        2..=4 => {
            let start = 252 + (n as usize - 2) * 256;
            (false, start..start + 256)
        }
        5 => (false, 1020..PHOTO_LEN),
        _ => return None,
    })
}

/// The command for one block: the template with P1 set to the block number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PseudoApdu {
    pub template: Vec<u8>,
    pub prefix: usize,
}

impl Default for PseudoApdu {
    fn default() -> Self {
        PseudoApdu {
            template: vec![0xFF, 0xB0, 0x00, 0x00, 0x00],
            prefix: BLOCK_PREFIX,
        }
    }
}

/// What the module returns: the text block (parsed by `cnid`) and the encrypted photo block.
pub struct ModuleData {
    pub text: Zeroizing<[u8; TEXT_BLOCK_LEN]>,
    pub photo: Zeroizing<Vec<u8>>,
}

impl ModuleData {
    /// The identity on the card: the text block parsed and cross-checked (`today` bounds
    /// plausible birth dates), with the photo decoded when a decoder is configured. Both reader
    /// adapters, PC/SC and serial, end their read here.
    pub fn identity(
        &self,
        today: NaiveDate,
        decoder: Option<&PortraitDecoder>,
    ) -> Result<Identity, CardError> {
        let mut identity = parse_text_block(&self.text[..], today)?;
        portrait::attach(&mut identity, &self.photo, decoder);
        Ok(identity)
    }
}

pub fn read(t: &mut dyn Transceiver, cmd: &PseudoApdu) -> Result<ModuleData, CardError> {
    let mut text = Zeroizing::new([0u8; TEXT_BLOCK_LEN]);
    let mut photo = Zeroizing::new(vec![0u8; PHOTO_LEN]);
    for n in 0..BLOCKS {
        let mut apdu = cmd.template.clone();
        apdu[2] = n;
        let data = Zeroizing::new(apdu::expect_ok(t, "ID module READ BLOCK", &apdu)?);
        let (from_text, range) = block_layout(n).expect("block in range");
        if data.len() != cmd.prefix + range.len() {
            return Err(CardError::Malformed {
                command: "ID module READ BLOCK",
                detail: format!(
                    "block {n}: {} bytes, expected {}",
                    data.len(),
                    cmd.prefix + range.len()
                ),
            });
        }
        let target: &mut [u8] = if from_text {
            &mut text[..]
        } else {
            &mut photo[..]
        };
        target[range].copy_from_slice(&data[cmd.prefix..]);
    }
    Ok(ModuleData { text, photo })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_cover_text_and_photo_exactly_once() {
        let mut photo = [0u8; PHOTO_LEN];
        let mut text = 0;
        for n in 0..BLOCKS {
            match block_layout(n).unwrap() {
                (true, r) => text += r.len(),
                (false, r) => r.for_each(|i| photo[i] += 1),
            }
        }
        assert_eq!(text, TEXT_BLOCK_LEN);
        assert!(photo.iter().all(|&c| c == 1));
        assert!(block_layout(BLOCKS).is_none());
    }
}
