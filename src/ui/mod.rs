//! The Slint front end: the generated window and globals, the view that renders the session
//! into them, the shell that runs the session, and the worker threads behind it.

#[allow(clippy::all, clippy::pedantic, unused_qualifications)]
mod generated {
    slint::include_modules!();
}

pub use generated::*;

mod shell;
mod technician;
mod view;
mod workers;

pub use shell::{Devices, Kiosk, Running, Settings, start};
pub use view::Lang;
