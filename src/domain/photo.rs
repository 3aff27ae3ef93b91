//! A document photo ready for the form: JPEG bytes of the spec's exact size.

use zeroize::{Zeroize, ZeroizeOnDrop};

/// Personal data: wiped on drop, and its `Debug` shows only the size.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct Photo {
    pub jpeg: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

impl std::fmt::Debug for Photo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Photo({}x{}, {} bytes)",
            self.width,
            self.height,
            self.jpeg.len()
        )
    }
}
