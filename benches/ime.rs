//! The pinyin input method (issue 15): time from a key press to the candidates (goal ≤ 50 ms),
//! and the engine's start-up time and memory. Run with
//! `cargo bench --no-default-features --bench ime` (needs librime and rime-data-luna-pinyin,
//! which `make test` installs); results in docs/BENCHMARKS.md.

use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use kiosk::ime::port::{Composer, ImeKey, InputMethod};
use kiosk::ime::rime::RimeEngine;

#[path = "support/memory.rs"]
mod memory;
use memory::rss_mb;

fn type_letters(composer: &mut dyn Composer, letters: &str) {
    for c in letters.chars() {
        composer.press(ImeKey::Letter(c)).expect("a letter");
    }
}

fn ime(c: &mut Criterion) {
    // A fresh directory: the first start prepares the dictionaries, as after an install.
    let dir = tempfile::tempdir().expect("temp dir");
    let before = rss_mb();
    let started = Instant::now();
    let engine = RimeEngine::shared(dir.path());
    engine
        .wait_ready(Duration::from_secs(300))
        .expect("librime starts");
    println!(
        "engine start (first, fresh directory): {:.0} ms, resident memory {before:.1} → {:.1} MB",
        started.elapsed().as_secs_f64() * 1000.0,
        rss_mb()
    );
    let mut composer = engine.open().expect("a composer");
    type_letters(composer.as_mut(), "woyaobanlihuzhaohetongxingzheng");
    composer.press(ImeKey::Escape).expect("escape");
    println!("after a sentence typed: resident memory {:.1} MB", rss_mb());

    for (name, letters) in [
        ("first letter (x)", "x"),
        ("place name (xiamen)", "xiamen"),
        ("street name (zhongshanlu)", "zhongshanlu"),
        ("sentence (woyaobanlihuzhao)", "woyaobanlihuzhao"),
    ] {
        let (typed, last) = letters.split_at(letters.len() - 1);
        let last = last.chars().next().expect("a letter");
        c.bench_function(&format!("key to candidates: last letter of {name}"), |b| {
            b.iter_custom(|iterations| {
                let mut total = Duration::ZERO;
                for _ in 0..iterations {
                    type_letters(composer.as_mut(), typed);
                    let start = Instant::now();
                    let shown = composer.press(ImeKey::Letter(last)).expect("a letter");
                    total += start.elapsed();
                    assert!(!shown.candidates.is_empty());
                    composer.press(ImeKey::Escape).expect("escape");
                }
                total
            })
        });
    }
    c.bench_function("open a composer and close it", |b| {
        b.iter(|| drop(engine.open().expect("a composer")))
    });
}

criterion_group!(benches, ime);
criterion_main!(benches);
