//! Secure messaging after BAC (ICAO Doc 9303 Part 11 §9.8, on ISO/IEC 7816-4 secure messaging):
//! 3DES encrypted data in DO87, expected length in DO97, status in DO99 and a retail MAC in DO8E
//! over the send sequence counter, which advances once per command and once per response.
//!
//! Both ends live here: the terminal side the kiosk uses and the chip side the virtual card
//! answers with, so a mistake cannot hide in a symmetric pair of private copies.
//!
//! Strictness: every response MAC is verified; a response without DO8E is only accepted as an
//! unprotected error status (which ends the session). DO99 is mandatory in ICAO responses but
//! some chips and readers drop it; it is tolerated when absent (the MAC then covers DO87 only)
//! and the outer status word is used.

use zeroize::Zeroize;

use super::bac::{self, pad};
use crate::devices::card::error::CardError;
use crate::devices::card::icao::tlv;
use crate::devices::card::transport::apdu::{self, Command};

#[derive(Clone)]
pub struct SecureChannel {
    ks_enc: [u8; 16],
    ks_mac: [u8; 16],
    ssc: u64,
    /// The chip answered in plain: it has ended the session (ICAO Doc 9303-11, "Secure
    /// Messaging Termination": on an SM error the chip answers in plain, deletes the session
    /// keys and resets the access rights), so its counter is gone too. The terminal must
    /// authenticate again before the next command.
    ended: bool,
}

impl Drop for SecureChannel {
    fn drop(&mut self) {
        self.ks_enc.zeroize();
        self.ks_mac.zeroize();
    }
}

impl std::fmt::Debug for SecureChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecureChannel { .. }")
    }
}

/// Overhead of a protected response around `n` data bytes: DO87 with its padding indicator and
/// padded cryptogram, DO99, DO8E and the status word.
pub fn response_overhead(n: usize) -> usize {
    let cryptogram = (n / 8 + 1) * 8 + 1;
    let do87 = if n == 0 {
        0
    } else {
        1 + tlv::encode_length(cryptogram).len() + cryptogram
    };
    do87 + 4 + 10 + 2 - n
}

fn sm_err(what: &'static str) -> CardError {
    CardError::SecureMessaging(what)
}

impl SecureChannel {
    pub fn new(ks_enc: [u8; 16], ks_mac: [u8; 16], ssc: u64) -> Self {
        SecureChannel {
            ks_enc,
            ks_mac,
            ssc,
            ended: false,
        }
    }

    fn mac(&mut self, parts: &[&[u8]]) -> [u8; 8] {
        self.ssc = self.ssc.wrapping_add(1);
        let mut input = self.ssc.to_be_bytes().to_vec();
        for p in parts {
            input.extend_from_slice(p);
        }
        bac::retail_mac(&self.ks_mac, &pad(&input))
    }

    fn do87(&self, plain: &[u8]) -> Vec<u8> {
        let mut value = vec![0x01];
        value.extend(bac::encrypt(&self.ks_enc, &pad(plain)));
        tlv::encode(0x87, &value)
    }

    fn open87(&self, value: &[u8]) -> Result<Vec<u8>, CardError> {
        let (indicator, cryptogram) = value.split_first().ok_or_else(|| sm_err("empty DO87"))?;
        if *indicator != 0x01 || cryptogram.is_empty() || cryptogram.len() % 8 != 0 {
            return Err(sm_err("DO87 is not a padded 3DES cryptogram"));
        }
        let plain = bac::decrypt(&self.ks_enc, cryptogram);
        bac::unpad(&plain)
            .map(<[u8]>::to_vec)
            .ok_or_else(|| sm_err("DO87 padding is wrong"))
    }

    /// Terminal: the protected form of a plain command.
    pub fn protect(&mut self, cmd: &Command) -> Vec<u8> {
        let cla = cmd.cla | 0x0C;
        let header = pad(&[cla, cmd.ins, cmd.p1, cmd.p2]);
        let do87 = if cmd.data.is_empty() {
            Vec::new()
        } else {
            self.do87(&cmd.data)
        };
        let do97 = match cmd.le {
            None => Vec::new(),
            Some(le) if le <= 256 => vec![0x97, 0x01, le as u8],
            Some(le) => {
                let le = if le >= 65536 { 0 } else { le as u16 };
                let b = le.to_be_bytes();
                vec![0x97, 0x02, b[0], b[1]]
            }
        };
        let cc = self.mac(&[&header, &do87, &do97]);
        let mut body = do87;
        body.extend(do97);
        body.extend(tlv::encode(0x8E, &cc));
        // The outer Le asks for the protected response (DO87, DO99, DO8E around the data): short
        // (`00`, 256 bytes) whenever that fits, so that a reader or chip without extended length
        // can be read; extended only for longer responses or bodies.
        let long_response = cmd
            .le
            .is_some_and(|le| le + response_overhead(le) - 2 > 256);
        let le = if long_response || body.len() > 255 {
            65536
        } else {
            256
        };
        Command::new(cla, cmd.ins, cmd.p1, cmd.p2)
            .data(body)
            .le(le)
            .encode()
    }

    /// Whether the chip ended the session with a plain error status (authenticate again).
    pub fn ended(&self) -> bool {
        self.ended
    }

    /// Terminal: verifies and opens a protected response; returns its data and status word.
    pub fn unprotect(&mut self, response: &[u8]) -> Result<(Vec<u8>, u16), CardError> {
        let (data, sw) = apdu::split(response, "secure messaging")?;
        if data.is_empty() {
            // Unprotected error status: the chip has ended the secure session.
            return match sw {
                0x6987 => Err(sm_err(
                    "the chip found secure-messaging data objects missing",
                )),
                0x6988 => Err(sm_err("the chip rejected our secure-messaging MAC")),
                // The counter is not advanced: the chip keeps none once it answers in plain.
                _ if sw != 0x9000 => {
                    self.ended = true;
                    Ok((Vec::new(), sw))
                }
                _ => Err(sm_err("response carries no MAC")),
            };
        }
        let mut do87: Option<tlv::Tlv> = None;
        let mut do99: Option<tlv::Tlv> = None;
        let mut do8e: Option<tlv::Tlv> = None;
        for t in tlv::all(&data)? {
            match t.tag {
                0x87 => do87 = Some(t),
                0x99 => do99 = Some(t),
                0x8E => do8e = Some(t),
                _ => return Err(sm_err("unexpected data object in the response")),
            }
        }
        let cc = do8e.ok_or_else(|| sm_err("response carries no MAC"))?;
        let expected = self.mac(&[
            do87.map(|t| t.whole).unwrap_or(&[]),
            do99.map(|t| t.whole).unwrap_or(&[]),
        ]);
        if cc.value != expected {
            return Err(sm_err("response MAC does not verify"));
        }
        let sw = match do99 {
            Some(t) if t.value.len() == 2 => u16::from_be_bytes([t.value[0], t.value[1]]),
            Some(_) => return Err(sm_err("DO99 is not two bytes")),
            None => sw,
        };
        let plain = match do87 {
            Some(t) => self.open87(t.value)?,
            None => Vec::new(),
        };
        Ok((plain, sw))
    }

    /// Chip: verifies and opens a protected command; returns the plain command. On error the
    /// chip answers `69 88` and forgets the session keys.
    pub fn open_command(&mut self, apdu: &[u8]) -> Result<Command, CardError> {
        let p = apdu::parse_command(apdu).ok_or_else(|| sm_err("bad APDU"))?;
        let [cla, ins, p1, p2] = p.header;
        if cla & 0x0C != 0x0C {
            return Err(sm_err("command is not protected"));
        }
        let mut do87: Option<tlv::Tlv> = None;
        let mut do97: Option<tlv::Tlv> = None;
        let mut do8e: Option<tlv::Tlv> = None;
        for t in tlv::all(p.data)? {
            match t.tag {
                0x87 => do87 = Some(t),
                0x97 => do97 = Some(t),
                0x8E => do8e = Some(t),
                _ => return Err(sm_err("unexpected data object in the command")),
            }
        }
        let cc = do8e.ok_or_else(|| sm_err("command carries no MAC"))?;
        let header = pad(&p.header);
        let expected = self.mac(&[
            &header,
            do87.map(|t| t.whole).unwrap_or(&[]),
            do97.map(|t| t.whole).unwrap_or(&[]),
        ]);
        if cc.value != expected {
            return Err(sm_err("command MAC does not verify"));
        }
        let mut cmd = Command::new(cla & !0x0C, ins, p1, p2);
        if let Some(t) = do87 {
            cmd.data = self.open87(t.value)?;
        }
        if let Some(t) = do97 {
            let le = t.value.iter().fold(0usize, |a, b| (a << 8) | *b as usize);
            let max = if t.value.len() == 1 { 256 } else { 65536 };
            cmd.le = Some(if le == 0 { max } else { le });
        }
        Ok(cmd)
    }

    /// Chip: the protected response to a command. `with_do99 = false` imitates chips that omit it.
    pub fn protect_response(&mut self, data: &[u8], sw: u16, with_do99: bool) -> Vec<u8> {
        let do87 = if data.is_empty() {
            Vec::new()
        } else {
            self.do87(data)
        };
        let do99 = if with_do99 {
            let s = sw.to_be_bytes();
            vec![0x99, 0x02, s[0], s[1]]
        } else {
            Vec::new()
        };
        let cc = self.mac(&[&do87, &do99]);
        let mut out = do87;
        out.extend(do99);
        out.extend(tlv::encode(0x8E, &cc));
        out.extend_from_slice(&sw.to_be_bytes());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair() -> (SecureChannel, SecureChannel) {
        let enc = [
            0x97, 0x9E, 0xC1, 0x3B, 0x1C, 0xBF, 0xE9, 0xDC, 0xD0, 0x1A, 0xB0, 0xFE, 0xD3, 0x07,
            0xEA, 0xE5,
        ];
        let mac = [
            0xF1, 0xCB, 0x1F, 0x1F, 0xB5, 0xAD, 0xF2, 0x08, 0x80, 0x6B, 0x89, 0xDC, 0x57, 0x9D,
            0xC1, 0xF8,
        ];
        let ssc = 0x887022120C06C226;
        (
            SecureChannel::new(enc, mac, ssc),
            SecureChannel::new(enc, mac, ssc),
        )
    }

    fn hex(s: &str) -> Vec<u8> {
        let s: String = s.split_whitespace().collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn matches_icao_appendix_d_select_ef_com() {
        // ICAO 9303 Part 11 Appendix D.4: SELECT EF.COM under secure messaging with the session
        // keys and SSC of D.3.
        let (mut terminal, _) = pair();
        let apdu = terminal.protect(&Command::new(0, 0xA4, 0x02, 0x0C).data(vec![0x01, 0x1E]));
        assert_eq!(
            apdu[..apdu.len() - 1],
            hex("0C A4 02 0C 15 87 09 01 63 75 43 29 08 C0 44 F6 8E 08 BF 8B 92 D6 35 FF 24 F8")[..]
        );
        // The chip's answer from the same appendix.
        let (plain, sw) = terminal
            .unprotect(&hex("99 02 90 00 8E 08 FA 85 5A 5D 4C 50 A8 ED 90 00"))
            .unwrap();
        assert_eq!((plain.len(), sw), (0, 0x9000));
    }

    #[test]
    fn round_trips_and_counts_twice_per_command() {
        let (mut terminal, mut chip) = pair();
        for (le, data) in [(Some(4), vec![]), (None, vec![1, 2]), (Some(1000), vec![])] {
            let mut cmd = Command::new(0, 0xB0, 0, 0).data(data.clone());
            cmd.le = le;
            let wire = terminal.protect(&cmd);
            let opened = chip.open_command(&wire).unwrap();
            assert_eq!((opened.data, opened.le), (data, le));
            for with_do99 in [true, false] {
                let reply = chip.protect_response(&[9; 20], 0x9000, with_do99);
                assert_eq!(terminal.unprotect(&reply).unwrap(), (vec![9; 20], 0x9000));
                // Keep both counters in step for the next pass.
                if with_do99 {
                    terminal.ssc = terminal.ssc.wrapping_sub(1);
                    chip.ssc = chip.ssc.wrapping_sub(1);
                }
            }
        }
    }

    #[test]
    fn a_flipped_bit_anywhere_is_refused() {
        let (mut terminal, mut chip) = pair();
        let _ = chip
            .open_command(&terminal.protect(&Command::new(0, 0xB0, 0, 0).le(8)))
            .unwrap();
        let reply = chip.protect_response(&[1, 2, 3, 4, 5, 6, 7, 8], 0x9000, true);
        for i in 0..reply.len() - 2 {
            let mut bad = reply.clone();
            bad[i] ^= 0x01;
            let mut t = terminal.clone();
            assert!(t.unprotect(&bad).is_err(), "byte {i}");
        }
        assert!(terminal.clone().unprotect(&[0x69, 0x88]).is_err());
        assert_eq!(terminal.unprotect(&[0x6A, 0x82]).unwrap(), (vec![], 0x6A82));
    }

    #[test]
    fn overhead_matches_a_real_response() {
        let (_, mut chip) = pair();
        for n in [1usize, 7, 8, 223, 224, 1000, 20_000] {
            let r = chip.protect_response(&vec![0; n], 0x9000, true);
            assert_eq!(r.len(), n + response_overhead(n), "{n}");
        }
    }
}
