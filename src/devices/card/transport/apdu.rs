//! Command and response APDUs (ISO/IEC 7816-4) and the transport port every reader adapter
//! implements: PC/SC, the in-process virtual card of the unit tests, scripted fakes.

use crate::devices::card::error::CardError;

/// Sends one command APDU and returns the response with its status word.
pub trait Transceiver {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, CardError>;

    /// Longest response (data and status word) the reader passes on; short-APDU readers say 258.
    fn max_response(&self) -> usize {
        258
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    pub cla: u8,
    pub ins: u8,
    pub p1: u8,
    pub p2: u8,
    pub data: Vec<u8>,
    /// Expected response length; 256 and 65536 are written as zeros.
    pub le: Option<usize>,
}

impl Command {
    pub fn new(cla: u8, ins: u8, p1: u8, p2: u8) -> Self {
        Command {
            cla,
            ins,
            p1,
            p2,
            data: Vec::new(),
            le: None,
        }
    }

    pub fn data(mut self, data: impl Into<Vec<u8>>) -> Self {
        self.data = data.into();
        self
    }

    pub fn le(mut self, le: usize) -> Self {
        self.le = Some(le);
        self
    }

    /// Short form when data and Le fit, extended form (three-byte Lc / two-byte Le) otherwise.
    pub fn encode(&self) -> Vec<u8> {
        let extended = self.data.len() > 255 || self.le.is_some_and(|le| le > 256);
        let mut out = vec![self.cla, self.ins, self.p1, self.p2];
        if extended {
            out.push(0);
            if !self.data.is_empty() {
                out.extend_from_slice(&(self.data.len() as u16).to_be_bytes());
                out.extend_from_slice(&self.data);
            }
            if let Some(le) = self.le {
                let le = if le >= 65536 { 0 } else { le as u16 };
                out.extend_from_slice(&le.to_be_bytes());
            }
        } else {
            if !self.data.is_empty() {
                out.push(self.data.len() as u8);
                out.extend_from_slice(&self.data);
            }
            if let Some(le) = self.le {
                out.push(if le >= 256 { 0 } else { le as u8 });
            }
        }
        out
    }
}

/// A command APDU as a card sees it (the virtual card parses what the reader forwards).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed<'a> {
    pub header: [u8; 4],
    pub data: &'a [u8],
    pub le: Option<usize>,
}

/// Whether a command APDU is in extended form (ISO/IEC 7816-4 §5.1: a body of at least three
/// bytes starting with `00`), which short-APDU readers and chips refuse.
pub fn is_extended(apdu: &[u8]) -> bool {
    apdu.len() >= 7 && apdu[4] == 0x00
}

/// Parses the four ISO 7816-4 cases in short and extended form.
pub fn parse_command(apdu: &[u8]) -> Option<Parsed<'_>> {
    let header: [u8; 4] = apdu.get(..4)?.try_into().ok()?;
    let body = &apdu[4..];
    let zero_le = |v: usize, max: usize| if v == 0 { max } else { v };
    let (data, le) = match body.len() {
        0 => (&body[..0], None),
        1 => (&body[..0], Some(zero_le(body[0] as usize, 256))),
        _ if body[0] != 0 => {
            let lc = body[0] as usize;
            match body.len() - 1 {
                n if n == lc => (&body[1..], None),
                n if n == lc + 1 => (&body[1..1 + lc], Some(zero_le(body[1 + lc] as usize, 256))),
                _ => return None,
            }
        }
        // `00` then one byte: neither a short nor an extended encoding.
        2 => return None,
        3 => (
            &body[..0],
            Some(zero_le(
                u16::from_be_bytes([body[1], body[2]]) as usize,
                65536,
            )),
        ),
        _ => {
            let lc = u16::from_be_bytes([body[1], body[2]]) as usize;
            let rest = &body[3..];
            match rest.len() {
                n if n == lc => (rest, None),
                n if n == lc + 2 => (
                    &rest[..lc],
                    Some(zero_le(
                        u16::from_be_bytes([rest[lc], rest[lc + 1]]) as usize,
                        65536,
                    )),
                ),
                _ => return None,
            }
        }
    };
    Some(Parsed { header, data, le })
}

/// Splits a response into its data and status word.
pub fn split(response: &[u8], command: &'static str) -> Result<(Vec<u8>, u16), CardError> {
    if response.len() < 2 {
        return Err(CardError::Malformed {
            command,
            detail: format!("response of {} byte(s) has no status word", response.len()),
        });
    }
    let (data, sw) = response.split_at(response.len() - 2);
    Ok((data.to_vec(), u16::from_be_bytes([sw[0], sw[1]])))
}

/// Sends a command that must answer `90 00` and returns its data.
pub fn expect_ok(
    t: &mut dyn Transceiver,
    command: &'static str,
    apdu: &[u8],
) -> Result<Vec<u8>, CardError> {
    let (data, sw) = split(&t.transmit(apdu)?, command)?;
    if sw != 0x9000 {
        return Err(CardError::Status { command, sw });
    }
    Ok(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_of_00_and_one_byte_is_no_command() {
        assert_eq!(parse_command(&[0x00, 0xA4, 0x04, 0x0C, 0x00, 0x07]), None);
    }

    #[test]
    fn encodes_and_parses_all_cases() {
        let cases = [
            Command::new(0, 0xA4, 4, 0x0C).data(vec![0xA0, 0, 0, 2, 0x47, 0x10, 1]),
            Command::new(0, 0x84, 0, 0).le(8),
            Command::new(0, 0xB0, 0, 0).le(256),
            Command::new(0, 0xB0, 0, 0).le(1024),
            Command::new(0, 0xB0, 0, 0).le(65536),
            Command::new(0, 0x82, 0, 0).data(vec![7; 40]).le(40),
            Command::new(0, 0xD6, 0, 0).data(vec![1; 300]).le(2),
            Command::new(0x80, 0xCA, 0, 0),
        ];
        for c in cases {
            let bytes = c.encode();
            let p = parse_command(&bytes).expect("parses");
            assert_eq!(p.header, [c.cla, c.ins, c.p1, c.p2]);
            assert_eq!(p.data, &c.data[..]);
            assert_eq!(p.le, c.le, "{c:?}");
        }
        assert_eq!(
            Command::new(0, 0xB0, 0, 0).le(1024).encode(),
            [0, 0xB0, 0, 0, 0, 4, 0]
        );
        assert_eq!(
            Command::new(0, 0x84, 0, 0).le(8).encode(),
            [0, 0x84, 0, 0, 8]
        );
    }

    #[test]
    fn rejects_inconsistent_lengths() {
        assert!(parse_command(&[0, 0xA4]).is_none());
        assert!(parse_command(&[0, 0xA4, 4, 0, 5, 1, 2]).is_none());
        assert!(parse_command(&[0, 0xA4, 4, 0, 0, 0, 9, 1]).is_none());
        assert!(split(&[0x90], "X").is_err());
        assert_eq!(split(&[1, 0x90, 0], "X").unwrap(), (vec![1], 0x9000));
    }
}
