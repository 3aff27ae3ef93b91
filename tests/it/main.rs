//! The one integration-test binary: modules per area, sharing the support code.

mod camera;
mod central;
mod cards;
mod config_cli;
mod photo_cli;
mod mtls;
mod printer;
mod support;
mod sqlcipher_pages;
mod sync_central;
mod translations;
mod ui_flow;
