//! The input-method port: what the on-screen keyboard asks of a pinyin engine, and what it gets
//! back after each key. The screen shows the `Composition` as it is: the letters typed so far,
//! the candidate bar (one page), and the text the key committed to the field.

use thiserror::Error;

/// A key of the on-screen keyboard as the input method sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImeKey {
    /// A pinyin letter, `a`–`z` (others are refused with `ImeError::NotALetter`).
    Letter(char),
    /// Deletes the last letter of the composition.
    Backspace,
    /// Takes the highlighted (first) candidate.
    Space,
    /// Takes the `n`-th candidate of the shown page (0-based).
    Select(usize),
    /// The next page of candidates.
    PageDown,
    /// The previous page of candidates.
    PageUp,
    /// Commits the letters as typed, without conversion (a name in Latin letters).
    Enter,
    /// Drops the composition.
    Escape,
}

/// The engine's state after a key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Composition {
    /// The letters being composed, divided into syllables by the engine (`xia men`); empty when
    /// nothing is being composed.
    pub preedit: String,
    /// The candidates of the shown page, best first.
    pub candidates: Vec<String>,
    /// The shown page, 0-based.
    pub page: usize,
    /// Whether the shown page is the last.
    pub last_page: bool,
    /// Text the key committed to the field (a chosen candidate, or raw letters on `Enter`).
    pub committed: String,
}

impl Composition {
    /// Whether a composition is open (letters typed and not yet committed).
    pub fn composing(&self) -> bool {
        !self.preedit.is_empty()
    }
}

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum ImeError {
    /// The engine is still preparing its dictionaries (the first start after an install).
    #[error("the input method is still starting")]
    Starting,
    /// The engine could not start (its data is missing or unreadable); the reason is for the log.
    #[error("the input method is unavailable: {0}")]
    Unavailable(String),
    /// Not a key the input method composes with.
    #[error("not a pinyin letter: {0:?}")]
    NotALetter(char),
    /// A candidate beyond the page (`ImeKey::Select` takes 0 to the page size − 1).
    #[error("no candidate {0} on a page")]
    NoSuchCandidate(usize),
}

/// One applicant's composition: created for the visit, dropped at its end (an engine forgets
/// everything a composer saw when it is dropped).
pub trait Composer: Send {
    /// Feeds one key; answers the state after it.
    fn press(&mut self, key: ImeKey) -> Result<Composition, ImeError>;
}

/// A pinyin engine that opens composers.
pub trait InputMethod: Send + Sync {
    /// A fresh composer, knowing nothing of any earlier one.
    fn open(&self) -> Result<Box<dyn Composer>, ImeError>;
}
