//! The PC/SC transceiver: a card connected in shared mode through `pcsc-lite` and the `pcsc`
//! crate (`SCardConnect`, `SCardTransmit` and `SCardDisconnect` of PC/SC Part 5, the ICC
//! resource manager). Watching readers for cards is `readers::monitor`'s job.

use std::ffi::CString;

use pcsc::{Context, Protocols, ShareMode};

use super::apdu::Transceiver;
use crate::devices::card::error::CardError;

/// Longest response the vpcd socket and most extended-length readers pass (2-byte length).
pub const MAX_RESPONSE: usize = 65_535;

/// A PC/SC failure as a card error: a card gone or reset is `Removed`, anything else the reader's.
pub(crate) fn reader_error(e: pcsc::Error) -> CardError {
    match e {
        pcsc::Error::RemovedCard | pcsc::Error::ResetCard | pcsc::Error::NoSmartcard => {
            CardError::Removed
        }
        e => CardError::Reader(e.to_string()),
    }
}

/// A card connected in shared mode.
pub struct PcscCard {
    card: Option<pcsc::Card>,
    buffer: Vec<u8>,
}

impl Drop for PcscCard {
    /// A card still present is reset (ending any secure-messaging session); a card already
    /// taken away is left alone, as there is nothing to reset.
    fn drop(&mut self) {
        if let Some(card) = self.card.take() {
            let present = card
                .status2_owned()
                .is_ok_and(|s| s.status().contains(pcsc::Status::PRESENT));
            let how = if present {
                pcsc::Disposition::ResetCard
            } else {
                pcsc::Disposition::LeaveCard
            };
            let _ = card.disconnect(how);
        }
    }
}

impl PcscCard {
    pub fn connect(ctx: &Context, reader: &str) -> Result<PcscCard, CardError> {
        let name =
            CString::new(reader).map_err(|_| CardError::Reader("reader name has a NUL".into()))?;
        let card = ctx
            .connect(&name, ShareMode::Shared, Protocols::ANY)
            .map_err(|e| match e {
                pcsc::Error::NoSmartcard | pcsc::Error::RemovedCard => CardError::NoCard,
                e => reader_error(e),
            })?;
        Ok(PcscCard {
            card: Some(card),
            buffer: vec![0; pcsc::MAX_BUFFER_SIZE_EXTENDED],
        })
    }
}

impl Transceiver for PcscCard {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, CardError> {
        let card = self.card.as_ref().ok_or(CardError::Removed)?;
        let response = card
            .transmit(apdu, &mut self.buffer)
            .map(<[u8]>::to_vec)
            .map_err(reader_error)?;
        // A card lost in the middle of an exchange comes back from pcscd as an empty answer
        // (seen with vpcd) before the reader state shows the removal.
        if response.is_empty() {
            return Err(CardError::Removed);
        }
        Ok(response)
    }

    fn max_response(&self) -> usize {
        MAX_RESPONSE
    }
}
