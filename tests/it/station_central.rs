//! The development central's station endpoints over mutual TLS, as the station kiosk will use
//! them: eligibility from the catalogue, a payment that confirms, an issuance job only once
//! paid (and the same job again for a repeated key), the re-read's confirmation and the
//! remaining-trips record; a declined payment never leads to a job; a repeated payment request
//! never makes a second payment. Every body is read into the contract's wire types.

use kiosk::sync::api::IDEMPOTENCY_KEY;
use kiosk::sync::api::station::{
    Eligibility, EligibilityRequest, EndorsementQuery, EndorsementRecords, IssuanceConfirmation,
    IssuanceJob, IssuanceOutcome, IssuanceRequest, IssuanceState, IssuanceStateKind, Payment,
    PaymentMethod, PaymentRequest, PaymentState,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::central::{Central, central_on, central_with};

/// A blocking caller of one central as device `SYNC01`.
struct Caller {
    central: Central,
    rt: tokio::runtime::Runtime,
}

impl Caller {
    fn new(central: Central) -> Caller {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        Caller { central, rt }
    }

    /// POSTs `body` (with an idempotency key when given); the status and the answer's text.
    fn post(&self, path: &str, key: Option<&str>, body: &impl Serialize) -> (u16, String) {
        let _inside = self.rt.enter();
        let link = self.central.link("SYNC01");
        let url = format!("{}{path}", self.central.url);
        self.rt.block_on(async {
            let mut request = link.client().post(url).json(body);
            if let Some(key) = key {
                request = request.header(IDEMPOTENCY_KEY, key);
            }
            let answer = request.send().await.expect("request");
            (answer.status().as_u16(), answer.text().await.expect("body"))
        })
    }

    fn get(&self, path: &str) -> (u16, String) {
        let _inside = self.rt.enter();
        let link = self.central.link("SYNC01");
        let url = format!("{}{path}", self.central.url);
        self.rt.block_on(async {
            let answer = link.client().get(url).send().await.expect("request");
            (answer.status().as_u16(), answer.text().await.expect("body"))
        })
    }
}

fn read<T: DeserializeOwned>((status, text): (u16, String), expected: u16) -> T {
    assert_eq!(status, expected, "{text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

fn eligibility(c: &Caller, id_number: &str) -> Eligibility {
    let request = EligibilityRequest {
        device_id: "SYNC01".into(),
        site_code: "350203".into(),
        id_number: id_number.into(),
        permit_number: "C12345678".into(),
    };
    read(c.post("/v1/endorsements/eligibility", None, &request), 200)
}

fn pay(c: &Caller, txn: &str, offer: &str, fee: u64) -> Payment {
    let request = PaymentRequest {
        txn_id: txn.into(),
        device_id: "SYNC01".into(),
        method: PaymentMethod::Qr,
        amount_fen: fee,
        offer_ids: vec![offer.into()],
    };
    read(c.post("/v1/payments", Some(txn), &request), 201)
}

#[test]
fn an_endorsement_is_offered_paid_issued_once_confirmed_and_recorded() {
    let c = Caller::new(central_on("127.0.0.1:0"));
    let offers = eligibility(&c, "350203199204180025");
    let macau: Vec<_> = offers
        .offers
        .iter()
        .filter(|o| o.destination == "macau" && o.kind == "G")
        .map(|o| o.trips.as_str())
        .collect();
    assert_eq!(
        macau,
        ["3m1", "1y1"],
        "Macau individual visits are once only"
    );
    let offer = offers
        .offers
        .iter()
        .find(|o| o.destination == "hk" && o.kind == "G" && o.trips == "3m1")
        .expect("HK G 3 months once is offered")
        .clone();
    assert_eq!(offer.fee_fen, 1500);

    let txn = "0193a0b1-2c3d-7e4f-8a9b-0c1d2e3f4a5b";
    let payment = pay(&c, txn, &offer.offer_id, offer.fee_fen);
    assert_eq!(payment.state, PaymentState::Pending);
    assert!(payment.qr_content.is_some(), "a QR to pay by phone");
    assert_eq!(
        pay(&c, txn, &offer.offer_id, offer.fee_fen).payment_id,
        payment.payment_id,
        "asking again returns the same payment"
    );
    let issue = IssuanceRequest {
        txn_id: txn.into(),
        offer_id: offer.offer_id.clone(),
        payment_id: payment.payment_id.clone(),
        permit_number: "C12345678".into(),
    };
    let key = format!("{txn}:{}", offer.offer_id);
    let (status, _) = c.post("/v1/issuance", Some(&key), &issue);
    assert_eq!(status, 402, "no job before the payment is confirmed");
    let paid: Payment = read(c.get(&format!("/v1/payments/{}", payment.payment_id)), 200);
    assert_eq!(paid.state, PaymentState::Paid);
    assert!(paid.transaction_ref.is_some());
    let job: IssuanceJob = read(c.post("/v1/issuance", Some(&key), &issue), 201);
    assert_eq!(
        (job.destination.as_str(), job.trips.as_str()),
        ("hk", "3m1")
    );
    let again: IssuanceJob = read(c.post("/v1/issuance", Some(&key), &issue), 201);
    assert_eq!(again, job, "the same job for the same key");

    let confirmation = IssuanceConfirmation {
        job_id: job.job_id.clone(),
        outcome: IssuanceOutcome::Verified,
        read_at: "2026-11-30T10:03:12".into(),
    };
    let path = format!("/v1/issuance/{}/confirmation", job.job_id);
    let state: IssuanceState = read(c.post(&path, None, &confirmation), 200);
    assert_eq!(state.state, IssuanceStateKind::Confirmed);
    let _: IssuanceState = read(c.post(&path, None, &confirmation), 200);
    let records: EndorsementRecords = read(
        c.post(
            "/v1/endorsements/records",
            None,
            &EndorsementQuery {
                permit_number: "C12345678".into(),
            },
        ),
        200,
    );
    assert_eq!(
        records.endorsements.len(),
        1,
        "confirmed once, recorded once"
    );
    assert_eq!(records.endorsements[0].trips_left, Some(1));
}

#[test]
fn a_declined_payment_never_leads_to_an_issuance_job() {
    let c = Caller::new(central_with("127.0.0.1:0", &["--station-fault", "decline"]));
    let offer = eligibility(&c, "110101199003070015").offers.remove(0);
    let txn = "0193a0b1-9d8c-7b6a-8f4e-3d2c1b0a9f8e";
    let payment = pay(&c, txn, &offer.offer_id, offer.fee_fen);
    let declined: Payment = read(c.get(&format!("/v1/payments/{}", payment.payment_id)), 200);
    assert_eq!(declined.state, PaymentState::Declined);
    let issue = IssuanceRequest {
        txn_id: txn.into(),
        offer_id: offer.offer_id.clone(),
        payment_id: payment.payment_id,
        permit_number: "C12345678".into(),
    };
    let (status, _) = c.post(
        "/v1/issuance",
        Some(&format!("{txn}:{}", offer.offer_id)),
        &issue,
    );
    assert_eq!(status, 402);
}

#[test]
fn kinmen_and_matsu_are_offered_to_fujian_id_numbers_only() {
    let c = Caller::new(central_on("127.0.0.1:0"));
    let request = |id: &str| EligibilityRequest {
        device_id: "SYNC01".into(),
        site_code: "350203".into(),
        id_number: id.into(),
        permit_number: "T12345678".into(),
    };
    let fujian: Eligibility = read(
        c.post(
            "/v1/endorsements/eligibility",
            None,
            &request("350203199204180025"),
        ),
        200,
    );
    let beijing: Eligibility = read(
        c.post(
            "/v1/endorsements/eligibility",
            None,
            &request("110101199003070015"),
        ),
        200,
    );
    let islands = |e: &Eligibility| {
        e.offers
            .iter()
            .filter(|o| o.destination == "kinmen" || o.destination == "matsu")
            .count()
    };
    assert_eq!(islands(&fujian), 4);
    assert_eq!(islands(&beijing), 0);
    assert!(
        beijing
            .refusals
            .iter()
            .any(|r| r.code == "residents_only" && r.destination.as_deref() == Some("kinmen"))
    );
    // Taiwan proper: family visits and others are offered, tours are suspended.
    assert!(
        fujian
            .offers
            .iter()
            .all(|o| !(o.destination == "taiwan" && matches!(o.kind.as_str(), "G" | "L")))
    );
    assert!(
        fujian
            .refusals
            .iter()
            .any(|r| r.code == "suspended" && r.destination.as_deref() == Some("taiwan"))
    );
    // Another device's name in the body is refused.
    let mut other = request("350203199204180025");
    other.device_id = "DEMO01".into();
    let (status, _) = c.post("/v1/endorsements/eligibility", None, &other);
    assert_eq!(status, 403);
}

#[test]
fn a_slow_payment_stays_pending_and_an_issuance_outage_issues_nothing() {
    let slow = Caller::new(central_with(
        "127.0.0.1:0",
        &["--station-fault", "slow-payment"],
    ));
    let offer = eligibility(&slow, "350203199204180025").offers.remove(0);
    let payment = pay(&slow, "txn-slow", &offer.offer_id, offer.fee_fen);
    let path = format!("/v1/payments/{}", payment.payment_id);
    let states: Vec<PaymentState> = (0..4)
        .map(|_| read::<Payment>(slow.get(&path), 200).state)
        .collect();
    assert_eq!(
        states,
        [
            PaymentState::Pending,
            PaymentState::Pending,
            PaymentState::Pending,
            PaymentState::Paid
        ]
    );

    let down = Caller::new(central_with(
        "127.0.0.1:0",
        &["--station-fault", "issuance-error"],
    ));
    let offer = eligibility(&down, "350203199204180025").offers.remove(0);
    let payment = pay(&down, "txn-down", &offer.offer_id, offer.fee_fen);
    let paid: Payment = read(
        down.get(&format!("/v1/payments/{}", payment.payment_id)),
        200,
    );
    assert_eq!(paid.state, PaymentState::Paid);
    let issue = IssuanceRequest {
        txn_id: "txn-down".into(),
        offer_id: offer.offer_id.clone(),
        payment_id: payment.payment_id,
        permit_number: "C12345678".into(),
    };
    let (status, _) = down.post("/v1/issuance", Some("txn-down:x"), &issue);
    assert_eq!(
        status, 503,
        "paid and not issued: the kiosk must ask for a refund"
    );
}
