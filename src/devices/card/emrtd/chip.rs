//! Reading an ICAO 9303 chip: SELECT the eMRTD application, Basic Access Control (GET CHALLENGE,
//! MUTUAL AUTHENTICATE; ICAO Doc 9303 Part 11 §4.3), then every file under secure messaging (§9.8)
//! with the SELECT and READ BINARY of ISO/IEC 7816-4. Files are read with the largest chunk the
//! reader's response limit allows, starting at offset 0 without learning the length first: a chip
//! answers a READ BINARY past the end of a file with what there is (`62 82`), so a file under 64 KB
//! takes one extended READ BINARY, and one short read when it fits 231 bytes. If that fails (a chip
//! refusing extended length or reads past the end ends the secure session), the chip is read again
//! after a fresh BAC the classic way: an 8-byte header read for the length, then 231-byte short
//! reads — and, for older chips that refuse those, 160-, 112- and 64-byte reads in turn.

use rand_core::{OsRng, RngCore};
use zeroize::Zeroizing;

use super::bac::{self, pad};
use super::sm::{self, SecureChannel};
use crate::devices::card::error::CardError;
use crate::devices::card::icao::{lds, tlv};
use crate::devices::card::transport::apdu::{self, Command, Transceiver};

pub const EMRTD_AID: [u8; 7] = [0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01];

/// Length of the first read of a file: DG2's `75 82 xx xx 7F61 82 xx xx` needs more than four.
const HEADER_READ: usize = 8;
/// Offsets above this need the odd-INS READ BINARY, which no Chinese permit needs.
const MAX_OFFSET: usize = 0x7FFF;
/// A protected short response carries at most 256 data bytes.
const SHORT_RESPONSE: usize = 258;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ExtendedLength {
    /// Try extended reads when the reader allows long responses; fall back to short reads.
    #[default]
    Auto,
    Never,
}

/// The raw files read from a chip; parsing and passive authentication work on these bytes.
#[derive(Debug, Clone, Default)]
pub struct ChipFiles {
    pub com: Vec<u8>,
    /// Data-group number → complete file (tag, length, value), as hashed in EF.SOD.
    pub groups: std::collections::BTreeMap<u8, Zeroizing<Vec<u8>>>,
    pub sod: Option<Vec<u8>>,
    /// Data groups EF.COM lists (and the kiosk wanted) that the chip did not return.
    pub missing: Vec<u8>,
    /// APDUs exchanged, including a fallback's.
    pub apdus: usize,
    pub extended: bool,
}

/// Counts APDUs for the benchmark and the budget in issue 3.
struct Counting<'a> {
    inner: &'a mut dyn Transceiver,
    count: usize,
}

impl Transceiver for Counting<'_> {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, CardError> {
        self.count += 1;
        self.inner.transmit(apdu)
    }
    fn max_response(&self) -> usize {
        self.inner.max_response()
    }
}

/// Performs BAC with the MRZ information (`mrz::Mrz::bac_input`) and returns the session.
pub fn authenticate(t: &mut dyn Transceiver, bac_input: &str) -> Result<SecureChannel, CardError> {
    let select = Command::new(0, 0xA4, 0x04, 0x0C).data(EMRTD_AID.to_vec());
    apdu::expect_ok(t, "SELECT eMRTD application", &select.encode())?;
    let rnd_icc = apdu::expect_ok(
        t,
        "GET CHALLENGE",
        &Command::new(0, 0x84, 0, 0).le(8).encode(),
    )?;
    let rnd_icc: [u8; 8] = rnd_icc
        .as_slice()
        .try_into()
        .map_err(|_| CardError::Malformed {
            command: "GET CHALLENGE",
            detail: format!("{} bytes instead of 8", rnd_icc.len()),
        })?;
    let (k_enc, k_mac) = bac::access_keys(bac_input);
    let (k_enc, k_mac) = (Zeroizing::new(k_enc), Zeroizing::new(k_mac));
    let mut rnd_ifd = [0u8; 8];
    let mut k_ifd = Zeroizing::new([0u8; 16]);
    OsRng.fill_bytes(&mut rnd_ifd);
    OsRng.fill_bytes(&mut k_ifd[..]);
    let mut s = Zeroizing::new(rnd_ifd.to_vec());
    s.extend_from_slice(&rnd_icc);
    s.extend_from_slice(&k_ifd[..]);
    let e_ifd = bac::encrypt(&k_enc, &s);
    let mut body = e_ifd.clone();
    body.extend(bac::retail_mac(&k_mac, &pad(&e_ifd)));
    let cmd = Command::new(0, 0x82, 0, 0).data(body).le(40);
    let (resp, sw) = apdu::split(&t.transmit(&cmd.encode())?, "MUTUAL AUTHENTICATE")?;
    // Chips and emulators refuse wrong keys with various status words (63 00, 69 82, 69 85,
    // 69 88, 6A 80 …); whatever the word, a refused MUTUAL AUTHENTICATE means the access keys
    // do not fit the chip, and sending them again cannot help.
    if sw != 0x9000 {
        return Err(CardError::AccessDenied(sw));
    }
    if resp.len() != 40 {
        return Err(CardError::Malformed {
            command: "MUTUAL AUTHENTICATE",
            detail: format!("{} bytes instead of 40", resp.len()),
        });
    }
    if bac::retail_mac(&k_mac, &pad(&resp[..32])) != resp[32..] {
        return Err(CardError::SecureMessaging(
            "the chip's authentication MAC does not verify",
        ));
    }
    let r = Zeroizing::new(bac::decrypt(&k_enc, &resp[..32]));
    if r[..8] != rnd_icc || r[8..16] != rnd_ifd {
        return Err(CardError::SecureMessaging(
            "the chip did not return our challenge",
        ));
    }
    let mut seed = Zeroizing::new([0u8; 16]);
    for i in 0..16 {
        seed[i] = k_ifd[i] ^ r[16 + i];
    }
    let mut ssc = [0u8; 8];
    ssc[..4].copy_from_slice(&rnd_icc[4..]);
    ssc[4..].copy_from_slice(&rnd_ifd[4..]);
    Ok(SecureChannel::new(
        bac::kdf(&seed[..], 1),
        bac::kdf(&seed[..], 2),
        u64::from_be_bytes(ssc),
    ))
}

/// The largest READ BINARY whose protected response fits `max_response` bytes.
pub fn chunk_for(max_response: usize) -> usize {
    let mut n = max_response.saturating_sub(16);
    while n > 0 && n + sm::response_overhead(n) > max_response {
        n -= 1;
    }
    n
}

struct Session<'a> {
    t: &'a mut dyn Transceiver,
    /// The MRZ information, to authenticate again when the chip ends the session.
    bac_input: &'a str,
    sm: SecureChannel,
    chunk: usize,
    /// Read the 8-byte header first (conservative) instead of a whole chunk.
    header_first: bool,
}

impl Session<'_> {
    fn send(&mut self, command: &'static str, cmd: &Command) -> Result<(Vec<u8>, u16), CardError> {
        if self.sm.ended() {
            // The chip answered the last command in plain and dropped the session: a fresh BAC
            // gives new keys and a new counter, as the chip expects.
            tracing::info!("chip: the chip ended secure messaging; authenticating again");
            self.sm = authenticate(self.t, self.bac_input)?;
        }
        let wire = self.sm.protect(cmd);
        let reply = self.t.transmit(&wire)?;
        self.sm.unprotect(&reply).map_err(|e| match e {
            CardError::Malformed { detail, .. } => CardError::Malformed { command, detail },
            e => e,
        })
    }

    /// `None` when the chip does not hold the file.
    fn select(&mut self, fid: u16) -> Result<Option<()>, CardError> {
        let cmd = Command::new(0, 0xA4, 0x02, 0x0C).data(fid.to_be_bytes().to_vec());
        match self.send("SELECT file", &cmd)? {
            (_, 0x9000) => Ok(Some(())),
            (_, 0x6A82) => Ok(None),
            (_, sw) => Err(CardError::Status {
                command: "SELECT file",
                sw,
            }),
        }
    }

    fn read_binary(&mut self, offset: usize, len: usize) -> Result<Vec<u8>, CardError> {
        let cmd = Command::new(0, 0xB0, (offset >> 8) as u8, offset as u8).le(len);
        let (data, sw) = self.send("READ BINARY", &cmd)?;
        if sw != 0x9000 && sw != 0x6282 {
            return Err(CardError::Status {
                command: "READ BINARY",
                sw,
            });
        }
        if data.len() > len {
            return Err(CardError::Malformed {
                command: "READ BINARY",
                detail: format!("{} bytes returned for {len} asked", data.len()),
            });
        }
        Ok(data)
    }

    fn read_file(&mut self, fid: u16) -> Result<Option<Vec<u8>>, CardError> {
        if self.select(fid)?.is_none() {
            return Ok(None);
        }
        let first = if self.header_first {
            HEADER_READ
        } else {
            self.chunk
        };
        let mut buf = self.read_binary(0, first)?;
        let total = match tlv::header(&buf) {
            Ok((_, head, len)) => head + len,
            // Not a definite length: BER's indefinite form (EF.SOD on some chips).
            Err(_) => return self.read_to_end(fid, buf).map(Some),
        };
        if total > MAX_OFFSET + self.chunk {
            return Err(CardError::Malformed {
                command: "READ BINARY",
                detail: format!("file {fid:04X} of {total} bytes is beyond short offsets"),
            });
        }
        buf.truncate(total);
        while buf.len() < total {
            let want = (total - buf.len()).min(self.chunk);
            let part = self.read_binary(buf.len(), want)?;
            if part.is_empty() {
                return Err(CardError::Malformed {
                    command: "READ BINARY",
                    detail: format!("file {fid:04X} ends at {} of {total} bytes", buf.len()),
                });
            }
            buf.extend(part);
        }
        Ok(Some(buf))
    }
}

impl Session<'_> {
    /// Reads an element of indefinite length chunk by chunk until it is complete.
    fn read_to_end(&mut self, fid: u16, mut buf: Vec<u8>) -> Result<Vec<u8>, CardError> {
        loop {
            if let Some(total) = tlv::ber_len(&buf)? {
                buf.truncate(total);
                return Ok(buf);
            }
            if buf.len() > MAX_OFFSET {
                return Err(CardError::Malformed {
                    command: "READ BINARY",
                    detail: format!("file {fid:04X} is beyond short offsets"),
                });
            }
            let part = self.read_binary(buf.len(), self.chunk)?;
            if part.is_empty() {
                return Err(CardError::Malformed {
                    command: "READ BINARY",
                    detail: format!("file {fid:04X} ends at {} bytes, unfinished", buf.len()),
                });
            }
            buf.extend(part);
        }
    }
}

fn read_all(
    t: &mut dyn Transceiver,
    bac_input: &str,
    wanted: &[u8],
    chunk: usize,
    header_first: bool,
) -> Result<ChipFiles, CardError> {
    let sm = authenticate(t, bac_input)?;
    let mut s = Session {
        t,
        bac_input,
        sm,
        chunk,
        header_first,
    };
    let com = s.read_file(lds::EF_COM)?.ok_or(CardError::Status {
        command: "SELECT EF.COM",
        sw: 0x6A82,
    })?;
    let listed = lds::listed_groups(&com)?;
    let mut files = ChipFiles {
        com,
        ..Default::default()
    };
    for &dg in wanted.iter().filter(|dg| listed.contains(dg)) {
        // A group EF.COM lists but the chip does not return is recorded (passive
        // authentication then fails: a genuine chip serves what it lists), and the rest is
        // still read.
        match s.read_file(lds::dg_file(dg))? {
            Some(bytes) => {
                files.groups.insert(dg, Zeroizing::new(bytes));
            }
            None => {
                tracing::warn!(
                    dg,
                    "chip: EF.COM lists a data group the chip does not return"
                );
                files.missing.push(dg);
            }
        }
    }
    files.sod = s.read_file(lds::EF_SOD)?;
    Ok(files)
}

/// READ BINARY sizes tried after the fast read failed, largest first: the largest short read,
/// then smaller ones for older chips that refuse long reads with `67 00`.
const STEP_DOWN: [usize; 4] = [231, 160, 112, 64];

/// Reads the chip again after a fresh BAC with header-first reads of each size of
/// [`STEP_DOWN`] in turn, until one reads every file; the size that worked is logged and used
/// for the whole read.
///
/// Errors: the last size's error; wrong keys, a removed card or a reader failure at once.
fn step_down(
    t: &mut dyn Transceiver,
    bac_input: &str,
    wanted: &[u8],
) -> Result<ChipFiles, CardError> {
    let mut last = None;
    for chunk in STEP_DOWN {
        match read_all(t, bac_input, wanted, chunk, true) {
            Ok(files) => {
                tracing::info!(chunk, "chip: read with short reads of this size");
                return Ok(files);
            }
            Err(e @ (CardError::Removed | CardError::AccessDenied(_) | CardError::Reader(_))) => {
                return Err(e);
            }
            Err(e) => {
                tracing::warn!(chunk, error = %e, "chip: short reads of this size failed");
                last = Some(e);
            }
        }
    }
    Err(last.expect("at least one size was tried"))
}

/// Reads EF.COM, the `wanted` data groups the chip lists, and EF.SOD.
pub fn read_chip(
    t: &mut dyn Transceiver,
    bac_input: &str,
    wanted: &[u8],
    extended: ExtendedLength,
) -> Result<ChipFiles, CardError> {
    let mut counting = Counting { inner: t, count: 0 };
    let max = counting.max_response();
    let long = max > SHORT_RESPONSE && extended == ExtendedLength::Auto;
    let first = read_all(
        &mut counting,
        bac_input,
        wanted,
        chunk_for(if long { max } else { SHORT_RESPONSE }),
        false,
    );
    let result = match first {
        Err(e @ (CardError::Removed | CardError::AccessDenied(_) | CardError::Reader(_))) => Err(e),
        Err(e) => {
            tracing::warn!(error = %e, "chip: fast read failed, reading again with header-first short reads");
            step_down(&mut counting, bac_input, wanted).map(|f| (f, false))
        }
        Ok(f) => Ok((f, long)),
    };
    let (mut files, used_long) = result?;
    files.apdus = counting.count;
    files.extended = used_long;
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_fill_the_response_limit() {
        assert_eq!(chunk_for(258), 231);
        let n = chunk_for(65535);
        assert!(n + sm::response_overhead(n) <= 65535);
        assert!(n + 8 + sm::response_overhead(n + 8) > 65535);
    }
}
