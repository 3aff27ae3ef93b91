//! Scanners that send the MRZ as text over a serial port, or a USB one that appears as a serial
//! device (CDC-ACM, `/dev/ttyACM*`): the common interface of desktop OCR readers, which the
//! kiosk uses in its plainest form (text lines, no vendor commands). Readers that only emulate a
//! keyboard are not supported: their keystrokes would go to whichever window has the focus.

use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::time::Instant;

use zeroize::Zeroizing;

use super::framing::Framer;
use super::{MrzScanner, ScannerError};
use crate::devices::serial;

pub struct SerialScanner {
    path: String,
    baud: Option<u32>,
    /// `None` after the device went away: opened again on the next call, so a scanner plugged
    /// back in works without a restart.
    fd: Option<OwnedFd>,
    framer: Framer,
}

impl SerialScanner {
    /// The scanner at `path`; `baud` sets a serial line raw 8N1 at that speed (`None` for a USB
    /// CDC-ACM device, whose speed setting means nothing). Opened at the first scan asked for.
    pub fn new(path: &str, baud: Option<u32>) -> SerialScanner {
        SerialScanner {
            path: path.into(),
            baud,
            fd: None,
            framer: Framer::default(),
        }
    }

    /// Reads scans from `fd` until one is complete or `until` passes.
    fn scan(&mut self, fd: &OwnedFd, until: Instant) -> io::Result<Option<Zeroizing<String>>> {
        let mut buf = Zeroizing::new([0u8; 256]);
        loop {
            let now = Instant::now();
            if let Some(scan) = self.framer.take(now) {
                return Ok(Some(scan));
            }
            if now >= until {
                return Ok(None);
            }
            // Wake for the next bytes, or when a scan in progress falls quiet.
            let wake = self.framer.due().map_or(until, |due| due.min(until));
            if !serial::wait(fd.as_raw_fd(), libc::POLLIN, wake)? {
                continue;
            }
            match serial::read_some(fd, &mut buf[..]) {
                Ok(0) => {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "device closed",
                    ));
                }
                Ok(n) => self.framer.push(&buf[..n], Instant::now()),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => return Err(e),
            }
        }
    }
}

impl MrzScanner for SerialScanner {
    fn next_scan(&mut self, until: Instant) -> Result<Option<Zeroizing<String>>, ScannerError> {
        let device = |source| ScannerError::Device {
            path: self.path.clone(),
            source,
        };
        let fd = match self.fd.take() {
            Some(fd) => fd,
            None => serial::open(&self.path, self.baud.map(|b| (b, false))).map_err(device)?,
        };
        match self.scan(&fd, until) {
            Ok(scan) => {
                self.fd = Some(fd);
                Ok(scan)
            }
            Err(e) => {
                // Half a scan from a device that went away is dropped with it.
                self.framer = Framer::default();
                Err(ScannerError::Device {
                    path: self.path.clone(),
                    source: e,
                })
            }
        }
    }
}
