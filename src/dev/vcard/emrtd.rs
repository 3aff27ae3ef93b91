//! The eMRTD personality: SELECT by AID and by file identifier, GET CHALLENGE, MUTUAL
//! AUTHENTICATE, then only protected SELECT / READ BINARY (ICAO 9303 Part 11 §4.3, §9.8).
//! Like a chip, any secure-messaging error answers `69 88` and ends the session.

use std::collections::BTreeMap;

use rand_core::{OsRng, RngCore};

use super::{ATR, VirtualCard, challenge, sw};
use crate::devices::card::emrtd::bac::{self, pad};
use crate::devices::card::emrtd::chip::EMRTD_AID;
use crate::devices::card::emrtd::sm::SecureChannel;
use crate::devices::card::transport::apdu::{self, Command};

/// Quirks a test can switch on to imitate real chips.
#[derive(Debug, Clone, Copy)]
pub struct Quirks {
    /// Accept extended-length READ BINARY (Le above 256).
    pub extended_length: bool,
    /// Leave DO99 out of protected responses, as some chips and vicc do.
    pub omit_do99: bool,
    /// The status a refused MUTUAL AUTHENTICATE answers (wrong keys): `63 00` as ICAO's
    /// examples, `69 88` or another as some chips and emulators do.
    pub refusal: u16,
    /// The longest READ BINARY the chip serves (older chips refuse above ~160 bytes with
    /// `67 00`); none: any.
    pub max_read: Option<usize>,
    /// Answer errors (file not found, wrong offset) in plain and end the session, as some
    /// chips do, instead of inside a protected response.
    pub plain_errors: bool,
    /// A file EF.COM lists that the chip does not hold.
    pub missing: Option<u16>,
}

impl Default for Quirks {
    fn default() -> Self {
        Quirks {
            extended_length: true,
            omit_do99: false,
            refusal: 0x6300,
            max_read: None,
            plain_errors: false,
            missing: None,
        }
    }
}

pub struct EmrtdCard {
    bac_input: String,
    files: BTreeMap<u16, Vec<u8>>,
    quirks: Quirks,
    applet: bool,
    challenge: Option<[u8; 8]>,
    sm: Option<SecureChannel>,
    selected: Option<u16>,
}

impl EmrtdCard {
    /// `bac_input` is the MRZ information the chip's access keys come from.
    pub fn new(bac_input: &str, files: BTreeMap<u16, Vec<u8>>, quirks: Quirks) -> Self {
        EmrtdCard {
            bac_input: bac_input.into(),
            files,
            quirks,
            applet: false,
            challenge: None,
            sm: None,
            selected: None,
        }
    }

    fn mutual_authenticate(&mut self, data: &[u8]) -> Vec<u8> {
        let Some(rnd_icc) = self.challenge.take() else {
            return sw(0x6985);
        };
        if data.len() != 40 {
            return sw(0x6700);
        }
        let (k_enc, k_mac) = bac::access_keys(&self.bac_input);
        if bac::retail_mac(&k_mac, &pad(&data[..32])) != data[32..] {
            return sw(self.quirks.refusal);
        }
        let s = bac::decrypt(&k_enc, &data[..32]);
        if s[8..16] != rnd_icc {
            return sw(self.quirks.refusal);
        }
        let mut k_icc = [0u8; 16];
        OsRng.fill_bytes(&mut k_icc);
        let mut r = rnd_icc.to_vec();
        r.extend_from_slice(&s[..8]);
        r.extend_from_slice(&k_icc);
        let e_icc = bac::encrypt(&k_enc, &r);
        let mut seed = [0u8; 16];
        for i in 0..16 {
            seed[i] = s[16 + i] ^ k_icc[i];
        }
        let mut ssc = [0u8; 8];
        ssc[..4].copy_from_slice(&rnd_icc[4..]);
        ssc[4..].copy_from_slice(&s[4..8]);
        self.sm = Some(SecureChannel::new(
            bac::kdf(&seed, 1),
            bac::kdf(&seed, 2),
            u64::from_be_bytes(ssc),
        ));
        let mut out = e_icc.clone();
        out.extend(bac::retail_mac(&k_mac, &pad(&e_icc)));
        out.extend(sw(0x9000));
        out
    }

    /// A protected command, answered in plain (data, status).
    fn protected(&mut self, cmd: &Command) -> (Vec<u8>, u16) {
        match cmd.ins {
            0xA4 if cmd.p1 == 0x02 && cmd.data.len() == 2 => {
                let fid = u16::from_be_bytes([cmd.data[0], cmd.data[1]]);
                if self.files.contains_key(&fid) && self.quirks.missing != Some(fid) {
                    self.selected = Some(fid);
                    (vec![], 0x9000)
                } else {
                    (vec![], 0x6A82)
                }
            }
            0xB0 => {
                let Some(file) = self.selected.and_then(|f| self.files.get(&f)) else {
                    return (vec![], 0x6986);
                };
                let le = cmd.le.unwrap_or(256);
                let offset = ((cmd.p1 as usize & 0x7F) << 8) | cmd.p2 as usize;
                if offset > file.len() {
                    return (vec![], 0x6B00);
                }
                let end = (offset + le).min(file.len());
                let status = if end - offset < le { 0x6282 } else { 0x9000 };
                (file[offset..end].to_vec(), status)
            }
            _ => (vec![], 0x6D00),
        }
    }
}

impl VirtualCard for EmrtdCard {
    fn atr(&self) -> Vec<u8> {
        ATR.to_vec()
    }

    fn reset(&mut self) {
        self.applet = false;
        self.challenge = None;
        self.sm = None;
        self.selected = None;
    }

    fn respond(&mut self, raw: &[u8]) -> Vec<u8> {
        if let Some(mut channel) = self.sm.take() {
            // Protected phase: the chip answers nothing in plain until the next reset.
            if raw.first().is_some_and(|c| c & 0x0C == 0x0C) {
                // A short-only chip refuses an extended APDU whatever it asks for — the outer
                // encoding, not only the protected Le — and drops the session.
                if apdu::is_extended(raw) && !self.quirks.extended_length {
                    return sw(0x6700);
                }
                return match channel.open_command(raw) {
                    Ok(cmd) => {
                        let too_long = |le: usize| {
                            (le > 256 && !self.quirks.extended_length)
                                || self.quirks.max_read.is_some_and(|max| le > max)
                        };
                        if cmd.ins == 0xB0 && cmd.le.is_some_and(too_long) {
                            return sw(0x6700);
                        }
                        let (data, status) = self.protected(&cmd);
                        if self.quirks.plain_errors && !matches!(status, 0x9000 | 0x6282) {
                            // In plain, and the session (keys and counter) is gone.
                            return sw(status);
                        }
                        let reply = channel.protect_response(&data, status, !self.quirks.omit_do99);
                        self.sm = Some(channel);
                        reply
                    }
                    Err(_) => sw(0x6988),
                };
            }
            self.selected = None;
        }
        let Some(p) = apdu::parse_command(raw) else {
            return sw(0x6700);
        };
        match p.header {
            [0x00, 0xA4, 0x04, _] if p.data == EMRTD_AID => {
                self.applet = true;
                sw(0x9000)
            }
            [0x00, 0xA4, 0x04, _] => sw(0x6A82),
            _ if !self.applet => sw(0x6985),
            [0x00, 0x84, 0x00, 0x00] if p.le == Some(8) => challenge(&mut self.challenge),
            [0x00, 0x82, 0x00, 0x00] => self.mutual_authenticate(p.data),
            [0x00, 0xB0, ..] | [0x00, 0xA4, 0x02, _] => sw(0x6982),
            _ => sw(0x6D00),
        }
    }
}
