use chrono::NaiveDate;

use super::*;
use crate::domain::holder::HolderOutcome;
use crate::domain::permit::{ChipVerdict, PermitKind};
use crate::domain::samples::{sample_identities, sample_permits};

const S: u64 = 1000;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
}

fn session() -> StationSession {
    StationSession::new(
        vec![
            Service::Endorse,
            Service::PrintApproved,
            Service::RemainingTrips,
            Service::ReprintBack,
        ],
        vec![PayMethod::Terminal, PayMethod::Qr],
        Timeouts::default(),
        today(),
    )
}

fn offer(destination: &str, trips: &str, fee: u64) -> OfferLine {
    OfferLine {
        offer_id: format!("O-{destination}-{trips}"),
        destination: destination.into(),
        kind: "G".into(),
        trips: trips.into(),
        valid_from: today(),
        valid_until: today() + chrono::Months::new(3),
        stay_days: 7,
        fee_fen: fee,
        cancels_current: false,
        paid_online: None,
    }
}

fn own_permit() -> PermitFacts {
    sample_permits(today()).remove(0).facts
}

/// `service` chosen, the first sample person's ID card and her own permit read: the session
/// and what reading the permit asked for.
fn read_for(service: Service) -> (StationSession, Vec<Effect>) {
    let mut s = session();
    s.handle(Event::Service(service), S);
    s.handle(
        Event::CardInserted(sample_identities(today()).remove(0)),
        2 * S,
    );
    let effects = s.handle(Event::PermitRead(own_permit()), 3 * S);
    (s, effects)
}

/// *Endorse now* with the permit read: the central is asked next.
fn permit_read() -> StationSession {
    read_for(Service::Endorse).0
}

/// A session on the review page with HK G 3m1 chosen.
fn at_review() -> StationSession {
    let mut s = session();
    s.handle(Event::Service(Service::Endorse), S);
    let effects = s.handle(
        Event::CardInserted(sample_identities(today()).remove(0)),
        2 * S,
    );
    assert!(
        matches!(effects.as_slice(), [Effect::FindPermit(_)]),
        "{effects:?}"
    );
    assert_eq!(s.step(), Step::Permit);
    let effects = s.handle(Event::PermitRead(own_permit()), 3 * S);
    assert!(
        matches!(&effects[..], [Effect::AskOffers { permit_number, approved: false, .. }] if permit_number == "C12345678"),
        "{effects:?}"
    );
    s.handle(
        Event::Offers(Offers {
            offers: vec![offer("hk", "3m1", 1500), offer("macau", "3m1", 1500)],
            refusals: Vec::new(),
        }),
        4 * S,
    );
    assert_eq!(s.step(), Step::Choose);
    s.handle(Event::Continue, 5 * S);
    assert_eq!(s.step(), Step::Choose, "nothing chosen yet");
    s.handle(Event::Choose(0), 6 * S);
    s.handle(Event::Continue, 7 * S);
    assert_eq!(s.step(), Step::Review);
    s
}

#[test]
fn the_common_case_pays_writes_and_ends_on_the_done_page() {
    let mut s = at_review();
    let effects = s.handle(Event::Pay(PayMethod::Terminal), 8 * S);
    let [Effect::Endorse(order)] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(
        (
            order.offers[0].destination.as_str(),
            order.offers[0].fee_fen
        ),
        ("hk", 1500)
    );
    assert_eq!(order.permit_number, "C12345678");
    assert_eq!(s.step(), Step::Paying);
    assert_eq!(
        s.handle(Event::Tick, 10_000 * S).len(),
        0,
        "paying is not timed"
    );
    s.handle(Event::Progress(Progress::Paid), 10_001 * S);
    assert_eq!(s.step(), Step::Issuing);
    s.handle(Event::CardRemoved, 10_002 * S);
    assert_eq!(
        s.step(),
        Step::Issuing,
        "a removed ID card does not stop a paid transaction"
    );
    s.handle(
        Event::Finished(Outcome::Issued { printed: true }),
        10_003 * S,
    );
    assert_eq!((s.step(), s.notice()), (Step::Done, None));
    let effects = s.handle(Event::Continue, 10_004 * S);
    assert!(matches!(effects.as_slice(), [Effect::Wipe]));
    assert!(s.visitor().is_none());
}

/// A *print an endorsement approved online* visit with its permit read: the central is asked
/// for the approvals, not for offers.
fn approved_visit() -> StationSession {
    let (s, effects) = read_for(Service::PrintApproved);
    assert!(
        matches!(&effects[..], [Effect::AskOffers { permit_number, approved: true, .. }] if permit_number == "C12345678"),
        "{effects:?}"
    );
    assert_eq!(s.step(), Step::Checking);
    s
}

#[test]
fn an_approval_paid_online_is_written_without_a_payment_and_kept_if_not_written() {
    let mut s = approved_visit();
    let mut approval = offer("hk", "3m1", 1500);
    approval.paid_online = Some("W-000001".into());
    s.handle(
        Event::Offers(Offers {
            offers: vec![approval],
            refusals: Vec::new(),
        }),
        4 * S,
    );
    assert_eq!((s.step(), s.notice()), (Step::Choose, None));
    s.handle(Event::Choose(0), 5 * S);
    s.handle(Event::Continue, 6 * S);
    assert_eq!(s.step(), Step::Review);
    for method in [PayMethod::Terminal, PayMethod::Qr] {
        assert!(
            s.handle(Event::Pay(method), 7 * S).is_empty(),
            "an approval is never paid again"
        );
    }
    let effects = s.handle(Event::Pay(PayMethod::Online), 8 * S);
    let [Effect::Endorse(order)] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(order.offers[0].paid_online.as_deref(), Some("W-000001"));
    assert_eq!(order.method, PayMethod::Online);
    assert_eq!(
        s.step(),
        Step::Issuing,
        "nothing to pay: straight to writing"
    );
    s.handle(Event::Finished(Outcome::NotIssued { printed: true }), 9 * S);
    assert_eq!(
        (s.step(), s.notice()),
        (Step::Done, Some(&Notice::ApprovalKept))
    );
}

#[test]
fn no_approval_waiting_says_so_and_endorse_now_never_takes_online() {
    let mut s = approved_visit();
    s.handle(Event::Offers(Offers::default()), 4 * S);
    assert_eq!(
        (s.step(), s.notice()),
        (Step::Choose, Some(&Notice::NothingApproved))
    );
    let mut s = at_review();
    assert!(s.handle(Event::Pay(PayMethod::Online), 8 * S).is_empty());
    assert_eq!(s.step(), Step::Review);
}

#[test]
fn a_declined_or_cancelled_payment_returns_to_review_and_a_new_try_is_allowed() {
    let mut s = at_review();
    s.handle(Event::Pay(PayMethod::Qr), 8 * S);
    s.handle(
        Event::Progress(Progress::AwaitingPayment {
            qr: Some("https://pay.example.invalid/q/1".into()),
        }),
        9 * S,
    );
    assert!(s.visitor().unwrap().qr.is_some());
    let effects = s.handle(Event::Cancel, 10 * S);
    assert!(matches!(effects.as_slice(), [Effect::CancelPayment]));
    assert_eq!(
        s.step(),
        Step::Paying,
        "only the worker's answer ends the payment"
    );
    s.handle(Event::Finished(Outcome::Cancelled), 11 * S);
    assert_eq!(
        (s.step(), s.notice()),
        (Step::Review, Some(&Notice::PaymentCancelled))
    );
    s.handle(Event::Pay(PayMethod::Terminal), 12 * S);
    s.handle(Event::Finished(Outcome::Declined), 13 * S);
    assert_eq!(
        (s.step(), s.notice()),
        (Step::Review, Some(&Notice::PaymentDeclined))
    );
    s.handle(Event::Pay(PayMethod::Terminal), 14 * S);
    s.handle(
        Event::Finished(Outcome::NotIssued { printed: true }),
        15 * S,
    );
    assert_eq!(
        (s.step(), s.notice()),
        (Step::Done, Some(&Notice::RefundRequested))
    );
}

#[test]
fn people_and_permits_the_kiosk_cannot_serve_go_to_the_window_and_nothing_is_kept() {
    let people = sample_identities(today());
    // The J card (index 3) and an under-16.
    let mut young = people[0].clone();
    young.birth_date = NaiveDate::from_ymd_opt(2012, 1, 1).unwrap();
    for (who, reason) in [
        (people[3].clone(), WindowReason::CardType),
        (young, WindowReason::UnderAge),
    ] {
        let mut s = session();
        s.handle(Event::Service(Service::Endorse), S);
        let effects = s.handle(Event::CardInserted(who), 2 * S);
        assert_eq!(s.notice(), Some(&Notice::Window(reason)));
        assert!(effects.iter().any(|e| matches!(e, Effect::Wipe)));
        assert!(s.visitor().is_none());
    }
    let mut other = own_permit();
    other.chinese_name = Some("王五".into());
    let mut expired = own_permit();
    expired.expiry = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
    let mut booklet = own_permit();
    booklet.kind = PermitKind::Other;
    let mut forged = own_permit();
    forged.verdict = ChipVerdict::Failed;
    for (permit, reason) in [
        (other, WindowReason::NotTheHolder),
        (expired, WindowReason::PermitExpired),
        (booklet, WindowReason::NotCardPermit),
        (forged, WindowReason::ChipNotVerified),
    ] {
        let mut s = session();
        s.handle(Event::Service(Service::Endorse), S);
        s.handle(Event::CardInserted(people[0].clone()), 2 * S);
        let effects = s.handle(Event::PermitRead(permit), 3 * S);
        assert_eq!(
            (s.step(), s.notice()),
            (Step::Services, Some(&Notice::Window(reason)))
        );
        assert!(
            matches!(effects.as_slice(), [Effect::StopPermit, Effect::Wipe]),
            "{effects:?}"
        );
        assert!(s.visitor().is_none());
    }
}

#[test]
fn a_silent_central_makes_the_service_unavailable_never_a_guess() {
    let mut s = permit_read();
    assert_eq!(s.step(), Step::Checking);
    s.handle(Event::CentralUnavailable, 4 * S);
    assert_eq!(
        (s.step(), s.notice()),
        (Step::Services, Some(&Notice::NotAvailable))
    );
    let mut s = at_review();
    s.handle(Event::Pay(PayMethod::Terminal), 8 * S);
    s.handle(Event::Finished(Outcome::Unavailable), 9 * S);
    assert_eq!(
        (s.step(), s.notice()),
        (Step::Services, Some(&Notice::NotAvailable))
    );
}

#[test]
fn nothing_offered_shows_the_centrals_reasons() {
    let mut s = permit_read();
    let refusal = RefusalLine {
        destination: None,
        zh: "有未办结的申请".into(),
        en: "An application is pending".into(),
    };
    s.handle(
        Event::Offers(Offers {
            offers: Vec::new(),
            refusals: vec![refusal.clone()],
        }),
        4 * S,
    );
    assert_eq!(
        (s.step(), s.notice()),
        (Step::Choose, Some(&Notice::NothingOffered))
    );
    assert_eq!(s.visitor().unwrap().refusals, [refusal]);
    s.handle(Event::Continue, 5 * S);
    assert_eq!(s.step(), Step::Choose, "nothing to continue with");
}

#[test]
fn idle_pages_time_out_and_a_removed_card_ends_the_visit() {
    let mut s = at_review();
    assert!(s.warning_seconds(7 * S + 90 * S).is_some());
    let effects = s.handle(Event::Tick, 7 * S + 120 * S);
    assert_eq!(
        (s.step(), s.notice()),
        (Step::Services, Some(&Notice::TimedOut))
    );
    assert!(effects.iter().any(|e| matches!(e, Effect::Wipe)));
    let mut s = at_review();
    s.handle(Event::CardRemoved, 8 * S);
    assert_eq!(
        (s.step(), s.notice()),
        (Step::Services, Some(&Notice::CardRemoved))
    );
}

#[test]
fn remaining_trips_reads_the_permit_then_the_records() {
    let mut s = session();
    let effects = read_permit(&mut s, Service::RemainingTrips, own_permit());
    assert!(
        matches!(effects.as_slice(), [Effect::AskRecords { .. }]),
        "{effects:?}"
    );
    let record = TripsLeft {
        destination: "hk".into(),
        kind: "G".into(),
        trips: "1y2".into(),
        trips_left: Some(1),
        valid_until: NaiveDate::from_ymd_opt(2027, 6, 1).unwrap(),
    };
    let effects = s.handle(Event::PrintTrips, 4 * S);
    assert!(
        effects.is_empty(),
        "nothing to print before the records arrive"
    );
    s.handle(Event::Records(vec![record.clone()]), 4 * S);
    let effects = s.handle(Event::PrintTrips, 5 * S);
    let [Effect::PrintTrips(slip)] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(slip.records, [record]);
}

#[test]
fn reprinting_the_back_reads_the_permit_then_asks_the_module_and_cannot_be_left_midway() {
    for done in [true, false] {
        let mut s = session();
        let effects = read_permit(&mut s, Service::ReprintBack, own_permit());
        let [Effect::ReprintBack { permit_number }] = effects.as_slice() else {
            panic!("{effects:?}")
        };
        assert_eq!(permit_number, &own_permit().document_number);
        assert_eq!(s.step(), Step::Reprinting);
        // The module is at work: neither cancel nor a lifted ID card nor time ends it.
        s.handle(Event::Cancel, 4 * S);
        s.handle(Event::CardRemoved, 4 * S);
        s.handle(Event::Tick, 4 * S + 3600 * S);
        assert_eq!(s.step(), Step::Reprinting);
        s.handle(Event::Reprinted(done), 4 * S + 3600 * S);
        assert_eq!(s.step(), Step::Done);
        assert_eq!(s.visitor().and_then(|v| v.reprinted), Some(done));
        let failed = matches!(s.notice(), Some(Notice::ReprintFailed));
        assert_eq!(failed, !done, "{:?}", s.notice());
        // A late report from another visit changes nothing.
        s.handle(Event::Cancel, 5 * S + 3600 * S);
        assert_eq!(s.step(), Step::Services);
        s.handle(Event::Reprinted(!done), 6 * S + 3600 * S);
        assert_eq!(s.step(), Step::Services);
    }
}

#[test]
fn services_not_configured_and_out_of_service_take_no_one() {
    let mut s = StationSession::new(
        vec![Service::RemainingTrips],
        vec![PayMethod::Qr],
        Timeouts::default(),
        today(),
    );
    s.handle(Event::Service(Service::Endorse), S);
    assert_eq!(s.step(), Step::Services);
    s.handle(Event::Availability(Some(OutOfService::StorageFull)), S);
    s.handle(Event::Service(Service::RemainingTrips), S);
    assert_eq!(s.step(), Step::Services);
}

#[test]
fn a_card_placed_on_the_services_screen_starts_endorse_now() {
    let mut s = session();
    let effects = s.handle(Event::CardInserted(sample_identities(today()).remove(0)), S);
    assert!(
        matches!(effects.as_slice(), [Effect::FindPermit(_)]),
        "{effects:?}"
    );
    assert_eq!(s.step(), Step::Permit);
    assert_eq!(s.visitor().map(|v| v.service), Some(Service::Endorse));
}

#[test]
fn a_transaction_left_to_staff_ends_on_the_done_page_with_its_notice() {
    let mut s = at_review();
    s.handle(Event::Pay(PayMethod::Terminal), 8 * S);
    s.handle(
        Event::Progress(Progress::Opened(
            crate::domain::app_number::AppNumber::compose("TEST01", today(), 1),
        )),
        9 * S,
    );
    s.handle(
        Event::Finished(Outcome::NeedsStaff { printed: true }),
        10 * S,
    );
    assert_eq!(
        (s.step(), s.notice()),
        (Step::Done, Some(&Notice::NeedsStaff))
    );
    assert!(
        s.visitor().and_then(|v| v.number.as_ref()).is_some(),
        "the number stays on screen"
    );
}

#[test]
fn one_endorsement_per_destination_is_chosen_and_all_are_paid_together() {
    let mut s = permit_read();
    s.handle(
        Event::Offers(Offers {
            offers: vec![
                offer("hk", "3m1", 1500),
                offer("hk", "3m2", 3000),
                offer("macau", "3m1", 1500),
            ],
            refusals: Vec::new(),
        }),
        4 * S,
    );
    let chosen = |s: &StationSession| s.visitor().map(|v| v.chosen.clone()).unwrap_or_default();
    s.handle(Event::Choose(0), 5 * S);
    s.handle(Event::Choose(2), 6 * S);
    assert_eq!(chosen(&s), [0, 2], "Hong Kong and Macau");
    s.handle(Event::Choose(1), 7 * S);
    assert_eq!(
        chosen(&s),
        [2, 1],
        "the other Hong Kong option replaces the first"
    );
    s.handle(Event::Choose(1), 8 * S);
    assert_eq!(chosen(&s), [2], "tapped again: unchosen");
    s.handle(Event::Choose(7), 8 * S);
    assert_eq!(chosen(&s), [2], "no such offer");
    s.handle(Event::Choose(0), 9 * S);
    s.handle(Event::Continue, 10 * S);
    assert_eq!(s.step(), Step::Review);
    let effects = s.handle(Event::Pay(PayMethod::Qr), 11 * S);
    let [Effect::Endorse(order)] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    let lines: Vec<(&str, &str)> = order
        .offers
        .iter()
        .map(|o| (o.destination.as_str(), o.trips.as_str()))
        .collect();
    assert_eq!(
        lines,
        [("hk", "3m1"), ("macau", "3m1")],
        "one order, one payment, in the list's order"
    );
    s.handle(Event::Progress(Progress::Writing), 12 * S);
    s.handle(
        Event::Finished(Outcome::PartlyIssued { printed: true }),
        13 * S,
    );
    assert_eq!(
        (s.step(), s.notice()),
        (Step::Done, Some(&Notice::PartlyWritten))
    );
}

#[test]
fn orders_do_not_show_their_numbers_in_debug_output() {
    let order = Order {
        offers: vec![offer("hk", "3m1", 1500)],
        method: PayMethod::Qr,
        id_number: "350203199204180025".into(),
        name: "曾小芳".into(),
        permit_number: "C12345678".into(),
        holder: None,
    };
    let text = format!("{order:?}");
    for secret in ["350203199204180025", "曾小芳", "C12345678"] {
        assert!(!text.contains(secret), "{text}");
    }
}

/// 单建国 at the keys step (no record opens his permit), and his birth date.
fn at_keys() -> (StationSession, NaiveDate) {
    let mut s = session();
    let shan = sample_identities(today()).remove(1);
    let birth = shan.birth_date;
    s.handle(Event::Service(Service::Endorse), S);
    s.handle(Event::CardInserted(shan), 2 * S);
    s.handle(Event::KeysNeeded, 3 * S);
    (s, birth)
}

#[test]
fn a_permit_no_record_opens_is_read_with_the_number_and_expiry_typed() {
    let (mut s, birth) = at_keys();
    assert_eq!(s.step(), Step::Keys);
    s.handle(Event::KeyEdit(KeyEdit::Prefix('X')), 4 * S);
    for d in "45678901".chars().chain("2035013".chars()) {
        s.handle(Event::KeyEdit(KeyEdit::Digit(d)), 4 * S);
    }
    assert!(
        s.handle(Event::Continue, 5 * S).is_empty(),
        "one digit missing"
    );
    s.handle(Event::KeyEdit(KeyEdit::Digit('2')), 5 * S);
    s.handle(Event::KeyEdit(KeyEdit::Digit('9')), 5 * S);
    let effects = s.handle(Event::Continue, 6 * S);
    assert_eq!(
        s.notice(),
        Some(&Notice::KeyInvalid),
        "2035-01-32 is not a day"
    );
    assert!(effects.is_empty());
    s.handle(Event::KeyEdit(KeyEdit::Backspace), 7 * S);
    s.handle(Event::KeyEdit(KeyEdit::Digit('1')), 7 * S);
    assert_eq!(s.notice(), None);
    let effects = s.handle(Event::Continue, 8 * S);
    let [Effect::ReadPermit(key)] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(
        key.document_number, "C45678901",
        "the letter stays C: X is no permit letter"
    );
    assert_eq!(key.expiry, NaiveDate::from_ymd_opt(2035, 1, 31).unwrap());
    assert_eq!(
        key.birth_date, birth,
        "the birth date comes from the ID card"
    );
    assert_eq!(s.step(), Step::Permit);
    assert!(
        s.visitor().unwrap().key_entry.is_none(),
        "the typed digits are dropped"
    );
}

#[test]
fn a_scanned_permit_is_read_with_its_key_and_anothers_ends_at_the_window() {
    let scanned = |birth: NaiveDate| ScannedPermit {
        document_number: "C45678901".into(),
        birth_yymmdd: birth.format("%y%m%d").to_string(),
        expiry: NaiveDate::from_ymd_opt(2035, 1, 31).unwrap(),
    };

    let (mut s, birth) = at_keys();
    s.handle(Event::PermitScanned(Err(ScanRefusal::Unreadable)), 4 * S);
    assert_eq!(
        (s.step(), s.notice()),
        (Step::Keys, Some(&Notice::ScanUnreadable)),
        "a misread asks again"
    );
    let effects = s.handle(Event::PermitScanned(Ok(scanned(birth))), 5 * S);
    let [Effect::ReadPermit(key)] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(
        (key.document_number.as_str(), key.birth_date),
        ("C45678901", birth)
    );
    assert_eq!((s.step(), s.notice()), (Step::Permit, None));
    assert!(
        s.handle(Event::PermitScanned(Ok(scanned(birth))), 6 * S)
            .is_empty(),
        "a scan outside the keys step is ignored"
    );

    let (mut s, birth) = at_keys();
    let other = birth.pred_opt().unwrap();
    let effects = s.handle(Event::PermitScanned(Ok(scanned(other))), 4 * S);
    assert!(
        effects.iter().any(|e| matches!(e, Effect::Wipe)),
        "{effects:?}"
    );
    assert_eq!(
        s.notice(),
        Some(&Notice::Window(WindowReason::NotTheHolder))
    );

    // A passport laid by mistake says so; typing takes the notice away.
    let (mut s, _) = at_keys();
    s.handle(Event::PermitScanned(Err(ScanRefusal::NotCardPermit)), 4 * S);
    assert_eq!(
        (s.step(), s.notice()),
        (Step::Keys, Some(&Notice::ScanNotPermit))
    );
    s.handle(Event::KeyEdit(KeyEdit::Digit('4')), 5 * S);
    assert_eq!(s.notice(), None);

    // While "leave and discard?" is asked, a scan changes nothing.
    let (mut s, birth) = at_keys();
    s.handle(Event::Cancel, 4 * S);
    assert!(s.confirming_cancel());
    assert!(
        s.handle(Event::PermitScanned(Ok(scanned(birth))), 5 * S)
            .is_empty()
    );
    assert_eq!(s.step(), Step::Keys);
}

#[test]
fn cancel_asks_first_and_discards_only_when_confirmed() {
    let mut s = at_review();
    assert!(
        s.handle(Event::Cancel, 8 * S).is_empty(),
        "nothing ends yet"
    );
    assert!(s.confirming_cancel());
    assert_eq!(s.step(), Step::Review);
    // A worker's report leaves the question on screen; "keep going" takes it away.
    s.handle(Event::Records(Vec::new()), 8 * S);
    assert!(s.confirming_cancel());
    assert!(s.handle(Event::ConfirmCancel(false), 9 * S).is_empty());
    assert!(!s.confirming_cancel());
    assert_eq!(s.step(), Step::Review, "the chosen endorsement is kept");
    // A confirmation with no question on screen discards nothing.
    assert!(s.handle(Event::ConfirmCancel(true), 10 * S).is_empty());
    assert_eq!(s.step(), Step::Review);
    s.handle(Event::Cancel, 11 * S);
    let effects = s.handle(Event::ConfirmCancel(true), 12 * S);
    assert!(effects.iter().any(|e| matches!(e, Effect::Wipe)));
    assert_eq!(
        (s.step(), s.notice(), s.confirming_cancel()),
        (Step::Services, Some(&Notice::Cancelled), false)
    );
}

/// `service` chosen, the first sample person's ID card, then `permit` read: the effects of the
/// read.
fn read_permit(s: &mut StationSession, service: Service, permit: PermitFacts) -> Vec<Effect> {
    s.handle(Event::Service(service), S);
    s.handle(
        Event::CardInserted(sample_identities(today()).remove(0)),
        2 * S,
    );
    s.handle(Event::PermitRead(permit), 3 * S)
}

fn verdict(outcome: HolderOutcome, distance: f32) -> HolderVerdict {
    HolderVerdict {
        outcome,
        distance: Some(distance),
        threshold: 0.40,
        model: "dlib_face_recognition_resnet_model_v1".into(),
    }
}

/// A session checking holders (two attempts), at the holder step with the sample permit read.
fn at_holder_check() -> StationSession {
    let mut s = session().with_holder_check(HolderPolicy::new(2, true));
    let effects = read_permit(&mut s, Service::Endorse, own_permit());
    let [Effect::CheckHolder(portrait)] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(Some(portrait), own_permit().portrait.as_ref());
    assert_eq!(s.step(), Step::Holder);
    s
}

#[test]
fn a_confirmed_holder_goes_on_to_the_offers_and_the_verdict_travels_with_the_order() {
    let mut s = at_holder_check();
    s.handle(Event::HolderPrompt(HolderPrompt::Blink), 4 * S);
    assert_eq!(
        s.visitor().and_then(|v| v.holder_prompt),
        Some(HolderPrompt::Blink)
    );
    let effects = s.handle(
        Event::HolderChecked(verdict(HolderOutcome::Confirmed, 0.21)),
        5 * S,
    );
    assert!(
        matches!(&effects[..], [Effect::AskOffers { permit_number, approved: false, .. }] if permit_number == "C12345678"),
        "{effects:?}"
    );
    assert_eq!(s.step(), Step::Checking);
    s.handle(
        Event::Offers(Offers {
            offers: vec![offer("hk", "3m1", 1500)],
            refusals: Vec::new(),
        }),
        6 * S,
    );
    s.handle(Event::Choose(0), 7 * S);
    s.handle(Event::Continue, 8 * S);
    let effects = s.handle(Event::Pay(PayMethod::Qr), 9 * S);
    let [Effect::Endorse(order)] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    assert_eq!(
        order.holder,
        Some(verdict(HolderOutcome::Confirmed, 0.21)),
        "the transaction records the verdict"
    );
}

#[test]
fn a_holder_not_confirmed_gets_one_more_attempt_then_the_window() {
    let mut s = at_holder_check();
    let effects = s.handle(
        Event::HolderChecked(verdict(HolderOutcome::NotConfirmed, 0.55)),
        4 * S,
    );
    assert!(
        matches!(effects.as_slice(), [Effect::CheckHolder(_)]),
        "{effects:?}"
    );
    assert_eq!(
        (s.step(), s.notice()),
        (Step::Holder, Some(&Notice::HolderRetry))
    );
    let effects = s.handle(
        Event::HolderChecked(HolderVerdict {
            outcome: HolderOutcome::NotLive,
            distance: None,
            threshold: 0.40,
            model: "m".into(),
        }),
        5 * S,
    );
    assert!(matches!(effects.as_slice(), [Effect::Wipe]), "{effects:?}");
    assert_eq!(
        (s.step(), s.notice()),
        (
            Step::Services,
            Some(&Notice::Window(WindowReason::HolderNotConfirmed))
        )
    );
    assert!(s.visitor().is_none(), "nothing of the visit is kept");
}

#[test]
fn a_permit_without_a_portrait_goes_to_the_window_and_a_late_verdict_changes_nothing() {
    let mut s = session().with_holder_check(HolderPolicy::new(2, true));
    let mut permit = own_permit();
    permit.portrait = None;
    let effects = read_permit(&mut s, Service::Endorse, permit);
    assert!(
        matches!(effects.as_slice(), [Effect::StopPermit, Effect::Wipe]),
        "{effects:?}"
    );
    assert_eq!(
        s.notice(),
        Some(&Notice::Window(WindowReason::HolderNotConfirmed))
    );
    let effects = s.handle(
        Event::HolderChecked(verdict(HolderOutcome::Confirmed, 0.2)),
        4 * S,
    );
    assert!(effects.is_empty());
    assert_eq!(s.step(), Step::Services);
}

#[test]
fn removing_the_id_card_during_the_holder_check_ends_the_visit_and_trips_are_not_checked() {
    let mut s = at_holder_check();
    let effects = s.handle(Event::CardRemoved, 4 * S);
    assert!(matches!(effects.as_slice(), [Effect::Wipe]), "{effects:?}");
    assert_eq!(s.notice(), Some(&Notice::CardRemoved));
    // Remaining trips shows the permit's own records: the cards suffice.
    let mut s = session().with_holder_check(HolderPolicy::new(2, true));
    let effects = read_permit(&mut s, Service::RemainingTrips, own_permit());
    assert!(
        matches!(effects.as_slice(), [Effect::AskRecords { .. }]),
        "{effects:?}"
    );
}

#[test]
fn a_check_that_could_not_run_goes_straight_to_the_window() {
    let mut s = at_holder_check();
    let effects = s.handle(
        Event::HolderChecked(HolderVerdict {
            outcome: HolderOutcome::CheckFailed,
            distance: None,
            threshold: 0.40,
            model: "m".into(),
        }),
        4 * S,
    );
    assert!(matches!(effects.as_slice(), [Effect::Wipe]), "{effects:?}");
    assert_eq!(
        s.notice(),
        Some(&Notice::Window(WindowReason::HolderNotConfirmed))
    );
}

#[test]
fn where_the_check_is_only_recorded_a_face_not_confirmed_goes_on_with_its_verdict() {
    let mut s = session().with_holder_check(HolderPolicy::new(2, false));
    let effects = read_permit(&mut s, Service::Endorse, own_permit());
    assert!(
        matches!(effects.as_slice(), [Effect::CheckHolder(_)]),
        "{effects:?}"
    );
    let not_confirmed = verdict(HolderOutcome::NotConfirmed, 0.52);
    let effects = s.handle(Event::HolderChecked(not_confirmed.clone()), 4 * S);
    assert!(
        matches!(effects.as_slice(), [Effect::AskOffers { .. }]),
        "{effects:?}"
    );
    assert_eq!(s.step(), Step::Checking);
    assert_eq!(
        s.visitor().and_then(|v| v.holder.clone()),
        Some(not_confirmed)
    );
}
