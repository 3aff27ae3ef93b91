//! The pinyin input method through the real engine (librime with Debian's luna_pinyin data):
//! keys in, candidates and committed text out, nothing typed kept on disk.

use std::path::PathBuf;
use std::time::Duration;

use kiosk::ime::port::{Composer, Composition, ImeError, ImeKey, InputMethod};
use kiosk::ime::rime::{PAGE_SIZE, RimeEngine};

/// The test process's engine (librime runs once per process, so every test shares it).
pub fn engine() -> RimeEngine {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("rime");
    let engine = RimeEngine::shared(&dir);
    engine
        .wait_ready(Duration::from_secs(120))
        .expect("librime starts (make deps-test installs librime and rime-data-luna-pinyin)");
    engine
}

fn open() -> Box<dyn Composer> {
    engine().open().expect("a composer")
}

fn type_letters(composer: &mut dyn Composer, letters: &str) -> Composition {
    let mut last = Composition::default();
    for c in letters.chars() {
        last = composer
            .press(ImeKey::Letter(c))
            .expect("a letter is taken");
    }
    last
}

#[test]
fn place_and_street_names_are_offered_first_and_committed_when_chosen() {
    let mut composer = open();
    for (pinyin, word) in [
        ("xiamen", "厦门"),
        ("simingqu", "思明区"),
        ("zhongshanlu", "中山路"),
    ] {
        let shown = type_letters(composer.as_mut(), pinyin);
        assert!(shown.composing(), "{pinyin}: a composition is open");
        assert_eq!(
            shown.candidates.first().map(String::as_str),
            Some(word),
            "{pinyin}: {shown:?}"
        );
        assert!(
            shown.committed.is_empty(),
            "nothing is committed while composing"
        );
        let chosen = composer.press(ImeKey::Select(0)).unwrap();
        assert_eq!(chosen.committed, word);
        assert!(
            !chosen.composing() && chosen.candidates.is_empty(),
            "{chosen:?}"
        );
    }
}

#[test]
fn a_sentence_of_pinyin_is_offered_as_one_phrase() {
    let mut composer = open();
    let shown = type_letters(composer.as_mut(), "woyaobanlihuzhao");
    let first = shown.candidates.first().cloned().unwrap_or_default();
    assert_eq!(first, "我要办理护照", "{shown:?}");
    let taken = composer.press(ImeKey::Space).unwrap();
    assert_eq!(taken.committed, first);
}

#[test]
fn pages_backspace_enter_and_escape_do_what_the_keyboard_says() {
    let mut composer = open();
    let first = type_letters(composer.as_mut(), "shi");
    assert_eq!(first.page, 0);
    assert_eq!(
        first.candidates.len(),
        PAGE_SIZE,
        "a full first page: {first:?}"
    );
    assert!(!first.last_page);
    let second = composer.press(ImeKey::PageDown).unwrap();
    assert_eq!(second.page, 1);
    assert!(
        second
            .candidates
            .iter()
            .all(|c| !first.candidates.contains(c)),
        "{second:?}"
    );
    let back = composer.press(ImeKey::PageUp).unwrap();
    assert_eq!(back.candidates, first.candidates);

    // The candidate picked on a later page is that page's.
    composer.press(ImeKey::PageDown).unwrap();
    let picked = composer.press(ImeKey::Select(2)).unwrap();
    assert_eq!(picked.committed, second.candidates[2]);

    let typed = type_letters(composer.as_mut(), "xiam");
    assert_eq!(typed.preedit.replace(' ', ""), "xiam");
    let shorter = composer.press(ImeKey::Backspace).unwrap();
    assert_eq!(shorter.preedit.replace(' ', ""), "xia");
    let raw = composer.press(ImeKey::Enter).unwrap();
    assert_eq!(raw.committed, "xia", "Enter keeps the letters as typed");

    type_letters(composer.as_mut(), "beijing");
    let dropped = composer.press(ImeKey::Escape).unwrap();
    assert!(
        !dropped.composing() && dropped.committed.is_empty(),
        "{dropped:?}"
    );
}

#[test]
fn keys_that_are_not_pinyin_are_refused_plainly() {
    let mut composer = open();
    assert_eq!(
        composer.press(ImeKey::Letter('A')),
        Err(ImeError::NotALetter('A'))
    );
    assert_eq!(
        composer.press(ImeKey::Letter('3')),
        Err(ImeError::NotALetter('3'))
    );
    assert_eq!(
        composer.press(ImeKey::Select(PAGE_SIZE)),
        Err(ImeError::NoSuchCandidate(PAGE_SIZE))
    );
}

#[test]
fn composers_are_independent_and_nothing_typed_reaches_the_disk() {
    let engine = engine();
    let mut one = engine.open().unwrap();
    let mut two = engine.open().unwrap();
    type_letters(one.as_mut(), "xiamen");
    let other = type_letters(two.as_mut(), "fu");
    assert_eq!(
        other.preedit, "fu",
        "the second composer sees only its own letters"
    );
    one.press(ImeKey::Space).unwrap();
    drop(one);
    drop(two);
    // librime learns words in a user dictionary (`*.userdb`) unless told not to.
    let mut found = Vec::new();
    for entry in walk(engine.user_data_dir()) {
        let name = entry.to_string_lossy().into_owned();
        if name.contains("userdb") || name.ends_with(".txt") && name.contains("user") {
            found.push(name);
        }
    }
    assert!(
        found.is_empty(),
        "the engine kept what was typed: {found:?}"
    );
}

fn walk(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        }
        out.push(path);
    }
    out
}
