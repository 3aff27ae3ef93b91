//! Bytes from an MRZ scanner → whole scans. OCR readers in serial (or USB CDC-ACM) mode send each
//! MRZ line as text ended by CR, LF or both, some wrapped in STX … ETX, and then fall silent
//! until the next document. The lines of one document arrive together, so a scan is everything
//! received until the line goes quiet for [`QUIET`]: that tells a one-line permit MRZ from the
//! first line of a three-line card without knowing the document in advance. Whether the text is
//! a valid MRZ (shape, check digits) is for the MRZ parser to say, not the framer.

use std::time::{Duration, Instant};

use zeroize::{Zeroize, Zeroizing};

/// Silence after which a scan is complete. Readers send a document's lines back to back (under
/// 10 ms apart at 9600 baud); a person cannot present the next document this fast.
pub const QUIET: Duration = Duration::from_millis(150);

/// The longest line a scan may hold (a TD3 line is 44 characters); longer input is not an MRZ
/// and is cut, so a babbling device cannot grow the buffer.
const LINE_MAX: usize = 64;
/// The most lines one scan may hold (TD1 has three).
const LINES_MAX: usize = 4;

/// Collects bytes into scans. Holds personal data (the MRZ), wiped when dropped; its buffers
/// are allocated at their bounds once, so no growing leaves an unwiped copy behind.
pub struct Framer {
    line: Zeroizing<String>,
    lines: Vec<Zeroizing<String>>,
    last: Option<Instant>,
}

impl Default for Framer {
    fn default() -> Framer {
        Framer {
            line: Zeroizing::new(String::with_capacity(LINE_MAX)),
            lines: Vec::with_capacity(LINES_MAX),
            last: None,
        }
    }
}

impl Framer {
    /// Takes bytes received at `now`.
    pub fn push(&mut self, bytes: &[u8], now: Instant) {
        for &b in bytes {
            match b {
                b'\r' | b'\n' | 0x03 => self.end_line(),
                0x20..=0x7e if self.line.len() < LINE_MAX => self.line.push(b as char),
                // STX and any other control byte carry no MRZ character; a line at its limit
                // takes no more.
                _ => {}
            }
        }
        if !bytes.is_empty() {
            self.last = Some(now);
        }
    }

    /// The scan that is complete at `now` (the line quiet for [`QUIET`]), lines joined by `\n`.
    pub fn take(&mut self, now: Instant) -> Option<Zeroizing<String>> {
        let quiet = self.last.is_some_and(|t| now.duration_since(t) >= QUIET);
        if !quiet {
            return None;
        }
        self.end_line();
        self.last = None;
        if self.lines.is_empty() {
            return None;
        }
        let mut scan = Zeroizing::new(String::with_capacity(LINES_MAX * (LINE_MAX + 1)));
        for (i, line) in self.lines.drain(..).enumerate() {
            if i > 0 {
                scan.push('\n');
            }
            scan.push_str(&line);
        }
        Some(scan)
    }

    /// When the current scan will be complete if nothing more arrives.
    pub fn due(&self) -> Option<Instant> {
        self.last.map(|t| t + QUIET)
    }

    fn end_line(&mut self) {
        let trimmed = self.line.trim();
        if !trimmed.is_empty() && self.lines.len() < LINES_MAX {
            self.lines.push(Zeroizing::new(trimmed.to_owned()));
        }
        // Emptied in place: the buffer keeps its capacity and is wiped when the framer goes.
        self.line.zeroize();
        self.line.reserve(LINE_MAX);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PERMIT: &str = "CSC12345678<2<301231<1<900101<8";

    #[test]
    fn a_scan_ends_when_the_line_goes_quiet_whatever_ends_its_lines() {
        let t0 = Instant::now();
        let mut f = Framer::default();
        f.push(b"\x02I<UTOD231458907<<<<<<<<<<<<<<<\r", t0);
        f.push(b"7408122F1204159UTO<<<<<<<<<<<6\r\n", t0);
        // The third line arrives without its terminator yet: not complete while bytes flow.
        f.push(
            b"ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
            t0 + Duration::from_millis(20),
        );
        assert!(f.take(t0 + Duration::from_millis(100)).is_none());
        assert_eq!(f.due(), Some(t0 + Duration::from_millis(20) + QUIET));
        let scan = f.take(t0 + Duration::from_millis(20) + QUIET).unwrap();
        assert_eq!(
            scan.as_str(),
            "I<UTOD231458907<<<<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6\nERIKSSON<<ANNA<MARIA<<<<<<<<<<"
        );
        assert!(f.take(t0 + Duration::from_secs(5)).is_none(), "taken once");
    }

    #[test]
    fn two_documents_a_moment_apart_are_two_scans() {
        let t0 = Instant::now();
        let mut f = Framer::default();
        f.push(format!("{PERMIT}\r").as_bytes(), t0);
        let first = f.take(t0 + QUIET).unwrap();
        f.push(
            format!("\x02{PERMIT}\x03").as_bytes(),
            t0 + Duration::from_secs(2),
        );
        let second = f.take(t0 + Duration::from_secs(2) + QUIET).unwrap();
        assert_eq!((first.as_str(), second.as_str()), (PERMIT, PERMIT));
    }

    #[test]
    fn noise_is_bounded_and_blank_lines_make_no_scan() {
        let t0 = Instant::now();
        let mut f = Framer::default();
        f.push(b"\r\n\r\n\x00\x07", t0);
        assert!(f.take(t0 + QUIET).is_none());
        f.push(&[b'X'; 10_000], t0);
        for _ in 0..10 {
            f.push(b"<<<<\r", t0);
        }
        let scan = f.take(t0 + QUIET).unwrap();
        let lines: Vec<&str> = scan.lines().collect();
        assert_eq!(lines.len(), LINES_MAX);
        assert_eq!(lines[0].len(), LINE_MAX);
    }
}
