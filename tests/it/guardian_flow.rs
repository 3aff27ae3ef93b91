//! An applicant under 16 at the hall kiosk: the child's card, then the guardian's on the
//! simulated reader, the relationship, and the form with both (decoded from the printed bytes)
//! and the submission waiting for the central.

use kiosk::devices::printer::interpret::{parse, text_lines};
use kiosk::store::Store;
use kiosk::ui::{NoticeKind, Page, SessionAdapter};
use slint::ComponentHandle;

use crate::support::demo_kiosk;

/// The sample cards: 曾小芳 first, the child 曾小明 last.
const MOTHER: usize = 0;
const CHILD: usize = 6;

#[test]
fn a_child_applies_with_a_guardian_and_the_form_names_both() {
    let k = demo_kiosk();
    k.tap(&format!("demo-card-{CHILD}"));
    k.wait_for_page(Page::CardRead);
    assert_eq!(k.label("applicant-name"), "曾小明");
    k.tap("next");
    assert_eq!(k.page(), Page::Guardian);
    // The child's own card again is refused with the reason.
    k.tap("demo-remove-card");
    k.tap(&format!("demo-card-{CHILD}"));
    k.wait_until("the refusal", |k| {
        k.window().global::<SessionAdapter>().get_notice() == NoticeKind::GuardianApplicantsCard
    });
    k.tap("demo-remove-card");
    k.tap(&format!("demo-card-{MOTHER}"));
    k.wait_until("the guardian's card", |k| k.find("guardian-name").is_some());
    assert!(k.label("guardian-name").contains("曾小芳"));
    assert_eq!(
        k.find("next").and_then(|n| n.accessible_enabled()),
        Some(false),
        "the relationship first"
    );
    k.tap("relationship-mother");
    k.tap("next");
    assert_eq!(k.page(), Page::Documents);
    k.tap("doc-passport");
    k.tap("cat-passport-first_issue");
    k.tap("next");
    let number = k.details_to_done();
    let form = std::fs::read(k.receipts().join(format!("{number}.bin"))).expect("form");
    let lines = text_lines(&parse(&form).expect("the form parses")).join(" ");
    let mother_masked = kiosk::domain::identity::mask(&kiosk::domain::id_number::with_check_char(
        "35020319920418002",
    ));
    for part in [
        "曾小明",
        "监护人 Guardian: 曾小芳",
        "母亲 Mother",
        mother_masked.as_str(),
        "Guardian's consent, signature",
    ] {
        assert!(lines.contains(part), "{part:?} missing from {lines}");
    }
    let store = Store::open(k.data_dir(), &crate::support::test_key()).expect("store");
    let body: serde_json::Value =
        serde_json::from_str(&store.pending(1).expect("outbox")[0].body).expect("json");
    assert_eq!(body["guardian"]["name"], "曾小芳");
    assert_eq!(body["guardian"]["relationship"], "mother");
    assert_eq!(body["applicant"]["name"], "曾小明");
}
