//! The hall kiosk taking the fee at its bank-card terminal (`[hall.payment] mode =
//! "terminal"`), the simulated terminal behind the same port as a vendor's, the development
//! central over mTLS as the authority on the money: paid by card; declined by the bank, then
//! offered the phone; the phone chosen instead; a terminal that does not work; a card payment
//! the central does not confirm (no payment code on the form); and a kiosk stopped mid-payment,
//! settled at its next start from the store it left. The terminal's books are read after each:
//! nothing is charged twice, nothing is charged that the form does not say.

use kiosk::devices::payment::{PaymentTerminal, SimOutcome, SimTerminal};
use kiosk::store::Store;
use kiosk::ui::Page;

use crate::central::{central_on, central_with};
use crate::fee_flow::{confirm, paying, printed};
use crate::support::{Kiosk, demo_kiosk_with_options, test_key};

/// A kiosk whose terminal ends each payment as `outcome`, and the terminal's books.
fn kiosk_at_terminal(
    central: &crate::central::Central,
    wait_seconds: u32,
    outcome: SimOutcome,
) -> (Kiosk, SimTerminal) {
    let terminal = SimTerminal::new(outcome);
    let k = demo_kiosk_with_options(paying(
        Some(central),
        wait_seconds,
        Some(terminal.clone()),
        None,
    ));
    (k, terminal)
}

fn fen(body: &serde_json::Value) -> u64 {
    body["fee"].as_u64().expect("fee") * 100
}

#[test]
fn a_fee_paid_by_card_is_charged_once_and_prints_paid() {
    let central = central_on("127.0.0.1:0");
    let (k, terminal) = kiosk_at_terminal(&central, 300, SimOutcome::Approve);
    k.card_to_details_renewing(0);
    k.details_to_review();
    assert!(
        k.visible_text().contains("刷银行卡"),
        "the review says the card is taken: {}",
        k.visible_text()
    );
    k.tap("next");
    k.wait_for_page(Page::Done);
    let number = k.label("number");
    let (text, qrs, body) = printed(&k);
    assert!(text.contains("已缴费 Fee paid"), "{text}");
    assert_eq!(qrs, vec![number.clone()], "no payment code on a paid form");
    assert_eq!(body["payment"]["state"], "paid");
    assert_eq!(
        terminal.charges(),
        vec![(number, fen(&body))],
        "charged once"
    );
}

#[test]
fn a_declined_card_offers_the_phone_and_charges_nothing() {
    let central = central_with("127.0.0.1:0", &["--station-fault", "never-pays"]);
    let (k, terminal) = kiosk_at_terminal(
        &central,
        3,
        SimOutcome::Decline("insufficient funds".into()),
    );
    confirm(&k);
    k.wait_until("the phone offered after the card", |k| {
        k.find("fee-qr").is_some()
    });
    assert!(
        k.label("fee-card-end").contains("未能付款"),
        "{}",
        k.label("fee-card-end")
    );
    k.wait_for_page(Page::Done);
    let (text, qrs, body) = printed(&k);
    assert!(
        text.contains("Fee not paid: scan the payment code below"),
        "{text}"
    );
    assert_eq!(qrs.len(), 2, "the number's code and the payment's");
    assert_eq!(body["payment"]["state"], "pending");
    assert!(terminal.charges().is_empty());
}

#[test]
fn the_applicant_may_pay_by_phone_instead_and_the_card_is_cancelled() {
    let central = central_on("127.0.0.1:0");
    let (k, mut terminal) = kiosk_at_terminal(&central, 300, SimOutcome::Never);
    confirm(&k);
    k.wait_until("the terminal waiting for the card", |k| {
        k.find("pay-by-phone").is_some()
    });
    assert!(
        k.label("fee-instruction").contains("刷卡机"),
        "{}",
        k.label("fee-instruction")
    );
    k.tap("pay-by-phone");
    k.wait_for_page(Page::Done);
    let number = k.label("number");
    let (text, _, body) = printed(&k);
    assert!(text.contains("已缴费 Fee paid"), "paid by phone: {text}");
    assert_eq!(body["payment"]["state"], "paid");
    assert!(terminal.charges().is_empty());
    assert_eq!(
        terminal.status(&number),
        Ok(kiosk::devices::payment::PaymentStatus::Cancelled),
        "the card payment was cancelled before the phone was offered"
    );
}

#[test]
fn a_terminal_that_cannot_be_reached_leaves_the_phone() {
    let central = central_on("127.0.0.1:0");
    let (k, terminal) = kiosk_at_terminal(&central, 300, SimOutcome::Offline);
    confirm(&k);
    k.wait_for_page(Page::Done);
    let (text, _, body) = printed(&k);
    assert!(text.contains("已缴费 Fee paid"), "paid by phone: {text}");
    assert_eq!(body["payment"]["state"], "paid");
    assert!(terminal.charges().is_empty());
}

/// The applicant confirms and the payment step ends left to staff: the done page and the form
/// say not to pay again, the form carries no payment code, the submission says `unconfirmed`.
/// Returns the application number and the submission.
fn left_to_staff(k: &Kiosk) -> (String, serde_json::Value) {
    confirm(k);
    k.wait_for_page(Page::Done);
    assert!(
        k.visible_text().contains("请勿重复缴费"),
        "{}",
        k.visible_text()
    );
    let number = k.label("number");
    let (text, qrs, body) = printed(k);
    assert!(
        text.contains("Card payment not confirmed yet: do not pay again"),
        "{text}"
    );
    assert_eq!(qrs, vec![number.clone()], "no payment code");
    assert_eq!(body["payment"]["state"], "unconfirmed");
    (number, body)
}

/// The terminal starts the payment but its answers are lost: what it took is unknown.
#[test]
fn a_terminal_whose_answers_are_lost_is_never_followed_by_a_payment_code() {
    let central = central_on("127.0.0.1:0");
    let (k, terminal) = kiosk_at_terminal(&central, 300, SimOutcome::Silent);
    left_to_staff(&k);
    assert!(terminal.charges().is_empty());
}

/// The terminal's adapter fails (panics) mid-payment: the page does not hang.
#[test]
fn a_terminal_adapter_that_fails_mid_payment_leaves_it_to_staff() {
    let central = central_on("127.0.0.1:0");
    let (k, _terminal) = kiosk_at_terminal(&central, 300, SimOutcome::Panics);
    left_to_staff(&k);
}

/// The terminal took the money and the central says the payment was declined.
#[test]
fn a_card_payment_the_central_does_not_confirm_prints_no_payment_code() {
    let central = central_with("127.0.0.1:0", &["--station-fault", "decline"]);
    let (k, terminal) = kiosk_at_terminal(&central, 300, SimOutcome::Approve);
    let (number, body) = left_to_staff(&k);
    assert_eq!(terminal.charges(), vec![(number, fen(&body))]);
}

/// Copies the kiosk's data directory as it is now: the store a kiosk stopped dead at this
/// moment would leave behind (the write-ahead log included).
fn store_left_behind(k: &Kiosk) -> tempfile::TempDir {
    let copy = tempfile::tempdir().expect("temp dir");
    for entry in std::fs::read_dir(k.data_dir()).expect("data dir") {
        let entry = entry.expect("entry");
        if entry.file_type().expect("type").is_file() {
            std::fs::copy(entry.path(), copy.path().join(entry.file_name())).expect("copy");
        }
    }
    copy
}

/// The next start of a kiosk on `data`, sharing the terminal's books (with `None`, its
/// configuration no longer has a terminal): what reached its outbox.
fn restarted(
    central: &crate::central::Central,
    terminal: Option<&SimTerminal>,
    data: tempfile::TempDir,
) -> Vec<serde_json::Value> {
    let dir = data.path().to_path_buf();
    let sent = || -> Vec<serde_json::Value> {
        let store = Store::open(&dir, &test_key()).expect("store");
        let pending = store.pending(10).expect("outbox");
        pending
            .iter()
            .map(|item| serde_json::from_str(&item.body).expect("json"))
            .collect()
    };
    // One kiosk per test thread: the restarted one runs in its own.
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                let options = paying(Some(central), 300, terminal.cloned(), Some(data));
                let k = demo_kiosk_with_options(options);
                k.wait_until("the card payment settled at start", |_| !sent().is_empty());
                sent()
            })
            .join()
            .expect("restarted kiosk")
    })
}

/// Stopped while the card was being asked for: the next start cancels it at the terminal and
/// sends the application with "interrupted" (nothing taken); stopped after the terminal took
/// the card and before the central confirmed: "unconfirmed" (staff check it).
#[test]
fn a_kiosk_stopped_mid_card_payment_settles_it_at_its_next_start() {
    let central = central_with("127.0.0.1:0", &["--station-fault", "never-pays"]);
    let (k, terminal) = kiosk_at_terminal(&central, 300, SimOutcome::Never);
    confirm(&k);
    k.wait_until("the terminal waiting for the card", |k| {
        k.find("pay-by-phone").is_some()
    });
    let shown = k.label("fee-number");
    let without_terminal = restarted(&central, None, store_left_behind(&k));
    assert_eq!(without_terminal.len(), 1);
    assert_eq!(
        without_terminal[0]["payment"]["state"], "unconfirmed",
        "nobody can ask the terminal any more: staff check it"
    );
    let sent = restarted(&central, Some(&terminal), store_left_behind(&k));
    assert_eq!(sent.len(), 1);
    let number = sent[0]["number"].as_str().expect("number");
    assert!(shown.contains(number), "{shown}");
    assert_eq!(sent[0]["payment"]["state"], "interrupted");
    assert!(terminal.charges().is_empty());

    // The confirmation is awaited for at least half a minute, whatever is left of the wait.
    let (left, terminal) = std::thread::scope(|scope| {
        scope
            .spawn(|| {
                let (k, terminal) = kiosk_at_terminal(&central, 2, SimOutcome::Approve);
                confirm(&k);
                k.wait_until("the card taken, its confirmation awaited", |k| {
                    k.find("fee-instruction").is_some()
                        && k.label("fee-instruction").contains("等待确认")
                });
                (store_left_behind(&k), terminal)
            })
            .join()
            .expect("first kiosk")
    });
    let sent = restarted(&central, Some(&terminal), left);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["payment"]["state"], "unconfirmed");
    assert_eq!(terminal.charges().len(), 1, "taken once, never again");
}
