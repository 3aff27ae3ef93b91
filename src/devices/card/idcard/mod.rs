//! The resident ID card (and the J, I and Y cards in its format), which only a reader with the
//! security module can read: the 256-byte text block (`cnid`), the module's data as class-FF
//! pseudo-APDUs over PC/SC (`idmodule`) or as frames on a serial port (`sam`), and the photo
//! decoder plug-in (`portrait`).

pub mod cnid;
pub mod idmodule;
pub mod portrait;
pub mod sam;
