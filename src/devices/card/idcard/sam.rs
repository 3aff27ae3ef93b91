//! The ID reader module's serial frame protocol. The module's interface is standardised in GA 467
//! (not publicly available), so the frames, commands and status codes here are as reader vendors
//! document them (docs/CARDS.md, "The reader module's frames"): `AA AA AA 96 69`, a big-endian
//! length, the payload and an XOR check byte over length and payload. Host frames carry CMD PARA
//! DATA; module frames SW1 SW2 SW3 DATA, SW3 being the module's status. A read is always find card
//! → select card → read text and photo.

use std::os::fd::OwnedFd;
use std::time::{Duration, Instant};

use zeroize::Zeroizing;

use super::cnid::TEXT_BLOCK_LEN;
use super::idmodule::{ModuleData, PHOTO_LEN};
use crate::devices::card::error::CardError;
use crate::devices::serial;

pub const PREAMBLE: [u8; 5] = [0xAA, 0xAA, 0xAA, 0x96, 0x69];

pub const FIND_CARD: (u8, u8) = (0x20, 0x01);
pub const SELECT_CARD: (u8, u8) = (0x20, 0x02);
pub const READ_BASE: (u8, u8) = (0x30, 0x01);

/// The module's status byte SW3 (docs/CARDS.md, "The reader module's frames").
pub fn status_meaning(sw3: u8) -> &'static str {
    match sw3 {
        0x90 => "success",
        0x9F => "card found",
        0x10 => "bad checksum in the host frame",
        0x11 => "bad length in the host frame",
        0x21 => "unknown command",
        0x24 => "unknown error",
        0x31 => "card-to-module authentication failed",
        0x32 => "module-to-card authentication failed",
        0x33 => "information verification failed",
        0x40 => "wrong card type",
        0x41 => "read failed",
        0x47 => "get-random failed",
        0x60 => "module self-test failed",
        0x66 => "module not authorised",
        0x80 => "no card found",
        0x81 => "card selection failed",
        0x91 => "no content",
        _ => "undocumented status",
    }
}

fn xor(bytes: &[u8]) -> u8 {
    bytes.iter().fold(0, |a, b| a ^ b)
}

/// A frame around `payload` (the length counts the check byte).
pub fn frame(payload: &[u8]) -> Vec<u8> {
    let len = (payload.len() + 1) as u16;
    let mut body = len.to_be_bytes().to_vec();
    body.extend_from_slice(payload);
    let chk = xor(&body);
    let mut out = PREAMBLE.to_vec();
    out.extend(body);
    out.push(chk);
    out
}

pub fn command((cmd, para): (u8, u8)) -> Vec<u8> {
    frame(&[cmd, para])
}

/// Checks a frame's preamble, length and checksum; returns the payload.
pub fn unframe(bytes: &[u8]) -> Result<&[u8], CardError> {
    let bad = |m: String| CardError::Frame(m);
    let rest = bytes
        .strip_prefix(&PREAMBLE)
        .ok_or_else(|| bad("no AA AA AA 96 69 preamble".into()))?;
    if rest.len() < 3 {
        return Err(bad(format!("{} bytes after the preamble", rest.len())));
    }
    let len = u16::from_be_bytes([rest[0], rest[1]]) as usize;
    if len == 0 || rest.len() != 2 + len {
        return Err(bad(format!(
            "length field {len}, {} bytes follow",
            rest.len() - 2
        )));
    }
    let (body, chk) = rest.split_at(rest.len() - 1);
    if xor(body) != chk[0] {
        return Err(bad(format!(
            "checksum {:02X}, computed {:02X}",
            chk[0],
            xor(body)
        )));
    }
    Ok(&body[2..])
}

/// A module answer: SW3 and the data after the three status bytes.
pub fn response(bytes: &[u8]) -> Result<(u8, &[u8]), CardError> {
    let payload = unframe(bytes)?;
    if payload.len() < 3 {
        return Err(CardError::Frame("answer without status bytes".into()));
    }
    Ok((payload[2], &payload[3..]))
}

/// Splits the `30 01` data: text length, photo length, text, photo.
pub fn base_data(data: &[u8]) -> Result<ModuleData, CardError> {
    if data.len() < 4 {
        return Err(CardError::Frame(
            "read answer shorter than its length fields".into(),
        ));
    }
    let text_len = u16::from_be_bytes([data[0], data[1]]) as usize;
    let photo_len = u16::from_be_bytes([data[2], data[3]]) as usize;
    if text_len != TEXT_BLOCK_LEN
        || photo_len != PHOTO_LEN
        || data.len() != 4 + text_len + photo_len
    {
        return Err(CardError::Frame(format!(
            "read answer declares text {text_len} and photo {photo_len} bytes in {} bytes",
            data.len()
        )));
    }
    let mut text = Zeroizing::new([0u8; TEXT_BLOCK_LEN]);
    text.copy_from_slice(&data[4..4 + TEXT_BLOCK_LEN]);
    Ok(ModuleData {
        text,
        photo: Zeroizing::new(data[4 + TEXT_BLOCK_LEN..].to_vec()),
    })
}

/// A reader module on a serial port.
pub struct SamModule {
    path: String,
    baud: u32,
    port: Option<OwnedFd>,
    timeout: Duration,
}

impl SamModule {
    pub fn new(path: &str, baud: u32, timeout: Duration) -> Self {
        SamModule {
            path: path.into(),
            baud,
            port: None,
            timeout,
        }
    }

    /// Sends a command and returns the module's answer (SW3, data).
    pub fn exchange(&mut self, cmd: (u8, u8)) -> Result<(u8, Vec<u8>), CardError> {
        let io = |e: std::io::Error| CardError::Reader(format!("serial port: {e}"));
        if self.port.is_none() {
            let fd = serial::open(&self.path, Some((self.baud, false)))
                .map_err(|e| CardError::Reader(format!("{}: {e}", self.path)))?;
            self.port = Some(fd);
        }
        let port = self.port.as_ref().expect("opened above");
        let result = (|| {
            serial::write_all(port, &command(cmd), self.timeout).map_err(io)?;
            let deadline = Instant::now() + self.timeout;
            // Resynchronise on the preamble: skip anything before it.
            let mut window = [0u8; 5];
            serial::read_exact(port, &mut window, deadline).map_err(io)?;
            let mut skipped = 0;
            while window != PREAMBLE {
                if skipped > 4096 {
                    return Err(CardError::Frame("no frame preamble in 4 KiB".into()));
                }
                window.rotate_left(1);
                serial::read_exact(port, &mut window[4..], deadline).map_err(io)?;
                skipped += 1;
            }
            let mut len = [0u8; 2];
            serial::read_exact(port, &mut len, deadline).map_err(io)?;
            let mut rest = vec![0u8; u16::from_be_bytes(len) as usize];
            serial::read_exact(port, &mut rest, deadline).map_err(io)?;
            let mut whole = PREAMBLE.to_vec();
            whole.extend_from_slice(&len);
            whole.extend(rest);
            let (sw3, data) = response(&whole)?;
            Ok((sw3, data.to_vec()))
        })();
        if matches!(result, Err(CardError::Reader(_))) {
            // Reopen next time: the adapter may have been replugged.
            self.port = None;
        }
        result
    }

    fn expect(&mut self, cmd: (u8, u8), ok: u8) -> Result<Vec<u8>, CardError> {
        match self.exchange(cmd)? {
            (sw3, data) if sw3 == ok => Ok(data),
            (0x80, _) | (0x81, _) => Err(CardError::NoCard),
            (code, _) => Err(CardError::Module {
                code,
                meaning: status_meaning(code),
            }),
        }
    }

    /// Whether a card is on the module.
    pub fn card_present(&mut self) -> Result<bool, CardError> {
        match self.expect(FIND_CARD, 0x9F) {
            Ok(_) => Ok(true),
            Err(CardError::NoCard) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Select and read; call after `card_present`.
    pub fn read(&mut self) -> Result<ModuleData, CardError> {
        self.expect(SELECT_CARD, 0x90)?;
        let data = Zeroizing::new(self.expect(READ_BASE, 0x90)?);
        base_data(&data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fixed_frames_of_the_reference() {
        // The example frames vendors publish (docs/CARDS.md, "The reader module's frames").
        assert_eq!(
            command(FIND_CARD),
            [0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x03, 0x20, 0x01, 0x22]
        );
        assert_eq!(
            command(SELECT_CARD),
            [0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x03, 0x20, 0x02, 0x21]
        );
        assert_eq!(
            command(READ_BASE),
            [0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x03, 0x30, 0x01, 0x32]
        );
        assert_eq!(
            command((0x30, 0x10)),
            [0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x03, 0x30, 0x10, 0x23]
        );
        // Select-card success example: 8 data bytes, check byte 9C.
        let mut ok = PREAMBLE.to_vec();
        ok.extend([0x00, 0x0C, 0x00, 0x00, 0x90, 0, 0, 0, 0, 0, 0, 0, 0, 0x9C]);
        assert_eq!(response(&ok).unwrap(), (0x90, &[0u8; 8][..]));
    }

    #[test]
    fn read_answer_sizes_match_the_reference() {
        // 0x0508 = 3 status + 4 lengths + 256 + 1024 + 1 check; 1295 bytes in all.
        let mut payload = vec![0x00, 0x00, 0x90, 0x01, 0x00, 0x04, 0x00];
        payload.extend(vec![0x20; TEXT_BLOCK_LEN + PHOTO_LEN]);
        let f = frame(&payload);
        assert_eq!((f.len(), &f[5..7]), (1295, &[0x05, 0x08][..]));
        let (sw3, data) = response(&f).unwrap();
        assert_eq!(sw3, 0x90);
        assert_eq!(base_data(data).unwrap().photo.len(), PHOTO_LEN);
    }

    #[test]
    fn damaged_frames_are_errors() {
        let good = command(FIND_CARD);
        for i in 0..good.len() {
            let mut bad = good.clone();
            bad[i] ^= 0x40;
            assert!(unframe(&bad).is_err(), "byte {i}");
        }
        assert!(unframe(&good[..good.len() - 1]).is_err());
        assert!(unframe(&[good.clone(), vec![0]].concat()).is_err());
        assert!(base_data(&[0x01, 0x00, 0x04, 0x00, 1, 2]).is_err());
        assert_eq!(status_meaning(0x80), "no card found");
    }
}
