//! The hall kiosk's holder check (`[hall.holder_check]`): the face at the camera against the ID
//! card's photo after the card is read. Advisory mode prints the verdict on the form for the
//! clerk and sends it with the application; required mode sends an applicant who is not
//! confirmed to the window and keeps nothing. The simulated reader's cards carry the demo
//! subject's photo, who is also the simulated booth's face; another person is the London set's
//! face 002 shown as a still.

use std::time::Duration;

use kiosk::app;
use kiosk::devices::printer::interpret::{Command, parse};
use kiosk::domain::holder::HolderPolicy;
use kiosk::store::Store;
use kiosk::ui::{HolderAdapter, HolderPrompt, NoticeKind, Page, SessionAdapter};
use slint::ComponentHandle;

use crate::support::{Kiosk, Options, SOMEONE_ELSE, camera_showing, demo_kiosk_with_options};

/// A hall kiosk checking holders (two attempts); `camera` replaces the simulated booth.
fn checking(
    required: bool,
    simulated_liveness: bool,
    camera: Option<kiosk::devices::camera::CameraOpener>,
    card_photo: bool,
) -> Kiosk {
    demo_kiosk_with_options(Options {
        card_photo,
        camera,
        holder_check: Some(app::HolderCheckSetup {
            check: kiosk::face::check::CheckSettings {
                threshold: 0.40,
                action_limit: Duration::from_secs(1),
                simulated_liveness,
            },
            policy: HolderPolicy::new(2, required),
        }),
        ..Options::default()
    })
}

/// The first sample card on the reader, on from its page to the holder check.
fn card_then_next(k: &Kiosk) {
    k.tap("demo-card-0");
    k.wait_for_page(Page::CardRead);
    k.tap("next");
}

fn notice(k: &Kiosk) -> NoticeKind {
    k.window().global::<SessionAdapter>().get_notice()
}

/// From the documents page to the printed form: a passport renewal, a mobile number, the
/// pinyin confirmed, collection, the booth's photo. Returns the application number.
fn documents_to_done(k: &Kiosk) -> String {
    assert_eq!(k.page(), Page::Documents);
    k.tap("doc-passport");
    k.tap("cat-passport-renewal");
    k.tap("next");
    k.details_to_done()
}

/// The form's holder-check line as printed (decoded from the bytes, wrapped lines joined): its
/// text and whether it was printed bold.
fn holder_line(k: &Kiosk, number: &str) -> (String, bool) {
    let form = std::fs::read(k.receipts().join(format!("{number}.bin"))).expect("form");
    let (mut bold, mut text, mut holder_bold) = (false, String::new(), None);
    for command in parse(&form).expect("the form parses") {
        match command {
            Command::Bold(on) => bold = on,
            Command::Text(run) => {
                if holder_bold.is_none() && run.contains("人证核验") {
                    holder_bold = Some(bold);
                }
                text.push_str(&run);
            }
            Command::NewLine => text.push(' '),
            _ => {}
        }
    }
    let start = text
        .find("人证核验")
        .expect("a holder check line on the form");
    let end = text[start..].find("取证").map_or(text.len(), |e| start + e);
    (text[start..end].to_string(), holder_bold.unwrap_or(false))
}

/// The submission waiting in the outbox for the central.
fn submission(k: &Kiosk) -> serde_json::Value {
    let store = Store::open(k.data_dir(), &crate::support::test_key()).expect("store");
    let pending = store.pending(10).expect("outbox");
    assert_eq!(pending.len(), 1);
    serde_json::from_str(&pending[0].body).expect("json")
}

/// The holder at the camera, advisory mode: the instructions, then the documents page without
/// a notice; the form says "confirmed" (not bold) and the central gets the verdict — distance,
/// threshold and model, nothing of the face.
#[test]
fn the_holder_is_confirmed_and_the_form_and_the_central_say_so() {
    let k = checking(false, true, None, true);
    card_then_next(&k);
    assert_eq!(k.page(), Page::Holder);
    assert!(k.window().global::<HolderAdapter>().get_id_card());
    k.wait_until("an instruction to blink or turn", |k| {
        k.window().global::<HolderAdapter>().get_prompt() != HolderPrompt::LookAtCamera
    });
    assert!(
        k.visible_text().contains("身份证"),
        "the page names the ID card's photo: {}",
        k.visible_text()
    );
    k.wait_for_page(Page::Documents);
    assert_eq!(notice(&k), NoticeKind::None);
    // Back to the card page and on again: the check is not asked twice.
    k.tap("back");
    assert_eq!(k.page(), Page::CardRead);
    k.tap("next");
    assert_eq!(k.page(), Page::Documents);
    let number = documents_to_done(&k);
    let (line, bold) = holder_line(&k, &number);
    assert!(line.contains("Holder check: confirmed"), "{line}");
    assert!(!bold, "a confirmed line is not emphasised");
    let body = submission(&k);
    let check = &body["holder_check"];
    assert_eq!(check["outcome"], "confirmed", "{body}");
    let distance = check["distance"].as_f64().expect("a distance");
    assert!((0.0..0.40).contains(&distance), "{distance}");
    assert_eq!(check["threshold"], 0.4);
    assert!(check["model"].as_str().is_some_and(|m| !m.is_empty()));
    assert_eq!(
        check.as_object().map(|o| o.len()),
        Some(4),
        "outcome, distance, threshold and model only: {check}"
    );
}

/// Another face at the camera for both attempts, advisory mode: "once more", then the
/// applicant goes on with a plain notice (no accusation) and the form tells the clerk, in
/// bold, to compare the applicant with the card. The photo step shows the booth again.
#[test]
fn advisory_mode_lets_another_face_go_on_and_tells_the_clerk() {
    // Three opens: the kiosk's start-up check of the camera, then the two attempts.
    let k = checking(false, true, Some(camera_showing(SOMEONE_ELSE, 3)), true);
    card_then_next(&k);
    assert_eq!(k.page(), Page::Holder);
    k.wait_until("the second attempt", |k| {
        notice(k) == NoticeKind::HolderRetry
    });
    k.wait_for_page(Page::Documents);
    assert_eq!(notice(&k), NoticeKind::HolderForClerk);
    assert!(
        k.visible_text().contains("窗口"),
        "the notice says the clerk will compare: {}",
        k.visible_text()
    );
    let number = documents_to_done(&k);
    let (line, bold) = holder_line(&k, &number);
    assert!(line.contains("NOT confirmed"), "{line}");
    assert!(bold, "the clerk's attention is drawn to it");
    let body = submission(&k);
    assert_eq!(body["holder_check"]["outcome"], "not_confirmed", "{body}");
    assert!(body["holder_check"]["distance"].as_f64().unwrap() > 0.40);
}

/// Another face, required mode: after two attempts the applicant is asked to go to the
/// window, and nothing of the visit is kept or shown.
#[test]
fn required_mode_sends_another_face_to_the_window_and_keeps_nothing() {
    let k = checking(
        true,
        true,
        Some(camera_showing(SOMEONE_ELSE, usize::MAX)),
        true,
    );
    k.tap("demo-card-0");
    k.wait_for_page(Page::CardRead);
    let name = k.label("applicant-name");
    k.tap("next");
    k.wait_until("the second attempt", |k| {
        notice(k) == NoticeKind::HolderRetry
    });
    k.wait_for_page(Page::Attract);
    assert_eq!(notice(&k), NoticeKind::HolderAtWindow);
    let text = k.visible_text();
    assert!(text.contains("人工窗口"), "{text}");
    assert!(!text.contains(&name), "{text}");
    let store = Store::open(k.data_dir(), &crate::support::test_key()).expect("store");
    assert!(
        store.pending(10).expect("outbox").is_empty(),
        "nothing saved"
    );
}

/// A still picture of the holder (liveness not simulated) never blinks or turns: in required
/// mode the challenge runs out twice (only a face not confirmed or a challenge not completed is
/// tried again) and the applicant is sent to the window.
#[test]
fn a_still_picture_of_the_holder_is_not_confirmed() {
    let k = checking(true, false, None, true);
    card_then_next(&k);
    assert_eq!(k.page(), Page::Holder);
    k.wait_until("the second attempt", |k| {
        notice(k) == NoticeKind::HolderRetry
    });
    k.wait_for_page(Page::Attract);
    assert_eq!(notice(&k), NoticeKind::HolderAtWindow);
}

/// A card whose photo could not be read: nothing to compare with, so required mode sends the
/// applicant to the window (without a second attempt, which would fail again: the flow's unit
/// tests check that).
#[test]
fn without_the_cards_photo_required_mode_sends_to_the_window() {
    let k = checking(true, true, None, false);
    card_then_next(&k);
    k.wait_for_page(Page::Attract);
    assert_eq!(notice(&k), NoticeKind::HolderAtWindow);
}

/// A card whose photo could not be read, advisory mode: the applicant goes on and the form
/// tells the clerk the card's photo was unusable.
#[test]
fn without_the_cards_photo_advisory_mode_tells_the_clerk() {
    let k = checking(false, true, None, false);
    card_then_next(&k);
    k.wait_for_page(Page::Documents);
    assert_eq!(notice(&k), NoticeKind::HolderForClerk);
    let number = documents_to_done(&k);
    let (line, bold) = holder_line(&k, &number);
    assert!(line.contains("ID card photo unusable"), "{line}");
    assert!(bold);
    assert_eq!(
        submission(&k)["holder_check"]["outcome"],
        "no_portrait_face"
    );
}
