//! A virtual smart card for development and tests, written in this project: it speaks the
//! `vsmartcard-vpcd` socket protocol so the kiosk's PC/SC code runs through the real `pcscd`
//! and the real `pcsc` crate without hardware (docs/CARDS.md, "The virtual reader").
//!
//! Two personalities: an ID-card reader module answering the class-FF pseudo-APDUs of
//! `devices::card::idcard::idmodule` from a synthetic text block, and an eMRTD with BAC, secure
//! messaging and an LDS whose EF.SOD is signed by a test PKI — for a card permit, with a
//! stand-in endorsement area next to it that the simulated writer module (`writer`) writes
//! through PC/SC. vpcd listens on every interface,
//! so neither it nor this module belongs on a kiosk image: only `kiosk-vcard` and the tests use it.

pub mod emrtd;
pub mod endorsement_area;
pub mod idmodule;
pub mod pki;
pub mod sam_module;
pub mod samples;
pub mod vpcd;
pub mod writer;

use crate::devices::card::error::CardError;
use crate::devices::card::transport::apdu::Transceiver;

/// What a card does with what the reader sends.
pub trait VirtualCard: Send {
    fn atr(&self) -> Vec<u8>;
    /// Power off, power on or reset: forget any session.
    fn reset(&mut self);
    fn respond(&mut self, apdu: &[u8]) -> Vec<u8>;
}

/// The ATR of vsmartcard's own ePass emulation (`vicc -t ePass`), which pcscd accepts.
pub const ATR: [u8; 11] = [
    0x3B, 0x95, 0x13, 0x81, 0x01, 0x80, 0x73, 0xFF, 0x01, 0x00, 0x0B,
];

pub fn sw(code: u16) -> Vec<u8> {
    code.to_be_bytes().to_vec()
}

/// GET CHALLENGE's answer: 8 fresh random bytes, kept in `slot` for the authentication that
/// follows (ISO/IEC 7816-4 §11.5.3).
pub fn challenge(slot: &mut Option<[u8; 8]>) -> Vec<u8> {
    let mut c = [0u8; 8];
    rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut c);
    *slot = Some(c);
    let mut out = c.to_vec();
    out.extend(sw(0x9000));
    out
}

/// A card wired straight to the host code, for unit tests and benchmarks without PC/SC.
pub struct Loopback<C> {
    pub card: C,
    pub max_response: usize,
}

impl<C: VirtualCard> Transceiver for Loopback<C> {
    /// A reader whose responses stop at 258 bytes is a short-APDU reader: like a real one, it
    /// refuses to pass an extended command at all.
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, CardError> {
        if self.max_response <= 258 && crate::devices::card::transport::apdu::is_extended(apdu) {
            return Err(CardError::Reader(
                "this reader does not pass extended-length APDUs".into(),
            ));
        }
        Ok(self.card.respond(apdu))
    }
    fn max_response(&self) -> usize {
        self.max_response
    }
}
