//! Voice guidance (issue 15): how long eSpeak NG takes to turn a prompt into speech, and what
//! it costs to start and in memory. Run with `cargo bench --no-default-features --bench voice`
//! (needs libespeak-ng and espeak-ng-data, which `make test` installs); results in
//! docs/BENCHMARKS.md.

use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use kiosk::devices::voice::espeak::Espeak;
use kiosk::devices::voice::{Style, Synthesizer, VoiceLang};

#[path = "support/memory.rs"]
mod memory;
use memory::rss_mb;

const STYLE: Style = Style {
    volume: 80,
    words_per_minute: 150,
};

fn voice(c: &mut Criterion) {
    let zh = "欢迎。填写申请表，请将身份证放在屏幕下方的读卡区。";
    let en = "Welcome. To fill in an application form, place your ID card on the reader below the screen.";
    let mut engine = Espeak::new();
    let before = rss_mb();
    let started = Instant::now();
    let first = engine
        .synthesize(zh, VoiceLang::Chinese, STYLE)
        .expect("speech");
    println!(
        "engine start and first prompt: {:.0} ms, resident memory {before:.1} → {:.1} MB",
        started.elapsed().as_secs_f64() * 1000.0,
        rss_mb()
    );
    let english = engine
        .synthesize(en, VoiceLang::English, STYLE)
        .expect("speech");
    println!(
        "attract prompt: {:.1} s of speech in Chinese, {:.1} s in English; memory {:.1} MB",
        first.seconds(),
        english.seconds(),
        rss_mb()
    );
    c.bench_function("attract prompt, Chinese", |b| {
        b.iter(|| {
            engine
                .synthesize(zh, VoiceLang::Chinese, STYLE)
                .expect("speech")
        })
    });
    c.bench_function("attract prompt, English", |b| {
        b.iter(|| {
            engine
                .synthesize(en, VoiceLang::English, STYLE)
                .expect("speech")
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = voice
}
criterion_main!(benches);
