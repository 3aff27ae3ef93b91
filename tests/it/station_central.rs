//! The kiosk's station client (`sync::station`) against the development central over mutual
//! TLS: eligibility from the catalogue, a payment that confirms, an issuance job only once
//! paid (and the same job again for a repeated key), the re-read's confirmation and the
//! remaining-trips record; a declined payment never leads to a job; a repeated payment request
//! never makes a second payment; an approval paid online goes to one transaction at a time; one
//! payment covers an order of endorsements, one per destination, refunded line by line.
//! Every body is read into the contract's wire types.

use kiosk::sync::api::station::{
    Eligibility, EligibilityRequest, IssuanceConfirmation, IssuanceOutcome, IssuanceRequest,
    IssuanceStateKind, Payment, PaymentMethod, PaymentRequest, PaymentState,
};
use kiosk::sync::station::{StationClient, StationError};

use crate::central::{Central, central_on, central_with};

/// The kiosk's client of one central, as device `SYNC01`, and the central.
struct Station {
    client: StationClient,
    central: Central,
}

fn station(central: Central) -> Station {
    let client = StationClient::new(central.link("SYNC01")).expect("client");
    Station { client, central }
}

fn eligibility(s: &Station, id_number: &str) -> Eligibility {
    let request = EligibilityRequest {
        device_id: "SYNC01".into(),
        site_code: "350203".into(),
        id_number: id_number.into(),
        permit_number: "C12345678".into(),
    };
    s.client.eligibility(&request).expect("eligibility")
}

fn pay(s: &Station, txn: &str, offer: &str, fee: u64) -> Payment {
    let request = PaymentRequest {
        txn_id: txn.into(),
        device_id: "SYNC01".into(),
        method: PaymentMethod::Qr,
        amount_fen: fee,
        offer_ids: vec![offer.into()],
    };
    s.client.create_payment(&request).expect("payment")
}

fn issuance(txn: &str, offer: &str, payment: &str) -> IssuanceRequest {
    IssuanceRequest {
        txn_id: txn.into(),
        offer_id: offer.into(),
        payment_id: payment.into(),
        permit_number: "C12345678".into(),
        holder_check: None,
    }
}

#[test]
fn an_endorsement_is_offered_paid_issued_once_confirmed_and_recorded() {
    let c = station(central_on("127.0.0.1:0"));
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
    let mut other_amount = PaymentRequest {
        txn_id: txn.into(),
        device_id: "SYNC01".into(),
        method: PaymentMethod::Qr,
        amount_fen: 1,
        offer_ids: vec![offer.offer_id.clone()],
    };
    assert!(
        matches!(
            c.client.create_payment(&other_amount),
            Err(StationError::Refused { status: 422, .. })
        ),
        "the same key with another body is refused"
    );
    other_amount.txn_id = "another-transaction".into();
    other_amount.amount_fen = offer.fee_fen;
    assert!(
        matches!(
            c.client.create_payment(&other_amount),
            Err(StationError::Conflict(_))
        ),
        "an offer in a pending payment cannot be paid by another transaction"
    );
    let issue = issuance(txn, &offer.offer_id, &payment.payment_id);
    assert!(
        matches!(c.client.issue(&issue), Err(StationError::NotPaid(_))),
        "no job before the payment is confirmed"
    );
    let demo = StationClient::new(c.central.link("DEMO01")).expect("client");
    assert!(
        matches!(
            demo.cancel_payment(&payment.payment_id),
            Err(StationError::NotThisKiosk(_))
        ),
        "another kiosk cannot touch this payment"
    );
    assert!(
        matches!(
            demo.payment(&payment.payment_id),
            Err(StationError::NotThisKiosk(_))
        ),
        "nor read it"
    );
    let paid = c.client.payment(&payment.payment_id).expect("status");
    assert_eq!(paid.state, PaymentState::Paid);
    assert!(paid.transaction_ref.is_some());
    assert!(
        matches!(demo.issue(&issue), Err(StationError::NotThisKiosk(_))),
        "another kiosk cannot have this payment's job"
    );
    let job = c.client.issue(&issue).expect("job");
    assert_eq!(
        (job.destination.as_str(), job.trips.as_str()),
        ("hk", "3m1")
    );
    assert_eq!(
        c.client.issue(&issue).expect("job"),
        job,
        "the same job again"
    );

    let confirmation = IssuanceConfirmation {
        job_id: job.job_id.clone(),
        outcome: IssuanceOutcome::Verified,
        read_at: "2026-11-30T10:03:12".into(),
    };
    assert!(
        matches!(
            demo.confirm(&confirmation),
            Err(StationError::NotThisKiosk(_))
        ),
        "nor confirm this kiosk's job"
    );
    let state = c.client.confirm(&confirmation).expect("confirmed");
    assert_eq!(state.state, IssuanceStateKind::Confirmed);
    c.client
        .confirm(&confirmation)
        .expect("a repeat answers the same");
    let contradicting = IssuanceConfirmation {
        outcome: IssuanceOutcome::NotWritten,
        ..confirmation
    };
    assert!(
        matches!(
            c.client.confirm(&contradicting),
            Err(StationError::Conflict(_))
        ),
        "a job confirmed verified cannot then be refunded"
    );
    let records = c.client.records("C12345678").expect("records");
    assert_eq!(
        records.endorsements.len(),
        1,
        "confirmed once, recorded once"
    );
    assert_eq!(records.endorsements[0].trips_left, Some(1));
}

/// One payment for Hong Kong and Macau: never two offers for one destination; each offer gets
/// its own job under the order's number; one confirmed not written refunds its own fee alone.
#[test]
fn one_payment_covers_an_order_and_a_line_not_written_is_refunded_alone() {
    let c = station(central_on("127.0.0.1:0"));
    let offers = eligibility(&c, "350203199204180025").offers;
    let find = |destination: &str, trips: &str| {
        offers
            .iter()
            .find(|o| o.destination == destination && o.kind == "G" && o.trips == trips)
            .unwrap_or_else(|| panic!("{destination} G {trips} offered"))
            .clone()
    };
    let (hk, hk_twice, macau) = (find("hk", "3m1"), find("hk", "3m2"), find("macau", "3m1"));
    let order = "SYNC0126113000007X";
    let request = |offers: &[&kiosk::sync::api::station::EndorsementOffer]| PaymentRequest {
        txn_id: order.into(),
        device_id: "SYNC01".into(),
        method: PaymentMethod::Qr,
        amount_fen: offers.iter().map(|o| o.fee_fen).sum(),
        offer_ids: offers.iter().map(|o| o.offer_id.clone()).collect(),
    };
    assert!(
        matches!(
            c.client.create_payment(&request(&[&hk, &hk_twice])),
            Err(StationError::Conflict(_))
        ),
        "two endorsements for Hong Kong in one payment"
    );
    let payment = c
        .client
        .create_payment(&request(&[&hk, &macau]))
        .expect("one payment for both");
    assert_eq!(payment.amount_fen, hk.fee_fen + macau.fee_fen);
    let paid = c.client.payment(&payment.payment_id).expect("status");
    assert_eq!(paid.state, PaymentState::Paid);
    let job = |offer: &str| {
        c.client
            .issue(&issuance(order, offer, &payment.payment_id))
            .expect("a job per offer")
    };
    let (hk_job, macau_job) = (job(&hk.offer_id), job(&macau.offer_id));
    assert_ne!(hk_job.job_id, macau_job.job_id);
    assert_eq!(macau_job.destination, "macau");
    let confirm = |job: &str, outcome| {
        c.client
            .confirm(&IssuanceConfirmation {
                job_id: job.into(),
                outcome,
                read_at: "2026-11-30T10:03:12".into(),
            })
            .expect("confirmed")
            .state
    };
    assert_eq!(
        confirm(&hk_job.job_id, IssuanceOutcome::Verified),
        IssuanceStateKind::Confirmed
    );
    assert_eq!(
        confirm(&macau_job.job_id, IssuanceOutcome::NotWritten),
        IssuanceStateKind::RefundRequested
    );
    let refunds: Vec<String> = c
        .central
        .log()
        .lines()
        .filter(|l| l.contains("refund requested"))
        .map(str::to_string)
        .collect();
    assert_eq!(refunds.len(), 1, "{refunds:?}");
    assert!(
        refunds[0].contains(&macau_job.job_id)
            && refunds[0].contains(&format!("refund_fen={}", macau.fee_fen)),
        "Macau's fee alone: {refunds:?}"
    );
    let records = c.client.records("C12345678").expect("records").endorsements;
    let on_record: Vec<&str> = records.iter().map(|r| r.destination.as_str()).collect();
    assert_eq!(on_record, ["hk"]);
}

/// An approval paid online goes to one transaction at a time and is written once: while a
/// transaction holds it, it is not listed and another transaction gets no job; confirmed as not
/// written it is listed again and another transaction may take it; confirmed as written it is
/// gone. Another device never reads its payment nor takes it without having been shown it.
#[test]
fn an_approval_paid_online_goes_to_one_transaction_at_a_time_and_is_written_once() {
    let c = station(central_on("127.0.0.1:0"));
    let question = EligibilityRequest {
        device_id: "SYNC01".into(),
        site_code: "350203".into(),
        id_number: "350203199204180025".into(),
        permit_number: "C12345678".into(),
    };
    let listed = |s: &Station| s.client.approved(&question).expect("approvals").approvals;
    let approval = listed(&c).remove(0);
    let (id, paid_by) = (approval.offer.offer_id.clone(), approval.payment_id.clone());
    assert_eq!(
        c.client.payment(&paid_by).expect("listed: readable").state,
        PaymentState::Paid
    );
    // Another kiosk that was never shown it.
    let other = StationClient::new(c.central.link("TEST01")).expect("client");
    assert!(matches!(
        other.payment(&paid_by),
        Err(StationError::NotThisKiosk(_))
    ));
    assert!(matches!(
        other.issue(&issuance("TXN-OTHER", &id, &paid_by)),
        Err(StationError::NotThisKiosk(_))
    ));
    let first = c
        .client
        .issue(&issuance("TXN-1", &id, &paid_by))
        .expect("job");
    assert!(listed(&c).is_empty(), "held: not listed");
    assert!(matches!(
        c.client.issue(&issuance("TXN-2", &id, &paid_by)),
        Err(StationError::Conflict(_))
    ));
    assert_eq!(
        c.client
            .issue(&issuance("TXN-1", &id, &paid_by))
            .expect("the same job again")
            .job_id,
        first.job_id
    );
    let confirm = |job: &str, outcome| {
        c.client
            .confirm(&IssuanceConfirmation {
                job_id: job.into(),
                outcome,
                read_at: "2026-11-30T10:00:00".into(),
            })
            .expect("confirmed")
            .state
    };
    assert_eq!(
        confirm(&first.job_id, IssuanceOutcome::NotWritten),
        IssuanceStateKind::ApprovalKept
    );
    assert_eq!(listed(&c).len(), 1, "not written: open again");
    let second = c
        .client
        .issue(&issuance("TXN-2", &id, &paid_by))
        .expect("another transaction may take it now");
    assert_eq!(
        confirm(&second.job_id, IssuanceOutcome::Verified),
        IssuanceStateKind::Confirmed
    );
    // The first transaction's late repeat changes nothing.
    confirm(&first.job_id, IssuanceOutcome::NotWritten);
    assert!(listed(&c).is_empty(), "written: gone");
    assert!(matches!(
        c.client.issue(&issuance("TXN-3", &id, &paid_by)),
        Err(StationError::Conflict(_))
    ));
}

#[test]
fn a_declined_payment_never_leads_to_an_issuance_job() {
    let c = station(central_with("127.0.0.1:0", &["--station-fault", "decline"]));
    let offer = eligibility(&c, "110101199003070015").offers.remove(0);
    let txn = "0193a0b1-9d8c-7b6a-8f4e-3d2c1b0a9f8e";
    let payment = pay(&c, txn, &offer.offer_id, offer.fee_fen);
    let declined = c.client.payment(&payment.payment_id).expect("status");
    assert_eq!(declined.state, PaymentState::Declined);
    let cancelled = c
        .client
        .cancel_payment(&payment.payment_id)
        .expect("cancel");
    assert_eq!(
        cancelled.state,
        PaymentState::Declined,
        "settled stays settled"
    );
    let issue = issuance(txn, &offer.offer_id, &payment.payment_id);
    assert!(matches!(
        c.client.issue(&issue),
        Err(StationError::NotPaid(_))
    ));
}

#[test]
fn kinmen_and_matsu_are_offered_to_fujian_id_numbers_only() {
    let c = station(central_on("127.0.0.1:0"));
    let request = |id: &str| EligibilityRequest {
        device_id: "SYNC01".into(),
        site_code: "350203".into(),
        id_number: id.into(),
        permit_number: "T12345678".into(),
    };
    let fujian = c
        .client
        .eligibility(&request("350203199204180025"))
        .expect("eligibility");
    let beijing = c
        .client
        .eligibility(&request("110101199003070015"))
        .expect("eligibility");
    let islands = |e: &Eligibility| {
        e.offers
            .iter()
            .filter(|o| o.destination == "kinmen" || o.destination == "matsu")
            .count()
    };
    assert_eq!(islands(&fujian), 4);
    assert_eq!(islands(&beijing), 0);
    // The stay per trip follows the catalogue's rule where it has one: Matsu 15 days.
    let matsu: Vec<u32> = fujian
        .offers
        .iter()
        .filter(|o| o.destination == "matsu")
        .map(|o| o.stay_days)
        .collect();
    assert_eq!(matsu, [15, 15]);
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
    assert!(matches!(
        c.client.eligibility(&other),
        Err(StationError::NotThisKiosk(_))
    ));
}

#[test]
fn a_slow_payment_stays_pending_and_an_issuance_outage_issues_nothing() {
    let slow = station(central_with(
        "127.0.0.1:0",
        &["--station-fault", "slow-payment"],
    ));
    let offer = eligibility(&slow, "350203199204180025").offers.remove(0);
    let payment = pay(&slow, "txn-slow", &offer.offer_id, offer.fee_fen);
    let states: Vec<PaymentState> = (0..4)
        .map(|_| {
            slow.client
                .payment(&payment.payment_id)
                .expect("status")
                .state
        })
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

    let down = station(central_with(
        "127.0.0.1:0",
        &["--station-fault", "issuance-error"],
    ));
    let offer = eligibility(&down, "350203199204180025").offers.remove(0);
    let payment = pay(&down, "txn-down", &offer.offer_id, offer.fee_fen);
    let paid = down.client.payment(&payment.payment_id).expect("status");
    assert_eq!(paid.state, PaymentState::Paid);
    let issue = issuance("txn-down", &offer.offer_id, &payment.payment_id);
    assert!(
        matches!(down.client.issue(&issue), Err(StationError::NoAnswer(_))),
        "paid and not issued: the kiosk asks again later, or for a refund"
    );
}

/// Every committed move of a transaction reaches the central through the outbox, in order, and
/// is marked sent only when acknowledged; a repeat changes nothing; another kiosk cannot read or
/// extend the journal.
#[test]
fn every_move_of_a_transaction_reaches_the_central_in_order_through_the_outbox() {
    use kiosk::domain::endorsement::{Event, State};
    use kiosk::store::{Store, StoreKey};
    use kiosk::sync::api::station::EndorsementJournal;
    use kiosk::sync::transitions::send_transitions;

    let central = central_on("127.0.0.1:0");
    let dir = tempfile::tempdir().expect("dir");
    let mut store = Store::open(dir.path(), &StoreKey::from_bytes([3; 32])).expect("store");
    let at = |m: u32| {
        chrono::NaiveDate::from_ymd_opt(2026, 11, 30)
            .and_then(|d| d.and_hms_opt(10, m, 0))
            .expect("time")
    };
    let txn = "SYNC0126113000001X";
    store
        .open_endorsement(txn, 1500, "{}", at(0))
        .expect("open");
    for (m, e) in [(1, Event::Choose), (2, Event::PaymentStarted)] {
        store.advance_endorsement(txn, e, at(m)).expect("move");
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let link = central.link("SYNC01");
    let send = |store: &mut Store| runtime.block_on(send_transitions(store, &link));
    let acknowledged = |store: &mut Store| send(store).expect("journal").acknowledged;
    assert_eq!(acknowledged(&mut store), 3);
    assert_eq!(acknowledged(&mut store), 0, "nothing left to send");
    store
        .advance_endorsement(txn, Event::PaymentConfirmed, at(3))
        .expect("move");
    assert_eq!(acknowledged(&mut store), 1);

    let journal = |device: &str| {
        let link = central.link(device);
        runtime.block_on(async {
            link.client()
                .get(format!("{}/v1/endorsements/{txn}/transitions", link.url()))
                .send()
                .await
                .expect("the central answers")
        })
    };
    let answer = journal("SYNC01");
    assert!(answer.status().is_success(), "{}", answer.status());
    let held: EndorsementJournal = runtime.block_on(answer.json()).expect("the journal");
    assert_eq!(held.txn_id, txn);
    let states: Vec<(u32, &str)> = held
        .transitions
        .iter()
        .map(|t| (t.seq, t.state.as_str()))
        .collect();
    assert_eq!(
        states,
        [
            (0, "offered"),
            (1, "chosen"),
            (2, "payment_pending"),
            (3, "paid")
        ]
    );
    assert_eq!(
        store.endorsement_journal(txn).expect("journal"),
        [
            State::Offered,
            State::Chosen,
            State::PaymentPending,
            State::Paid
        ],
        "the central's journal is the kiosk's"
    );
    assert_eq!(journal("TEST01").status().as_u16(), 403, "another kiosk's");

    // A central that refuses a move leaves it to the next pass, unsent: here another store
    // claims the same move with another time (the central keeps what it was told first).
    let mut other = Store::open(
        tempfile::tempdir().expect("dir").keep().as_path(),
        &StoreKey::from_bytes([4; 32]),
    )
    .expect("store");
    other
        .open_endorsement(txn, 1500, "{}", at(5))
        .expect("open");
    other
        .open_endorsement("SYNC0126113000002X", 1500, "{}", at(6))
        .expect("open");
    let refused = send(&mut other).expect("journal");
    assert_eq!(refused.acknowledged, 1, "the other transaction still goes");
    assert!(
        matches!(&refused.problems[..], [p] if p.contains("422")),
        "{refused:?}"
    );
    assert_eq!(other.unsent_transitions(10).expect("unsent").len(), 1);

    // The central lacks an earlier move (here: marked sent but never delivered): it answers 409,
    // the kiosk sends the whole transaction again, and the repeats are harmless.
    let lost = "SYNC0126113000003X";
    store
        .open_endorsement(lost, 1500, "{}", at(7))
        .expect("open");
    store.transition_sent(lost, 0).expect("pretend");
    store
        .advance_endorsement(lost, Event::Choose, at(8))
        .expect("move");
    let first = send(&mut store).expect("journal");
    assert!(
        matches!(&first.problems[..], [p] if p.contains("earlier move")),
        "{first:?}"
    );
    assert_eq!(acknowledged(&mut store), 2, "offered and chosen, in order");
    assert!(store.unsent_transitions(10).expect("unsent").is_empty());
}
