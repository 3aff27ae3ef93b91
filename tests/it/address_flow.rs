//! EMS to any address, through the screen: the place chosen from the division table, the street
//! and the recipient typed on the on-screen keyboard in pinyin through the real input method,
//! the form printed with it (decoded from its bytes) and the submission carrying it; nothing of
//! it left after the visit.

use kiosk::devices::printer::interpret::{parse, text_lines};
use kiosk::store::Store;
use kiosk::ui::{KeyboardAdapter, Page};
use slint::{ComponentHandle, Model};

use crate::support::{Kiosk, demo_kiosk, test_key};

/// Types `letters` on the keyboard, then taps the candidate that reads `word`.
fn type_word(k: &Kiosk, letters: &str, word: &str) {
    for c in letters.chars() {
        k.tap(&format!("kb-{c}"));
    }
    let candidates: Vec<String> = k
        .window()
        .global::<KeyboardAdapter>()
        .get_candidates()
        .iter()
        .map(|c| c.to_string())
        .collect();
    let index = candidates
        .iter()
        .position(|c| c == word)
        .unwrap_or_else(|| panic!("{letters}: {word} not offered in {candidates:?}"));
    assert_eq!(k.label(&format!("kb-cand-{index}")), word);
    k.tap(&format!("kb-cand-{index}"));
}

/// From the details page (delivery chosen) to the printed form: the booth's photo, confirmed;
/// the form's text as read back from its ESC/POS bytes.
fn details_to_printed_form(k: &Kiosk) -> String {
    k.tap("next");
    assert_eq!(k.page(), Page::Photo);
    k.photo_to_review();
    k.tap("next");
    k.wait_for_page(Page::Done);
    let number = k.label("number");
    let form = std::fs::read(k.receipts().join(format!("{number}.bin"))).expect("form");
    text_lines(&parse(&form).expect("the form parses")).join("\n")
}

fn type_digits(k: &Kiosk, digits: &str) {
    for d in digits.chars() {
        k.tap(&format!("kb-{d}"));
    }
}

#[test]
fn an_address_typed_in_pinyin_goes_on_the_form_and_to_the_central() {
    let k = demo_kiosk();
    k.walk_to_details();
    k.fill_contact();
    k.tap("delivery-elsewhere");
    assert_eq!(k.page(), Page::Address);
    // Continue with nothing chosen: every missing part is said at once.
    k.tap("next");
    assert_eq!(k.page(), Page::Address);
    let problems = k.visible_text();
    assert!(problems.contains("请选择省、市和区县"), "{problems}");

    k.tap("place-350000");
    k.tap("place-350200");
    assert!(
        k.find("kb-a").is_none(),
        "the keyboard waits until the place is chosen"
    );
    k.tap("place-350203");
    assert_eq!(k.label("place"), "福建省厦门市思明区");

    // The street: a name in pinyin, digits, then 号 from the candidates.
    type_word(&k, "zhongshanlu", "中山路");
    type_digits(&k, "100");
    type_word(&k, "hao", "号");
    assert_eq!(
        k.label("field-street").split(": ").last(),
        Some("中山路100号")
    );
    // Delete takes a composed letter first, then the text.
    k.tap("kb-x");
    k.tap("kb-delete");
    k.tap("kb-delete");
    assert!(
        k.label("field-street").ends_with("中山路100"),
        "{}",
        k.label("field-street")
    );
    type_word(&k, "hao", "号");

    k.tap("field-recipient");
    type_word(&k, "wangfang", "王芳");
    k.tap("field-mobile");
    assert!(
        !k.find("kb-a").unwrap().accessible_enabled().unwrap_or(true),
        "letters are off for a mobile number"
    );
    type_digits(&k, "13812345678");

    k.tap("next");
    assert_eq!(k.page(), Page::Details);
    assert_eq!(
        k.label("delivery-address"),
        "福建省厦门市思明区中山路100号 · 王芳 138 1234 5678"
    );
    let lines = details_to_printed_form(&k);
    for part in [
        "地址 Address: 福建省厦门市思明区中山路100号",
        "收件人 Recipient: 王芳 13812345678",
    ] {
        assert!(lines.contains(part), "{part} not on the form:\n{lines}");
    }

    let store = Store::open(k.data_dir(), &test_key()).expect("store");
    let pending = store.pending(10).expect("pending");
    let body: serde_json::Value = serde_json::from_str(&pending[0].body).expect("json");
    assert_eq!(
        body["delivery"],
        serde_json::json!({
            "method": "ems",
            "address": "福建省厦门市思明区中山路100号",
            "division_code": "350203",
            "recipient": "王芳",
            "mobile": "13812345678",
        })
    );

    // The visit is over: nothing typed is left on screen.
    k.tap("finish");
    k.wait_for_page(Page::Attract);
    let left = k.visible_text();
    for trace in ["中山路", "王芳", "13812345678"] {
        assert!(!left.contains(trace), "{trace} left on screen");
    }
}

#[test]
fn back_from_the_address_page_keeps_the_delivery_chosen_before() {
    let k = demo_kiosk();
    k.walk_to_details();
    k.tap("delivery-collect");
    k.tap("delivery-elsewhere");
    assert_eq!(k.page(), Page::Address);
    k.tap("place-110000");
    // A municipality's "市辖区" is a grouping: it is chosen, then its districts offered.
    k.tap("place-110100");
    k.tap("place-110101");
    assert_eq!(k.label("place"), "北京市东城区");
    // "Change" offers the city's districts again.
    k.tap("place-change");
    assert!(k.find("kb-a").is_none(), "no keyboard while choosing");
    k.tap("place-110102");
    assert_eq!(k.label("place"), "北京市西城区");
    // A city without districts is complete by itself; "Change" offers the province's cities.
    k.tap("place-change");
    k.tap("place-top");
    k.tap("place-440000");
    k.tap("place-441900");
    assert_eq!(k.label("place"), "广东省东莞市");
    k.tap("place-change");
    k.tap("place-442000");
    assert_eq!(k.label("place"), "广东省中山市");
    k.tap("back");
    assert_eq!(k.page(), Page::Details);
    assert!(
        k.find("delivery-address").is_none(),
        "collection is still chosen"
    );
}

/// The central's division table (a new district, as GB/T 2260 revisions add them) reaches the
/// address page at the next visit; a broken one is refused with its line and changes nothing.
#[test]
fn a_division_table_from_the_central_applies_at_the_next_visit() {
    use kiosk::sync::api::DeviceConfig;
    let live = kiosk::sync::fleet::Live::new(crate::support::kiosk_toml_settings());
    let k = crate::support::demo_kiosk_with_options(crate::support::Options {
        live: Some(live.clone()),
        ..Default::default()
    });
    let config = |version: &str, table: String| DeviceConfig {
        config_version: version.into(),
        timeouts: None,
        languages: None,
        default_language: None,
        catalogue_toml: None,
        divisions_tsv: Some(table),
        opening_hours: None,
    };
    let builtin = include_str!("../../assets/divisions/gbt2260.tsv");
    let broken = format!("{builtin}3502\t残缺\n");
    let refused = live
        .apply(&config("v1", broken))
        .expect_err("a table with a five-digit code is refused");
    assert!(refused.contains("is not a six-digit code"), "{refused}");

    let grown = format!("{builtin}350299\t示例新区\n");
    live.apply(&config("v2", grown)).expect("valid");
    k.advance(1_000);
    k.walk_to_details();
    k.tap("delivery-elsewhere");
    k.tap("place-350000");
    k.tap("place-350200");
    k.tap("place-350299");
    assert_eq!(k.label("place"), "福建省厦门市示例新区");
}

/// In every display mode, on the smallest landscape screen and on a portrait one, the whole
/// keyboard and the field it types into are in view above the navigation bar, and every key is
/// at least 60 px wide and high.
#[test]
fn the_keyboard_is_whole_in_view_in_every_display_mode() {
    let shots = std::env::var_os("KIOSK_SCREENSHOTS").map(std::path::PathBuf::from);
    let keys = [
        "kb-1",
        "kb-0",
        "kb-q",
        "kb-p",
        "kb-z",
        "kb-dot",
        "kb-lang",
        "kb-space",
        "kb-delete",
        "field-street",
    ];
    let k = demo_kiosk();
    for theme in ["theme-normal", "theme-large", "theme-contrast"] {
        k.window()
            .window()
            .set_size(slint::PhysicalSize::new(1080, 1920));
        k.tap(theme);
        k.walk_to_details();
        k.tap("delivery-elsewhere");
        for id in ["place-350000", "place-350200", "place-350203"] {
            k.tap(id);
        }
        for (w, h) in [(1280u32, 860u32), (1080, 1920)] {
            k.window().window().set_size(slint::PhysicalSize::new(w, h));
            k.tap("kb-x");
            if let Some(dir) = &shots {
                std::fs::create_dir_all(dir).expect("screenshot dir");
                k.screenshot(&dir.join(format!("address-{theme}-{w}x{h}.png")));
            }
            let what = format!("address page, {theme}, {w}x{h}");
            k.assert_in_view(&what, &keys);
            for key in ["kb-1", "kb-m", "kb-cand-0", "kb-next"] {
                let size = k.find_visible(key).expect(key).size();
                assert!(
                    size.width >= 60.0 && size.height >= 60.0,
                    "{what}: {key} is {size:?}"
                );
            }
            k.tap("kb-delete");
        }
        k.tap("cancel");
        k.tap("cancel-discard");
        k.tap("demo-remove-card");
        k.wait_for_page(Page::Attract);
    }
}

/// Letters typed but no candidate tapped: leaving the field, or the page, puts the engine's best
/// words in it rather than losing them.
#[test]
fn letters_not_yet_chosen_go_into_the_field_when_it_is_left() {
    let k = demo_kiosk();
    k.walk_to_details();
    k.fill_contact();
    k.tap("delivery-elsewhere");
    for id in ["place-350000", "place-350200", "place-350203"] {
        k.tap(id);
    }
    for c in "zhongshanlu".chars() {
        k.tap(&format!("kb-{c}"));
    }
    k.tap("field-recipient");
    assert!(
        k.label("field-street").ends_with(": 中山路"),
        "{}",
        k.label("field-street")
    );
    for c in "wangfang".chars() {
        k.tap(&format!("kb-{c}"));
    }
    k.tap("next");
    assert_eq!(k.page(), Page::Details);
    assert_eq!(
        k.label("delivery-address"),
        "福建省厦门市思明区中山路 · 王芳 139 1234 5678"
    );
}

/// Key press to candidates on screen, through the whole kiosk: the tap, the input method, the
/// view, and a software render of the page (docs/BENCHMARKS.md, "Pinyin input"). Prints the
/// figures; timing never decides a test. Run with
/// `cargo test --no-default-features --features camera-v4l,dev --test it
/// address_flow::key_to_candidates_on_screen -- --ignored --nocapture`.
#[test]
#[ignore = "a measurement: run by hand"]
fn key_to_candidates_on_screen() {
    let k = demo_kiosk();
    k.window()
        .window()
        .set_size(slint::PhysicalSize::new(1080, 1920));
    k.walk_to_details();
    k.tap("delivery-elsewhere");
    for id in ["place-350000", "place-350200", "place-350203"] {
        k.tap(id);
    }
    let (mut times, mut taps) = (Vec::new(), Vec::new());
    for _ in 0..20 {
        for c in "zhongshanl".chars() {
            k.tap(&format!("kb-{c}"));
        }
        k.render();
        let key = k.find("kb-u").expect("the key");
        let start = std::time::Instant::now();
        key.invoke_accessible_default_action();
        let tapped = start.elapsed();
        k.window().window().take_snapshot().expect("snapshot");
        times.push(start.elapsed().as_secs_f64() * 1000.0);
        taps.push(tapped.as_secs_f64() * 1000.0);
        assert_eq!(k.label("kb-cand-0"), "中山路");
        k.tap("kb-delete");
        for _ in 0.."zhongshanl".len() {
            k.tap("kb-delete");
        }
    }
    times.sort_by(f64::total_cmp);
    taps.sort_by(f64::total_cmp);
    println!(
        "key to candidates on screen (tap, engine, view, software render at 1080×1920): median {:.1} ms, slowest {:.1} ms; of which the tap to the adapters set: median {:.1} ms",
        times[times.len() / 2],
        times[times.len() - 1],
        taps[taps.len() / 2]
    );
}

/// The emergency contact typed on the keyboard goes on the details page, the form and the
/// submission.
#[test]
fn an_emergency_contact_typed_in_pinyin_reaches_the_form_and_the_central() {
    let k = demo_kiosk();
    k.walk_to_details();
    k.fill_contact();
    k.tap("delivery-collect");
    k.tap("contact-edit");
    assert_eq!(k.page(), Page::Contact);
    type_word(&k, "wangfang", "王芳");
    k.tap("field-contact-mobile");
    type_digits(&k, "13812345678");
    k.tap("next");
    assert_eq!(k.page(), Page::Details);
    assert_eq!(k.label("contact"), "王芳 · 138 1234 5678");
    let lines = details_to_printed_form(&k);
    assert!(
        lines.contains("紧急联系人 Emergency contact: 王芳 13812345678"),
        "{lines}"
    );
    let store = Store::open(k.data_dir(), &test_key()).expect("store");
    let body: serde_json::Value =
        serde_json::from_str(&store.pending(10).expect("pending")[0].body).expect("json");
    assert_eq!(
        body["emergency_contact"],
        serde_json::json!({ "name": "王芳", "mobile": "13812345678" })
    );
}
