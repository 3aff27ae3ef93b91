//! The hall kiosk with the applicant's documents on record from the development central (over
//! mTLS, `POST /v1/people/documents`): the category each document's record suggests, the last
//! passport's spelling, and a central that does not answer (the form still prints, nothing is
//! suggested). The sample people's passports are `domain::samples::sample_passports`.

use kiosk::devices::printer::interpret::{parse, text_lines};
use kiosk::store::Store;
use kiosk::sync::station::StationClient;
use kiosk::ui::{Page, RecordReason};
use slint::{ComponentHandle, Model};

use crate::central::{Central, central_on, link_or_down};
use crate::support::{Kiosk, Options, demo_kiosk_with_options};

/// A hall kiosk asking `central` (or, with `None`, an address where nothing answers).
fn hall_kiosk(central: Option<&Central>) -> Kiosk {
    let link = link_or_down(central);
    demo_kiosk_with_options(Options {
        records: Some(StationClient::new(link).expect("client")),
        ..Options::default()
    })
}

/// The documents page's row for `code`: its suggestion reason and the category it selected.
fn row(k: &Kiosk, code: &str) -> (RecordReason, String) {
    let rows = k
        .window()
        .global::<kiosk::ui::DocumentsAdapter>()
        .get_rows();
    let r = rows
        .iter()
        .find(|r| r.code == code)
        .unwrap_or_else(|| panic!("no row {code}"));
    let selected = r
        .categories
        .iter()
        .find(|c| c.selected)
        .map_or(String::new(), |c| c.code.to_string());
    (r.reason, selected)
}

/// Card `index` on the reader, on to the documents page once the records are in.
fn to_documents(k: &Kiosk, index: usize, passport_reason: RecordReason) {
    k.tap(&format!("demo-card-{index}"));
    k.wait_for_page(Page::CardRead);
    k.tap("next");
    assert_eq!(k.page(), Page::Documents);
    k.wait_until("the documents on record", |k| {
        row(k, "passport").0 == passport_reason
    });
}

/// 曾小芳's passport expires in four months: choosing a passport selects *renewal* with the
/// reason beside it, the pinyin is the passport's spelling, and the form goes through.
#[test]
fn an_expiring_passport_suggests_a_renewal_with_the_old_spelling() {
    let central = central_on("127.0.0.1:0");
    let k = hall_kiosk(Some(&central));
    to_documents(&k, 0, RecordReason::Expiring);
    let note = k.label("record-passport");
    assert!(note.contains("到期") && note.contains("换发"), "{note}");
    k.tap("doc-passport");
    assert_eq!(
        row(&k, "passport").1,
        "renewal",
        "selected for the applicant"
    );
    // No HK/Macau permit of hers is on record as a passport would be: her permit is valid
    // for years, so nothing is suggested for it.
    assert_eq!(row(&k, "hk_macau_permit").0, RecordReason::None);
    k.tap("next");
    assert_eq!(k.page(), Page::Details);
    assert_eq!(k.label("pinyin"), "ZENG XIAOFANG");
    assert!(
        k.find("spelling-note").is_none(),
        "the card gives the same spelling"
    );
}

/// 单建国 reported his passport lost: *replacement (lost)* is suggested.
#[test]
fn a_lost_passport_suggests_a_replacement() {
    let central = central_on("127.0.0.1:0");
    let k = hall_kiosk(Some(&central));
    to_documents(&k, 1, RecordReason::ReportedLost);
    k.tap("doc-passport");
    assert_eq!(row(&k, "passport").1, "reissue_lost");
}

/// 吕思远's expired passport spells him LV, which no reading of his card gives (GB/T 28039
/// writes 吕 LYU): the kiosk keeps LYU and tells him what his last passport said.
#[test]
fn an_expired_passport_with_an_old_spelling_is_flagged_not_copied() {
    let central = central_on("127.0.0.1:0");
    let k = hall_kiosk(Some(&central));
    to_documents(&k, 2, RecordReason::Expired);
    k.tap("doc-passport");
    assert_eq!(row(&k, "passport").1, "expired_reapply");
    k.tap("next");
    assert_eq!(k.label("pinyin"), "LYU SIYUAN");
    let note = k.label("spelling-note");
    assert!(note.contains("LV SIYUAN"), "{note}");
    // The clerk sees it on the form, and the central with the application.
    let number = k.details_to_done();
    let form = std::fs::read(k.receipts().join(format!("{number}.bin"))).expect("form");
    let text = text_lines(&parse(&form).expect("the form parses")).join(" ");
    assert!(text.contains("Last passport spelled: LV SIYUAN"), "{text}");
    let store = Store::open(k.data_dir(), &crate::support::test_key()).expect("store");
    let body: serde_json::Value =
        serde_json::from_str(&store.pending(1).expect("outbox")[0].body).expect("json");
    assert_eq!(body["previous_passport_spelling"], "LV SIYUAN");
}

/// 阿依古丽·买买提 has no passport on record: a first application is suggested.
#[test]
fn no_passport_on_record_suggests_a_first_application() {
    let central = central_on("127.0.0.1:0");
    let k = hall_kiosk(Some(&central));
    to_documents(&k, 5, RecordReason::NoneOnRecord);
    k.tap("doc-passport");
    assert_eq!(row(&k, "passport").1, "first_issue");
}

/// The central does not answer: nothing is suggested, the applicant chooses as before, and the
/// form is printed and stored.
#[test]
fn with_the_central_down_nothing_is_suggested_and_the_form_prints() {
    let k = hall_kiosk(None);
    k.tap("demo-card-0");
    k.wait_for_page(Page::CardRead);
    k.tap("next");
    k.wait_until("the look-up to fail", |k| {
        k.find("records-state")
            .and_then(|e| e.accessible_label())
            .is_some_and(|l| l.contains("无法查询"))
    });
    assert_eq!(row(&k, "passport").0, RecordReason::None);
    k.tap("doc-passport");
    assert_eq!(
        row(&k, "passport").1,
        "",
        "nothing chosen for the applicant"
    );
    k.tap("cat-passport-renewal");
    k.tap("next");
    k.details_to_done();
    let store = Store::open(k.data_dir(), &crate::support::test_key()).expect("store");
    assert_eq!(store.pending(10).expect("outbox").len(), 1);
}
