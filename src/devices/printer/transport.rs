//! How job bytes reach a printer: raw TCP (port 9100), the kernel's USB printer device
//! (`/dev/usb/lp*`) and serial lines. Every read and write has a deadline, so an unplugged or
//! stalled printer becomes an error instead of a hung kiosk (`shared/reference/printing.md` §5).

use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::fs::OpenOptionsExt;
use std::time::{Duration, Instant};

use super::status::PrinterState;

/// `LPGETSTATUS` from linux/lp.h: the IEEE-1284 status lines of a `/dev/usb/lp*` printer.
const LPGETSTATUS: libc::c_ulong = 0x060B;

/// Reads the 1284 status byte (`shared/reference/printing.md` §5): paper-out 0x20,
/// selected 0x10, not-error 0x08.
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
            let file = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
                .open(&self.path)?;
            let fd = OwnedFd::from(file);
            if let Some(baud) = self.baud {
                configure_serial(fd.as_raw_fd(), baud)?;
            }
            self.fd = Some(fd);
        }
        Ok(self.fd.as_ref().expect("opened above").as_raw_fd())
    }

    fn wait(&self, fd: i32, events: i16, deadline: Instant) -> io::Result<bool> {
        let left = deadline.saturating_duration_since(Instant::now());
        let mut pfd = libc::pollfd {
            fd,
            events,
            revents: 0,
        };
        // SAFETY: one valid pollfd for the duration of the call.
        let n = unsafe { libc::poll(&mut pfd, 1, left.as_millis().min(i32::MAX as u128) as i32) };
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(n > 0 && pfd.revents & events != 0)
    }
}

fn configure_serial(fd: i32, baud: u32) -> io::Result<()> {
    let speed = match baud {
        9600 => libc::B9600,
        19200 => libc::B19200,
        38400 => libc::B38400,
        57600 => libc::B57600,
        115200 => libc::B115200,
        _ => {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("unsupported baud rate {baud}"),
            ));
        }
    };
    // SAFETY: termios is plain data filled by tcgetattr on a valid descriptor.
    unsafe {
        let mut t: libc::termios = std::mem::zeroed();
        if libc::tcgetattr(fd, &mut t) != 0 {
            return Err(io::Error::last_os_error());
        }
        libc::cfmakeraw(&mut t);
        libc::cfsetispeed(&mut t, speed);
        libc::cfsetospeed(&mut t, speed);
        // 8N1 with RTS/CTS flow control, which big raster jobs need.
        t.c_cflag |= libc::CLOCAL | libc::CREAD | libc::CRTSCTS;
        if libc::tcsetattr(fd, libc::TCSANOW, &t) != 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

impl Transport for Device {
    fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        let fd = self.fd()?;
        let mut sent = 0;
        let mut deadline = Instant::now() + self.timeout;
        while sent < bytes.len() {
            // SAFETY: writing from a valid slice to an open descriptor.
            let n = unsafe { libc::write(fd, bytes[sent..].as_ptr().cast(), bytes.len() - sent) };
            if n > 0 {
                sent += n as usize;
                deadline = Instant::now() + self.timeout;
                continue;
            }
            let err = io::Error::last_os_error();
            if n < 0
                && err.kind() != io::ErrorKind::WouldBlock
                && err.kind() != io::ErrorKind::Interrupted
            {
                self.fd = None;
                return Err(err);
            }
            if !self.wait(fd, libc::POLLOUT, deadline)? {
                self.fd = None;
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("{}: printer stopped taking data", self.path),
                ));
            }
        }
        Ok(())
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
