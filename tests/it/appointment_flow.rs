//! The hall kiosk with today's booking from the development central (over mTLS,
//! `POST /v1/people/appointment`): a booking found is shown on the review page, printed on the
//! form and sent with the application; appointments switched off at the central leave the form
//! printing with "not looked up". The sample bookings are `domain::samples::sample_appointments`.

use chrono::Local;
use kiosk::devices::printer::interpret::{parse, text_lines};
use kiosk::domain::samples::{sample_appointments, sample_identities};
use kiosk::store::Store;
use kiosk::sync::station::StationClient;
use kiosk::ui::Page;

use crate::central::{Central, central_on, central_with};
use crate::support::{Kiosk, Options, demo_kiosk_with_options, test_key};

fn hall_kiosk(central: &Central) -> Kiosk {
    demo_kiosk_with_options(Options {
        records: Some(StationClient::new(central.link("TEST01")).expect("client")),
        ..Options::default()
    })
}

/// Sample card `index` through to the review page with a passport renewal, once the central
/// has answered about the booking.
fn to_review(k: &Kiosk, index: usize) {
    k.card_to_details_renewing(index);
    k.details_to_review();
    k.wait_until("the booking answer", |k| {
        k.find("review-booking")
            .and_then(|e| e.accessible_label())
            .is_some_and(|l| !l.contains("正在查询"))
    });
}

/// The printed form's text and the queued submission of application `number`.
fn form_and_body(k: &Kiosk, number: &str) -> (String, serde_json::Value) {
    let form = std::fs::read(k.receipts().join(format!("{number}.bin"))).expect("form");
    let text = text_lines(&parse(&form).expect("the form parses")).join(" ");
    let store = Store::open(k.data_dir(), &test_key()).expect("store");
    let body = serde_json::from_str(&store.pending(1).expect("outbox")[0].body).expect("json");
    (text, body)
}

/// 曾小芳 is booked for the half hour she arrives in: the review page says she is on time at
/// window 3, the form carries the slot, service and window, and the central gets the booking's id.
#[test]
fn an_appointment_found_is_shown_printed_and_sent() {
    let central = central_on("127.0.0.1:0");
    let k = hall_kiosk(&central);
    // The booking the central holds now (none in the last half hour before midnight, when
    // the slot would cross into tomorrow: then she is a walk-in).
    let now = Local::now().naive_local();
    let her = &sample_identities(now.date())[0].id_number;
    let booked = sample_appointments(now)
        .into_iter()
        .find(|(holder, _)| holder == her)
        .map(|(_, a)| a);
    to_review(&k, 0);
    let on_screen = k.label("review-booking");
    let number = {
        k.tap("next");
        k.wait_for_page(Page::Done);
        k.label("number")
    };
    let (form, body) = form_and_body(&k, &number);
    match booked {
        Some(a) => {
            let slot = format!("{}–{}", a.slot_start(), a.slot_end());
            assert!(
                on_screen.contains(&slot) && on_screen.contains("3 号窗口"),
                "{on_screen}"
            );
            assert!(
                form.contains(&format!(
                    "预约 Appointment: {slot} · 普通护照 Passport · 3号窗口 window 3"
                )),
                "{form}"
            );
            assert_eq!(body["appointment"]["appointment_id"], a.id.as_str());
            assert_eq!(body["appointment"]["arrival"], "on_time");
        }
        None => {
            assert!(on_screen.contains("没有预约"), "{on_screen}");
            assert!(
                form.contains("预约 Appointment: 无，现场办理 none, walk-in"),
                "{form}"
            );
            assert!(body.get("appointment").is_none(), "{body}");
        }
    }
}

/// 阿依古丽·买买提 has no booking: a walk-in, said on screen and on the form.
#[test]
fn no_appointment_is_a_walk_in() {
    let central = central_on("127.0.0.1:0");
    let k = hall_kiosk(&central);
    to_review(&k, 5);
    assert!(k.label("review-booking").contains("没有预约"));
    k.tap("next");
    k.wait_for_page(Page::Done);
    let (form, body) = form_and_body(&k, &k.label("number"));
    assert!(form.contains("none, walk-in"), "{form}");
    assert!(body.get("appointment").is_none(), "{body}");
}

/// Appointments down at the central (503) while the documents answer: the renewal is still
/// suggested, the review page and the form say the booking could not be looked up, and the
/// application is stored and queued as usual.
#[test]
fn with_appointments_down_the_form_says_not_looked_up_and_prints() {
    let central = central_with("127.0.0.1:0", &["--station-fault", "appointment-down"]);
    let k = hall_kiosk(&central);
    k.tap("demo-card-0");
    k.wait_for_page(Page::CardRead);
    k.tap("next");
    k.tap("doc-passport");
    k.wait_until("the renewal suggested", |k| {
        k.find("record-passport")
            .and_then(|e| e.accessible_label())
            .is_some_and(|l| l.contains("换发"))
    });
    k.tap("next");
    k.details_to_review();
    k.wait_until("the booking look-up to fail", |k| {
        k.label("review-booking").contains("无法查询")
    });
    k.tap("next");
    k.wait_for_page(Page::Done);
    let (form, body) = form_and_body(&k, &k.label("number"));
    assert!(form.contains("not looked up"), "{form}");
    assert_eq!(body["documents"][0]["category"], "renewal");
    assert!(body.get("appointment").is_none(), "{body}");
}
