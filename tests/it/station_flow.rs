//! The police-station endorsement kiosk, headless, against the development central over mutual
//! TLS: the simulated ID reader and permit reader with the sample cards, the simulated payment
//! terminal and writer module. The common case (HK G 3 months once) is endorsed, paid, written,
//! read back and printed, and the store, the terminal, the writer and the central agree; the
//! QR payment, a declined payment, a payment that times out, a central that refuses or does not
//! answer, a permit pulled during writing, a permit that is not the holder's and an expired
//! permit each end as the applicant should see them, with nothing charged that is not written.

use std::time::Duration;

use kiosk::app;
use kiosk::devices::card::icao::mrz::permit_line;
use kiosk::devices::card::permit::{SimPermitSlot, sim_permit_reader};
use kiosk::devices::mrz::{DemoScan, MrzScanner, SerialScanner, SimScanner};
use kiosk::devices::payment::{SimOutcome, SimTerminal};
use kiosk::devices::printer::interpret::{Command, parse, text_lines};
use kiosk::devices::writer::{SimWriter, WriterScript};
use kiosk::domain::catalogue::Catalogue;
use kiosk::domain::endorsement::State;
use kiosk::flow::station::{PayMethod, Service};
use kiosk::store::Store;
use kiosk::sync::link::Link;
use kiosk::sync::station::StationClient;
use kiosk::ui::{HolderAdapter, HolderPrompt, NoticeKind, Page, SessionAdapter, StationAdapter};
use slint::{ComponentHandle, Model};

use crate::central::{Central, central_on, central_with};
use crate::support::{Kiosk, Options, demo_kiosk_with_options, test_key};

/// The sample people and permits (`domain::samples`) as the demo buttons list them.
const ZENG: usize = 0;
const SHAN: usize = 1;
const ZENG_PERMIT: usize = 0;
const SHAN_EXPIRED_PERMIT: usize = 1;
const LYU_PERMIT: usize = 2;
const SHAN_NEW_PERMIT: usize = 3;

pub(crate) struct Station {
    pub(crate) kiosk: Kiosk,
    terminal: SimTerminal,
    writer: SimWriter,
    _permits: Option<SimPermitSlot>,
}

pub(crate) fn station_kiosk(
    link: Link,
    terminal: SimOutcome,
    writer: WriterScript,
    payment_timeout: Duration,
) -> Station {
    station_kiosk_on(
        None,
        link,
        SimWriter::new(writer, false),
        terminal,
        payment_timeout,
    )
}

/// A station kiosk on a prepared data directory (or a new one) with this writer module.
fn station_kiosk_on(
    data: Option<tempfile::TempDir>,
    link: Link,
    writer: SimWriter,
    terminal: SimOutcome,
    payment_timeout: Duration,
) -> Station {
    let today = chrono::Local::now().date_naive();
    let (reader, slot) = sim_permit_reader(today);
    station_kiosk_with(
        Box::new(reader),
        None,
        Some(slot),
        data,
        link,
        writer,
        terminal,
        payment_timeout,
        Extras::default(),
    )
}

/// What some tests add to a station kiosk.
#[derive(Default)]
struct Extras {
    /// An MRZ scanner, with demo mode's hand on it when simulated.
    scanner: Option<(Box<dyn MrzScanner>, Option<DemoScan>)>,
    holder_check: Option<app::HolderCheckSetup>,
    /// Another camera than the simulated booth.
    camera: Option<kiosk::devices::camera::CameraOpener>,
    /// Another writer module than the simulated one the test holds.
    writer: Option<Box<dyn kiosk::devices::writer::EndorsementWriter>>,
}

/// A station kiosk with these readers: the simulated ones with their sample cards, or real
/// PC/SC ones (no sample cards then).
#[allow(clippy::too_many_arguments)]
fn station_kiosk_with(
    permit: Box<dyn kiosk::devices::card::permit::PermitReader>,
    card: Option<Box<dyn kiosk::devices::card::CardReader>>,
    slot: Option<SimPermitSlot>,
    data: Option<tempfile::TempDir>,
    link: Link,
    writer: SimWriter,
    terminal: SimOutcome,
    payment_timeout: Duration,
    extras: Extras,
) -> Station {
    let (scanner, demo_scan) = extras.scanner.unzip();
    let terminal = SimTerminal::new(terminal);
    let kiosk = demo_kiosk_with_options(Options {
        data,
        card,
        camera: extras.camera,
        station: Some(app::Station {
            permit,
            demo_permits: slot
                .clone()
                .map(|s| Box::new(s) as Box<dyn kiosk::devices::card::DemoCards>),
            terminal: Box::new(terminal.clone()),
            writer: extras.writer.unwrap_or_else(|| Box::new(writer.clone())),
            scanner,
            demo_scan: demo_scan.flatten(),
            central: Some(StationClient::new(link).expect("client")),
            site_code: "350203001".into(),
            // Re-printing the back stays off the screen unless the writer module can.
            services: vec![
                Service::Endorse,
                Service::PrintApproved,
                Service::RemainingTrips,
                Service::ReprintBack,
            ],
            methods: vec![PayMethod::Terminal, PayMethod::Qr],
            payment_timeout,
            holder_check: extras.holder_check,
        }),
        ..Options::default()
    });
    Station {
        kiosk,
        terminal,
        writer,
        _permits: slot,
    }
}

pub(crate) fn on(central: &Central, terminal: SimOutcome, writer: WriterScript) -> Station {
    station_kiosk(
        central.link("TEST01"),
        terminal,
        writer,
        Duration::from_secs(60),
    )
}

/// A station kiosk whose writer module can re-print the back, with this script.
pub(crate) fn reprinting(central: &Central, writer: WriterScript) -> Station {
    station_kiosk_on(
        None,
        central.link("TEST01"),
        SimWriter::new(writer, true),
        SimOutcome::Approve,
        Duration::from_secs(60),
    )
}

fn notice(k: &Kiosk) -> NoticeKind {
    k.window().global::<SessionAdapter>().get_notice()
}

/// Services → ID card `person` → permit `permit`: where the kiosk goes from there is the test's.
pub(crate) fn cards(k: &Kiosk, person: usize, permit: usize) {
    cards_for(k, "service-endorse", person, permit)
}

/// The same for the service behind the button `service`.
pub(crate) fn cards_for(k: &Kiosk, service: &str, person: usize, permit: usize) {
    assert_eq!(k.page(), Page::Services);
    k.tap(service);
    assert_eq!(k.page(), Page::IdCard);
    k.tap(&format!("demo-card-{person}"));
    k.wait_for_page(Page::Permit);
    k.wait_until("the permit reader waiting", |k| {
        k.find("demo-permit-0").is_some()
    });
    k.tap(&format!("demo-permit-{permit}"));
}

/// The index of Hong Kong G 3 months once among the offers (labels in Chinese).
pub(crate) fn hk_g_3m1(k: &Kiosk) -> usize {
    offer_index(k, "hk", "G", "3m1")
}

/// The index of this endorsement among the offers (labels in Chinese).
fn offer_index(k: &Kiosk, destination: &str, kind: &str, trips: &str) -> usize {
    let cat = Catalogue::builtin();
    let label = format!(
        "{} · {} · {}",
        cat.destination(destination).unwrap().zh,
        cat.endorsement(destination, kind).unwrap().zh,
        cat.trip(trips).unwrap().zh
    );
    let offers = k.window().global::<StationAdapter>().get_offers();
    offers
        .iter()
        .position(|o| o.label == label)
        .unwrap_or_else(|| panic!("{label} not offered"))
}

/// From the cards to the review page with HK G 3m1 chosen.
pub(crate) fn to_review(k: &Kiosk) {
    cards(k, ZENG, ZENG_PERMIT);
    k.wait_for_page(Page::Choose);
    assert!(k.label("choose-title").len() > 1);
    let i = hk_g_3m1(k);
    k.tap(&format!("offer-{i}"));
    k.tap("next");
    assert_eq!(k.page(), Page::StationReview);
    assert!(
        k.label("review-fee").contains("15.00"),
        "{}",
        k.label("review-fee")
    );
}

/// Pays by bank card on the review page and waits for the done page; returns the acceptance
/// number shown there.
pub(crate) fn pay_by_card_to_done(k: &Kiosk) -> String {
    k.tap("pay-terminal");
    k.wait_for_page(Page::StationDone);
    k.label("number")
}

/// What the printer printed for `number`, as text read back from the ESC/POS bytes.
fn printed(k: &Kiosk, number: &str) -> String {
    let bytes = std::fs::read(k.receipts().join(format!("{number}.bin"))).expect("printed bytes");
    let commands = parse(&bytes).expect("ESC/POS");
    // The acceptance number, drawn in the number font (the demo printer: 576 dots).
    let drawn = kiosk::devices::printer::raster::number(
        number,
        kiosk::devices::printer::escpos::BIG_PX,
        576,
    );
    assert!(
        commands
            .iter()
            .any(|c| matches!(c, Command::Raster { xbytes, rows, data }
            if kiosk::devices::printer::raster::Bitmap::from_gs_v0(*xbytes, *rows, data) == drawn)),
        "the slip carries the number {number}"
    );
    text_lines(&commands).join(" ")
}

/// The endorsements the central has on record for the sample permit.
fn on_record(central: &Central) -> Vec<kiosk::sync::api::station::EndorsementRecord> {
    StationClient::new(central.link("TEST01"))
        .expect("client")
        .records("C12345678")
        .expect("records")
        .endorsements
}

fn store(k: &Kiosk) -> Store {
    Store::open(k.data_dir(), &test_key()).expect("store")
}

/// The one transaction's final state and the states it went through.
fn transaction(k: &Kiosk, number: &str) -> (State, Vec<State>) {
    let store = store(k);
    let txn = store
        .endorsement(number)
        .expect("query")
        .expect("the transaction is stored under the number");
    (
        txn.state,
        store.endorsement_journal(number).expect("journal"),
    )
}

#[test]
fn an_endorsement_is_chosen_paid_written_verified_and_printed() {
    let central = central_on("127.0.0.1:0");
    let s = on(&central, SimOutcome::Approve, WriterScript::Succeed);
    let k = &s.kiosk;
    // Configured, but this writer module cannot re-print the back: not on screen.
    assert!(k.find_visible("service-trips").is_some());
    assert!(k.find_visible("service-reprint").is_none());
    to_review(k);
    let number = pay_by_card_to_done(k);
    assert_eq!(notice(k), NoticeKind::None);
    kiosk::domain::app_number::AppNumber::parse(&number).expect("a valid acceptance number");
    assert!(
        k.find("take-cards").is_some(),
        "the reminder to take both cards"
    );

    // Paid once, for this transaction, 15 yuan.
    assert_eq!(s.terminal.charges(), [(number.clone(), 1500)]);
    // Written once onto the permit, and what the chip shows now is HK G 3m1.
    let on_chip = s.writer.endorsements("C12345678");
    assert_eq!(on_chip.len(), 1);
    assert_eq!(
        (
            on_chip[0].destination.as_str(),
            on_chip[0].kind.as_str(),
            on_chip[0].trips.as_str()
        ),
        ("hk", "G", "3m1")
    );
    // The store went the whole way, each state committed in order.
    let (state, journal) = transaction(k, &number);
    assert_eq!(state, State::Printed);
    assert_eq!(
        journal,
        [
            State::Offered,
            State::Chosen,
            State::PaymentPending,
            State::Paid,
            State::Issuing,
            State::Written,
            State::Verified,
            State::Printed
        ]
    );
    // Settled: the stored record keeps the offer and the amount, not the permit number.
    let stored = store(k)
        .endorsement(&number)
        .expect("query")
        .expect("stored");
    assert!(!stored.body.contains("C12345678"), "{}", stored.body);
    assert!(stored.body.contains("\"offer\""), "{}", stored.body);
    // The central agrees: the permit's record now has the endorsement.
    let records = on_record(&central);
    assert!(
        records
            .iter()
            .any(|r| r.destination == "hk" && r.kind == "G" && r.trips == "3m1"),
        "{records:?}"
    );
    // The receipt, decoded from the printer bytes: the number in CODE128 and QR, the line, the
    // fee, the masked numbers only.
    let bytes = std::fs::read(k.receipts().join(format!("{number}.bin"))).expect("receipt");
    let commands = parse(&bytes).expect("ESC/POS");
    assert!(commands.contains(&Command::Code128(number.clone())));
    assert!(commands.contains(&Command::QrStore(number.as_bytes().to_vec())));
    let text = text_lines(&commands).join("\n");
    for needle in [
        "香港",
        "个人旅游",
        "三个月一次",
        "￥15.00",
        "曾小芳",
        "Take your permit",
    ] {
        assert!(
            text.contains(needle),
            "{needle:?} not on the receipt:\n{text}"
        );
    }
    assert!(
        !text.contains("C12345678") && !text.contains("350203199204180025"),
        "{text}"
    );

    k.tap("finish");
    assert_eq!(k.page(), Page::Services);
    let visible = k.visible_text();
    for trace in ["曾小芳", &number, "C123"] {
        assert!(
            !visible.contains(trace),
            "the services page still shows {trace:?}"
        );
    }

    // Remaining trips, both cards still on their readers: the new endorsement is listed from
    // the central's records, and the slip prints.
    k.tap("service-trips");
    k.tap(&format!("demo-card-{ZENG}"));
    k.wait_for_page(Page::Trips);
    k.wait_until("the records", |k| k.find("trips-0").is_some());
    assert!(
        k.label("trips-0").contains("香港"),
        "{}",
        k.label("trips-0")
    );
    k.tap("print-trips");
    let slip = || {
        std::fs::read_dir(k.receipts())
            .expect("receipts")
            .flatten()
            .map(|e| e.path())
            .find(|p| {
                p.to_string_lossy().contains("-trips-") && p.extension().is_some_and(|x| x == "bin")
            })
    };
    k.wait_until("the trips slip", |_| slip().is_some());
    let bytes = std::fs::read(slip().expect("slip")).expect("slip bytes");
    let text = text_lines(&parse(&bytes).expect("ESC/POS")).join("\n");
    assert!(
        text.contains("香港") && text.contains("C123*5678"),
        "{text}"
    );
    k.tap("next");
    assert_eq!(k.page(), Page::Services);

    // A second Hong Kong endorsement would replace the one just written: the offer says so.
    k.tap("service-endorse");
    k.tap(&format!("demo-card-{ZENG}"));
    k.wait_for_page(Page::Choose);
    let i = hk_g_3m1(k);
    assert!(
        k.label(&format!("offer-{i}"))
            .contains("现有的该地签注将作废"),
        "{}",
        k.label(&format!("offer-{i}"))
    );
}

#[test]
fn hong_kong_and_macau_are_paid_once_and_the_one_not_written_is_refunded_alone() {
    let central = central_on("127.0.0.1:0");
    let s = on(
        &central,
        SimOutcome::Approve,
        WriterScript::FailFor("macau"),
    );
    let k = &s.kiosk;
    cards(k, ZENG, ZENG_PERMIT);
    k.wait_for_page(Page::Choose);
    assert!(
        k.label("choose-hint").contains("每个目的地"),
        "{}",
        k.label("choose-hint")
    );
    let hk = hk_g_3m1(k);
    let macau = offer_index(k, "macau", "G", "3m1");
    k.tap(&format!("offer-{hk}"));
    k.tap(&format!("offer-{macau}"));
    k.tap("next");
    assert_eq!(k.page(), Page::StationReview);
    let total = k.label("review-total");
    assert!(total.contains("30.00") && total.contains('2'), "{total}");
    let number = pay_by_card_to_done(k);
    assert_eq!(notice(k), NoticeKind::PartlyWritten);

    // One payment for both, under the order's number.
    assert_eq!(s.terminal.charges(), [(number.clone(), 3000)]);
    // Hong Kong on the chip, Macau not.
    let on_chip: Vec<String> = s
        .writer
        .endorsements("C12345678")
        .into_iter()
        .map(|e| e.destination)
        .collect();
    assert_eq!(on_chip, ["hk"]);
    // Each line its own transaction: Hong Kong printed, Macau's share refunded.
    let macau_txn = kiosk::store::line_id(&number, 1);
    assert_eq!(transaction(k, &number).0, State::Printed);
    let (state, journal) = transaction(k, &macau_txn);
    assert_eq!(state, State::RefundRequested);
    assert_eq!(
        journal,
        [
            State::Offered,
            State::Chosen,
            State::PaymentPending,
            State::Paid,
            State::Issuing,
            State::PaidNotIssued,
            State::RefundRequested
        ]
    );
    let stored = store(k)
        .endorsement(&macau_txn)
        .expect("query")
        .expect("stored");
    assert_eq!(
        (stored.order_id.as_str(), stored.amount_fen),
        (number.as_str(), 1500)
    );
    // The central: Hong Kong on record, Macau not; its refund is Macau's fee alone.
    let records = on_record(&central);
    assert!(records.iter().any(|r| r.destination == "hk"), "{records:?}");
    assert!(
        !records.iter().any(|r| r.destination == "macau"),
        "{records:?}"
    );
    k.wait_until("the central's refund", |_| {
        central.log().contains("refund_fen=1500")
    });
    // One receipt saying which line is which.
    let text = printed(k, &number);
    for needle in [
        "香港",
        "澳门",
        "已写入 Written",
        "Not written: refund requested",
        "合计 Total: ￥30.00",
        "Refund requested: ￥15.00",
    ] {
        assert!(
            text.contains(needle),
            "{needle:?} not on the receipt:\n{text}"
        );
    }
}

#[test]
fn a_qr_payment_shows_the_code_then_goes_on_once_the_central_confirms() {
    let central = central_with("127.0.0.1:0", &["--station-fault", "slow-payment"]);
    let s = on(&central, SimOutcome::Approve, WriterScript::Succeed);
    let k = &s.kiosk;
    to_review(k);
    k.tap("pay-qr");
    k.wait_until("the payment QR", |k| {
        k.window().global::<StationAdapter>().get_has_qr()
    });
    assert!(k.find("payment-qr").is_some());
    k.wait_for_page(Page::StationDone);
    let number = k.label("number");
    assert!(
        s.terminal.charges().is_empty(),
        "paid by phone, not at the terminal"
    );
    assert_eq!(transaction(k, &number).0, State::Printed);
}

#[test]
fn a_declined_payment_charges_nothing_writes_nothing_and_can_be_tried_again() {
    let central = central_with("127.0.0.1:0", &["--station-fault", "decline"]);
    let s = on(&central, SimOutcome::Approve, WriterScript::Succeed);
    let k = &s.kiosk;
    to_review(k);
    k.tap("pay-qr");
    k.wait_until("the declined notice", |k| {
        notice(k) == NoticeKind::PaymentDeclined
    });
    assert_eq!(k.page(), Page::StationReview, "back on review to try again");
    assert!(s.writer.endorsements("C12345678").is_empty());
    let store = store(k);
    assert_eq!(store.endorsements_count().expect("count"), 1);
    assert!(
        store
            .endorsements_in_flight()
            .expect("in flight")
            .is_empty(),
        "settled as cancelled"
    );
}

#[test]
fn a_payment_not_made_in_time_is_cancelled_and_nothing_is_written() {
    let central = central_with("127.0.0.1:0", &["--station-fault", "never-pays"]);
    let s = station_kiosk(
        central.link("TEST01"),
        SimOutcome::Never,
        WriterScript::Succeed,
        Duration::from_secs(1),
    );
    let k = &s.kiosk;
    to_review(k);
    k.tap("pay-terminal");
    k.wait_until("the cancelled notice", |k| {
        notice(k) == NoticeKind::PaymentCancelled
    });
    assert_eq!(k.page(), Page::StationReview);
    assert!(s.writer.endorsements("C12345678").is_empty());
    let store = store(k);
    let txn = &store.endorsements_in_flight().expect("in flight");
    assert!(txn.is_empty(), "settled: {txn:?}");
    assert_eq!(store.endorsements_count().expect("count"), 1);
}

#[test]
fn the_applicant_can_cancel_a_payment_not_yet_made() {
    let central = central_with("127.0.0.1:0", &["--station-fault", "never-pays"]);
    let s = on(&central, SimOutcome::Never, WriterScript::Succeed);
    let k = &s.kiosk;
    to_review(k);
    k.tap("pay-qr");
    assert_eq!(k.page(), Page::Paying);
    k.wait_until("the QR", |k| {
        k.window().global::<StationAdapter>().get_has_qr()
    });
    k.tap("cancel-payment");
    // The payment time limit is a minute: only the applicant's cancel ends it this soon.
    k.wait_until("the cancelled notice", |k| {
        k.page() == Page::StationReview && notice(k) == NoticeKind::PaymentCancelled
    });
    let store = store(k);
    assert!(
        store
            .endorsements_in_flight()
            .expect("in flight")
            .is_empty()
    );
    assert_eq!(store.endorsements_count().expect("count"), 1);
}

#[test]
fn a_card_declined_at_the_terminal_charges_nothing() {
    let central = central_on("127.0.0.1:0");
    let s = on(
        &central,
        SimOutcome::Decline("insufficient funds".into()),
        WriterScript::Succeed,
    );
    let k = &s.kiosk;
    to_review(k);
    k.tap("pay-terminal");
    k.wait_until("the declined notice", |k| {
        notice(k) == NoticeKind::PaymentDeclined
    });
    assert!(s.terminal.charges().is_empty());
    assert!(s.writer.endorsements("C12345678").is_empty());
    assert!(
        store(k)
            .endorsements_in_flight()
            .expect("in flight")
            .is_empty()
    );
}

/// A terminal that took the payment and lost its answer cannot say it holds nothing: the
/// payment is not cancelled at the central and nothing is called "not charged"; the applicant
/// shows the number to staff, and the transaction waits in flight for recovery.
#[test]
fn a_terminal_that_does_not_answer_is_never_taken_for_nothing_charged() {
    let central = central_on("127.0.0.1:0");
    let s = on(&central, SimOutcome::Silent, WriterScript::Succeed);
    let k = &s.kiosk;
    to_review(k);
    k.tap("pay-terminal");
    k.wait_for_page(Page::StationDone);
    assert_eq!(notice(k), NoticeKind::NeedsStaff);
    let number = k.label("number");
    assert_eq!(transaction(k, &number).0, State::PaymentPending);
    assert!(
        !central.log().contains("payment settled"),
        "the central's payment was left alone: {}",
        central.log()
    );
    assert!(s.writer.endorsements("C12345678").is_empty());
}

/// A terminal that cannot be reached never received the payment: there is nothing to cancel
/// there, the central's payment is cancelled, and the applicant reads that endorsing is not
/// available here now.
#[test]
fn an_unplugged_terminal_took_nothing_and_the_payment_is_cancelled() {
    let central = central_on("127.0.0.1:0");
    let s = on(&central, SimOutcome::Offline, WriterScript::Succeed);
    let k = &s.kiosk;
    to_review(k);
    k.tap("pay-terminal");
    k.wait_for_page(Page::Services);
    assert_eq!(notice(k), NoticeKind::NotAvailable);
    assert!(
        central.log().contains("state=Cancelled"),
        "{}",
        central.log()
    );
    assert!(
        store(k)
            .endorsements_in_flight()
            .expect("in flight")
            .is_empty(),
        "settled as cancelled"
    );
}

#[test]
fn a_writer_that_fails_after_writing_is_judged_by_the_chip() {
    let central = central_on("127.0.0.1:0");
    let s = on(
        &central,
        SimOutcome::Approve,
        WriterScript::FailAfterWriting,
    );
    let k = &s.kiosk;
    to_review(k);
    let number = pay_by_card_to_done(k);
    assert_eq!(notice(k), NoticeKind::None, "written: the re-read shows it");
    let (state, journal) = transaction(k, &number);
    assert_eq!(state, State::Printed);
    assert!(
        !journal.contains(&State::Written),
        "the writer's failure was not taken as success"
    );
    assert_eq!(s.writer.endorsements("C12345678").len(), 1);
}

#[test]
fn a_writer_that_writes_nothing_leads_to_the_refund() {
    let central = central_on("127.0.0.1:0");
    let s = on(&central, SimOutcome::Approve, WriterScript::FailBefore);
    let k = &s.kiosk;
    to_review(k);
    let number = pay_by_card_to_done(k);
    assert_eq!(notice(k), NoticeKind::RefundRequested);
    assert_eq!(s.terminal.charges().len(), 1, "charged once");
    let (state, journal) = transaction(k, &number);
    assert_eq!(state, State::RefundRequested);
    assert!(journal.contains(&State::PaidNotIssued) && !journal.contains(&State::Verified));
    let text = printed(k, &number);
    assert!(text.contains("refund"), "{text}");
    assert!(on_record(&central).is_empty());
}

#[test]
fn no_issuance_job_for_a_paid_endorsement_leaves_it_to_staff() {
    let central = central_with("127.0.0.1:0", &["--station-fault", "issuance-error"]);
    let s = on(&central, SimOutcome::Approve, WriterScript::Succeed);
    let k = &s.kiosk;
    to_review(k);
    let number = pay_by_card_to_done(k);
    assert_eq!(notice(k), NoticeKind::NeedsStaff);
    assert_eq!(transaction(k, &number).0, State::PaidNotIssued);
    assert!(s.writer.endorsements("C12345678").is_empty());
    let text = printed(k, &number);
    assert!(text.contains("show this slip to staff"), "{text}");
}

#[test]
fn a_permit_pulled_during_writing_is_left_to_staff_with_nothing_concluded() {
    let central = central_on("127.0.0.1:0");
    let s = on(&central, SimOutcome::Approve, WriterScript::PermitRemoved);
    let k = &s.kiosk;
    to_review(k);
    let number = pay_by_card_to_done(k);
    assert_eq!(notice(k), NoticeKind::NeedsStaff);
    assert_eq!(s.terminal.charges().len(), 1, "charged once");
    // Whether it was written is unknown: neither verified nor refunded, still in flight for
    // staff and the next start, and counted on the technician screen.
    let (state, journal) = transaction(k, &number);
    assert_eq!(state, State::Issuing);
    assert!(!journal.contains(&State::PaidNotIssued), "{journal:?}");
    let text = printed(k, &number);
    assert!(text.contains("show this slip to staff"), "{text}");
    assert!(on_record(&central).is_empty());
}

/// *Print an endorsement approved online*: the same way to the permit, then the central's
/// approval (the development central approves HK G 3m1 for every permit, once) chosen and
/// written without a payment, by a writer module with `script`. Returns the central, the kiosk
/// and the acceptance number on the done page.
fn write_approval(script: WriterScript) -> (Central, Station, String) {
    let central = central_on("127.0.0.1:0");
    let s = on(&central, SimOutcome::Approve, script);
    let k = &s.kiosk;
    cards_for(k, "service-approved", ZENG, ZENG_PERMIT);
    k.wait_for_page(Page::Choose);
    assert!(
        k.label("choose-title").contains("网上"),
        "{}",
        k.label("choose-title")
    );
    assert_eq!(hk_g_3m1(k), 0, "the one approval");
    k.tap("offer-0");
    k.tap("next");
    assert_eq!(k.page(), Page::StationReview);
    assert!(
        k.find_visible("pay-terminal").is_none() && k.find_visible("pay-qr").is_none(),
        "nothing is paid for an approval"
    );
    assert!(
        k.label("review-fee").contains("15.00"),
        "{}",
        k.label("review-fee")
    );
    k.tap("write-approved");
    k.wait_for_page(Page::StationDone);
    let number = k.label("number");
    (central, s, number)
}

#[test]
fn an_endorsement_approved_online_is_written_without_a_payment_and_only_once() {
    let (central, s, number) = write_approval(WriterScript::Succeed);
    let k = &s.kiosk;
    assert_eq!(notice(k), NoticeKind::None);
    assert!(
        s.terminal.charges().is_empty(),
        "nothing charged at the kiosk"
    );
    let (state, journal) = transaction(k, &number);
    assert_eq!(state, State::Printed);
    assert_eq!(
        journal,
        [
            State::Paid,
            State::Issuing,
            State::Written,
            State::Verified,
            State::Printed
        ]
    );
    let on_chip = s.writer.endorsements("C12345678");
    assert_eq!(on_chip.len(), 1);
    assert_eq!(
        (on_chip[0].destination.as_str(), on_chip[0].trips.as_str()),
        ("hk", "3m1")
    );
    assert_eq!(on_record(&central).len(), 1, "the central recorded it");
    let text = printed(k, &number);
    assert!(
        text.contains("Paid online") && text.contains("15.00"),
        "{text}"
    );
    // Used: the next visit finds nothing waiting.
    k.tap("finish");
    k.wait_for_page(Page::Services);
    k.tap("demo-remove-permit");
    k.tap("demo-remove-card");
    cards_for(k, "service-approved", ZENG, ZENG_PERMIT);
    k.wait_for_page(Page::Choose);
    assert_eq!(notice(k), NoticeKind::NothingApproved);
    assert!(k.find_visible("offer-0").is_none());
}

#[test]
fn an_approval_the_module_did_not_write_stays_open_and_nothing_is_refunded() {
    let (central, s, number) = write_approval(WriterScript::FailBefore);
    let k = &s.kiosk;
    assert_eq!(notice(k), NoticeKind::ApprovalKept);
    let (state, journal) = transaction(k, &number);
    assert_eq!(state, State::ApprovalKept);
    assert!(journal.contains(&State::PaidNotIssued) && !journal.contains(&State::RefundRequested));
    let text = printed(k, &number);
    assert!(
        text.contains("approval kept") && !text.contains("refund"),
        "{text}"
    );
    assert!(s.terminal.charges().is_empty());
    // Still open at the central, for another kiosk or a window.
    let open = StationClient::new(central.link("TEST01"))
        .expect("client")
        .approved(&sample_question())
        .expect("approvals");
    assert_eq!(open.approvals.len(), 1, "the approval stays open");
}

/// A writer module that never answers a write (until the test ends).
struct Hung {
    _release: std::sync::Mutex<std::sync::mpsc::Receiver<()>>,
}

impl kiosk::devices::writer::EndorsementWriter for Hung {
    fn write(
        &mut self,
        _job: &kiosk::devices::writer::IssuanceJob,
    ) -> Result<(), kiosk::devices::writer::WriterError> {
        let _ = self._release.lock().map(|r| r.recv());
        Err(kiosk::devices::writer::WriterError::Failed(
            "released".into(),
        ))
    }
    fn read_back(
        &mut self,
        _n: &str,
    ) -> Result<Vec<kiosk::devices::writer::ChipEndorsement>, kiosk::devices::writer::WriterError>
    {
        Ok(Vec::new())
    }
    fn can_reprint_back(&self) -> bool {
        false
    }
    fn reprint_back(&mut self, _n: &str) -> Result<(), kiosk::devices::writer::WriterError> {
        Err(kiosk::devices::writer::WriterError::NoReprint)
    }
}

/// A module that hangs mid-write is given up after its time limit: the applicant is told to
/// ask staff (the money is recorded, the transaction stays in flight: the chip decides later),
/// and while it hangs nobody else is offered an endorsement to pay for.
#[test]
fn a_writer_module_that_hangs_is_given_up_and_nothing_more_is_sold() {
    let central = central_on("127.0.0.1:0");
    let (_release, hold) = std::sync::mpsc::channel();
    let hung = kiosk::devices::writer::bounded(
        Box::new(Hung {
            _release: std::sync::Mutex::new(hold),
        }),
        Duration::from_millis(500),
    );
    let s = sim_station(&central, |_| Extras {
        writer: Some(Box::new(hung)),
        ..Extras::default()
    });
    let k = &s.kiosk;
    to_review(k);
    let number = pay_by_card_to_done(k);
    assert_eq!(notice(k), NoticeKind::NeedsStaff);
    assert_eq!(s.terminal.charges().len(), 1, "charged once");
    assert_eq!(
        transaction(k, &number).0,
        State::Issuing,
        "whether it was written is not guessed"
    );
    k.tap("finish");
    k.wait_for_page(Page::Services);
    k.tap("demo-remove-permit");
    k.tap("demo-remove-card");
    cards(k, ZENG, ZENG_PERMIT);
    k.wait_for_page(Page::Services);
    assert_eq!(notice(k), NoticeKind::NotAvailable);
    assert_eq!(
        store(k).endorsements_count().expect("count"),
        1,
        "no second transaction opened"
    );
}

#[test]
fn the_centrals_refusal_is_shown_with_its_reason() {
    let central = central_with("127.0.0.1:0", &["--station-fault", "refuse-all"]);
    let s = on(&central, SimOutcome::Approve, WriterScript::Succeed);
    let k = &s.kiosk;
    cards(k, ZENG, ZENG_PERMIT);
    k.wait_for_page(Page::Choose);
    assert_eq!(notice(k), NoticeKind::NothingOffered);
    assert!(
        k.label("refusal-0").contains("尚未办结"),
        "{}",
        k.label("refusal-0")
    );
    assert!(k.find("offer-0").is_none());
}

#[test]
fn without_the_central_the_machine_says_it_cannot_endorse_now() {
    // Nothing listens on port 9 of this machine.
    let central = central_on("127.0.0.1:0");
    let link = central
        .pki
        .link("https://127.0.0.1:9", "TEST01", Duration::from_secs(2));
    let s = station_kiosk(
        link,
        SimOutcome::Approve,
        WriterScript::Succeed,
        Duration::from_secs(60),
    );
    let k = &s.kiosk;
    k.tap("service-endorse");
    k.tap(&format!("demo-card-{ZENG}"));
    k.wait_until("the not-available notice", |k| {
        notice(k) == NoticeKind::NotAvailable
    });
    assert_eq!(k.page(), Page::Services);
}

/// Types a permit's letter, number and expiry on the keys page.
fn type_key(k: &Kiosk, prefix: char, number: &str, expiry: &str) {
    assert_eq!(k.page(), Page::Keys);
    k.tap(&format!("key-prefix-{prefix}"));
    for d in number.chars().chain(expiry.chars()) {
        k.tap(&format!("key-{d}"));
    }
    k.tap("next");
}

#[test]
fn someone_elses_permit_and_an_expired_permit_go_to_the_window() {
    let central = central_on("127.0.0.1:0");
    let s = on(&central, SimOutcome::Approve, WriterScript::Succeed);
    let k = &s.kiosk;
    // 曾小芳's record does not open 吕思远's permit; typing his number and expiry with her
    // birth date does not either: not the holder.
    cards(k, ZENG, LYU_PERMIT);
    k.wait_for_page(Page::Keys);
    type_key(k, 'T', "34567890", "20300701");
    k.wait_until("the not-the-holder notice", |k| {
        notice(k) == NoticeKind::WindowNotHolder
    });
    assert_eq!(k.page(), Page::Services);
    // Both cards are taken off, as the applicant leaves.
    k.tap("demo-remove-permit");
    cards(k, SHAN, SHAN_EXPIRED_PERMIT);
    k.wait_until("the expired notice", |k| {
        notice(k) == NoticeKind::WindowPermitExpired
    });
    assert_eq!(k.page(), Page::Services);
    let visible = k.visible_text();
    for trace in ["单建国", "C234", "曾小芳", "34567890"] {
        assert!(
            !visible.contains(trace),
            "the services page still shows {trace:?}"
        );
    }
}

#[test]
fn a_new_permit_the_records_do_not_show_is_read_with_the_typed_number_and_expiry() {
    let central = central_on("127.0.0.1:0");
    let s = on(&central, SimOutcome::Approve, WriterScript::Succeed);
    let k = &s.kiosk;
    // Large text on the smallest landscape screen: the keypad and the way on stay in view.
    k.window()
        .window()
        .set_size(slint::PhysicalSize::new(1280, 860));
    k.tap("theme-large");
    cards(k, SHAN, SHAN_NEW_PERMIT);
    k.wait_for_page(Page::Keys);
    // In both languages (English words are longer; the demo's header is taller in English).
    for language in ["zh", "en"] {
        if let Some(dir) = std::env::var_os("KIOSK_SCREENSHOTS") {
            std::fs::create_dir_all(&dir).expect("screenshot dir");
            k.screenshot(&std::path::Path::new(&dir).join(format!("large-keys-{language}.png")));
        }
        k.assert_keypad_in_view(
            &format!("keys page, large text at 1280x860, {language}"),
            &[
                "keys-title",
                "key-prefix-C",
                "key-prefix-T",
                "key-number",
                "key-expiry",
            ],
        );
        k.tap("language");
    }
    // And on a portrait screen, stacked.
    k.window()
        .window()
        .set_size(slint::PhysicalSize::new(1080, 1920));
    k.assert_keypad_in_view(
        "keys page, large text at 1080x1920",
        &["keys-title", "key-prefix-C", "key-number", "key-expiry"],
    );
    assert!(
        !k.window().global::<StationAdapter>().get_key_complete(),
        "nothing typed yet"
    );
    type_key(k, 'C', "45678901", "20350101");
    k.wait_for_page(Page::Choose);
    assert!(k.find("offer-0").is_some());
    // Cancel asks before it discards the cards read and the number typed.
    k.tap("cancel");
    k.tap("cancel-keep");
    assert_eq!(k.page(), Page::Choose, "kept");
    k.tap("cancel");
    k.tap("cancel-discard");
    assert_eq!(k.page(), Page::Services);
    assert_eq!(notice(k), NoticeKind::Cancelled);
}

/// A station kiosk on `central` with the simulated readers, terminal and writer, and what
/// `extras` adds for the permit slot.
fn sim_station(central: &Central, extras: impl FnOnce(SimPermitSlot) -> Extras) -> Station {
    let (reader, slot) = sim_permit_reader(chrono::Local::now().date_naive());
    let extras = extras(slot.clone());
    station_kiosk_with(
        Box::new(reader),
        None,
        Some(slot),
        None,
        central.link("TEST01"),
        SimWriter::new(WriterScript::Succeed, false),
        SimOutcome::Approve,
        Duration::from_secs(60),
        extras,
    )
}

/// A station kiosk on the simulated readers with this MRZ scanner, and the demo's scan button
/// when `demo` makes one for the permit slot.
fn with_scanner(
    central: &Central,
    scanner: Box<dyn MrzScanner>,
    demo: impl FnOnce(SimPermitSlot) -> Option<DemoScan>,
) -> Station {
    sim_station(central, |slot| Extras {
        scanner: Some((scanner, demo(slot))),
        ..Extras::default()
    })
}

#[test]
fn a_new_permit_laid_on_the_mrz_scanner_is_read_without_typing() {
    use std::io::Write;
    let central = central_on("127.0.0.1:0");
    // The scanner is the real serial adapter on a pseudo-terminal; the test is the scanner.
    let (mut scanner, _slave, path) = crate::support::pty();
    let today = chrono::Local::now().date_naive();
    let s = with_scanner(
        &central,
        Box::new(SerialScanner::new(&path, Some(9600))),
        |_| None,
    );
    let k = &s.kiosk;
    cards(k, SHAN, SHAN_NEW_PERMIT);
    k.wait_for_page(Page::Keys);
    assert!(k.window().global::<StationAdapter>().get_mrz_scanner());
    assert!(
        k.visible_text().contains("扫描"),
        "the keys page offers the scanner: {}",
        k.visible_text()
    );
    let permit = &kiosk::domain::samples::sample_permits(today)[SHAN_NEW_PERMIT].facts;
    let line = permit_line(
        "CS",
        &permit.document_number,
        &permit.expiry.format("%y%m%d").to_string(),
        &permit.birth_date.format("%y%m%d").to_string(),
    );
    // A misread first (one character of the number wrong): the applicant is asked again.
    let misread = format!(
        "CS{}{}",
        if &line[2..3] == "C" { "D" } else { "C" },
        &line[3..]
    );
    scanner
        .write_all(format!("\x02{misread}\r\x03").as_bytes())
        .unwrap();
    k.wait_until("the misread notice", |k| {
        notice(k) == NoticeKind::ScanUnreadable
    });
    assert_eq!(k.page(), Page::Keys);
    scanner.write_all(format!("{line}\r\n").as_bytes()).unwrap();
    k.wait_for_page(Page::Choose);
    assert!(k.find("offer-0").is_some());
}

#[test]
fn a_scanner_that_does_not_answer_is_not_offered() {
    let central = central_on("127.0.0.1:0");
    let s = with_scanner(
        &central,
        Box::new(SerialScanner::new("/dev/no-such-mrz-scanner", None)),
        |_| None,
    );
    let k = &s.kiosk;
    cards(k, SHAN, SHAN_NEW_PERMIT);
    k.wait_for_page(Page::Keys);
    k.wait_until("the scanner withdrawn", |k| {
        !k.window().global::<StationAdapter>().get_mrz_scanner()
    });
    assert!(
        !k.visible_text().contains("扫描"),
        "the keys page offers typing only: {}",
        k.visible_text()
    );
}

#[test]
fn the_demos_scan_button_reads_the_permit_on_the_reader() {
    let central = central_on("127.0.0.1:0");
    let (scanner, hand) = SimScanner::new();
    let s = with_scanner(&central, Box::new(scanner), |slot| {
        Some(DemoScan::new(slot, hand))
    });
    let k = &s.kiosk;
    cards(k, SHAN, SHAN_NEW_PERMIT);
    k.wait_for_page(Page::Keys);
    k.tap("demo-scan");
    k.wait_for_page(Page::Choose);
    assert!(k.find("offer-0").is_some());
}

/// The figures of docs/BENCHMARKS.md ("Station kiosk"), printed, never asserted on time:
/// `tools/with-pcscd.sh cargo test --no-default-features --features camera-v4l,dev --test it \
///  station_flow::figures -- --ignored --nocapture`.
#[test]
#[ignore = "measures; run by hand for docs/BENCHMARKS.md"]
fn figures() {
    use kiosk::dev::vcard::emrtd::Quirks;
    use kiosk::dev::vcard::{Loopback, pki::TestPki, samples};
    use kiosk::devices::card::emrtd::chip::ExtendedLength;
    use kiosk::devices::card::emrtd::document;
    use kiosk::devices::card::icao::mrz;

    // APDUs of the permit read: the sample permit's virtual chip, extended and short reads.
    let pki = TestPki::generate("Kiosk Test CSCA").expect("pki");
    let (number, expiry, birth) = samples::PERMIT;
    let bac = mrz::bac_input_from_fields(number, birth, expiry).expect("bac");
    for (mode, max, extended) in [
        ("extended", 65_535, ExtendedLength::Auto),
        ("short", 258, ExtendedLength::Never),
    ] {
        let mut t = Loopback {
            card: samples::permit(&pki, Quirks::default()),
            max_response: max,
        };
        let doc =
            document::read(&mut t, &bac, std::slice::from_ref(&pki.csca), extended).expect("read");
        println!("permit read, {mode} APDUs: {}", doc.apdus);
    }

    // Machine time from the permit on the reader to the receipt printed, simulated devices and
    // the development central on this machine; and the applicant's taps.
    let central = central_on("127.0.0.1:0");
    let s = on(&central, SimOutcome::Approve, WriterScript::Succeed);
    let k = &s.kiosk;
    let mut times = Vec::new();
    for _ in 0..5 {
        let mut taps = vec!["service-endorse"];
        k.tap("service-endorse");
        k.tap(&format!("demo-card-{ZENG}"));
        k.wait_until("the permit reader waiting", |k| {
            k.find("demo-permit-0").is_some()
        });
        let start = std::time::Instant::now();
        k.tap(&format!("demo-permit-{ZENG_PERMIT}"));
        k.wait_for_page(Page::Choose);
        let offer = format!("offer-{}", hk_g_3m1(k));
        for id in [offer.as_str(), "next", "pay-terminal"] {
            k.tap(id);
            taps.push(id);
        }
        k.wait_for_page(Page::StationDone);
        times.push(start.elapsed());
        k.tap("finish");
        taps.push("finish");
        k.tap("demo-remove-permit");
        println!("taps: {} ({})", taps.len(), taps.join(", "));
    }
    println!("permit on the reader → receipt printed: {times:?}");
}

/// 曾小芳 (ID 350203199204180025) asking about permit C12345678 at the test site.
fn sample_question() -> kiosk::sync::api::station::EligibilityRequest {
    kiosk::sync::api::station::EligibilityRequest {
        device_id: "TEST01".into(),
        site_code: "350203001".into(),
        id_number: "350203199204180025".into(),
        permit_number: "C12345678".into(),
    }
}

/// What the central offers her.
fn sample_offers(client: &StationClient) -> Vec<kiosk::domain::endorsement::OfferLine> {
    client
        .eligibility(&sample_question())
        .expect("eligibility")
        .to_offers()
        .offers
}

/// Opens a transaction in the store as the kiosk does (body without name or ID number) and
/// moves it by `events`; returns its acceptance number.
fn stored_transaction(
    store: &mut Store,
    offer: &kiosk::domain::endorsement::OfferLine,
    method: &str,
    events: &[kiosk::domain::endorsement::Event],
) -> String {
    let body = serde_json::json!({"offer": offer, "permit_number": "C12345678", "method": method});
    let now = chrono::Local::now().naive_local();
    let body = body.to_string();
    let line = kiosk::store::NewLine {
        amount_fen: offer.fee_fen,
        body: &body,
    };
    let (number, _) = store
        .open_numbered_order("TEST01", offer.origin(), &[line], now)
        .expect("open");
    for event in events {
        store
            .advance_endorsement(number.as_str(), *event, now)
            .expect("advance");
    }
    number.as_str().to_string()
}

#[test]
fn transactions_a_power_cut_left_in_flight_are_settled_at_the_next_start() {
    use kiosk::domain::endorsement::Event as E;
    use kiosk::sync::api::station::{IssuanceRequest, PaymentMethod, PaymentRequest};

    let central = central_on("127.0.0.1:0");
    let client = StationClient::new(central.link("TEST01")).expect("client");
    let offers = sample_offers(&client);
    let data = tempfile::tempdir().expect("temp dir");
    let writer = SimWriter::new(WriterScript::Succeed, false);
    let mut seeded = Store::open(data.path(), &test_key()).expect("store");
    // Chosen, nothing asked yet.
    let chosen = stored_transaction(&mut seeded, &offers[0], "terminal", &[E::Choose]);
    // Payment pending: the power went before the central heard of it.
    let pending = stored_transaction(
        &mut seeded,
        &offers[1],
        "terminal",
        &[E::Choose, E::PaymentStarted],
    );
    // Paid at the central (by phone); the writer never started.
    let paid = stored_transaction(
        &mut seeded,
        &offers[2],
        "qr",
        &[E::Choose, E::PaymentStarted, E::PaymentConfirmed],
    );
    // Paid, issuing: the writer wrote, the power went before the kiosk heard back.
    let issuing = stored_transaction(
        &mut seeded,
        &offers[3],
        "qr",
        &[
            E::Choose,
            E::PaymentStarted,
            E::PaymentConfirmed,
            E::IssueStarted,
        ],
    );
    // Approved and paid online; the power went before the writer started.
    let approval = client
        .approved(&sample_question())
        .expect("approvals")
        .to_lines()
        .remove(0);
    let online = stored_transaction(&mut seeded, &approval, "online", &[]);
    drop(seeded);
    let pay = |txn: &str, offer: &kiosk::domain::endorsement::OfferLine| {
        let p = client
            .create_payment(&PaymentRequest {
                txn_id: txn.into(),
                device_id: "TEST01".into(),
                method: PaymentMethod::Qr,
                amount_fen: offer.fee_fen,
                offer_ids: vec![offer.offer_id.clone()],
            })
            .expect("payment");
        client
            .payment(&p.payment_id)
            .expect("paid at the first look")
    };
    pay(&paid, &offers[2]);
    let p = pay(&issuing, &offers[3]);
    let job = client
        .issue(&IssuanceRequest {
            txn_id: issuing.clone(),
            offer_id: offers[3].offer_id.clone(),
            payment_id: p.payment_id,
            permit_number: "C12345678".into(),
            holder_check: None,
        })
        .expect("job");
    let day = |d: &str| kiosk::sync::api::station::day(d).expect("date");
    kiosk::devices::writer::EndorsementWriter::write(
        &mut writer.clone(),
        &kiosk::devices::writer::IssuanceJob {
            job_id: job.job_id,
            document_number: job.document_number,
            destination: job.destination,
            kind: job.kind,
            trips: job.trips,
            valid_from: day(&job.valid_from),
            valid_until: day(&job.valid_until),
            stay_days: job.stay_days,
            payload: Vec::new(),
        },
    )
    .expect("written before the power cut");

    let s = station_kiosk_on(
        Some(data),
        central.link("TEST01"),
        writer,
        SimOutcome::Approve,
        Duration::from_secs(60),
    );
    let k = &s.kiosk;
    k.wait_until("nothing left in flight", |k| {
        store(k)
            .endorsements_in_flight()
            .expect("in flight")
            .is_empty()
    });
    assert_eq!(transaction(k, &chosen).0, State::Cancelled);
    assert_eq!(transaction(k, &pending).0, State::Cancelled);
    assert_eq!(transaction(k, &paid).0, State::RefundRequested);
    // Paid online: not refunded, the approval kept open for the applicant's next visit.
    assert_eq!(
        transaction(k, &online),
        (
            State::ApprovalKept,
            vec![State::Paid, State::PaidNotIssued, State::ApprovalKept]
        )
    );
    let open = client.approved(&sample_question()).expect("approvals");
    assert_eq!(open.approvals.len(), 1, "the approval stays open");
    let (state, journal) = transaction(k, &issuing);
    assert_eq!(state, State::Printed);
    assert!(journal.contains(&State::Verified), "{journal:?}");
    assert!(
        k.receipts()
            .join(format!("{issuing}-recovered.bin"))
            .exists(),
        "a receipt for staff to hand over"
    );
    assert!(s.terminal.charges().is_empty());
    assert_eq!(s.writer.endorsements("C12345678").len(), 1, "written once");
    let records = client.records("C12345678").expect("records").endorsements;
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(
        (records[0].destination.as_str(), records[0].trips.as_str()),
        (offers[3].destination.as_str(), offers[3].trips.as_str())
    );
}

#[test]
fn through_pcscd_and_vpcd_the_id_card_and_the_permits_chip_are_read_for_real() {
    use crate::cards::{CHIP_READER, ID_READER, id_card, insert, pki, today, vpcd_turn};
    use kiosk::dev::vcard::emrtd::Quirks;
    use kiosk::dev::vcard::endorsement_area::AreaRecords;
    use kiosk::dev::vcard::samples;
    use kiosk::dev::vcard::writer::PcscSimWriter;
    use kiosk::devices::card::emrtd::chip::ExtendedLength;
    use kiosk::devices::card::idcard::idmodule::PseudoApdu;
    use kiosk::devices::card::permit::PcscPermitReader;
    use kiosk::devices::card::readers::pcsc_id::PcscIdReader;
    use kiosk::devices::writer::ChipEndorsement;

    let _turn = vpcd_turn();
    let central = central_on("127.0.0.1:0");
    let id_reader = PcscIdReader::new(Some(ID_READER.into()), PseudoApdu::default(), today, None);
    // The writer module writes the permit in the permit reader through pcscd too.
    let writer = PcscSimWriter::new(Some(CHIP_READER.into()));
    let permit_reader = PcscPermitReader::new(
        Some(CHIP_READER.into()),
        vec![pki().csca.clone()],
        ExtendedLength::Auto,
    );
    let s = station_kiosk_with(
        Box::new(permit_reader),
        Some(Box::new(id_reader)),
        None,
        None,
        central.link("TEST01"),
        SimWriter::new(WriterScript::Succeed, false),
        SimOutcome::Approve,
        Duration::from_secs(60),
        Extras {
            writer: Some(Box::new(writer)),
            ..Extras::default()
        },
    );
    let k = &s.kiosk;
    k.tap("service-endorse");
    // 曾小芳's ID card module and her permit's chip (BAC, secure messaging, EF.SOD signed by
    // the test CSCA the permit reader is configured with) on vpcd's two readers; the permit
    // already carries a Macau endorsement.
    let id = insert(0, || id_card(ZENG));
    k.wait_for_page(Page::Permit);
    let macau = ChipEndorsement {
        destination: "macau".into(),
        kind: "G".into(),
        trips: "1y1".into(),
        valid_from: today() - chrono::Days::new(30),
        valid_until: today() + chrono::Days::new(335),
        serial: "MO-2026-0001".into(),
    };
    let area = AreaRecords::holding(std::slice::from_ref(&macau));
    let permit = insert(1, {
        let area = area.clone();
        move || Box::new(samples::permit_card(pki(), Quirks::default(), area.clone()))
    });
    k.wait_for_page(Page::Choose);
    let i = hk_g_3m1(k);
    k.tap(&format!("offer-{i}"));
    k.tap("next");
    let number = pay_by_card_to_done(k);
    assert_eq!(notice(k), NoticeKind::None);
    assert_eq!(transaction(k, &number).0, State::Printed);
    assert_eq!(s.terminal.charges(), [(number.clone(), 1500)]);
    // The chip now holds the Macau endorsement it had and the new one, exactly as issued, once.
    let on_chip = area.endorsements();
    let issued = on_record(&central);
    assert_eq!(issued.len(), 1, "{issued:?}");
    assert_eq!(on_chip.len(), 2, "{on_chip:?}");
    assert_eq!(on_chip[0], macau);
    let hk = &on_chip[1];
    assert_eq!(hk.valid_from, today());
    assert!(
        hk.serial.starts_with("J-"),
        "the central's job: {}",
        hk.serial
    );
    assert_eq!(
        (
            hk.destination.as_str(),
            hk.kind.as_str(),
            hk.trips.as_str(),
            hk.valid_until.format("%Y-%m-%d").to_string()
        ),
        ("hk", "G", "3m1", issued[0].valid_until.clone())
    );
    let text = printed(k, &number);
    assert!(
        text.contains("曾小芳") && text.contains("C123*5678"),
        "{text}"
    );
    k.tap("finish");
    permit.remove();
    id.remove();
}

/// Re-prints the back with a module that can, scripted so: the same way to the permit as the
/// other services, then the done page with nothing bought.
fn reprint_back(script: WriterScript) -> (Station, NoticeKind, bool) {
    let central = central_on("127.0.0.1:0");
    let s = reprinting(&central, script);
    let k = &s.kiosk;
    cards_for(k, "service-reprint", ZENG, ZENG_PERMIT);
    k.wait_for_page(Page::StationDone);
    // Nothing was bought: no acceptance number, nothing endorsed, only the cards to take.
    assert!(k.find_visible("number").is_none());
    assert!(s.writer.endorsements("C12345678").is_empty());
    let take = k.label("take-cards");
    assert!(take.contains("身份证") && !take.contains("回执"), "{take}");
    let notice = notice(k);
    let title_says_reprinted = k.window().global::<StationAdapter>().get_back_reprinted();
    k.tap("finish");
    k.wait_for_page(Page::Services);
    (s, notice, title_says_reprinted)
}

#[test]
fn the_back_of_the_permit_is_reprinted_where_the_module_can() {
    let (s, notice, reprinted) = reprint_back(WriterScript::Succeed);
    assert_eq!(s.writer.reprinted(), ["C12345678"]);
    assert_eq!(notice, NoticeKind::None);
    assert!(reprinted);
}

/// A module that fails sends the applicant to a window, the chip untouched.
#[test]
fn a_back_the_module_could_not_reprint_sends_the_applicant_to_a_window() {
    let (s, notice, reprinted) = reprint_back(WriterScript::FailBefore);
    assert!(s.writer.reprinted().is_empty());
    assert_eq!(notice, NoticeKind::ReprintFailed);
    assert!(!reprinted);
}

/// What staff read on a permit the kiosk could not read back is recorded with `kiosk
/// endorsements settle`: "lacks" makes it paid-not-issued (the kiosk then asks for the refund),
/// "shows" makes it verified (the kiosk then prints the receipt); a transaction the kiosk settles
/// by itself cannot be overruled. The listing names numbers, states and amounts only.
#[test]
fn staff_record_what_a_permit_shows_for_a_transaction_the_kiosk_could_not_read_back() {
    use kiosk::domain::endorsement::Event as E;

    let central = central_on("127.0.0.1:0");
    let offers = sample_offers(&StationClient::new(central.link("TEST01")).expect("client"));
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let mut store = Store::open(&data, &test_key()).expect("store");
    let paid = [E::Choose, E::PaymentStarted, E::PaymentConfirmed];
    let written = stored_transaction(
        &mut store,
        &offers[0],
        "terminal",
        &[&paid[..], &[E::IssueStarted, E::WriterDone]].concat(),
    );
    let issuing = stored_transaction(
        &mut store,
        &offers[1],
        "qr",
        &[&paid[..], &[E::IssueStarted]].concat(),
    );
    let chosen = stored_transaction(&mut store, &offers[2], "qr", &[E::Choose]);
    drop(store);
    let config =
        crate::central::station_config(dir.path(), &data, &central.pki, &central.url, "TEST01");
    let kiosk = |args: &[&str]| {
        let out = crate::run_logs::kiosk_command()
            .arg("--config")
            .arg(&config)
            .arg("endorsements")
            .args(args)
            .output()
            .expect("kiosk runs");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };

    // A hall kiosk's configuration has no endorsements: refused, and no store is made for it.
    let hall_dir = dir.path().join("hall");
    std::fs::create_dir_all(&hall_dir).expect("hall dir");
    let hall_data = hall_dir.join("data");
    let hall =
        crate::central::kiosk_config(&hall_dir, &hall_data, &central.pki, &central.url, "TEST01");
    let out = crate::run_logs::kiosk_command()
        .arg("--config")
        .arg(&hall)
        .args(["endorsements", "list"])
        .output()
        .expect("kiosk runs");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("not a station kiosk"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!hall_data.exists(), "no store made for a hall kiosk");

    let (ok, listing) = kiosk(&["list", "--json"]);
    assert!(ok, "{listing}");
    let rows: serde_json::Value = serde_json::from_str(&listing).expect("json");
    let state_of = |number: &str| {
        rows.as_array()
            .expect("array")
            .iter()
            .find(|r| r["number"] == number)
            .map(|r| r["state"].as_str().unwrap_or_default().to_string())
    };
    assert_eq!(state_of(&written).as_deref(), Some("written"));
    assert_eq!(state_of(&issuing).as_deref(), Some("issuing"));
    assert_eq!(state_of(&chosen).as_deref(), Some("chosen"));
    assert!(
        !listing.contains("C12345678"),
        "no permit number in the listing"
    );

    let (ok, said) = kiosk(&["settle", &written, "--chip", "lacks"]);
    assert!(ok && said.contains("paid_not_issued"), "{said}");
    let (ok, said) = kiosk(&["settle", &issuing, "--chip", "shows"]);
    assert!(ok && said.contains("verified"), "{said}");
    let (ok, _) = kiosk(&["settle", &chosen, "--chip", "shows"]);
    assert!(!ok, "a chosen, unpaid transaction is the kiosk's to cancel");
    let (ok, _) = kiosk(&["settle", "NOPE-0000", "--chip", "shows"]);
    assert!(!ok);

    let store = Store::open(&data, &test_key()).expect("store");
    let state = |n: &str| store.endorsement(n).expect("read").expect("kept").state;
    assert_eq!(state(&written), State::PaidNotIssued);
    assert_eq!(state(&issuing), State::Verified);
    assert_eq!(state(&chosen), State::Chosen, "unchanged");
}

/// A station kiosk on `central` checking holders at the camera (two attempts).
fn checking_holders(
    central: &Central,
    simulated_liveness: bool,
    camera: Option<kiosk::devices::camera::CameraOpener>,
) -> Station {
    sim_station(central, |_| Extras {
        holder_check: Some(app::HolderCheckSetup {
            check: kiosk::face::check::CheckSettings {
                threshold: 0.40,
                action_limit: Duration::from_secs(1),
                simulated_liveness,
            },
            policy: kiosk::domain::holder::HolderPolicy::new(2, true),
        }),
        camera,
        ..Extras::default()
    })
}

/// A camera that shows another person than the sample permits' holder (London set, face 002).
fn someone_else() -> kiosk::devices::camera::CameraOpener {
    crate::support::camera_showing(crate::support::SOMEONE_ELSE, usize::MAX)
}

/// The holder at the camera (demo mode plays the blink and the head turn; the face compared is
/// the simulated camera's, the sample permit's portrait is the same person): the instructions
/// are shown, then the offers.
#[test]
fn the_holder_is_checked_at_the_camera_before_the_offers() {
    let central = central_on("127.0.0.1:0");
    let s = checking_holders(&central, true, None);
    let k = &s.kiosk;
    cards(k, ZENG, ZENG_PERMIT);
    k.wait_for_page(Page::Holder);
    k.wait_until("an instruction to blink or turn", |k| {
        k.window().global::<HolderAdapter>().get_prompt() != HolderPrompt::LookAtCamera
    });
    assert!(!k.label("holder-title").is_empty());
    k.wait_for_page(Page::Choose);
    assert_eq!(notice(k), NoticeKind::None);
    let i = hk_g_3m1(k);
    k.tap(&format!("offer-{i}"));
    k.tap("next");
    pay_by_card_to_done(k);
    // The central learns the verdict with the issuance request (no face data).
    let log = central.log();
    assert!(
        log.contains("issuance: holder check") && log.contains("Confirmed"),
        "{log}"
    );
}

/// Another person's face at the camera: not confirmed, once more, then the window — with the
/// reason in plain words, and nothing kept.
#[test]
fn another_face_at_the_camera_is_sent_to_the_window_after_two_attempts() {
    let central = central_on("127.0.0.1:0");
    let s = checking_holders(&central, true, Some(someone_else()));
    let k = &s.kiosk;
    cards(k, ZENG, ZENG_PERMIT);
    k.wait_for_page(Page::Holder);
    k.wait_until("the second attempt", |k| {
        notice(k) == NoticeKind::HolderRetry
    });
    k.wait_for_page(Page::Services);
    assert_eq!(notice(k), NoticeKind::WindowHolderNotConfirmed);
    assert!(
        k.visible_text().contains("人工窗口"),
        "{}",
        k.visible_text()
    );
}

/// A still picture at the camera (the simulated booth, liveness not simulated) never blinks or
/// turns: the challenge runs out twice and the applicant is sent to the window.
#[test]
fn a_face_that_does_not_blink_or_turn_is_sent_to_the_window() {
    let central = central_on("127.0.0.1:0");
    let s = checking_holders(&central, false, None);
    let k = &s.kiosk;
    cards(k, ZENG, ZENG_PERMIT);
    k.wait_for_page(Page::Holder);
    k.wait_for_page(Page::Services);
    assert_eq!(notice(k), NoticeKind::WindowHolderNotConfirmed);
}
