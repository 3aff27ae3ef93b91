//! Development only, built with the `dev` cargo feature and never into the appliance: the
//! virtual cards (`vcard`) behind `kiosk-vcard`, and the development PKI (`pki`) that
//! `kiosk-central-dev` serves mutual TLS with. The tests and benchmarks use both.

pub mod pki;
pub mod vcard;
