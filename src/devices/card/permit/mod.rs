//! The card-permit reader of the police-station kiosk: a port the core asks "is a permit on the
//! reader?" and "read it with this access key", the PC/SC adapter that reads the chip with BAC
//! and passive authentication (`emrtd::document`), and the simulated reader of demo mode.
//!
//! The access key is chosen by the caller (central record, keypad or MRZ reader, with the ID
//! card's birth date), so a refused key is an answer, not a failure: the core tries the next.

mod pcsc;
mod sim;

pub use pcsc::{PcscPermitReader, connect as connect_permit};
pub use sim::{SimPermitReader, SimPermitSlot, sim_permit_reader};

use chrono::NaiveDate;

use crate::devices::card::error::CardError;
use crate::devices::card::icao::mrz::MrzKind;
use crate::devices::card::icao::pa::PassiveAuth;
use crate::domain::permit::{AccessKey, ChipVerdict, PermitFacts, PermitKind, mrz_date};

/// A permit reader.
pub trait PermitReader: Send {
    /// Whether a card lies on the reader. A reader that cannot be asked counts as empty (the
    /// adapter logs why).
    fn present(&mut self) -> bool;

    /// Reads the permit's chip with `key`.
    ///
    /// Errors: [`CardError::NoCard`], [`CardError::Removed`]; [`CardError::AccessDenied`] when
    /// the key does not open the chip (try the next one); any other card error when the chip
    /// cannot be read at all.
    fn read(&mut self, key: &AccessKey, today: NaiveDate) -> Result<PermitFacts, CardError>;
}

/// The verdict recorded for a passive-authentication result.
pub fn verdict(pa: &PassiveAuth) -> ChipVerdict {
    match pa {
        PassiveAuth::Verified { .. } => ChipVerdict::Verified,
        PassiveAuth::NoTrustAnchor => ChipVerdict::NoTrustAnchor,
        PassiveAuth::Failed { .. } => ChipVerdict::Failed,
    }
}

/// Which permit an MRZ says it is.
pub fn kind(mrz: MrzKind) -> PermitKind {
    match mrz {
        MrzKind::PermitHkMacau => PermitKind::HkMacau,
        MrzKind::PermitTaiwan => PermitKind::Taiwan,
        _ => PermitKind::Other,
    }
}

/// The MRZ's dates as days.
///
/// Errors: [`CardError::Malformed`] when a date is not a day (the check digits held, so the
/// chip's data is wrong).
pub fn dates(
    birth: &str,
    expiry: &str,
    today: NaiveDate,
) -> Result<(NaiveDate, NaiveDate), CardError> {
    let bad = |what: &str| CardError::Malformed {
        command: "DG1",
        detail: format!("{what} is not a date"),
    };
    let birth = mrz_date(birth, true, today).ok_or_else(|| bad("birth date"))?;
    let expiry = mrz_date(expiry, false, today).ok_or_else(|| bad("expiry date"))?;
    Ok((birth, expiry))
}
