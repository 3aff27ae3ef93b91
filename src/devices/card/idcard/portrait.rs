//! The plug-in point for the ID card's photo. The 1024-byte block is encrypted ("WLT") and only
//! the reader vendor's licensed library decodes it (docs/CARDS.md, "The photo block"), so the
//! kiosk loads a shared library named in `devices.card.photo_decoder` that exports
//!
//! ```c
//! int kiosk_wlt_decode(const unsigned char *wlt, size_t wlt_len,
//!                      unsigned char *rgb, size_t rgb_len);   /* 0 = success */
//! ```
//!
//! filling 102×126 RGB pixels. Without a library the kiosk shows a placeholder.

use std::ffi::{CString, c_int};
use std::path::Path;

use zeroize::Zeroizing;

pub const WIDTH: u32 = 102;
pub const HEIGHT: u32 = 126;
const RGB_LEN: usize = (WIDTH * HEIGHT * 3) as usize;
const SYMBOL: &str = "kiosk_wlt_decode";

type DecodeFn = unsafe extern "C" fn(*const u8, usize, *mut u8, usize) -> c_int;

/// A loaded decoder library; it stays loaded for the life of the process.
pub struct PortraitDecoder {
    decode: DecodeFn,
    name: String,
}

fn dl_error() -> String {
    // SAFETY: dlerror returns a thread-local C string or null.
    let e = unsafe { libc::dlerror() };
    if e.is_null() {
        "unknown error".into()
    } else {
        // SAFETY: non-null dlerror results are NUL-terminated.
        unsafe { std::ffi::CStr::from_ptr(e) }
            .to_string_lossy()
            .into_owned()
    }
}

impl PortraitDecoder {
    pub fn load(path: &Path) -> Result<PortraitDecoder, String> {
        let c_path = CString::new(path.as_os_str().as_encoded_bytes())
            .map_err(|_| format!("{}: path has a NUL byte", path.display()))?;
        // SAFETY: dlopen with a valid C string; the handle is intentionally never closed.
        let handle = unsafe { libc::dlopen(c_path.as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL) };
        if handle.is_null() {
            return Err(format!("{}: {}", path.display(), dl_error()));
        }
        let symbol = CString::new(SYMBOL).expect("constant");
        // SAFETY: looking a symbol up in a handle dlopen returned.
        let f = unsafe { libc::dlsym(handle, symbol.as_ptr()) };
        if f.is_null() {
            return Err(format!("{}: no symbol {SYMBOL}", path.display()));
        }
        Ok(PortraitDecoder {
            // SAFETY: the documented ABI of the plug-in; the library promises this signature.
            decode: unsafe { std::mem::transmute::<*mut libc::c_void, DecodeFn>(f) },
            name: path.display().to_string(),
        })
    }

    /// 102×126 RGB from the photo block, or why not.
    pub fn decode(&self, wlt: &[u8]) -> Result<Zeroizing<Vec<u8>>, String> {
        let mut rgb = Zeroizing::new(vec![0u8; RGB_LEN]);
        // SAFETY: both buffers are valid for the lengths passed.
        let status = unsafe { (self.decode)(wlt.as_ptr(), wlt.len(), rgb.as_mut_ptr(), rgb.len()) };
        if status != 0 {
            return Err(format!("{}: {SYMBOL} returned {status}", self.name));
        }
        Ok(rgb)
    }
}

/// Decodes the photo block into the identity when a decoder is configured; a decoder failure
/// is logged and leaves the placeholder.
pub fn attach(
    identity: &mut crate::domain::identity::Identity,
    block: &[u8],
    decoder: Option<&PortraitDecoder>,
) {
    if let Some(d) = decoder {
        match d.decode(block) {
            Ok(rgb) => identity.portrait = Some(rgb.to_vec()),
            Err(e) => tracing::warn!(error = %e, "card: photo not decoded"),
        }
    }
}
