//! A simulated ID reader module for the serial frame protocol: answers find, select and read
//! from whatever card is on it, on the far end of a pseudo-terminal in the tests.

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};

use crate::devices::card::idcard::cnid::TEXT_BLOCK_LEN;
use crate::devices::card::idcard::idmodule::PHOTO_LEN;
use crate::devices::card::idcard::sam::{FIND_CARD, READ_BASE, SELECT_CARD, frame, unframe};

/// The card on the module, if any: text block and photo block.
pub type Slot = Arc<Mutex<Option<([u8; TEXT_BLOCK_LEN], Vec<u8>)>>>;

fn answer(sw3: u8, data: &[u8]) -> Vec<u8> {
    let mut payload = vec![0x00, 0x00, sw3];
    payload.extend_from_slice(data);
    frame(&payload)
}

/// The module's answer to one host frame.
pub fn respond(request: &[u8], slot: &Slot) -> Vec<u8> {
    let payload = match unframe(request) {
        Ok(p) if p.len() >= 2 => p,
        _ => return answer(0x10, &[]),
    };
    let card = slot.lock().expect("slot lock").clone();
    match ((payload[0], payload[1]), card) {
        (FIND_CARD, Some(_)) => answer(0x9F, &[0; 4]),
        (SELECT_CARD, Some(_)) => answer(0x90, &[0; 8]),
        (READ_BASE, Some((text, photo))) => {
            let mut data = (TEXT_BLOCK_LEN as u16).to_be_bytes().to_vec();
            data.extend((PHOTO_LEN as u16).to_be_bytes());
            data.extend_from_slice(&text);
            data.extend_from_slice(&photo);
            answer(0x90, &data)
        }
        (FIND_CARD, None) => answer(0x80, &[]),
        (SELECT_CARD | READ_BASE, None) => answer(0x81, &[]),
        _ => answer(0x21, &[]),
    }
}

/// Serves frames from `port` until it closes.
pub fn serve(mut port: impl Read + Write, slot: Slot) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 512];
    while let Ok(n) = port.read(&mut chunk) {
        if n == 0 {
            return;
        }
        buf.extend_from_slice(&chunk[..n]);
        // Host frames are short: preamble, length, CMD, PARA, check.
        while buf.len() >= 7 {
            let Some(start) = buf
                .windows(5)
                .position(|w| w == [0xAA, 0xAA, 0xAA, 0x96, 0x69])
            else {
                buf.clear();
                break;
            };
            buf.drain(..start);
            let total = 7 + u16::from_be_bytes([buf[5], buf[6]]) as usize;
            if buf.len() < total {
                break;
            }
            let request: Vec<u8> = buf.drain(..total).collect();
            if port.write_all(&respond(&request, &slot)).is_err() {
                return;
            }
        }
    }
}
