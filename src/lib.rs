//! Exit-entry self-service kiosk: the hall self-fill machine and the police-station endorsement
//! kiosk, one binary configured by `kiosk.toml`.
//!
//! Rooms, each with one job (see docs/ARCHITECTURE.md for the dependency rules):
//! `domain` pure rules and data; `flow` the session state machine; `devices` ports and adapters
//! for card readers, cameras and printers; `photo` the photo pipeline; `store` the local SQLite
//! store; `sync` the central contract and outbox worker; `app` the application core behind the
//! screen; `ui` the Slint screen; `cli` the command line and composition root; `dev` (cargo
//! feature `dev` only) the virtual cards and the development PKI.

pub mod app;
pub mod cli;
pub mod config;
#[cfg(feature = "dev")]
pub mod dev;
pub mod devices;
pub mod domain;
pub mod face;
pub mod flow;
pub mod ime;
pub mod photo;
pub mod store;
pub mod sync;
pub mod ui;
pub mod update;
