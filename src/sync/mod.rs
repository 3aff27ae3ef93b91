//! Talking to the central service: the wire contract and the outbox worker.

pub mod api;
pub mod worker;
