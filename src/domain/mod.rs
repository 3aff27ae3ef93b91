//! Pure rules and data of the exit-entry domain: no I/O, no UI. Everything the kiosk decides
//! about a person or an application is decided here and unit-tested here.

pub mod app_number;
pub mod application;
pub mod appointment;
pub mod catalogue;
pub mod contact;
pub mod delivery;
pub mod divisions;
pub mod endorsement;
pub mod fee_payment;
pub mod guardian;
pub mod holder;
pub mod id_number;
pub mod identity;
pub mod mobile;
pub mod nation;
pub mod permit;
pub mod photo;
pub mod pinyin_name;
pub mod rating;
pub mod records;
pub mod samples;
pub mod surnames;
pub mod text_field;
