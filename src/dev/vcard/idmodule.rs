//! The ID-card reader-module personality: the class-FF pseudo-APDU block scheme of
//! `devices::card::idcard::idmodule` (docs/CARDS.md, "ID readers on PC/SC"), served from a
//! synthetic text block and a placeholder photo block.

use super::{ATR, VirtualCard, sw};
use crate::devices::card::idcard::cnid::TEXT_BLOCK_LEN;
use crate::devices::card::idcard::idmodule::{BLOCK_PREFIX, PHOTO_LEN, block_layout};

pub struct IdModuleCard {
    text: Vec<u8>,
    photo: Vec<u8>,
}

impl IdModuleCard {
    pub fn new(text: [u8; TEXT_BLOCK_LEN], photo: [u8; PHOTO_LEN]) -> Self {
        IdModuleCard {
            text: text.to_vec(),
            photo: photo.to_vec(),
        }
    }
}

impl VirtualCard for IdModuleCard {
    fn atr(&self) -> Vec<u8> {
        ATR.to_vec()
    }

    fn reset(&mut self) {}

    fn respond(&mut self, apdu: &[u8]) -> Vec<u8> {
        let [0xFF, 0xB0, block, 0x00, ..] = apdu else {
            return sw(0x6D00);
        };
        let Some((from_text, range)) = block_layout(*block) else {
            return sw(0x6A86);
        };
        let source = if from_text { &self.text } else { &self.photo };
        let mut out = vec![0x01, 0x00, 0x04, 0x00];
        debug_assert_eq!(out.len(), BLOCK_PREFIX);
        out.extend_from_slice(&source[range]);
        out.extend(sw(0x9000));
        out
    }
}
