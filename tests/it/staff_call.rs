//! "Call staff" from the header of any page, against the development central over mTLS: the call
//! reaches the central at once with the page and language and nothing personal, the header and
//! banner say staff are coming, the technician screen lists it and closes it as answered; a
//! call made during a visit closes when the visit ends; a central that does not take calls
//! leaves the applicant with "please ask in person"; a site that turns the button off has none.

use kiosk::sync::api::staff::OpenStaffCalls;
use kiosk::sync::station::StationClient;

use crate::central::{Central, central_on, central_with};
use crate::support::{DEMO_PIN, Kiosk, Options, demo_kiosk_with_options};

/// A hall kiosk whose header calls staff at `central`.
fn kiosk_calling(central: &Central) -> Kiosk {
    demo_kiosk_with_options(Options {
        staff: Some(StationClient::new(central.link("TEST01")).expect("client")),
        ..Options::default()
    })
}

/// The calls open at the central for the test kiosk.
fn open_calls(central: &Central) -> OpenStaffCalls {
    let link = central.link("TEST01");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let answer = link
            .client()
            .get(format!("{}/v1/staff-calls", link.url()))
            .send()
            .await
            .expect("the central answers");
        assert!(answer.status().is_success(), "{}", answer.status());
        answer.json().await.expect("open calls")
    })
}

fn wait_for_calls(k: &Kiosk, central: &Central, count: usize) -> OpenStaffCalls {
    k.wait_until(&format!("{count} open calls at the central"), |_| {
        open_calls(central).calls.len() == count
    });
    open_calls(central)
}

/// Raised between visits (someone needs help before starting), it stays open until staff,
/// logged in on the technician screen, mark it answered.
#[test]
fn a_call_reaches_the_central_and_the_technician_closes_it_as_answered() {
    let central = central_on("127.0.0.1:0");
    let k = kiosk_calling(&central);
    k.tap("language");
    k.tap("call-staff");
    k.wait_until("staff called", |k| k.find("staff-call-status").is_some());
    assert!(
        k.label("staff-call-status")
            .contains("Staff have been called"),
        "{}",
        k.label("staff-call-status")
    );
    let calls = wait_for_calls(&k, &central, 1).calls;
    assert_eq!(
        (
            calls[0].page.as_str(),
            calls[0].language.as_str(),
            calls[0].large_text
        ),
        ("attract", "en", false)
    );
    assert!(
        central.log().contains("staff call raised"),
        "the central logs it"
    );
    // No second call while this one is open.
    let button = k.find("call-staff").expect("button");
    assert_eq!(button.accessible_enabled(), Some(false));
    assert!(k.label("call-staff").contains("Staff called"));

    // Staff arrive: the technician screen lists the call and closes it.
    for _ in 0..5 {
        k.tap("site-name");
        k.advance(200);
    }
    for d in DEMO_PIN.chars() {
        k.tap(&format!("key-{d}"));
    }
    k.tap("tech-submit");
    k.advance(1_000);
    let listed = k.label("tech-staff-call");
    assert!(listed.contains("attract"), "{listed}");
    k.tap("tech-staff-answered");
    wait_for_calls(&k, &central, 0);
    assert!(
        central.log().contains("reason=Answered"),
        "{}",
        central.log()
    );
    k.tap("tech-close");
    assert!(k.find("staff-call-status").is_none(), "the banner is gone");
}

#[test]
fn a_call_made_during_a_visit_closes_when_the_visit_ends() {
    let central = central_on("127.0.0.1:0");
    let k = kiosk_calling(&central);
    k.card_to_details_renewing(0);
    k.tap("call-staff");
    let calls = wait_for_calls(&k, &central, 1).calls;
    assert_eq!(
        (calls[0].page.as_str(), calls[0].language.as_str()),
        ("details", "zh_CN")
    );
    k.tap("demo-remove-card");
    wait_for_calls(&k, &central, 0);
    assert!(
        central.log().contains("reason=SessionEnded"),
        "{}",
        central.log()
    );
}

/// The hall wipes the applicant's data as the form prints, but the applicant is still at the
/// done page: a call made on the review page stays open until they leave it.
#[test]
fn a_call_outlives_the_printing_until_the_done_page_is_left() {
    let central = central_on("127.0.0.1:0");
    let k = kiosk_calling(&central);
    k.card_to_details_renewing(0);
    k.details_to_review();
    k.tap("call-staff");
    let calls = wait_for_calls(&k, &central, 1).calls;
    assert_eq!(calls[0].page, "review");
    k.tap("next");
    k.wait_for_page(kiosk::ui::Page::Done);
    k.advance(2_000);
    assert_eq!(open_calls(&central).calls.len(), 1, "still at the kiosk");
    assert!(k.find("staff-call-status").is_some());
    k.tap("finish");
    wait_for_calls(&k, &central, 0);
}

#[test]
fn a_central_that_takes_no_calls_leaves_the_applicant_to_ask_in_person() {
    let central = central_with("127.0.0.1:0", &["--station-fault", "staff-down"]);
    let k = kiosk_calling(&central);
    k.tap("call-staff");
    k.wait_until("the call given up", |k| {
        k.find("staff-call-status").is_some() && k.label("staff-call-status").contains("咨询台")
    });
    // The applicant may try again.
    let button = k.find("call-staff").expect("button");
    assert_eq!(button.accessible_enabled(), Some(true));
}

#[test]
fn without_a_staff_call_endpoint_the_header_has_no_button() {
    let k = demo_kiosk_with_options(Options::default());
    assert!(k.find("call-staff").is_none());
}
