//! The adapters behind the `CardReader` port: the ID card on a PC/SC reader (`pcsc_id`, watching
//! readers through `monitor`), on a serial reader module (`sam`), and the simulated reader of
//! demo mode and the tests (`sim`).

pub mod monitor;
pub mod pcsc_id;
pub mod sam;
pub mod sim;
