//! How job bytes reach a printer: raw TCP (port 9100), the kernel's USB printer device
//! (`/dev/usb/lp*`) and serial lines. Every read and write has a deadline, so an unplugged or
//! stalled printer becomes an error instead of a hung kiosk (docs/PRINTING.md, "Connections").

use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::os::fd::{AsRawFd, OwnedFd};
use std::time::{Duration, Instant};

use super::status::PrinterState;
use crate::devices::serial;

/// `LPGETSTATUS` from linux/lp.h: the IEEE-1284 status lines of a `/dev/usb/lp*` printer.
const LPGETSTATUS: libc::c_ulong = 0x060B;

/// Reads the port status byte (USB Printer Class `GET_PORT_STATUS`, IEEE 1284 lines): paper
/// empty 0x20, selected 0x10, not-error 0x08.
pub fn lp_status_state(byte: u8) -> PrinterState {
    if byte & 0x20 != 0 {
        PrinterState::PaperEnd
    } else if byte & 0x08 == 0 {
        PrinterState::Error
    } else if byte & 0x10 == 0 {
        PrinterState::Offline
    } else {
        PrinterState::Ready
    }
}

pub trait Transport: Send {
    /// Writes a whole job, or fails once `timeout` passes without progress.
    fn send(&mut self, bytes: &[u8]) -> io::Result<()>;
    /// Sends a real-time request and waits for its one-byte answer; `None` if none came in time.
    fn query(&mut self, request: &[u8]) -> io::Result<Option<u8>>;
    /// Ends the exchange (a TCP printer serves one connection at a time).
    fn finish(&mut self) {}
    /// The state the operating system reports, for printers that do not answer `DLE EOT`.
    fn kernel_status(&mut self) -> Option<PrinterState> {
        None
    }
    /// For logs: where the printer is.
    fn describe(&self) -> String;
}

/// Raw TCP, one connection per exchange.
pub struct Tcp {
    address: String,
    timeout: Duration,
    stream: Option<TcpStream>,
}

impl Tcp {
    pub fn new(address: &str, timeout: Duration) -> Tcp {
        Tcp {
            address: address.to_string(),
            timeout,
            stream: None,
        }
    }

    fn stream(&mut self) -> io::Result<&mut TcpStream> {
        if self.stream.is_none() {
            let mut last = io::Error::new(
                io::ErrorKind::NotFound,
                format!("{}: no address", self.address),
            );
            for addr in self.address.to_socket_addrs()? {
                match TcpStream::connect_timeout(&addr, self.timeout) {
                    Ok(s) => {
                        s.set_nodelay(true)?;
                        s.set_read_timeout(Some(self.timeout))?;
                        s.set_write_timeout(Some(self.timeout))?;
                        self.stream = Some(s);
                        break;
                    }
                    Err(e) => last = e,
                }
            }
            if self.stream.is_none() {
                return Err(last);
            }
        }
        Ok(self.stream.as_mut().expect("connected above"))
    }
}

impl Transport for Tcp {
    fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        let result = self
            .stream()?
            .write_all(bytes)
            .and_then(|_| self.stream()?.flush());
        if result.is_err() {
            self.stream = None;
        }
        result
    }

    fn query(&mut self, request: &[u8]) -> io::Result<Option<u8>> {
        let stream = self.stream()?;
        // Drop any late answer to an earlier request so it is not taken for this one.
        stream.set_nonblocking(true)?;
        let mut scratch = [0u8; 64];
        while let Ok(n) = stream.read(&mut scratch) {
            if n == 0 {
                break;
            }
        }
        stream.set_nonblocking(false)?;
        stream.write_all(request)?;
        let mut answer = [0u8; 1];
        match stream.read(&mut answer) {
            Ok(1) => Ok(Some(answer[0])),
            Ok(_) => {
                self.stream = None;
                Ok(None)
            }
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                Ok(None)
            }
            Err(e) => {
                self.stream = None;
                Err(e)
            }
        }
    }

    fn finish(&mut self) {
        self.stream = None;
    }

    fn describe(&self) -> String {
        format!("tcp {}", self.address)
    }
}

/// A character device opened non-blocking and driven with `poll`: `/dev/usb/lp*` (the kernel's
/// usblp driver, whose plain writes block forever while a printer is stalled) or a serial port.
pub struct Device {
    path: String,
    timeout: Duration,
    fd: Option<OwnedFd>,
    baud: Option<u32>,
}

impl Device {
    pub fn usb(path: &str, timeout: Duration) -> Device {
        Device {
            path: path.to_string(),
            timeout,
            fd: None,
            baud: None,
        }
    }

    pub fn serial(path: &str, baud: u32, timeout: Duration) -> Device {
        Device {
            path: path.to_string(),
            timeout,
            fd: None,
            baud: Some(baud),
        }
    }

    fn fd(&mut self) -> io::Result<i32> {
        if self.fd.is_none() {
            // Big raster jobs need RTS/CTS flow control on serial printers.
            self.fd = Some(serial::open(&self.path, self.baud.map(|b| (b, true)))?);
        }
        Ok(self.fd.as_ref().expect("opened above").as_raw_fd())
    }

    fn wait(&self, fd: i32, events: i16, deadline: Instant) -> io::Result<bool> {
        serial::wait(fd, events, deadline)
    }
}

impl Transport for Device {
    fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.fd()?;
        let fd = self.fd.as_ref().expect("opened above");
        serial::write_all(fd, bytes, self.timeout).map_err(|e| {
            self.fd = None;
            io::Error::new(e.kind(), format!("{}: {e}", self.path))
        })
    }

    fn query(&mut self, request: &[u8]) -> io::Result<Option<u8>> {
        let fd = self.fd()?;
        let mut scratch = [0u8; 64];
        // SAFETY: reading into a valid buffer; non-blocking, so this only drains.
        while unsafe { libc::read(fd, scratch.as_mut_ptr().cast(), scratch.len()) } > 0 {}
        self.send(request)?;
        let fd = self.fd()?;
        if !self.wait(fd, libc::POLLIN, Instant::now() + self.timeout)? {
            return Ok(None);
        }
        let mut answer = [0u8; 1];
        // SAFETY: reading one byte into a valid buffer.
        let n = unsafe { libc::read(fd, answer.as_mut_ptr().cast(), 1) };
        Ok((n == 1).then_some(answer[0]))
    }

    fn kernel_status(&mut self) -> Option<PrinterState> {
        if self.baud.is_some() {
            return None;
        }
        let fd = self.fd().ok()?;
        let mut status: libc::c_int = 0;
        // SAFETY: LPGETSTATUS writes one int through the pointer on a usblp descriptor.
        let r = unsafe { libc::ioctl(fd, LPGETSTATUS as _, &mut status) };
        (r == 0).then(|| lp_status_state(status as u8))
    }

    fn describe(&self) -> String {
        match self.baud {
            Some(b) => format!("serial {} at {b} baud", self.path),
            None => format!("usb {}", self.path),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usb_status_lines() {
        assert_eq!(lp_status_state(0x18), PrinterState::Ready);
        assert_eq!(lp_status_state(0x38), PrinterState::PaperEnd);
        assert_eq!(lp_status_state(0x10), PrinterState::Error);
        assert_eq!(lp_status_state(0x08), PrinterState::Offline);
    }
}
