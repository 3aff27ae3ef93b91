//! The one integration-test binary: modules per area, sharing the support code.

mod camera;
mod cards;
mod config_cli;
mod photo_cli;
mod printer;
mod support;
mod sync_central;
mod translations;
mod ui_flow;
