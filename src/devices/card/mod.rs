//! Card readers: the ports the application listens to, and the layers behind them, arranged as
//! JMRTD separates data, protocol and service. Each layer imports only layers listed before it:
//!
//! * this module: the ports (`CardReader`, `CardEvent`, `DemoCards`) and the errors (`error`);
//! * `transport`: APDUs and the `Transceiver` port, the PC/SC transceiver;
//! * `icao`: ICAO 9303 data, no I/O: MRZ, BER-TLV, the LDS, passive authentication;
//! * `emrtd`: the ICAO protocol: BAC, secure messaging, the chip's files, the whole document;
//! * `idcard`: the resident ID card's reader module: text block, pseudo-APDUs, serial frames,
//!   photo plug-in;
//! * `readers`: the adapters that implement `CardReader` (PC/SC, serial module, simulated);
//! * `permit`: the station kiosk's card-permit reader: its port and its PC/SC and simulated
//!   adapters.
//!
//! Demo mode and the tests use the simulated reader through the same port as the real ones.

pub mod emrtd;
pub mod error;
pub mod icao;
pub mod idcard;
pub mod permit;
pub mod readers;
pub mod transport;

use std::time::Duration;

use crate::domain::identity::Identity;

#[derive(Debug)]
pub enum CardEvent {
    Inserted(Box<Identity>),
    /// A card is present but its data cannot be trusted; the reason is for the log.
    Unreadable(String),
    Removed,
}

/// A reader watched by the card worker thread.
pub trait CardReader: Send {
    /// Waits up to `timeout` for something to happen on the reader.
    fn wait_event(&mut self, timeout: Duration) -> Option<CardEvent>;
}

/// Sample cards the attract screen offers in demo mode, so the application can put one on the
/// simulated reader without knowing which adapter is behind it.
pub trait DemoCards: Send + Sync {
    /// One label per sample card, marked as a demo card (the people are synthetic).
    fn labels(&self) -> &[String];
    /// Puts sample card `index` on the reader.
    fn insert(&self, index: usize);
    /// Takes the card off the reader.
    fn remove(&self);
}
