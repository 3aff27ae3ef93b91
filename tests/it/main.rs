//! The one integration-test binary: modules per area, sharing the support code.

mod architecture;
mod camera;
mod cards;
mod central;
mod config_cli;
mod contract;
mod endorsement_crash;
mod examples;
mod face_cli;
mod fleet;
mod hall_holder;
mod mrz_scanner;
mod mtls;
mod photo_cli;
mod pii_scan;
mod printer;
mod records_flow;
mod run_logs;
mod sqlcipher_pages;
mod station_central;
mod station_flow;
mod support;
mod sync_central;
mod theme;
mod translations;
mod ui_flow;
