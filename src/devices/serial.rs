//! Character devices driven non-blocking with `poll`, so a stalled peer makes an operation fail
//! at its deadline instead of hanging a thread: serial ports (printers, ID reader modules) and
//! `/dev/usb/lp*`.

use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::fs::OpenOptionsExt;
use std::time::Instant;

/// Opens `path` non-blocking; with `serial = Some((baud, rts_cts))` it is set raw 8N1.
pub fn open(path: &str, serial: Option<(u32, bool)>) -> io::Result<OwnedFd> {
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)?;
    let fd = OwnedFd::from(file);
    if let Some((baud, rts_cts)) = serial {
        configure(fd.as_raw_fd(), baud, rts_cts)?;
    }
    Ok(fd)
}

/// Waits until `events` are ready on `fd` (or it hangs up or fails) or the deadline passes
/// (`Ok(false)`).
pub fn wait(fd: i32, events: i16, deadline: Instant) -> io::Result<bool> {
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
    // A hang-up or an error counts as ready: the read or write that follows reports it, where
    // "not ready" would have its caller wait (or spin) on a device that is gone.
    Ok(n > 0 && pfd.revents & (events | libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0)
}

/// Reads exactly `buf.len()` bytes before `deadline`.
pub fn read_exact(fd: &OwnedFd, buf: &mut [u8], deadline: Instant) -> io::Result<()> {
    let mut filled = 0;
    while filled < buf.len() {
        if !wait(fd.as_raw_fd(), libc::POLLIN, deadline)? {
            return Err(io::Error::new(io::ErrorKind::TimedOut, "no answer in time"));
        }
        match read_some(fd, &mut buf[filled..]) {
            Ok(0) => {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "device closed",
                ));
            }
            Ok(n) => filled += n,
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// One read of what is there now: the count read, `Ok(0)` when the device is closed, and
/// `WouldBlock` when nothing is waiting (an interrupted read counts as that).
pub fn read_some(fd: &OwnedFd, buf: &mut [u8]) -> io::Result<usize> {
    // SAFETY: the buffer slice is valid for writes of its length.
    let n = unsafe { libc::read(fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
    if n >= 0 {
        return Ok(n as usize);
    }
    let e = io::Error::last_os_error();
    if e.kind() == io::ErrorKind::Interrupted {
        return Err(io::ErrorKind::WouldBlock.into());
    }
    Err(e)
}

/// Writes all of `bytes`; fails when the device takes nothing for `idle` (a slow printer
/// that keeps taking data is not an error, a stalled one is).
pub fn write_all(fd: &OwnedFd, mut bytes: &[u8], idle: std::time::Duration) -> io::Result<()> {
    let mut deadline = Instant::now() + idle;
    while !bytes.is_empty() {
        // SAFETY: the slice is valid for reads of its length.
        let n = unsafe { libc::write(fd.as_raw_fd(), bytes.as_ptr().cast(), bytes.len()) };
        if n > 0 {
            bytes = &bytes[n as usize..];
            deadline = Instant::now() + idle;
            continue;
        }
        let e = io::Error::last_os_error();
        if n < 0 && e.kind() != io::ErrorKind::WouldBlock && e.kind() != io::ErrorKind::Interrupted
        {
            return Err(e);
        }
        if !wait(fd.as_raw_fd(), libc::POLLOUT, deadline)? {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "device stopped taking data",
            ));
        }
    }
    Ok(())
}

fn configure(fd: i32, baud: u32, rts_cts: bool) -> io::Result<()> {
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
        t.c_cflag |= libc::CLOCAL | libc::CREAD;
        if rts_cts {
            t.c_cflag |= libc::CRTSCTS;
        }
        if libc::tcsetattr(fd, libc::TCSANOW, &t) != 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}
