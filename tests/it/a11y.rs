//! Accessibility, page by page: walks the hall kiosk's pages and the station kiosk's in each
//! display mode (normal, large text, high contrast) on a portrait and a landscape screen, and on
//! every page checks what is on screen as drawn:
//!
//! * every button in view is at least 60 × 60 px (the project's own target size, above WCAG 2.2
//!   SC 2.5.8's 24 px minimum);
//! * every text in view has a contrast of at least 4.5:1 against what is behind it (WCAG 2.2
//!   SC 1.4.3, level AA, for text of any size), measured on the rendered pixels: the
//!   background is the commonest colour in the text's box, the text colour the one that
//!   differs from it most; disabled controls are exempt, as WCAG allows;
//! * the page has its spoken prompt in both languages (docs/ACCESSIBILITY.md, "Voice guidance").

use std::collections::HashMap;

use i_slint_backend_testing::{ElementHandle, ElementRoot};
use kiosk::ui::{Messages, Page};
use slint::ComponentHandle;

use crate::support::{Kiosk, demo_kiosk};
use crate::theme::contrast;

/// The smallest touch target, in px.
const TARGET: f32 = 60.0;
/// WCAG 2.2 AA contrast for text.
const CONTRAST: f64 = 4.5;

fn disabled(e: &ElementHandle) -> bool {
    e.accessible_enabled() == Some(false) || e.computed_opacity() < 0.99
}

fn is_text(e: &ElementHandle) -> bool {
    e.type_name().as_deref() == Some("Text")
        || e.bases().is_some_and(|mut b| b.any(|t| t == "Text"))
}

/// What a page check measured: its problems, and how many buttons and texts it looked at (a
/// check that finds nothing to measure has not checked the page).
struct Measured {
    problems: Vec<String>,
    buttons: usize,
    texts: usize,
    lowest: f64,
}

/// Every problem of the page as it is drawn now.
fn page_problems(k: &Kiosk, what: &str) -> Measured {
    let shot = k.render();
    let (w, h) = (shot.width() as usize, shot.height() as usize);
    let pixels = shot.as_slice();
    let at = |x: usize, y: usize| {
        let p = pixels[y * w + x];
        [p.r, p.g, p.b]
    };
    let inside = |e: &ElementHandle| {
        let (p, s) = (e.absolute_position(), e.size());
        p.x >= 0.0
            && p.y >= 0.0
            && p.x + s.width <= w as f32
            && p.y + s.height <= h as f32
            && s.width > 0.0
            && s.height > 0.0
    };
    let mut problems = Vec::new();
    let (mut buttons, mut texts, mut lowest) = (0, 0, f64::MAX);
    let root = k.window().root_element();
    for e in root.query_descendants().find_all() {
        if !inside(&e) || disabled(&e) {
            continue;
        }
        let name = e
            .accessible_id()
            .or_else(|| e.accessible_label())
            .unwrap_or_default();
        let size = e.size();
        let button = e.accessible_role() == Some(i_slint_backend_testing::AccessibleRole::Button);
        buttons += usize::from(button);
        if button && (size.width < TARGET || size.height < TARGET) {
            problems.push(format!(
                "{what}: button {name:?} is {:.0}×{:.0} px",
                size.width, size.height
            ));
        }
        if !is_text(&e) || e.accessible_label().is_none_or(|l| l.trim().is_empty()) {
            continue;
        }
        // The text's box: the commonest colour is what is behind it, the one differing most
        // from that is the text. A box with nothing drawn in it is hidden (scrolled away).
        let p = e.absolute_position();
        let (x0, y0) = (p.x.max(0.0) as usize, p.y.max(0.0) as usize);
        let (x1, y1) = (
            ((p.x + size.width) as usize).min(w),
            ((p.y + size.height) as usize).min(h),
        );
        let mut counts: HashMap<[u8; 3], usize> = HashMap::new();
        for y in y0..y1 {
            for x in x0..x1 {
                *counts.entry(at(x, y)).or_default() += 1;
            }
        }
        let Some((&background, _)) = counts.iter().max_by_key(|(_, n)| **n) else {
            continue;
        };
        let text = counts
            .keys()
            .copied()
            .max_by(|a, b| contrast(*a, background).total_cmp(&contrast(*b, background)))
            .unwrap_or(background);
        let ratio = contrast(text, background);
        if counts.len() > 1 {
            texts += 1;
            lowest = lowest.min(ratio);
        }
        if counts.len() > 1 && ratio < CONTRAST {
            problems.push(format!(
                "{what}: text {name:?} has contrast {ratio:.2}:1 ({text:?} on {background:?})"
            ));
        }
    }
    let page = k.page();
    let messages = k.window().global::<Messages>();
    if messages.invoke_prompt(page).is_empty() {
        problems.push(format!("{what}: no spoken prompt for {page:?}"));
    }
    Measured {
        problems,
        buttons,
        texts,
        lowest,
    }
}

/// Checks the page as it stands on both screens, then leaves the portrait one.
fn check(k: &Kiosk, theme: &str, problems: &mut Vec<String>) {
    for (w, h) in [(1280u32, 860u32), (1080, 1920)] {
        k.window().window().set_size(slint::PhysicalSize::new(w, h));
        let what = format!("{:?} in {theme} at {w}×{h}", k.page());
        let measured = page_problems(k, &what);
        assert!(
            measured.buttons >= 1 && measured.texts >= 2,
            "{what}: only {} buttons and {} texts measured",
            measured.buttons,
            measured.texts
        );
        if std::env::var_os("KIOSK_A11Y_REPORT").is_some() {
            println!(
                "{what}: {} buttons, {} texts, lowest contrast {:.1}:1",
                measured.buttons, measured.texts, measured.lowest
            );
        }
        problems.extend(measured.problems);
    }
}

/// The hall kiosk's pages in one display mode.
fn walk_hall(theme: &str) {
    let k = demo_kiosk();
    let mut problems = Vec::new();
    k.tap(theme);
    check(&k, theme, &mut problems);
    k.tap("demo-card-0");
    k.wait_for_page(Page::CardRead);
    check(&k, theme, &mut problems);
    k.tap("next");
    k.tap("doc-passport");
    k.tap("cat-passport-renewal");
    check(&k, theme, &mut problems);
    k.tap("next");
    k.fill_contact();
    check(&k, theme, &mut problems);
    k.tap("contact-edit");
    k.tap("kb-x");
    check(&k, theme, &mut problems);
    k.tap("back");
    k.tap("delivery-elsewhere");
    check(&k, theme, &mut problems);
    for id in ["place-350000", "place-350200", "place-350203"] {
        k.tap(id);
    }
    k.tap("kb-x");
    check(&k, theme, &mut problems);
    k.tap("back");
    k.tap("delivery-collect");
    k.tap("next");
    assert_eq!(k.page(), Page::Photo);
    check(&k, theme, &mut problems);
    k.photo_to_review();
    check(&k, theme, &mut problems);
    k.tap("next");
    k.wait_for_page(Page::Done);
    check(&k, theme, &mut problems);
    // The guardian page: the last sample card is a child's.
    k.tap("finish");
    k.wait_for_page(Page::Attract);
    k.tap("demo-card-6");
    k.wait_for_page(Page::CardRead);
    k.tap("next");
    assert_eq!(k.page(), Page::Guardian);
    check(&k, theme, &mut problems);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn hall_pages_in_normal_mode() {
    walk_hall("theme-normal");
}

#[test]
fn hall_pages_in_large_text() {
    walk_hall("theme-large");
}

#[test]
fn hall_pages_in_high_contrast() {
    walk_hall("theme-contrast");
}

/// The station kiosk's pages in one display mode: services, ID card, permit, offers, review,
/// payment, done, remaining trips, the done page after re-printing the back.
fn walk_station(theme: &str) {
    use kiosk::devices::writer::WriterScript;
    let central = crate::central::central_on("127.0.0.1:0");
    let station = crate::station_flow::reprinting(&central, WriterScript::Succeed);
    let k = &station.kiosk;
    let mut problems = Vec::new();
    k.tap(theme);
    check(k, theme, &mut problems);
    // The keys page first: a permit the central's record does not open (吕思远's, with
    // 曾小芳's card) asks for its number and expiry. Taking both cards away ends that visit.
    crate::station_flow::cards(k, 0, 2);
    k.wait_for_page(Page::Keys);
    check(k, theme, &mut problems);
    k.tap("demo-remove-permit");
    k.tap("demo-remove-card");
    k.wait_for_page(Page::Services);
    // Then an endorsement, from the ID card to the done page.
    k.tap("service-endorse");
    check(k, theme, &mut problems);
    k.tap("demo-card-0");
    k.wait_for_page(Page::Permit);
    check(k, theme, &mut problems);
    k.wait_until("the permit reader waiting", |k| {
        k.find("demo-permit-0").is_some()
    });
    k.tap("demo-permit-0");
    k.wait_for_page(Page::Choose);
    check(k, theme, &mut problems);
    let offer = crate::station_flow::hk_g_3m1(k);
    k.tap(&format!("offer-{offer}"));
    k.tap("next");
    assert_eq!(k.page(), Page::StationReview);
    check(k, theme, &mut problems);
    crate::station_flow::pay_by_card_to_done(k);
    check(k, theme, &mut problems);
    // Remaining trips, for the same person.
    k.tap("finish");
    k.wait_for_page(Page::Services);
    k.tap("service-trips");
    k.tap("demo-card-0");
    k.wait_for_page(Page::Trips);
    k.wait_until("the records", |k| k.find("trips-0").is_some());
    check(k, theme, &mut problems);
    // Re-printing the back, for the same person, who lifted both cards and placed them again.
    k.tap("demo-remove-permit");
    k.tap("demo-remove-card");
    k.wait_for_page(Page::Services);
    crate::station_flow::cards_for(k, "service-reprint", 0, 0);
    k.wait_for_page(Page::StationDone);
    check(k, theme, &mut problems);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn station_pages_in_normal_mode() {
    walk_station("theme-normal");
}

#[test]
fn station_pages_in_large_text() {
    walk_station("theme-large");
}

#[test]
fn station_pages_in_high_contrast() {
    walk_station("theme-contrast");
}

#[test]
fn the_contrast_measure_agrees_with_wcag() {
    // WCAG's own extremes and a known pair.
    assert!((contrast([0, 0, 0], [255, 255, 255]) - 21.0).abs() < 0.01);
    assert!((contrast([119, 119, 119], [255, 255, 255]) - 4.48).abs() < 0.01);
    assert_eq!(contrast([10, 20, 30], [10, 20, 30]), 1.0);
}
