//! The one integration-test binary: modules per area, sharing the support code.

mod config_cli;
mod support;
mod sync_central;
mod translations;
mod ui_flow;
