//! ICAO Doc 9303 data, without I/O: machine-readable zones, BER-TLV, the logical data structure
//! and passive authentication. Parsers here take bytes from chips and people, so they never
//! trust a length and never panic (the fuzz targets in `fuzz/` hold them to that).

pub mod lds;
pub mod mrz;
pub mod pa;
pub mod tlv;
