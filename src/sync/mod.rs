//! Talking to the central service: the wire contract, the mTLS link, the outbox worker, the
//! heartbeat and configuration pull, and the development PKI.

pub mod api;
pub mod fleet;
pub mod link;
pub mod pki;
pub mod status;
pub mod worker;
