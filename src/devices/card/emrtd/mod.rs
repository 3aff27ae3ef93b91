//! The ICAO Doc 9303 protocol over a `Transceiver`: Basic Access Control, secure messaging (both
//! ends), reading a chip's files, and the whole document as the kiosk uses it.

pub mod bac;
pub mod chip;
pub mod document;
pub mod sm;
