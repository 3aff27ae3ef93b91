//! Is the person at the kiosk the holder of the document? Offline 1:1 face verification: the
//! live face's descriptor against the document portrait's (`descriptor`, on a chip aligned from
//! the face mesh by `align`), decided against a strict threshold (`verify`), after an active
//! liveness challenge measured from the same mesh (`liveness`). docs/FACE.md says what the check
//! can and cannot tell.

pub mod align;
pub mod check;
pub mod descriptor;
pub mod eval;
pub mod liveness;
pub mod track;
pub mod verify;
