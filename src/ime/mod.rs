//! Text input: the `InputMethod` port (letters in, the composition and its candidates out) and
//! its librime adapter. The applicant types pinyin on the on-screen keyboard; the engine offers
//! the Chinese words it spells.

pub mod port;
pub mod rime;
mod rime_ffi;
