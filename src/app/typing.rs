//! The on-screen keyboard's state for one visit: which field it types into, whether its
//! letters are pinyin (converted by the input method) or Latin, and the composition in
//! progress. It turns each key into the field's new text; the session keeps the text.
//!
//! One `Typing` lives in the visit and goes with it: dropping it drops the input method's
//! composer, which forgets everything typed (docs/ACCESSIBILITY.md, "Typing").

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::domain::text_field::TextField;
use crate::ime::port::{Composer, Composition, ImeError, ImeKey, InputMethod};

/// The input method's absence was logged (once per process, not once per visit).
static TOLD_UNAVAILABLE: AtomicBool = AtomicBool::new(false);

/// A key of the on-screen keyboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyboardKey {
    /// A letter, digit or punctuation key.
    Char(char),
    Delete,
    Space,
    /// 中 ↔ EN: pinyin letters or Latin letters.
    SwitchLanguage,
    /// The `n`-th candidate of the candidate bar.
    Choose(usize),
    /// The candidate bar's next (`true`) or previous page.
    Page(bool),
}

/// Whether the keyboard's Chinese input works.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImeState {
    Ready,
    /// Still preparing (the first start after an install): letters are typed as Latin.
    Starting,
    /// No input method (not installed, failed): letters are typed as Latin.
    Unavailable,
}

/// The keyboard of one visit.
pub struct Typing {
    ime: Option<Arc<dyn InputMethod>>,
    composer: Option<Box<dyn Composer>>,
    /// Letters are pinyin (true) or Latin.
    pub chinese: bool,
    pub composition: Composition,
    /// The field the keys type into.
    pub field: TextField,
    pub ime_state: ImeState,
}

impl std::fmt::Debug for Typing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the composition: it is what the applicant typed.
        f.debug_struct("Typing")
            .field("chinese", &self.chinese)
            .field("field", &self.field)
            .field("ime_state", &self.ime_state)
            .finish_non_exhaustive()
    }
}

impl Typing {
    /// A fresh keyboard: Chinese letters where an input method is configured, the street field.
    pub fn new(ime: Option<Arc<dyn InputMethod>>) -> Typing {
        let ime_state = match ime {
            Some(_) => ImeState::Ready,
            None => ImeState::Unavailable,
        };
        Typing {
            chinese: ime.is_some(),
            ime,
            composer: None,
            composition: Composition::default(),
            field: TextField::Street,
            ime_state,
        }
    }

    /// Types into another field (the composition in progress is finished first: `finish`).
    pub fn focus(&mut self, field: TextField) {
        self.drop_composition();
        self.field = field;
    }

    /// Finishes the composition in progress with the engine's best words (a long pinyin string
    /// may take several: each takes part of the letters) and returns them, for the field being
    /// typed; empty when nothing is being composed.
    pub fn finish(&mut self) -> String {
        let mut words = String::new();
        // Each press takes at least a syllable; a name this long is the field's limit anyway.
        for _ in 0..32 {
            if !self.composition.composing() {
                break;
            }
            match self.press(ImeKey::Space) {
                Some(w) => words.push_str(&w),
                None if self.composition.composing() => continue,
                None => break,
            }
        }
        self.drop_composition();
        words
    }

    /// Drops the composition in progress (the page is left, or another field chosen).
    pub fn drop_composition(&mut self) {
        if self.composition.composing() {
            self.press(ImeKey::Escape);
        }
        self.composition = Composition::default();
    }

    /// Whether letters go to the input method now.
    pub fn converting(&self) -> bool {
        self.chinese && !self.field.digits_only() && self.ime_state != ImeState::Unavailable
    }

    /// One key on the field whose text is `text`: the field's new text, or `None` when the
    /// text stays as it is (the key only changed the composition).
    pub fn key(&mut self, key: KeyboardKey, text: &str) -> Option<String> {
        if self.field.digits_only() {
            return match key {
                KeyboardKey::Char(c) if c.is_ascii_digit() => Some(format!("{text}{c}")),
                KeyboardKey::Delete => Some(without_last(text)),
                _ => None,
            };
        }
        let composing = self.composition.composing();
        match key {
            KeyboardKey::Char(c) if c.is_ascii_lowercase() && self.converting() => {
                match self.press(ImeKey::Letter(c)) {
                    Some(committed) => Some(format!("{text}{committed}")),
                    // The engine is not ready: the letter is typed as it is.
                    None if !self.converting() || self.ime_state != ImeState::Ready => {
                        Some(format!("{text}{}", c.to_ascii_uppercase()))
                    }
                    None => None,
                }
            }
            KeyboardKey::Char(c) => {
                let taken = self.finish();
                let c = if c.is_ascii_lowercase() {
                    c.to_ascii_uppercase()
                } else {
                    c
                };
                Some(format!("{text}{taken}{c}"))
            }
            KeyboardKey::Space if composing => {
                self.press(ImeKey::Space).map(|t| format!("{text}{t}"))
            }
            KeyboardKey::Space => Some(format!("{text} ")),
            KeyboardKey::Delete if composing => {
                self.press(ImeKey::Backspace);
                None
            }
            KeyboardKey::Delete => Some(without_last(text)),
            KeyboardKey::Choose(n) if composing => {
                self.press(ImeKey::Select(n)).map(|t| format!("{text}{t}"))
            }
            KeyboardKey::Page(next) if composing => {
                self.press(if next {
                    ImeKey::PageDown
                } else {
                    ImeKey::PageUp
                });
                None
            }
            KeyboardKey::Choose(_) | KeyboardKey::Page(_) => None,
            KeyboardKey::SwitchLanguage => {
                // Letters composed so far stay as letters, in the Latin keys' capitals.
                let raw = match composing {
                    true => self.press(ImeKey::Enter).unwrap_or_default(),
                    false => String::new(),
                }
                .to_ascii_uppercase();
                self.composition = Composition::default();
                self.chinese = !self.chinese;
                (!raw.is_empty()).then(|| format!("{text}{raw}"))
            }
        }
    }

    /// Feeds the input method; the text it committed, if any. Opens the composer on first use;
    /// an engine that is starting or gone turns the keyboard to Latin letters, said once in
    /// the log.
    fn press(&mut self, key: ImeKey) -> Option<String> {
        if self.composer.is_none() {
            let opened = self.ime.as_ref().map(|ime| ime.open());
            match opened {
                Some(Ok(composer)) => {
                    self.composer = Some(composer);
                    self.ime_state = ImeState::Ready;
                }
                Some(Err(ImeError::Starting)) => {
                    self.ime_state = ImeState::Starting;
                    return None;
                }
                Some(Err(e)) => {
                    if !TOLD_UNAVAILABLE.swap(true, Ordering::Relaxed) {
                        tracing::warn!(
                            "Chinese input unavailable, the keyboard types Latin letters: {e}"
                        );
                    }
                    self.ime_state = ImeState::Unavailable;
                    return None;
                }
                None => return None,
            }
        }
        let composer = self.composer.as_mut()?;
        match composer.press(key) {
            Ok(composition) => {
                let committed = composition.committed.clone();
                self.composition = Composition {
                    committed: String::new(),
                    ..composition
                };
                (!committed.is_empty()).then_some(committed)
            }
            Err(e) => {
                tracing::warn!("input method refused a key: {e}");
                None
            }
        }
    }
}

fn without_last(text: &str) -> String {
    let mut t = text.to_string();
    t.pop();
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// An input method that is starting until told otherwise, then turns any letters into
    /// "词" (what a real engine offers is tested against librime in tests/it/ime.rs).
    struct Scripted {
        ready: Mutex<bool>,
    }

    struct Letters(String);

    impl Composer for Letters {
        fn press(&mut self, key: ImeKey) -> Result<Composition, ImeError> {
            let mut out = Composition::default();
            match key {
                ImeKey::Letter(c) => self.0.push(c),
                ImeKey::Backspace => {
                    self.0.pop();
                }
                ImeKey::Space | ImeKey::Select(_) => {
                    out.committed = "词".into();
                    self.0.clear();
                }
                ImeKey::Enter => out.committed = std::mem::take(&mut self.0),
                ImeKey::Escape => self.0.clear(),
                ImeKey::PageDown | ImeKey::PageUp => {}
            }
            out.preedit = self.0.clone();
            if !self.0.is_empty() {
                out.candidates = vec!["词".into()];
            }
            Ok(out)
        }
    }

    impl InputMethod for Scripted {
        fn open(&self) -> Result<Box<dyn Composer>, ImeError> {
            match *self.ready.lock().unwrap() {
                true => Ok(Box::new(Letters(String::new()))),
                false => Err(ImeError::Starting),
            }
        }
    }

    fn typing(ready: bool) -> (Typing, Arc<Scripted>) {
        let ime = Arc::new(Scripted {
            ready: Mutex::new(ready),
        });
        (Typing::new(Some(ime.clone())), ime)
    }

    #[test]
    fn a_starting_engine_types_latin_letters_until_it_is_ready() {
        let (mut t, ime) = typing(false);
        assert_eq!(t.key(KeyboardKey::Char('a'), ""), Some("A".into()));
        assert_eq!(t.ime_state, ImeState::Starting);
        *ime.ready.lock().unwrap() = true;
        assert_eq!(
            t.key(KeyboardKey::Char('c'), "A"),
            None,
            "composed, not typed"
        );
        assert_eq!(t.composition.preedit, "c");
        assert_eq!(t.ime_state, ImeState::Ready);
        assert_eq!(t.key(KeyboardKey::Char('i'), "A"), None);
        assert_eq!(t.key(KeyboardKey::Space, "A"), Some("A词".into()));
    }

    #[test]
    fn a_key_that_is_not_pinyin_takes_the_highlighted_word_first() {
        let (mut t, _) = typing(true);
        t.key(KeyboardKey::Char('l'), "");
        assert_eq!(t.key(KeyboardKey::Char('1'), "路"), Some("路词1".into()));
        assert!(!t.composition.composing());
        // Delete takes a composed letter first, then the text.
        t.key(KeyboardKey::Char('x'), "");
        assert_eq!(t.key(KeyboardKey::Delete, "ab"), None);
        assert_eq!(t.key(KeyboardKey::Delete, "ab"), Some("a".into()));
    }

    #[test]
    fn switching_to_latin_keeps_the_letters_typed_as_capitals() {
        let (mut t, _) = typing(true);
        t.key(KeyboardKey::Char('a'), "");
        t.key(KeyboardKey::Char('b'), "");
        assert_eq!(t.key(KeyboardKey::SwitchLanguage, "x"), Some("xAB".into()));
        assert!(!t.chinese);
        assert_eq!(t.key(KeyboardKey::Char('B'), ""), Some("B".into()));
        assert_eq!(t.key(KeyboardKey::Space, "B"), Some("B ".into()));
    }

    #[test]
    fn the_mobile_field_takes_digits_only_and_another_field_drops_the_composition() {
        let (mut t, _) = typing(true);
        t.key(KeyboardKey::Char('a'), "");
        t.focus(TextField::RecipientMobile);
        assert!(!t.composition.composing());
        assert!(!t.converting());
        assert_eq!(t.key(KeyboardKey::Char('a'), "13"), None);
        assert_eq!(t.key(KeyboardKey::Space, "13"), None);
        assert_eq!(t.key(KeyboardKey::Char('8'), "13"), Some("138".into()));
        assert_eq!(t.key(KeyboardKey::Delete, "138"), Some("13".into()));
    }

    #[test]
    fn without_an_input_method_the_keyboard_is_latin() {
        let mut t = Typing::new(None);
        assert!(!t.chinese);
        assert_eq!(t.ime_state, ImeState::Unavailable);
        assert_eq!(t.key(KeyboardKey::Char('Q'), ""), Some("Q".into()));
    }
}
