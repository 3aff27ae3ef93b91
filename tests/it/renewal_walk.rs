//! The scripted walk behind docs/BENCHMARKS.md's "Taps and screens": the common renewal case
//! (曾小芳, her passport due for renewal, collected at the hall) walked as an applicant would,
//! counting every tap and every screen, once as before documents on record (no central to ask:
//! the applicant chooses the category) and once with them (the renewal is selected for her).
//! Run with `--nocapture` to see the figures.

use kiosk::sync::station::StationClient;
use kiosk::ui::Page;
use slint::{ComponentHandle, Model};

use crate::central::central_on;
use crate::support::{Kiosk, Options, demo_kiosk_with_options};

/// Taps made and the screens passed through, in order.
struct Walk<'a> {
    k: &'a Kiosk,
    taps: u32,
    screens: Vec<Page>,
}

impl Walk<'_> {
    fn tap(&mut self, id: &str) {
        self.k.tap(id);
        self.taps += 1;
        self.seen();
    }

    fn wait_for(&mut self, page: Page) {
        self.k.wait_for_page(page);
        self.seen();
    }

    fn seen(&mut self) {
        let page = self.k.page();
        if self.screens.last() != Some(&page) {
            self.screens.push(page);
        }
    }
}

/// The renewal from the card to the printed form; `suggested` when the kiosk is expected to
/// select the category itself.
fn renewal(k: &Kiosk, suggested: bool) -> (u32, Vec<Page>) {
    let mut w = Walk {
        k,
        taps: 0,
        screens: vec![k.page()],
    };
    w.tap("demo-card-0");
    w.wait_for(Page::CardRead);
    w.tap("next");
    if suggested {
        k.wait_until("the documents on record", |k| {
            k.find("record-passport").is_some()
        });
    }
    w.tap("doc-passport");
    let chosen = k
        .window()
        .global::<kiosk::ui::DocumentsAdapter>()
        .get_rows()
        .iter()
        .find(|r| r.code == "passport")
        .and_then(|r| {
            r.categories
                .iter()
                .find(|c| c.selected)
                .map(|c| c.code.to_string())
        });
    if chosen.as_deref() != Some("renewal") {
        assert!(
            !suggested,
            "the renewal should have been selected: {chosen:?}"
        );
        w.tap("cat-passport-renewal");
    }
    w.tap("next");
    for d in "13912345678".chars() {
        w.tap(&format!("key-{d}"));
    }
    w.tap("pinyin-confirm");
    w.tap("delivery-collect");
    w.tap("next");
    w.tap("photo-take");
    k.wait_until("the photo", |k| {
        k.window()
            .global::<kiosk::ui::PhotoAdapter>()
            .get_has_photo()
    });
    w.tap("next");
    w.tap("next");
    w.wait_for(Page::Done);
    (w.taps, w.screens)
}

#[test]
fn the_common_renewal_takes_fewer_taps_with_the_documents_on_record() {
    // Each kiosk needs a UI platform of its own thread.
    let (taps_before, screens_before) = std::thread::spawn(|| {
        let before = demo_kiosk_with_options(Options::default());
        renewal(&before, false)
    })
    .join()
    .expect("the walk before");
    let central = central_on("127.0.0.1:0");
    let now = demo_kiosk_with_options(Options {
        records: Some(StationClient::new(central.link("TEST01")).expect("client")),
        ..Options::default()
    });
    let (taps_now, screens_now) = renewal(&now, true);
    println!(
        "renewal walk: before {taps_before} taps, {} screens {screens_before:?}; with documents on record {taps_now} taps, {} screens {screens_now:?}",
        screens_before.len(),
        screens_now.len()
    );
    assert!(
        taps_now < taps_before,
        "{taps_now} taps now, {taps_before} before"
    );
    assert_eq!(screens_now, screens_before, "no screen added");
}
