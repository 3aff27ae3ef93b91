//! `kiosk-vcard`: puts a virtual card on a `vsmartcard-vpcd` reader for development and demos
//! (never on a kiosk: vpcd accepts cards from the whole network). The card stays until the
//! process ends; ending it is taking the card off.
//!
//!     kiosk-vcard id [--sample N]      a demo ID card behind the reader-module pseudo-APDUs
//!     kiosk-vcard passport             the ICAO specimen passport (20 KB face)
//!     kiosk-vcard permit               a card-type permit for the first demo ID holder (chip
//!                                      and a blank stand-in endorsement area)
//!
//! Chips are signed by the test PKI in `--pki` (created on first use); point
//! `devices.card.csca` at its `csca.pem` to see passive authentication verified.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use kiosk::dev::vcard::emrtd::Quirks;
use kiosk::dev::vcard::idmodule::IdModuleCard;
use kiosk::dev::vcard::pki::TestPki;
use kiosk::dev::vcard::{VirtualCard, samples, vpcd};
use kiosk::devices::card::idcard::cnid::encode_text_block;
use kiosk::devices::card::idcard::idmodule::PHOTO_LEN;
use kiosk::domain::samples::sample_identities;

#[derive(Parser)]
#[command(
    name = "kiosk-vcard",
    about = "Virtual cards for vsmartcard-vpcd (development only)"
)]
struct Cli {
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// vpcd slot: 0 is port 35963 ("Virtual PCD 00 00"), 1 is 35964.
    #[arg(long, default_value_t = 0)]
    slot: u16,
    /// Directory of the test CSCA and Document Signer.
    #[arg(long, default_value = "var/test-pki")]
    pki: PathBuf,
    #[command(subcommand)]
    card: Card,
}

#[derive(Subcommand)]
enum Card {
    /// A demo ID card (0–4, as on the demo attract screen).
    Id {
        #[arg(long, default_value_t = 0)]
        sample: usize,
    },
    Passport,
    Permit,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let card: Box<dyn VirtualCard> = match cli.card {
        Card::Id { sample } => {
            let people = sample_identities(chrono::Local::now().date_naive());
            let Some(person) = people.get(sample) else {
                eprintln!("--sample must be below {}", people.len());
                return ExitCode::FAILURE;
            };
            Box::new(IdModuleCard::new(encode_text_block(person), [0; PHOTO_LEN]))
        }
        Card::Passport | Card::Permit => {
            let pki = match TestPki::load_or_create(&cli.pki) {
                Ok(p) => p,
                Err(e) => {
                    eprintln!("test PKI in {}: {e}", cli.pki.display());
                    return ExitCode::FAILURE;
                }
            };
            if matches!(cli.card, Card::Passport) {
                Box::new(samples::passport(&pki, 20_000, Quirks::default()))
            } else {
                Box::new(samples::permit_card(
                    &pki,
                    Quirks::default(),
                    Default::default(),
                ))
            }
        }
    };
    let port = vpcd::BASE_PORT + cli.slot;
    match vpcd::insert(&cli.host, port, card, Duration::from_secs(5)) {
        Ok(inserted) => {
            eprintln!(
                "card on {}:{port}; end this process to take it off",
                cli.host
            );
            inserted.wait();
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!(
                "{}:{port}: {e} (is pcscd running with vsmartcard-vpcd?)",
                cli.host
            );
            ExitCode::FAILURE
        }
    }
}
