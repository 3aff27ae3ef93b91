//! Flow tests: the happy path, timeouts with and without extension, card removal, cancel.

use super::*;
use crate::domain::identity::{CardType, Sex, ValidUntil};
use crate::domain::nation::Nation;
use crate::domain::records::{DocumentOnRecord, RecordStatus};
use std::time::Duration;

const S: u64 = 1000;

fn identity(card_type: CardType, name: &str) -> Identity {
    Identity {
        card_type,
        name: name.into(),
        name_latin: String::new(),
        sex: Sex::Female,
        nation: Some(Nation::from_code("01")),
        birth_date: NaiveDate::from_ymd_opt(1990, 1, 1).unwrap(),
        address: "福建省厦门市思明区示例路1号".into(),
        id_number: crate::domain::id_number::with_check_char("35020319900101124"),
        issuer: "厦门市公安局思明分局".into(),
        valid_from: NaiveDate::from_ymd_opt(2020, 1, 1).unwrap(),
        valid_until: ValidUntil::LongTerm,
        permit_number: String::new(),
        issue_count: None,
        nationality: String::new(),
        portrait: None,
    }
}

fn session() -> Session {
    Session::new(
        Arc::new(Catalogue::builtin()),
        Timeouts::default(),
        NaiveDate::from_ymd_opt(2026, 11, 25).unwrap(),
    )
}

fn edit(s: &mut Session, e: Edit, now: u64) {
    assert!(s.handle(Event::Edit(e), now).is_empty());
}

fn photo() -> Photo {
    Photo {
        jpeg: vec![0xFF, 0xD8, 0xFF, 0xD9],
        width: 354,
        height: 472,
    }
}

/// Walks to the review step with a passport and an HK/Macau permit with an endorsement.
fn to_review(s: &mut Session) {
    s.handle(
        Event::CardInserted(identity(CardType::Mainland, "曾小芳")),
        0,
    );
    assert_eq!(s.step(), Step::CardRead);
    s.handle(Event::Continue, S);
    assert_eq!(s.step(), Step::Documents);
    s.handle(Event::Continue, S);
    assert_eq!(s.step(), Step::Documents, "no document chosen");
    assert_eq!(s.problems(), &[Problem::NoDocument]);
    edit(s, Edit::ToggleDocument("hk_macau_permit".into()), 2 * S);
    edit(s, Edit::ToggleDocument("passport".into()), 2 * S);
    edit(
        s,
        Edit::SetCategory {
            document: "passport".into(),
            category: "first_issue".into(),
        },
        2 * S,
    );
    edit(
        s,
        Edit::SetCategory {
            document: "hk_macau_permit".into(),
            category: "renewal".into(),
        },
        2 * S,
    );
    edit(
        s,
        Edit::SetEndorsementKind {
            document: "hk_macau_permit".into(),
            destination: "hk".into(),
            kind: "G".into(),
        },
        2 * S,
    );
    edit(
        s,
        Edit::SetTrips {
            document: "hk_macau_permit".into(),
            destination: "hk".into(),
            trips: "1y2".into(),
        },
        2 * S,
    );
    s.handle(Event::Continue, 3 * S);
    assert_eq!(s.step(), Step::Details);
    let docs: Vec<_> = s
        .draft()
        .unwrap()
        .choices
        .documents
        .iter()
        .map(|d| d.document.as_str())
        .collect();
    assert_eq!(docs, ["passport", "hk_macau_permit"], "catalogue order");
    s.handle(Event::Continue, 3 * S);
    assert_eq!(s.step(), Step::Details);
    assert!(s.problems().contains(&Problem::Phone));
    for d in "13912345678".chars() {
        edit(s, Edit::PhoneDigit(d), 4 * S);
    }
    edit(s, Edit::PhoneDigit('9'), 4 * S);
    assert_eq!(
        s.draft().unwrap().choices.phone,
        "13912345678",
        "at most 11 digits"
    );
    edit(
        s,
        Edit::SetDelivery(DeliveryChoice::EmsToCardAddress),
        4 * S,
    );
    edit(s, Edit::ConfirmPinyin(true), 4 * S);
    assert_eq!(s.draft().unwrap().choices.pinyin_surname, "ZENG");
    let effects = s.handle(Event::Continue, 5 * S);
    assert_eq!(s.step(), Step::Photo);
    assert!(matches!(effects[..], [Effect::StartCamera]));
    s.handle(Event::Continue, 5 * S);
    assert_eq!(s.step(), Step::Photo, "no photo yet");
    s.handle(Event::PhotoCaptured(photo()), 6 * S);
    let effects = s.handle(Event::Continue, 6 * S);
    assert!(matches!(effects[..], [Effect::StopCamera]));
    assert_eq!(s.step(), Step::Review);
}

#[test]
fn happy_path_saves_prints_and_wipes() {
    let mut s = session();
    to_review(&mut s);
    let effects = s.handle(Event::Continue, 7 * S);
    assert_eq!(s.step(), Step::Printing);
    let [Effect::SaveAndPrint(draft)] = &effects[..] else {
        panic!("{effects:?}")
    };
    assert_eq!(draft.choices.fee(s.catalogue()), 120 + 60 + 30);
    let number = AppNumber::compose("XMH01", NaiveDate::from_ymd_opt(2026, 11, 25).unwrap(), 1);
    s.handle(Event::Saved(number.clone()), 8 * S);
    let effects = s.handle(Event::Printed, 9 * S);
    assert_eq!(s.step(), Step::Done);
    assert!(matches!(effects[..], [Effect::Wipe]));
    assert!(
        s.draft().is_none(),
        "personal data leaves memory once printed"
    );
    assert_eq!(s.number(), Some(&number));
    s.handle(Event::Continue, 10 * S);
    assert_eq!(s.step(), Step::Attract);
    assert!(s.number().is_none());
    assert_eq!(s.notice(), None);
}

#[test]
fn idle_timeout_warns_then_wipes() {
    let mut s = session();
    s.handle(Event::CardInserted(identity(CardType::Mainland, "张三")), 0);
    assert_eq!(s.warning_seconds(89 * S), None);
    assert_eq!(s.warning_seconds(90 * S), Some(30));
    assert!(s.warning_seconds(100 * S).unwrap() >= 20);
    assert!(s.handle(Event::Tick, 119 * S).is_empty());
    let effects = s.handle(Event::Tick, 120 * S);
    assert!(matches!(effects[..], [Effect::Wipe]));
    assert_eq!(s.step(), Step::Attract);
    assert!(s.draft().is_none());
    assert_eq!(s.notice(), Some(&Notice::TimedOut));
}

#[test]
fn extending_time_is_repeatable() {
    let mut s = session();
    s.handle(Event::CardInserted(identity(CardType::Mainland, "张三")), 0);
    let mut now = 0;
    for _ in 0..12 {
        now += 100 * S;
        assert!(s.warning_seconds(now).is_some());
        s.handle(Event::Tick, now);
        s.handle(Event::ExtendTime, now);
        assert_eq!(s.warning_seconds(now), None);
        assert_eq!(s.step(), Step::CardRead);
    }
    s.handle(Event::Tick, now + 120 * S);
    assert_eq!(s.step(), Step::Attract);
}

#[test]
fn photo_step_timeout_stops_the_camera() {
    let mut s = session();
    to_review(&mut s);
    s.handle(Event::Back, 7 * S);
    assert_eq!(s.step(), Step::Photo);
    let effects = s.handle(Event::Tick, 200 * S);
    assert!(matches!(effects[..], [Effect::StopCamera, Effect::Wipe]));
}

#[test]
fn card_removal_mid_form_wipes() {
    let mut s = session();
    s.handle(Event::CardInserted(identity(CardType::Mainland, "张三")), 0);
    s.handle(Event::Continue, S);
    edit(&mut s, Edit::ToggleDocument("passport".into()), S);
    let effects = s.handle(Event::CardRemoved, 2 * S);
    assert!(matches!(effects[..], [Effect::Wipe]));
    assert_eq!(s.step(), Step::Attract);
    assert!(s.draft().is_none());
    assert_eq!(s.notice(), Some(&Notice::CardRemoved));
}

#[test]
fn card_removal_while_printing_does_not_interrupt() {
    let mut s = session();
    to_review(&mut s);
    s.handle(Event::Continue, 7 * S);
    assert!(s.handle(Event::CardRemoved, 8 * S).is_empty());
    assert_eq!(s.step(), Step::Printing);
}

#[test]
fn cancel_asks_first_and_wipes_only_when_confirmed() {
    let mut s = session();
    to_review(&mut s);
    // One tap on Cancel discards nothing: the applicant is asked.
    assert!(s.handle(Event::Cancel, 8 * S).is_empty());
    assert_eq!(s.step(), Step::Review);
    assert!(s.confirming_cancel());
    // "No, keep it": the application is untouched.
    assert!(s.handle(Event::ConfirmCancel(false), 8 * S).is_empty());
    assert!(!s.confirming_cancel());
    assert_eq!(s.step(), Step::Review);
    assert!(s.draft().is_some());
    // Any other action also closes the question.
    s.handle(Event::Cancel, 9 * S);
    s.handle(Event::Back, 9 * S);
    assert!(!s.confirming_cancel());
    // A late "yes" without the question on screen discards nothing.
    assert!(s.handle(Event::ConfirmCancel(true), 10 * S).is_empty());
    assert!(s.draft().is_some());
    s.handle(Event::Cancel, 10 * S);
    let effects = s.handle(Event::ConfirmCancel(true), 10 * S);
    assert!(matches!(effects.last(), Some(Effect::Wipe)), "{effects:?}");
    assert_eq!(s.step(), Step::Attract);
    assert!(s.draft().is_none());
    assert!(!s.confirming_cancel());
    assert_eq!(s.notice(), Some(&Notice::Cancelled));
}

#[test]
fn print_failure_ends_on_done_and_keeps_the_number_until_finish() {
    let mut s = session();
    to_review(&mut s);
    s.handle(Event::Continue, 7 * S);
    let number = AppNumber::compose("XMH01", NaiveDate::from_ymd_opt(2026, 11, 25).unwrap(), 2);
    s.handle(Event::Saved(number), 8 * S);
    s.handle(Event::PrintFailed, 8 * S);
    assert_eq!(s.step(), Step::Done);
    assert_eq!(s.notice(), Some(&Notice::PrintFailed));
    assert!(!s.printed());
    // No time limit and the card may be lifted: the number is all the applicant has.
    s.handle(Event::Tick, 8 * S + 3600 * S);
    assert_eq!(s.warning_seconds(8 * S + 3600 * S), None);
    s.handle(Event::CardRemoved, 8 * S + 3600 * S);
    assert_eq!(s.step(), Step::Done);
    assert!(s.number().is_some());
    s.handle(Event::Continue, 8 * S + 3601 * S);
    assert_eq!(s.step(), Step::Attract);
    assert_eq!(s.notice(), None);
}

#[test]
fn a_printed_form_leaves_the_done_page_after_its_time() {
    let mut s = session();
    to_review(&mut s);
    s.handle(Event::Continue, 7 * S);
    s.handle(Event::Printed, 8 * S);
    assert!(s.printed());
    s.handle(Event::Tick, 8 * S + 30 * S);
    assert_eq!(s.step(), Step::Attract);
}

#[test]
fn save_failure_returns_to_review() {
    let mut s = session();
    to_review(&mut s);
    s.handle(Event::Continue, 7 * S);
    s.handle(Event::SaveFailed, 8 * S);
    assert_eq!(s.step(), Step::Review);
    assert_eq!(s.notice(), Some(&Notice::SaveFailed));
    assert!(s.draft().is_some(), "nothing lost");
}

#[test]
fn other_card_types_and_expired_cards_are_routed_to_staff() {
    let mut s = session();
    s.handle(
        Event::CardInserted(identity(CardType::ResidencePermitHkMoTw, "陈大文")),
        0,
    );
    assert_eq!(s.step(), Step::Attract);
    assert_eq!(s.notice(), Some(&Notice::NotEligibleCardType));
    let mut expired = identity(CardType::Mainland, "张三");
    expired.valid_until = ValidUntil::Date(NaiveDate::from_ymd_opt(2020, 1, 1).unwrap());
    s.handle(Event::CardInserted(expired), 0);
    assert_eq!(s.notice(), Some(&Notice::CardExpired));
    assert!(s.draft().is_none());
}

/// A mainland card with `name`, a passport renewal chosen (after a Continue with no document,
/// which stays), on to the details page.
fn to_details_for_a_passport(s: &mut Session, name: &str) {
    s.handle(Event::CardInserted(identity(CardType::Mainland, name)), 0);
    s.handle(Event::Continue, 0);
    s.handle(Event::Continue, 0); // no documents: stays
    edit(s, Edit::ToggleDocument("passport".into()), 0);
    edit(
        s,
        Edit::SetCategory {
            document: "passport".into(),
            category: "renewal".into(),
        },
        0,
    );
    s.handle(Event::Continue, 0);
}

#[test]
fn choosing_another_reading_requires_confirming_again() {
    let mut s = session();
    to_details_for_a_passport(&mut s, "曾乐");
    edit(&mut s, Edit::ConfirmPinyin(true), 0);
    edit(
        &mut s,
        Edit::ChooseReading {
            index: 0,
            reading: "ceng".into(),
        },
        0,
    );
    let d = s.draft().unwrap();
    assert_eq!(d.choices.pinyin_surname, "CENG");
    assert!(!d.choices.pinyin_confirmed);
}

#[test]
fn the_surname_boundary_can_be_moved_and_must_be_confirmed_again() {
    let mut s = session();
    to_details_for_a_passport(&mut s, "欧阳明");
    let d = s.draft().unwrap();
    assert_eq!(
        (
            d.choices.pinyin_surname.as_str(),
            d.choices.pinyin_given.as_str()
        ),
        ("OUYANG", "MING")
    );
    edit(&mut s, Edit::ConfirmPinyin(true), 0);
    edit(&mut s, Edit::ChooseDivision(1), 0);
    let d = s.draft().unwrap();
    assert_eq!(
        (
            d.choices.pinyin_surname.as_str(),
            d.choices.pinyin_given.as_str()
        ),
        ("OU", "YANGMING")
    );
    assert!(!d.choices.pinyin_confirmed);
    // A division the name does not have changes nothing.
    edit(&mut s, Edit::ConfirmPinyin(true), 0);
    edit(&mut s, Edit::ChooseDivision(7), 0);
    let d = s.draft().unwrap();
    assert_eq!(d.choices.pinyin_surname, "OU");
    assert!(d.choices.pinyin_confirmed);
}

#[test]
fn edits_outside_form_steps_are_ignored() {
    let mut s = session();
    s.handle(Event::CardInserted(identity(CardType::Mainland, "张三")), 0);
    edit(&mut s, Edit::ToggleDocument("passport".into()), 0);
    assert!(s.draft().unwrap().choices.documents.is_empty());
}

#[test]
fn a_full_store_saves_nothing_and_takes_no_one_until_there_is_room() {
    let mut s = session();
    to_review(&mut s);
    s.handle(Event::Continue, 7 * S);
    s.handle(Event::StorageFull, 8 * S);
    assert_eq!(s.step(), Step::Review);
    assert_eq!(s.notice(), Some(&Notice::StorageFull));
    assert_eq!(s.out_of_service(), Some(&OutOfService::StorageFull));
    s.handle(Event::Cancel, 9 * S);
    s.handle(Event::ConfirmCancel(true), 9 * S);
    assert_eq!(s.step(), Step::Attract);
    s.handle(
        Event::CardInserted(identity(CardType::Mainland, "曾小芳")),
        10 * S,
    );
    assert_eq!(s.step(), Step::Attract, "no new applicant while full");
    s.handle(Event::Availability(None), 11 * S);
    s.handle(
        Event::CardInserted(identity(CardType::Mainland, "曾小芳")),
        12 * S,
    );
    assert_eq!(s.step(), Step::CardRead, "room again: applicants are taken");
}

#[test]
fn new_settings_wait_for_the_attract_screen() {
    let mut s = session();
    let short = Timeouts {
        idle: Duration::from_secs(40),
        warning: Duration::from_secs(20),
        done: Duration::from_secs(5),
    };
    s.handle(
        Event::CardInserted(identity(CardType::Mainland, "曾小芳")),
        0,
    );
    assert!(
        !s.reconfigure(
            Arc::new(Catalogue::builtin()),
            Arc::new(Divisions::builtin()),
            short
        ),
        "not mid-session"
    );
    s.handle(Event::Cancel, S);
    s.handle(Event::ConfirmCancel(true), S);
    assert!(s.reconfigure(
        Arc::new(Catalogue::builtin()),
        Arc::new(Divisions::builtin()),
        short
    ));
    s.handle(
        Event::CardInserted(identity(CardType::Mainland, "曾小芳")),
        2 * S,
    );
    s.handle(Event::Tick, 2 * S + 40 * S);
    assert_eq!(s.step(), Step::Attract, "the new idle limit applies");
}

fn verdict(outcome: crate::domain::holder::HolderOutcome) -> HolderVerdict {
    HolderVerdict {
        outcome,
        distance: Some(0.5),
        threshold: 0.4,
        model: "dlib".into(),
    }
}

/// A session checking holders (two tries) with a card whose photo was read; at the holder step.
fn at_holder_check(required: bool) -> Session {
    let mut s = session().with_holder_check(HolderPolicy::new(2, required));
    let mut person = identity(CardType::Mainland, "曾小芳");
    person.portrait = Some(vec![7; 102 * 126 * 3]);
    s.handle(Event::CardInserted(person), 0);
    let effects = s.handle(Event::Continue, S);
    assert_eq!(s.step(), Step::Holder);
    assert!(
        matches!(effects.as_slice(), [Effect::CheckHolder(photo)] if photo.0.len() == 102 * 126 * 3),
        "{effects:?}"
    );
    assert_eq!(
        s.draft().and_then(|d| d.holder_prompt),
        Some(HolderPrompt::LookAtCamera)
    );
    s
}

#[test]
fn required_holder_check_retries_then_sends_to_the_window_and_wipes() {
    use crate::domain::holder::HolderOutcome;
    let mut s = at_holder_check(true);
    s.handle(Event::HolderPrompt(HolderPrompt::Blink), 2 * S);
    assert_eq!(
        s.draft().and_then(|d| d.holder_prompt),
        Some(HolderPrompt::Blink)
    );
    let effects = s.handle(
        Event::HolderChecked(verdict(HolderOutcome::NotConfirmed)),
        3 * S,
    );
    assert_eq!(s.step(), Step::Holder);
    assert_eq!(s.notice(), Some(&Notice::HolderRetry));
    assert!(matches!(effects.as_slice(), [Effect::CheckHolder(_)]));
    let effects = s.handle(Event::HolderChecked(verdict(HolderOutcome::NotLive)), 4 * S);
    assert_eq!(s.step(), Step::Attract);
    assert_eq!(s.notice(), Some(&Notice::HolderAtWindow));
    assert!(s.draft().is_none());
    assert!(effects.iter().any(|e| matches!(e, Effect::StopCamera)));
    assert!(effects.iter().any(|e| matches!(e, Effect::Wipe)));
}

#[test]
fn advisory_holder_check_goes_on_with_the_verdict_for_the_clerk() {
    use crate::domain::holder::HolderOutcome;
    let mut s = at_holder_check(false);
    let effects = s.handle(
        Event::HolderChecked(verdict(HolderOutcome::NotConfirmed)),
        2 * S,
    );
    assert_eq!(s.step(), Step::Holder, "advisory tries again too");
    assert_eq!(s.notice(), Some(&Notice::HolderRetry));
    assert!(matches!(effects.as_slice(), [Effect::CheckHolder(_)]));
    let effects = s.handle(
        Event::HolderChecked(verdict(HolderOutcome::NotConfirmed)),
        3 * S,
    );
    assert!(effects.is_empty(), "{effects:?}");
    assert_eq!(s.step(), Step::Documents);
    assert_eq!(s.notice(), Some(&Notice::HolderForClerk));
    let kept = s
        .draft()
        .and_then(|d| d.holder.clone())
        .expect("verdict kept");
    assert_eq!(kept.outcome, HolderOutcome::NotConfirmed);
}

#[test]
fn a_card_photo_without_a_face_is_not_tried_again() {
    use crate::domain::holder::HolderOutcome;
    let mut s = at_holder_check(true);
    let effects = s.handle(
        Event::HolderChecked(verdict(HolderOutcome::NoPortraitFace)),
        2 * S,
    );
    assert!(!effects.iter().any(|e| matches!(e, Effect::CheckHolder(_))));
    assert_eq!(s.notice(), Some(&Notice::HolderAtWindow));
}

#[test]
fn a_confirmed_holder_is_checked_once_per_visit() {
    use crate::domain::holder::HolderOutcome;
    let mut s = at_holder_check(true);
    let mut confirmed = verdict(HolderOutcome::Confirmed);
    confirmed.distance = Some(0.2);
    s.handle(Event::HolderChecked(confirmed), 2 * S);
    assert_eq!(s.step(), Step::Documents);
    assert_eq!(s.notice(), None);
    s.handle(Event::Back, 3 * S);
    assert_eq!(s.step(), Step::CardRead);
    let effects = s.handle(Event::Continue, 4 * S);
    assert!(effects.is_empty(), "{effects:?}");
    assert_eq!(s.step(), Step::Documents);
    // A late verdict outside the step changes nothing.
    s.handle(
        Event::HolderChecked(verdict(HolderOutcome::NotConfirmed)),
        5 * S,
    );
    assert_eq!(s.step(), Step::Documents);
    assert!(
        s.draft()
            .and_then(|d| d.holder.as_ref())
            .is_some_and(|h| h.confirmed())
    );
}

#[test]
fn lifting_the_card_during_the_holder_check_stops_the_camera_and_wipes() {
    let mut s = at_holder_check(false);
    let effects = s.handle(Event::CardRemoved, 2 * S);
    assert_eq!(s.step(), Step::Attract);
    assert_eq!(s.notice(), Some(&Notice::CardRemoved));
    assert!(effects.iter().any(|e| matches!(e, Effect::StopCamera)));
    assert!(effects.iter().any(|e| matches!(e, Effect::Wipe)));
}

#[test]
fn the_cancel_question_survives_the_holder_checks_reports() {
    let mut s = at_holder_check(true);
    s.handle(Event::Cancel, 2 * S);
    assert!(s.confirming_cancel());
    s.handle(Event::HolderPrompt(HolderPrompt::TurnLeft), 3 * S);
    assert!(
        s.confirming_cancel(),
        "an instruction does not take the question away"
    );
    let effects = s.handle(Event::ConfirmCancel(true), 4 * S);
    assert_eq!(s.step(), Step::Attract);
    assert_eq!(s.notice(), Some(&Notice::Cancelled));
    assert!(effects.iter().any(|e| matches!(e, Effect::StopCamera)));
}

#[test]
fn the_idle_timeout_during_the_holder_check_stops_the_camera() {
    let mut s = at_holder_check(false);
    let effects = s.handle(Event::Tick, 10_000 * S);
    assert_eq!(s.step(), Step::Attract);
    assert_eq!(s.notice(), Some(&Notice::TimedOut));
    assert!(effects.iter().any(|e| matches!(e, Effect::StopCamera)));
}

fn on_record(kind: &str, expires: NaiveDate, status: RecordStatus, name: &str) -> DocumentOnRecord {
    DocumentOnRecord {
        kind: kind.into(),
        number: "E12345678".into(),
        issued_on: expires - chrono::Months::new(120),
        expires_on: expires,
        status,
        name_latin: Some(name.into()),
    }
}

#[test]
fn documents_on_record_suggest_categories_and_the_last_passports_spelling() {
    let mut s = session().with_records();
    let effects = s.handle(
        Event::CardInserted(identity(CardType::Mainland, "单建国")),
        0,
    );
    assert!(
        matches!(effects.as_slice(), [Effect::LookUpRecords(id)] if id.0.len() == 18),
        "{effects:?}"
    );
    s.handle(Event::Continue, S);
    // A document chosen before the answer gets its suggestion when the answer comes.
    edit(&mut s, Edit::ToggleDocument("passport".into()), 2 * S);
    let expiring = NaiveDate::from_ymd_opt(2027, 2, 1).unwrap();
    let card = s.draft().unwrap().name.spelling();
    let other = if card.starts_with("SHAN") {
        "DAN JIANGUO"
    } else {
        "SHAN JIANGUO"
    };
    s.handle(
        Event::Records(Some(vec![on_record(
            "passport",
            expiring,
            RecordStatus::Valid,
            other,
        )])),
        3 * S,
    );
    let draft = s.draft().unwrap();
    assert_eq!(draft.choices.documents[0].category, "renewal");
    assert_eq!(draft.name.spelling(), other, "the last passport's spelling");
    assert_eq!(
        draft.spelling_note(),
        Some(SpellingNote::AsLastPassport {
            previous: other.into(),
            usual: card.clone()
        })
    );
    // A document chosen afterwards: nothing of it on record, so a first issue.
    edit(&mut s, Edit::ToggleDocument("taiwan_permit".into()), 4 * S);
    let draft = s.draft().unwrap();
    assert_eq!(draft.choices.documents[1].category, "first_issue");
}

#[test]
fn a_spelling_the_card_cannot_give_is_flagged_not_copied() {
    let mut s = session().with_records();
    s.handle(
        Event::CardInserted(identity(CardType::Mainland, "吕思远")),
        0,
    );
    s.handle(Event::Continue, S);
    let lost = NaiveDate::from_ymd_opt(2030, 1, 1).unwrap();
    s.handle(
        Event::Records(Some(vec![on_record(
            "passport",
            lost,
            RecordStatus::ReportedLost,
            "LV SIYUAN",
        )])),
        2 * S,
    );
    let draft = s.draft().unwrap();
    assert_eq!(
        draft.name.spelling(),
        "LYU SIYUAN",
        "the card's reading stays"
    );
    assert_eq!(
        draft.spelling_note(),
        Some(SpellingNote::DiffersFromLastPassport {
            previous: "LV SIYUAN".into()
        })
    );
    assert_eq!(
        draft.suggestion("passport").map(|s| s.category.as_str()),
        Some("reissue_lost")
    );
}

#[test]
fn without_an_answer_nothing_is_suggested_and_a_late_answer_is_ignored() {
    let mut s = session().with_records();
    s.handle(
        Event::CardInserted(identity(CardType::Mainland, "曾小芳")),
        0,
    );
    s.handle(Event::Records(None), S);
    assert_eq!(s.draft().unwrap().records, Records::Unavailable);
    let expiring = NaiveDate::from_ymd_opt(2027, 2, 1).unwrap();
    let answer = vec![on_record(
        "passport",
        expiring,
        RecordStatus::Valid,
        "ZENG XIAOFANG",
    )];
    s.handle(Event::Records(Some(answer)), 2 * S);
    assert!(
        s.draft().unwrap().suggestions.is_empty(),
        "asked once, answered once"
    );
    s.handle(Event::Continue, 3 * S);
    edit(&mut s, Edit::ToggleDocument("passport".into()), 4 * S);
    assert_eq!(s.draft().unwrap().choices.documents[0].category, "");
}

#[test]
fn a_pinyin_the_applicant_touched_is_not_overwritten_by_a_late_answer() {
    let mut s = session().with_records();
    s.handle(
        Event::CardInserted(identity(CardType::Mainland, "单建国")),
        0,
    );
    s.handle(Event::Continue, S);
    let card = s.draft().unwrap().name.spelling();
    let other = if card.starts_with("SHAN") {
        "DAN JIANGUO"
    } else {
        "SHAN JIANGUO"
    };
    edit(&mut s, Edit::ConfirmPinyin(true), 2 * S);
    let expiring = NaiveDate::from_ymd_opt(2027, 2, 1).unwrap();
    let answer = vec![on_record("passport", expiring, RecordStatus::Valid, other)];
    s.handle(Event::Records(Some(answer)), 3 * S);
    let draft = s.draft().unwrap();
    assert_eq!(
        draft.name.spelling(),
        card,
        "the applicant's confirmed spelling stays"
    );
    assert!(draft.choices.pinyin_confirmed);
    assert_eq!(
        draft.spelling_note(),
        Some(SpellingNote::DiffersFromLastPassport {
            previous: other.into()
        }),
        "told, not changed"
    );
}

/// The sample child 曾小明 (born 2015) and his mother 曾小芳.
fn child_and_mother() -> (Identity, Identity) {
    let mut child = identity(CardType::Mainland, "曾小明");
    child.birth_date = NaiveDate::from_ymd_opt(2015, 6, 1).unwrap();
    child.id_number = crate::domain::id_number::with_check_char("35020320150601001");
    let mother = identity(CardType::Mainland, "曾小芳");
    (child, mother)
}

#[test]
fn an_applicant_under_16_goes_on_only_with_an_adult_guardian_and_the_relationship() {
    use crate::domain::guardian::{GuardianRefusal, Relationship};
    let (child, mother) = child_and_mother();
    let mut s = session();
    s.handle(Event::CardInserted(child.clone()), 0);
    s.handle(Event::Continue, S);
    assert_eq!(s.step(), Step::Guardian);
    // The child's card leaves the reader: no end of the session here.
    let effects = s.handle(Event::CardRemoved, 2 * S);
    assert!(effects.is_empty());
    assert_eq!(s.step(), Step::Guardian);
    s.handle(Event::CardInserted(child), 3 * S);
    assert_eq!(
        s.notice(),
        Some(&Notice::GuardianRefused(GuardianRefusal::ApplicantsCard))
    );
    s.handle(Event::CardInserted(mother), 4 * S);
    assert_eq!(s.notice(), None);
    s.handle(Event::Continue, 5 * S);
    assert_eq!(
        s.step(),
        Step::Guardian,
        "the relationship is not chosen yet"
    );
    edit(&mut s, Edit::ToggleDocument("passport".into()), 5 * S);
    assert!(
        s.draft().unwrap().choices.documents.is_empty(),
        "no document edits on this page"
    );
    s.handle(
        Event::Edit(Edit::SetRelationship(Relationship::Mother)),
        6 * S,
    );
    s.handle(Event::Continue, 7 * S);
    assert_eq!(s.step(), Step::Documents);
    let on_form = s.draft().unwrap().guardian_on_form().expect("guardian");
    assert_eq!(on_form.identity.name, "曾小芳");
    assert_eq!(on_form.relationship, Relationship::Mother);
    // Back to the card page and on: the guardian is kept, not asked again.
    s.handle(Event::Back, 8 * S);
    s.handle(Event::Continue, 9 * S);
    assert_eq!(s.step(), Step::Documents);
}

#[test]
fn a_guardians_card_lifted_before_going_on_is_forgotten_and_a_minor_is_refused() {
    use crate::domain::guardian::GuardianRefusal;
    let (child, mother) = child_and_mother();
    let mut s = session();
    s.handle(Event::CardInserted(child), 0);
    s.handle(Event::Continue, S);
    s.handle(Event::CardRemoved, 2 * S);
    s.handle(Event::CardInserted(mother), 3 * S);
    assert!(s.draft().unwrap().guardian.is_some());
    s.handle(Event::CardRemoved, 4 * S);
    assert!(s.draft().unwrap().guardian.is_none());
    let mut sibling = identity(CardType::Mainland, "曾小红");
    sibling.birth_date = NaiveDate::from_ymd_opt(2012, 1, 1).unwrap();
    sibling.id_number = crate::domain::id_number::with_check_char("35020320120101002");
    s.handle(Event::CardInserted(sibling), 5 * S);
    assert_eq!(
        s.notice(),
        Some(&Notice::GuardianRefused(GuardianRefusal::NotAdult))
    );
    assert!(s.draft().unwrap().guardian.is_none());
}

#[test]
fn a_relationship_chosen_for_one_guardian_does_not_carry_over_to_another() {
    use crate::domain::guardian::Relationship;
    let (child, mother) = child_and_mother();
    let mut father = identity(CardType::Mainland, "曾大文");
    father.id_number = crate::domain::id_number::with_check_char("35020319880808001");
    let mut s = session();
    s.handle(Event::CardInserted(child), 0);
    s.handle(Event::Continue, S);
    s.handle(Event::CardRemoved, 2 * S);
    s.handle(Event::CardInserted(mother), 3 * S);
    s.handle(
        Event::Edit(Edit::SetRelationship(Relationship::Mother)),
        4 * S,
    );
    s.handle(Event::CardRemoved, 5 * S);
    s.handle(Event::CardInserted(father), 6 * S);
    let draft = s.draft().unwrap();
    assert!(draft.guardian.is_some());
    assert_eq!(draft.relationship, None, "asked again for the new card");
    assert!(draft.guardian_on_form().is_none());
    s.handle(Event::Continue, 7 * S);
    assert_eq!(s.step(), Step::Guardian);
    // Only the name and the number of the guardian's card are kept.
    let kept = s.draft().unwrap().guardian.as_ref().unwrap();
    assert!(kept.address.is_empty() && kept.portrait.is_none());
}

#[test]
fn todays_booking_is_judged_by_the_time_it_is_answered_and_goes_on_the_form() {
    use crate::domain::appointment::{Appointment, Arrival, Booking};
    let at = |h, m| chrono::NaiveTime::from_hms_opt(h, m, 0).unwrap();
    let slot = Appointment {
        id: "A1".into(),
        starts: at(10, 0),
        ends: at(10, 30),
        service_zh: "护照".into(),
        service_en: "Passport".into(),
        window: None,
    };
    for (answer, now, expected) in [
        (
            Some(Some(slot.clone())),
            at(10, 10),
            Some(Booking::Booked(slot.clone(), Arrival::OnTime)),
        ),
        (
            Some(Some(slot.clone())),
            at(8, 0),
            Some(Booking::Booked(slot.clone(), Arrival::Early)),
        ),
        (
            Some(Some(slot.clone())),
            at(11, 0),
            Some(Booking::Booked(slot.clone(), Arrival::Late)),
        ),
        (Some(None), at(10, 0), Some(Booking::WalkIn)),
        (None, at(10, 0), Some(Booking::Unknown)),
    ] {
        let mut s = session().with_records();
        s.handle(
            Event::CardInserted(identity(CardType::Mainland, "曾小芳")),
            0,
        );
        assert_eq!(
            s.draft().unwrap().booking.on_form(),
            Some(Booking::Unknown),
            "not answered yet"
        );
        s.handle(Event::Appointment { answer, at: now }, S);
        assert_eq!(s.draft().unwrap().booking.on_form(), expected);
        // Asked once, answered once: a second answer changes nothing.
        s.handle(
            Event::Appointment {
                answer: Some(None),
                at: now,
            },
            2 * S,
        );
        assert_eq!(s.draft().unwrap().booking.on_form(), expected);
    }
    let mut s = session();
    s.handle(
        Event::CardInserted(identity(CardType::Mainland, "曾小芳")),
        0,
    );
    assert_eq!(
        s.draft().unwrap().booking.on_form(),
        None,
        "no central, no booking line"
    );
}

#[test]
fn the_fee_is_paid_after_saving_and_the_form_prints_with_its_state() {
    use crate::domain::fee_payment::FeePayment;
    let number = AppNumber::compose("XMH01", NaiveDate::from_ymd_opt(2026, 11, 25).unwrap(), 3);
    let pending = FeePayment::Pending {
        payment_id: "F-1".into(),
        qr: "https://pay/1".into(),
        pay_by: "2026-11-25T23:59:59".into(),
    };
    for (settled, notice) in [
        (
            FeePayment::Paid {
                payment_id: "F-1".into(),
                reference: None,
            },
            None,
        ),
        (pending.clone(), Some(Notice::FeeToPay)),
        (
            FeePayment::Declined {
                payment_id: "F-1".into(),
            },
            Some(Notice::FeeDeclined),
        ),
        (FeePayment::NotIssued, Some(Notice::FeeAtWindow)),
        (
            FeePayment::Unconfirmed {
                payment_id: "F-1".into(),
                reference: Some("T-9".into()),
            },
            Some(Notice::FeeUnconfirmed),
        ),
    ] {
        let mut s = session().with_fee_payment(300, false);
        to_review(&mut s);
        let effects = s.handle(Event::Continue, 7 * S);
        let [Effect::SaveAndPrint(draft)] = &effects[..] else {
            panic!("{effects:?}")
        };
        assert!(draft.pays_fee, "the saved application waits for its fee");
        let effects = s.handle(Event::Saved(number.clone()), 8 * S);
        assert_eq!(s.step(), Step::Payment);
        assert!(
            matches!(
                &effects[..],
                [Effect::RequestFee {
                    amount_fen: 21_000,
                    wait_seconds: 300,
                    ..
                }]
            ),
            "{effects:?}"
        );
        // The payment step is not timed by the idle clock (the fee thread's wait bounds it),
        // and lifting the card does not lose the saved application.
        s.handle(Event::Tick, 10_000 * S);
        s.handle(Event::CardRemoved, 10_001 * S);
        assert_eq!(s.step(), Step::Payment);
        s.handle(
            Event::FeeOffered {
                qr: "https://pay/1".into(),
                card: None,
            },
            10_002 * S,
        );
        assert_eq!(
            s.fee_stage(),
            &FeeStage::Phone {
                qr: "https://pay/1".into(),
                card: None
            }
        );
        let effects = s.handle(Event::FeeSettled(settled.clone()), 10_003 * S);
        assert!(
            matches!(&effects[..], [Effect::PrintWithFee(p)] if *p == settled),
            "{effects:?}"
        );
        assert_eq!(s.step(), Step::Printing);
        s.handle(Event::Printed, 10_004 * S);
        assert_eq!(s.step(), Step::Done);
        assert_eq!(s.notice(), notice.as_ref());
    }
}

#[test]
fn paying_later_stops_the_payment_once_and_waits_for_its_last_state() {
    let number = AppNumber::compose("XMH01", NaiveDate::from_ymd_opt(2026, 11, 25).unwrap(), 4);
    let mut s = session().with_fee_payment(300, false);
    to_review(&mut s);
    s.handle(Event::Continue, 7 * S);
    s.handle(Event::Saved(number), 8 * S);
    assert!(
        s.handle(Event::PayByPhone, 9 * S).is_empty(),
        "no card asked for: nothing to give up"
    );
    let effects = s.handle(Event::PayLater, 9 * S);
    assert!(matches!(&effects[..], [Effect::StopFee]), "{effects:?}");
    assert!(s.fee_stopping());
    // Cancel on the payment page is paying later too, and asks nothing twice.
    assert!(s.handle(Event::Cancel, 10 * S).is_empty());
    assert_eq!(s.step(), Step::Payment);
}

#[test]
fn at_the_card_terminal_the_phone_is_chosen_once_and_a_taken_card_cannot_be_left() {
    use crate::domain::fee_payment::CardEnd;
    let number = AppNumber::compose("XMH01", NaiveDate::from_ymd_opt(2026, 11, 25).unwrap(), 7);
    let mut s = session().with_fee_payment(300, true);
    assert!(s.fee_by_card());
    to_review(&mut s);
    s.handle(Event::Continue, 7 * S);
    s.handle(Event::Saved(number), 8 * S);
    assert_eq!(s.fee_stage(), &FeeStage::Preparing);
    s.handle(Event::FeeAtTerminal, 9 * S);
    assert_eq!(s.fee_stage(), &FeeStage::Card);
    let effects = s.handle(Event::PayByPhone, 10 * S);
    assert!(matches!(&effects[..], [Effect::FeeByPhone]), "{effects:?}");
    assert_eq!(
        s.fee_stage(),
        &FeeStage::Preparing,
        "the card is being cancelled"
    );
    assert!(s.handle(Event::PayByPhone, 10 * S).is_empty(), "asked once");
    let offered = FeeStage::Phone {
        qr: "https://pay/7".into(),
        card: Some(CardEnd::Chosen),
    };
    s.handle(
        Event::FeeOffered {
            qr: "https://pay/7".into(),
            card: Some(CardEnd::Chosen),
        },
        11 * S,
    );
    assert_eq!(s.fee_stage(), &offered);
    assert!(
        s.handle(Event::PayByPhone, 12 * S).is_empty(),
        "already by phone"
    );

    // Another visit: the terminal took the card; "pay later" and Cancel no longer end the
    // step, only the fee thread's word does.
    let number = AppNumber::compose("XMH01", NaiveDate::from_ymd_opt(2026, 11, 25).unwrap(), 8);
    let mut s = session().with_fee_payment(300, true);
    to_review(&mut s);
    s.handle(Event::Continue, 7 * S);
    s.handle(Event::Saved(number), 8 * S);
    s.handle(Event::FeeAtTerminal, 9 * S);
    s.handle(Event::FeeCardTaken, 10 * S);
    assert_eq!(s.fee_stage(), &FeeStage::CardTaken);
    assert!(s.handle(Event::PayLater, 11 * S).is_empty());
    assert!(s.handle(Event::Cancel, 12 * S).is_empty());
    assert!(s.handle(Event::PayByPhone, 13 * S).is_empty());
    assert!(!s.fee_stopping());
    let paid = crate::domain::fee_payment::FeePayment::Paid {
        payment_id: "F-8".into(),
        reference: Some("T-1".into()),
    };
    let effects = s.handle(Event::FeeSettled(paid), 14 * S);
    assert!(
        matches!(&effects[..], [Effect::PrintWithFee(_)]),
        "{effects:?}"
    );
}

#[test]
fn the_done_page_takes_one_rating_per_visit() {
    use crate::domain::rating::Rating;
    let mut s = session();
    assert!(
        s.handle(Event::Rate(Rating::Satisfied), 0).is_empty(),
        "only on the done page"
    );
    to_review(&mut s);
    s.handle(Event::Continue, 7 * S);
    let number = AppNumber::compose("XMH01", NaiveDate::from_ymd_opt(2026, 11, 25).unwrap(), 5);
    s.handle(Event::Saved(number), 8 * S);
    s.handle(Event::Printed, 9 * S);
    let effects = s.handle(Event::Rate(Rating::Fairly), 10 * S);
    assert!(
        matches!(&effects[..], [Effect::RecordRating(Rating::Fairly)]),
        "{effects:?}"
    );
    assert!(
        s.handle(Event::Rate(Rating::NotSatisfied), 11 * S)
            .is_empty(),
        "once"
    );
    assert_eq!(s.rated(), Some(Rating::Fairly));
    s.handle(Event::Continue, 12 * S);
    assert_eq!(s.rated(), None, "the next visit rates afresh");
}

#[test]
fn the_done_page_outlives_the_card_but_gives_way_to_the_next_card() {
    use crate::domain::rating::Rating;
    let mut s = session();
    to_review(&mut s);
    s.handle(Event::Continue, 7 * S);
    let number = AppNumber::compose("XMH01", NaiveDate::from_ymd_opt(2026, 11, 25).unwrap(), 6);
    s.handle(Event::Saved(number), 8 * S);
    s.handle(Event::Printed, 9 * S);
    // Lifting the card, as the page asks, leaves the page (and its rating buttons).
    assert!(s.handle(Event::CardRemoved, 10 * S).is_empty());
    assert_eq!(s.step(), Step::Done);
    assert!(!s.handle(Event::Rate(Rating::Satisfied), 11 * S).is_empty());
    // The next applicant's card starts their visit at once.
    let effects = s.handle(
        Event::CardInserted(identity(CardType::Mainland, "单建国")),
        12 * S,
    );
    assert_eq!(s.step(), Step::CardRead);
    assert!(
        effects.iter().any(|e| matches!(e, Effect::Wipe)),
        "{effects:?}"
    );
    assert_eq!(s.rated(), None, "their own rating to give");
}

#[test]
fn the_address_page_sets_ems_only_when_complete_and_back_keeps_the_earlier_choice() {
    use crate::domain::delivery::{AddressProblem, TextField};
    let mut s = session();
    to_details_for_a_passport(&mut s, "曾小芳");
    edit(&mut s, Edit::SetDelivery(DeliveryChoice::Collect), S);
    // Address edits belong to the address page only.
    edit(&mut s, Edit::PickPlace(Some("350203".into())), S);
    assert_eq!(s.draft().unwrap().address.place, None);

    s.handle(Event::EnterAddress, 2 * S);
    assert_eq!(s.step(), Step::Address);
    s.handle(Event::Continue, 2 * S);
    assert_eq!(s.step(), Step::Address);
    assert_eq!(
        s.problems(),
        [
            Problem::Address(AddressProblem::Place),
            Problem::Address(AddressProblem::Street)
        ]
    );
    edit(&mut s, Edit::PickPlace(Some("350203".into())), 3 * S);
    edit(
        &mut s,
        Edit::SetText(TextField::Street, "中山路100号".into()),
        3 * S,
    );
    assert!(s.problems().is_empty(), "an edit clears the problems shown");
    // Back: the delivery chosen before stays, the typed address is kept for the visit.
    s.handle(Event::Back, 4 * S);
    assert_eq!(s.step(), Step::Details);
    assert_eq!(s.draft().unwrap().choices.delivery, Some(Delivery::Collect));

    s.handle(Event::EnterAddress, 5 * S);
    assert_eq!(s.draft().unwrap().address.street, "中山路100号");
    s.handle(Event::Continue, 5 * S);
    assert_eq!(s.step(), Step::Details);
    match &s.draft().unwrap().choices.delivery {
        Some(Delivery::Ems(ems)) => {
            assert_eq!(ems.address, "福建省厦门市思明区中山路100号");
            assert_eq!(ems.division.as_deref(), Some("350203"));
        }
        other => panic!("EMS to the chosen address, not {other:?}"),
    }
    // The address page cannot be opened from anywhere but the details page.
    s.handle(Event::Back, 6 * S);
    s.handle(Event::EnterAddress, 6 * S);
    assert_eq!(s.step(), Step::Documents);
}

#[test]
fn the_emergency_contact_goes_on_the_form_only_when_complete_and_can_be_removed() {
    use crate::domain::contact::{ContactProblem, EmergencyContact};
    use crate::domain::text_field::TextField;
    let mut s = session();
    to_details_for_a_passport(&mut s, "曾小芳");
    s.handle(Event::EnterContact, S);
    assert_eq!(s.step(), Step::Contact);
    s.handle(Event::Continue, S);
    assert_eq!(
        s.problems(),
        [
            Problem::Contact(ContactProblem::Name),
            Problem::Contact(ContactProblem::Mobile)
        ]
    );
    // The address page's fields are not this page's.
    edit(&mut s, Edit::SetText(TextField::Street, "中山路".into()), S);
    assert_eq!(s.draft().unwrap().address.street, "");
    edit(
        &mut s,
        Edit::SetText(TextField::ContactName, "王芳".into()),
        S,
    );
    edit(
        &mut s,
        Edit::SetText(TextField::ContactMobile, "13812345678".into()),
        S,
    );
    s.handle(Event::Continue, 2 * S);
    assert_eq!(s.step(), Step::Details);
    assert_eq!(
        s.draft().unwrap().choices.emergency_contact,
        Some(EmergencyContact {
            name: "王芳".into(),
            mobile: "13812345678".into()
        })
    );
    edit(&mut s, Edit::RemoveContact, 3 * S);
    assert_eq!(s.draft().unwrap().choices.emergency_contact, None);
    assert_eq!(s.draft().unwrap().text(TextField::ContactName), "");
}
