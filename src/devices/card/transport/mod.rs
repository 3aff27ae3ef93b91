//! How bytes reach a card: command and response APDUs with the `Transceiver` port every reader
//! implements, and the PC/SC transceiver. Knows nothing of what the card holds.

pub mod apdu;
pub mod pcsc;
