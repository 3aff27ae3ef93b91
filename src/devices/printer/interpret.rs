//! Reads back the ESC/POS subset this project emits: the preview draws from it, and the tests
//! use it to check jobs. Any command outside the subset is an error with its offset, so a job
//! with a byte the printer would misread cannot pass.

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Init,
    ChineseOn,
    ChineseOff,
    Justify(u8),
    Bold(bool),
    /// `GS ! n`: high nibble width − 1, low nibble height − 1.
    Size(u8),
    /// A run of text, decoded (GB18030 in Chinese mode, ASCII otherwise).
    Text(String),
    NewLine,
    Feed(u8),
    BarcodeHeight(u8),
    BarcodeModule(u8),
    BarcodeHri(u8),
    /// The data of a `GS k 73` CODE128 symbol, decoded from its code sets.
    Code128(String),
    QrModel(u8),
    QrModule(u8),
    QrErrorCorrection(u8),
    QrStore(Vec<u8>),
    QrPrint,
    /// One `GS v 0` band.
    Raster {
        xbytes: u32,
        rows: u32,
        data: Vec<u8>,
    },
    Cut {
        partial: bool,
    },
    /// `DLE EOT n`.
    StatusQuery(u8),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("unknown command at byte {offset}: {bytes:02X?}")]
    Unknown { offset: usize, bytes: Vec<u8> },
    #[error("command at byte {offset} is cut short")]
    Truncated { offset: usize },
    #[error("text at byte {offset} is not valid GB18030")]
    Text { offset: usize },
    #[error("byte {offset}: non-ASCII text outside Chinese mode")]
    NotChineseMode { offset: usize },
    #[error("CODE128 data at byte {offset} is malformed")]
    Code128 { offset: usize },
}

fn code128_data(data: &[u8], offset: usize) -> Result<String, ParseError> {
    let bad = || ParseError::Code128 { offset };
    let mut out = String::new();
    let mut set = None;
    let mut i = 0;
    while i < data.len() {
        if data[i] == b'{' {
            set = Some(*data.get(i + 1).ok_or_else(bad)?);
            i += 2;
            continue;
        }
        match set {
            Some(b'A') | Some(b'B') => out.push(data[i] as char),
            Some(b'C') if data[i] < 100 => out.push_str(&format!("{:02}", data[i])),
            _ => return Err(bad()),
        }
        i += 1;
    }
    Ok(out)
}

/// Parses a job into commands.
pub fn parse(bytes: &[u8]) -> Result<Vec<Command>, ParseError> {
    let mut out = Vec::new();
    let mut i = 0;
    let mut chinese = false;
    let need = |i: usize, n: usize| -> Result<&[u8], ParseError> {
        bytes
            .get(i..i + n)
            .ok_or(ParseError::Truncated { offset: i })
    };
    while i < bytes.len() {
        let start = i;
        let unknown = |len: usize| ParseError::Unknown {
            offset: start,
            bytes: bytes[start..(start + len).min(bytes.len())].to_vec(),
        };
        match bytes[i] {
            b'\n' => {
                out.push(Command::NewLine);
                i += 1;
            }
            0x1B => match need(i, 2)?[1] {
                0x40 => {
                    out.push(Command::Init);
                    chinese = false;
                    i += 2;
                }
                0x61 => {
                    out.push(Command::Justify(need(i, 3)?[2]));
                    i += 3;
                }
                0x45 => {
                    out.push(Command::Bold(need(i, 3)?[2] & 1 == 1));
                    i += 3;
                }
                0x64 => {
                    out.push(Command::Feed(need(i, 3)?[2]));
                    i += 3;
                }
                _ => return Err(unknown(3)),
            },
            0x1C => match need(i, 2)?[1] {
                0x26 => {
                    out.push(Command::ChineseOn);
                    chinese = true;
                    i += 2;
                }
                0x2E => {
                    out.push(Command::ChineseOff);
                    chinese = false;
                    i += 2;
                }
                _ => return Err(unknown(2)),
            },
            0x10 => match need(i, 3)? {
                [_, 0x04, n] if matches!(n, 1..=4) => {
                    out.push(Command::StatusQuery(*n));
                    i += 3;
                }
                _ => return Err(unknown(3)),
            },
            0x1D => match need(i, 2)?[1] {
                0x21 => {
                    out.push(Command::Size(need(i, 3)?[2]));
                    i += 3;
                }
                0x68 => {
                    out.push(Command::BarcodeHeight(need(i, 3)?[2]));
                    i += 3;
                }
                0x77 => {
                    out.push(Command::BarcodeModule(need(i, 3)?[2]));
                    i += 3;
                }
                0x48 => {
                    out.push(Command::BarcodeHri(need(i, 3)?[2]));
                    i += 3;
                }
                0x6B => {
                    let head = need(i, 4)?;
                    if head[2] != 73 {
                        return Err(unknown(4));
                    }
                    let len = head[3] as usize;
                    let data = need(i + 4, len)?;
                    out.push(Command::Code128(code128_data(data, i)?));
                    i += 4 + len;
                }
                0x56 => {
                    let head = need(i, 3)?;
                    match head[2] {
                        0x41 | 0x42 => {
                            need(i, 4)?;
                            out.push(Command::Cut {
                                partial: head[2] == 0x42,
                            });
                            i += 4;
                        }
                        0x00 | 0x01 => {
                            out.push(Command::Cut {
                                partial: head[2] == 0x01,
                            });
                            i += 3;
                        }
                        _ => return Err(unknown(3)),
                    }
                }
                0x76 => {
                    let head = need(i, 8)?;
                    if head[2] != 0x30 || head[3] != 0 {
                        return Err(unknown(4));
                    }
                    let xbytes = u16::from_le_bytes([head[4], head[5]]) as u32;
                    let rows = u16::from_le_bytes([head[6], head[7]]) as u32;
                    let data = need(i + 8, (xbytes * rows) as usize)?.to_vec();
                    out.push(Command::Raster { xbytes, rows, data });
                    i += 8 + (xbytes * rows) as usize;
                }
                0x28 => {
                    let head = need(i, 7)?;
                    if head[2] != 0x6B || head[5] != 0x31 {
                        return Err(unknown(7));
                    }
                    let len = u16::from_le_bytes([head[3], head[4]]) as usize;
                    let body = need(i + 5, len)?;
                    let command = match (body[1], body.get(2)) {
                        (0x41, Some(&m)) => Command::QrModel(m),
                        (0x43, Some(&n)) => Command::QrModule(n),
                        (0x45, Some(&n)) => Command::QrErrorCorrection(n),
                        (0x50, Some(0x30)) => Command::QrStore(body[3..].to_vec()),
                        (0x51, Some(0x30)) => Command::QrPrint,
                        _ => return Err(unknown(5 + len)),
                    };
                    out.push(command);
                    i += 5 + len;
                }
                _ => return Err(unknown(2)),
            },
            b if b < 0x20 => return Err(unknown(1)),
            _ => {
                let end = bytes[i..]
                    .iter()
                    .position(|&b| b < 0x20)
                    .map_or(bytes.len(), |p| i + p);
                let run = &bytes[i..end];
                if !chinese && run.iter().any(|&b| b >= 0x80) {
                    return Err(ParseError::NotChineseMode { offset: i });
                }
                let (text, _, bad) = encoding_rs::GB18030.decode(run);
                if bad {
                    return Err(ParseError::Text { offset: i });
                }
                out.push(Command::Text(text.into_owned()));
                i = end;
            }
        }
    }
    Ok(out)
}

/// Every text run of a job, one string per printed line, for checks of what was printed.
pub fn text_lines(commands: &[Command]) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for c in commands {
        match c {
            Command::Text(t) => line.push_str(t),
            Command::NewLine if !line.is_empty() => lines.push(std::mem::take(&mut line)),
            _ => {}
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_commands_are_errors_with_offsets() {
        assert_eq!(
            parse(&[0x1B, 0x40, 0x1B, 0x74, 0x00]),
            Err(ParseError::Unknown {
                offset: 2,
                bytes: vec![0x1B, 0x74, 0x00]
            })
        );
        assert_eq!(
            parse(&[0x1D, 0x6B, 73, 5, b'{', b'B']),
            Err(ParseError::Truncated { offset: 4 })
        );
        assert_eq!(
            parse(&[0xC9, 0xEA]),
            Err(ParseError::NotChineseMode { offset: 0 })
        );
        assert!(matches!(
            parse(&[0x07]),
            Err(ParseError::Unknown { offset: 0, .. })
        ));
    }

    #[test]
    fn text_and_codes_decode() {
        let bytes = [
            &[0x1B, 0x40, 0x1C, 0x26][..],
            &[0xC9, 0xEA, 0xC7, 0xEB, b'\n'],
            &[0x1D, 0x6B, 73, 7, b'{', b'B', b'E', b'{', b'C', 12, 34],
        ]
        .concat();
        let commands = parse(&bytes).unwrap();
        assert_eq!(text_lines(&commands), vec!["申请"]);
        assert_eq!(commands.last(), Some(&Command::Code128("E1234".into())));
    }

    #[test]
    fn random_bytes_never_panic() {
        let mut x: u32 = 7;
        for _ in 0..3000 {
            let bytes: Vec<u8> = (0..64)
                .map(|_| {
                    x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
                    (x >> 16) as u8
                })
                .collect();
            let _ = parse(&bytes);
        }
    }
}
