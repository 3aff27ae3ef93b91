//! Talking to the central service: the wire contract, the mTLS link, the outbox worker, the
//! heartbeat and configuration pull. (The development PKI is `dev::pki`.)

pub mod access;
pub mod api;
pub mod commands;
pub mod fleet;
pub mod link;
pub mod live;
pub mod ratings;
pub mod recent_log;
pub mod station;
pub mod status;
pub mod transitions;
pub mod worker;
