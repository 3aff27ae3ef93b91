//! The card end of the vpcd socket protocol (docs/CARDS.md, "The virtual reader"): every message is
//! a 2-byte big-endian length and a payload; one-byte payloads are power off (00), power on (01),
//! reset (02) and "get ATR" (04, answered with the ATR); anything else is an APDU answered with a
//! response. Connecting inserts the card, closing the socket removes it.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::thread::JoinHandle;
use std::time::Duration;

use super::VirtualCard;

/// vpcd's first slot listens on this port; slot `n` on `BASE_PORT + n`.
pub const BASE_PORT: u16 = 35963;

/// A card on a virtual reader; dropping it (or `remove`) takes the card off.
pub struct Inserted {
    stream: TcpStream,
    worker: Option<JoinHandle<()>>,
}

fn read_message(s: &mut TcpStream) -> std::io::Result<Vec<u8>> {
    let mut len = [0u8; 2];
    s.read_exact(&mut len)?;
    let mut buf = vec![0u8; u16::from_be_bytes(len) as usize];
    s.read_exact(&mut buf)?;
    Ok(buf)
}

fn write_message(s: &mut TcpStream, payload: &[u8]) -> std::io::Result<()> {
    let len = u16::try_from(payload.len())
        .map_err(|_| std::io::Error::other("response longer than 65535 bytes"))?;
    let mut msg = len.to_be_bytes().to_vec();
    msg.extend_from_slice(payload);
    s.write_all(&msg)
}

/// vpcd writes the length and the payload in two sends; with Nagle on its side and delayed ACKs
/// on ours every APDU would wait ~40 ms for an acknowledgement. Quick ACK (re-armed before each
/// read, as Linux clears it) lets vpcd's second send go at once.
fn quick_ack(stream: &TcpStream) {
    use std::os::fd::AsRawFd;
    let on: libc::c_int = 1;
    // SAFETY: setsockopt on an open socket with a c_int option value.
    unsafe {
        libc::setsockopt(
            stream.as_raw_fd(),
            libc::IPPROTO_TCP,
            libc::TCP_QUICKACK,
            (&on as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        );
    }
}

fn serve(mut stream: TcpStream, mut card: Box<dyn VirtualCard>) {
    loop {
        quick_ack(&stream);
        let Ok(msg) = read_message(&mut stream) else {
            break;
        };
        let reply = match msg.as_slice() {
            [0x00] | [0x01] | [0x02] => {
                card.reset();
                continue;
            }
            [0x04] => card.atr(),
            apdu => card.respond(apdu),
        };
        if write_message(&mut stream, &reply).is_err() {
            break;
        }
    }
}

/// Puts `card` on the vpcd reader listening at `host:port`. Retries for up to `wait` because
/// pcscd opens the port a moment after it starts.
pub fn insert(
    host: &str,
    port: u16,
    card: Box<dyn VirtualCard>,
    wait: Duration,
) -> std::io::Result<Inserted> {
    let deadline = std::time::Instant::now() + wait;
    let stream = loop {
        match TcpStream::connect((host, port)) {
            Ok(s) => break s,
            Err(e) if std::time::Instant::now() >= deadline => return Err(e),
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    };
    stream.set_nodelay(true)?;
    let serving = stream.try_clone()?;
    let worker = std::thread::Builder::new()
        .name(format!("vcard:{port}"))
        .spawn(move || serve(serving, card))?;
    Ok(Inserted {
        stream,
        worker: Some(worker),
    })
}

impl Inserted {
    /// Takes the card off the reader and waits until the card thread has stopped.
    pub fn remove(mut self) {
        self.close();
    }

    /// Blocks while the reader keeps the card (for the `kiosk-vcard` command).
    pub fn wait(mut self) {
        if let Some(w) = self.worker.take() {
            let _ = w.join();
        }
    }

    fn close(&mut self) {
        let _ = self.stream.shutdown(Shutdown::Both);
        if let Some(w) = self.worker.take() {
            let _ = w.join();
        }
    }
}

impl Drop for Inserted {
    fn drop(&mut self) {
        self.close();
    }
}
