//! The hall kiosk taking the fee by phone after saving (`[hall.payment] mode = "qr"`), against
//! the development central over mTLS (`POST /v1/applications/{number}/payment`, then
//! `GET /v1/payments/{id}`): paid, declined, not paid within the wait (the form carries the same
//! QR), paid later by the applicant's choice, and no central. Each form is decoded from the
//! printer's bytes; each application reaches the outbox only once the payment step is over,
//! with the fee's state.

use std::time::Duration;

use kiosk::app::FeeDesk;
use kiosk::devices::payment::{PaymentTerminal, SimTerminal};
use kiosk::devices::printer::interpret::{Command, parse, text_lines};
use kiosk::store::Store;
use kiosk::sync::station::StationClient;
use kiosk::ui::Page;

use crate::central::{Central, central_on, central_with, link_or_down};
use crate::support::{Kiosk, Options, demo_kiosk_with_options, test_key};

/// A hall kiosk asking `central` (or, with `None`, an address where nothing answers) for the
/// fee, waiting `wait_seconds` for it.
fn paying_kiosk(central: Option<&Central>, wait_seconds: u32) -> Kiosk {
    demo_kiosk_with_options(paying(central, wait_seconds, None, None))
}

/// The options of a hall kiosk taking the fee from `central`, at `terminal` too where given,
/// on the store in `data` where given.
pub(crate) fn paying(
    central: Option<&Central>,
    wait_seconds: u32,
    terminal: Option<SimTerminal>,
    data: Option<tempfile::TempDir>,
) -> Options {
    let link = link_or_down(central);
    Options {
        fee: Some(FeeDesk {
            client: StationClient::new(link).expect("client"),
            terminal: terminal.map(|t| Box::new(t) as Box<dyn PaymentTerminal>),
            wait_seconds,
            poll: Duration::from_millis(100),
        }),
        data,
        ..Options::default()
    }
}

/// Sample card 0 through to the review page with a passport renewal, then confirmed.
pub(crate) fn confirm(k: &Kiosk) {
    k.card_to_details_renewing(0);
    k.details_to_review();
    assert!(
        k.visible_text().contains("用手机扫码缴费"),
        "the review says how the fee is paid"
    );
    k.tap("next");
}

/// What was printed (its text, and every QR's content) and the one queued submission.
pub(crate) fn printed(k: &Kiosk) -> (String, Vec<String>, serde_json::Value) {
    let number = k.label("number");
    let bytes = std::fs::read(k.receipts().join(format!("{number}.bin"))).expect("form");
    let commands = parse(&bytes).expect("the form parses");
    let qrs = commands
        .iter()
        .filter_map(|c| match c {
            Command::QrStore(data) => Some(String::from_utf8_lossy(data).into_owned()),
            _ => None,
        })
        .collect();
    let store = Store::open(k.data_dir(), &test_key()).expect("store");
    let pending = store.pending(10).expect("outbox");
    assert_eq!(pending.len(), 1, "released once the payment step is over");
    let body = serde_json::from_str(&pending[0].body).expect("json");
    (text_lines(&commands).join(" "), qrs, body)
}

/// The central confirms the payment: the form says paid and carries only the number's QR.
#[test]
fn a_fee_paid_by_phone_prints_paid_and_reaches_the_central_with_the_form() {
    let central = central_on("127.0.0.1:0");
    let k = paying_kiosk(Some(&central), 300);
    confirm(&k);
    k.wait_for_page(Page::Done);
    let (text, qrs, body) = printed(&k);
    assert!(text.contains("已缴费 Fee paid"), "{text}");
    assert!(
        text.contains(&format!("费用 Fee: ￥{}", body["fee"])),
        "{text}"
    );
    assert_eq!(qrs, vec![k.label("number")], "no payment QR on a paid form");
    assert_eq!(body["payment"]["state"], "paid");
    assert_eq!(
        body["payment"]["amount_fen"],
        body["fee"].as_u64().unwrap() * 100
    );
    assert!(
        body["payment"]["payment_id"]
            .as_str()
            .unwrap()
            .starts_with("F-")
    );
}

/// The payment network declines: the applicant is told to pay at the window, the form says so.
#[test]
fn a_declined_fee_is_paid_at_the_window() {
    let central = central_with("127.0.0.1:0", &["--station-fault", "decline"]);
    let k = paying_kiosk(Some(&central), 300);
    confirm(&k);
    k.wait_for_page(Page::Done);
    assert!(
        k.visible_text().contains("缴费未成功"),
        "{}",
        k.visible_text()
    );
    let (text, qrs, body) = printed(&k);
    assert!(
        text.contains("Payment did not go through: pay at the window"),
        "{text}"
    );
    assert_eq!(qrs.len(), 1);
    assert_eq!(body["payment"]["state"], "declined");
}

/// Nobody pays within the wait: the QR was on screen, the form prints with the same QR
/// (payable today) and the submission says pending.
#[test]
fn a_fee_not_paid_in_time_prints_with_its_qr() {
    let central = central_with("127.0.0.1:0", &["--station-fault", "never-pays"]);
    let k = paying_kiosk(Some(&central), 2);
    confirm(&k);
    k.wait_for_page(Page::Fee);
    k.wait_until("the payment QR on screen", |k| k.find("fee-qr").is_some());
    assert!(
        k.label("fee-title").contains("¥"),
        "{}",
        k.label("fee-title")
    );
    let shown = k.label("fee-number");
    k.wait_for_page(Page::Done);
    assert!(
        shown.contains(&k.label("number")),
        "the number is on the payment page, in case the kiosk stops there: {shown}"
    );
    let number = k.label("number");
    let (text, qrs, body) = printed(&k);
    let fen = body["fee"].as_u64().unwrap() * 100;
    let pay = format!("https://pay.example.invalid/fee/{number}?fen={fen}");
    assert_eq!(
        qrs,
        vec![number.clone(), pay],
        "the number's QR, then the payment's"
    );
    assert!(
        text.contains("Fee not paid: scan the payment code below"),
        "{text}"
    );
    assert!(text.contains("by 23:59"), "{text}");
    assert_eq!(body["payment"]["state"], "pending");
    assert!(k.visible_text().contains("费用尚未缴纳"));
}

/// The applicant taps "pay later": the form prints at once with the QR.
#[test]
fn paying_later_prints_the_form_with_the_qr_at_once() {
    let central = central_with("127.0.0.1:0", &["--station-fault", "never-pays"]);
    let k = paying_kiosk(Some(&central), 300);
    confirm(&k);
    k.wait_until("the payment QR on screen", |k| k.find("fee-qr").is_some());
    k.tap("pay-later");
    k.wait_for_page(Page::Done);
    let (_, qrs, body) = printed(&k);
    assert_eq!(qrs.len(), 2);
    assert_eq!(body["payment"]["state"], "pending");
}

/// Fee payments down at the central (503): the form prints with the fee and "pay at the window".
#[test]
fn with_fee_payments_down_the_form_prints_with_the_fee_to_pay_at_the_window() {
    let central = central_with("127.0.0.1:0", &["--station-fault", "fee-down"]);
    let k = paying_kiosk(Some(&central), 300);
    confirm(&k);
    k.wait_for_page(Page::Done);
    let (text, _, body) = printed(&k);
    assert!(
        text.contains(&format!("费用 Fee: ￥{}", body["fee"])),
        "{text}"
    );
    assert!(text.contains("Fee: pay at the window"), "{text}");
    assert_eq!(body["payment"]["state"], "not_issued");
}

/// No central: no payment can be issued; the form prints with "pay at the window".
#[test]
fn without_the_central_the_fee_is_paid_at_the_window_and_the_form_prints() {
    let k = paying_kiosk(None, 300);
    confirm(&k);
    k.wait_for_page(Page::Done);
    let (text, _, body) = printed(&k);
    assert!(text.contains("Fee: pay at the window"), "{text}");
    assert_eq!(body["payment"]["state"], "not_issued");
    assert!(body["payment"]["payment_id"].is_null());
}
