//! The central contract against the kiosk's wire types: every `example` and `examples` entry of
//! a request or response body in `docs/central-api.yaml` (and any `examples` of a schema) is read
//! into the Rust type of its schema and written back, and must come out unchanged; each must
//! also match its schema, checked by the `jsonschema` crate on the document itself. Every wire
//! type has an example, so a field renamed, added or dropped on either side fails here; and
//! real bodies — what the kiosk builds, what the development central answers — are validated
//! against the same schemas.

use kiosk::domain::fee_payment::FeePayment;
use kiosk::sync::api::{self, station};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use yaml_rust2::{Yaml, YamlLoader};

use crate::support::repo;

type RoundTrip = fn(&Value) -> Result<Value, String>;

/// The wire types, by the name of their schema in the contract.
const WIRE_TYPES: &[(&str, RoundTrip)] = &[
    ("Submission", round_trip::<api::Submission>),
    ("Ack", round_trip::<api::Ack>),
    ("SubmissionState", round_trip::<api::SubmissionState>),
    ("Problem", round_trip::<api::Problem>),
    ("Heartbeat", round_trip::<api::Heartbeat>),
    ("HeartbeatReply", round_trip::<api::HeartbeatReply>),
    ("FleetCommand", round_trip::<api::fleet::FleetCommand>),
    ("CommandResult", round_trip::<api::fleet::CommandResult>),
    ("Diagnostics", round_trip::<api::fleet::Diagnostics>),
    ("QueueFigures", round_trip::<api::fleet::QueueFigures>),
    ("DeviceCounters", round_trip::<api::fleet::DeviceCounters>),
    ("DeviceConfig", round_trip::<api::DeviceConfig>),
    ("ApplicationRecord", round_trip::<api::ApplicationRecord>),
    ("DocumentsQuery", round_trip::<station::DocumentsQuery>),
    (
        "DocumentsOnRecord",
        round_trip::<station::DocumentsOnRecord>,
    ),
    (
        "AppointmentQuery",
        round_trip::<api::hall::AppointmentQuery>,
    ),
    (
        "FeePaymentRequest",
        round_trip::<api::hall::FeePaymentRequest>,
    ),
    (
        "StaffCallRequest",
        round_trip::<api::staff::StaffCallRequest>,
    ),
    ("StaffCallClose", round_trip::<api::staff::StaffCallClose>),
    ("StaffCall", round_trip::<api::staff::StaffCall>),
    ("OpenStaffCalls", round_trip::<api::staff::OpenStaffCalls>),
    ("RatingBatch", round_trip::<api::hall::RatingBatch>),
    ("RatingAck", round_trip::<api::hall::RatingAck>),
    (
        "SatisfactionSummary",
        round_trip::<api::hall::SatisfactionSummary>,
    ),
    (
        "AppointmentAnswer",
        round_trip::<api::hall::AppointmentAnswer>,
    ),
    (
        "EligibilityRequest",
        round_trip::<station::EligibilityRequest>,
    ),
    ("Eligibility", round_trip::<station::Eligibility>),
    ("Approvals", round_trip::<station::Approvals>),
    ("PaymentRequest", round_trip::<station::PaymentRequest>),
    ("Payment", round_trip::<station::Payment>),
    ("IssuanceRequest", round_trip::<station::IssuanceRequest>),
    ("IssuanceJob", round_trip::<station::IssuanceJob>),
    (
        "IssuanceConfirmation",
        round_trip::<station::IssuanceConfirmation>,
    ),
    ("IssuanceState", round_trip::<station::IssuanceState>),
    (
        "EndorsementTransition",
        round_trip::<station::EndorsementTransition>,
    ),
    ("TransitionAck", round_trip::<station::TransitionAck>),
    (
        "EndorsementJournal",
        round_trip::<station::EndorsementJournal>,
    ),
    ("EndorsementQuery", round_trip::<station::EndorsementQuery>),
    (
        "EndorsementRecords",
        round_trip::<station::EndorsementRecords>,
    ),
];

fn round_trip<T: Serialize + DeserializeOwned>(example: &Value) -> Result<Value, String> {
    let typed: T = serde_json::from_value(example.clone()).map_err(|e| e.to_string())?;
    serde_json::to_value(&typed).map_err(|e| e.to_string())
}

/// The contract as JSON (aliases resolved by the YAML loader).
pub fn contract() -> Value {
    let text = std::fs::read_to_string(repo().join("docs/central-api.yaml")).expect("contract");
    let docs = YamlLoader::load_from_str(&text).expect("the contract is YAML");
    json(&docs[0])
}

fn json(y: &Yaml) -> Value {
    match y {
        Yaml::Real(r) => serde_json::Number::from_f64(r.parse().expect("a YAML real"))
            .map_or(Value::Null, Value::Number),
        Yaml::Integer(i) => Value::from(*i),
        Yaml::String(s) => Value::String(s.clone()),
        Yaml::Boolean(b) => Value::Bool(*b),
        Yaml::Array(items) => Value::Array(items.iter().map(json).collect()),
        Yaml::Hash(map) => Value::Object(
            map.iter()
                .map(|(k, v)| match k {
                    Yaml::String(k) => (k.clone(), json(v)),
                    Yaml::Integer(k) => (k.to_string(), json(v)),
                    other => panic!("mapping key {other:?} in the contract"),
                })
                .collect(),
        ),
        Yaml::Null => Value::Null,
        Yaml::Alias(_) | Yaml::BadValue => panic!("unresolved node {y:?} in the contract"),
    }
}

fn entries(v: &Value) -> impl Iterator<Item = (&String, &Value)> {
    v.as_object().into_iter().flatten()
}

/// Follows `$ref`s within the document.
fn resolve<'a>(doc: &'a Value, mut v: &'a Value) -> &'a Value {
    while let Some(target) = v.get("$ref").and_then(Value::as_str) {
        let pointer = target
            .strip_prefix('#')
            .expect("a reference within the contract");
        v = doc
            .pointer(pointer)
            .unwrap_or_else(|| panic!("{target} is not in the contract"));
    }
    v
}

struct Example {
    place: String,
    schema: String,
    value: Value,
}

/// Every example of a body, with the schema it is an example of.
fn examples(doc: &Value) -> Vec<Example> {
    let mut out = Vec::new();
    for (path, item) in entries(&doc["paths"]) {
        for (method, operation) in entries(item) {
            if let Some(body) = operation.get("requestBody") {
                bodies(doc, &format!("{method} {path} request"), body, &mut out);
            }
            for (status, response) in entries(&operation["responses"]) {
                bodies(
                    doc,
                    &format!("{method} {path} {status}"),
                    response,
                    &mut out,
                );
            }
        }
    }
    for (name, schema) in entries(&doc["components"]["schemas"]) {
        for (i, value) in schema["examples"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
        {
            out.push(Example {
                place: format!("schema {name}, example {i}"),
                schema: name.clone(),
                value: value.clone(),
            });
        }
    }
    out
}

fn bodies(doc: &Value, place: &str, holder: &Value, out: &mut Vec<Example>) {
    for (media, m) in entries(&resolve(doc, holder)["content"]) {
        let place = format!("{place} {media}");
        let schema = m["schema"]["$ref"]
            .as_str()
            .and_then(|r| r.strip_prefix("#/components/schemas/"))
            .unwrap_or_else(|| panic!("{place}: the body's schema is not a named component"))
            .to_string();
        if let Some(value) = m.get("example") {
            out.push(Example {
                place: place.clone(),
                schema: schema.clone(),
                value: value.clone(),
            });
        }
        for (name, example) in entries(&m["examples"]) {
            out.push(Example {
                place: format!("{place} ({name})"),
                schema: schema.clone(),
                value: resolve(doc, example)["value"].clone(),
            });
        }
    }
}

#[test]
fn every_example_round_trips_through_its_wire_type() {
    let doc = contract();
    let mut problems = Vec::new();
    for e in examples(&doc) {
        let Some((_, trip)) = WIRE_TYPES.iter().find(|(name, _)| *name == e.schema) else {
            problems.push(format!("{}: no wire type for schema {}", e.place, e.schema));
            continue;
        };
        match trip(&e.value) {
            Ok(back) if back == e.value => {}
            Ok(back) => problems.push(format!(
                "{}: written back as\n  {back}\nnot\n  {}",
                e.place, e.value
            )),
            Err(why) => problems.push(format!("{}: not a {}: {why}", e.place, e.schema)),
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_wire_type_has_an_example() {
    let all = examples(&contract());
    let missing: Vec<_> = WIRE_TYPES
        .iter()
        .map(|(name, _)| *name)
        .filter(|name| !all.iter().any(|e| e.schema == *name))
        .collect();
    assert!(missing.is_empty(), "no example of {missing:?}");
}

#[test]
fn every_example_matches_its_schema() {
    let doc = contract();
    let mut problems = Vec::new();
    for e in examples(&doc) {
        assert!(
            !doc["components"]["schemas"][&e.schema].is_null(),
            "{}: no schema {}",
            e.place,
            e.schema
        );
        problems.extend(schema_problems(&doc, &e.schema, &e.value, &e.place));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// What is wrong with `value` as an instance of the contract's schema `name`, by the
/// `jsonschema` crate (JSON Schema 2020-12, the dialect of OpenAPI 3.1) on the whole document,
/// so references between components resolve as a central's validator would resolve them.
pub fn schema_problems(doc: &Value, name: &str, value: &Value, place: &str) -> Vec<String> {
    let mut root = doc.clone();
    root["$ref"] = Value::String(format!("#/components/schemas/{name}"));
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .build(&root)
        .unwrap_or_else(|e| panic!("schema {name} does not compile: {e}"));
    validator
        .iter_errors(value)
        .map(|e| format!("{place}: {e} (at {})", e.instance_path()))
        .collect()
}

#[test]
fn the_validator_refuses_what_the_contract_forbids() {
    let doc = contract();
    let query = serde_json::json!({"id_number": "350203199204180025"});
    assert!(schema_problems(&doc, "DocumentsQuery", &query, "query").is_empty());
    let mut extra = query.clone();
    extra["surprise"] = Value::Bool(true);
    let wrong_type = serde_json::json!({"id_number": 350203});
    for bad in [extra, wrong_type, serde_json::json!({})] {
        assert!(
            !schema_problems(&doc, "DocumentsQuery", &bad, "query").is_empty(),
            "{bad} passed"
        );
    }
    // An enum value the contract does not list, deep in a referenced component.
    let odd = serde_json::json!({"documents": [{"kind": "visa", "number": "X", "form": "card",
        "issued_on": "2020-01-01", "expires_on": "2030-01-01", "status": "valid", "name_latin": null}]});
    assert!(!schema_problems(&doc, "DocumentsOnRecord", &odd, "documents").is_empty());
}

/// Both directions, with real bodies rather than the document's examples: what the kiosk
/// sends (a submission with its photo and one whose photo is left to the window, built by the
/// kiosk's own code; its heartbeat is validated in `fleet`) and what the development central
/// answers on the hall's, the fleet's and every station endpoint (a problem body too), each
/// validated against its schema in the contract.
#[test]
fn the_bodies_the_kiosk_sends_and_the_development_central_answers_match_the_contract() {
    let doc = contract();
    let mut problems = Vec::new();
    let mut check = |name: &str, value: &Value, place: &str| {
        problems.extend(schema_problems(&doc, name, value, place));
    };
    let mut application = kiosk::devices::printer::sample_application();
    let key = "0190f3b7-1a2b-7c3d-8e4f-5a6b7c8d9e0f";
    let with_photo = api::Submission::new(&application, "TEST01", key, api::FormType::HallSelfFill);
    check(
        "Submission",
        &serde_json::to_value(&with_photo).expect("json"),
        "submission with photo",
    );
    application.photo = None;
    application.photo_report = Some(
        r#"{"spec":"exit-entry","checks":[{"id":"background_uniform","value":17.5,"limit":"σ ≤ 12","passed":false,"advice":"background-uniform"}],"quality":null}"#.into(),
    );
    let at_window = api::Submission::new(&application, "TEST01", key, api::FormType::HallSelfFill);
    check(
        "Submission",
        &serde_json::to_value(&at_window).expect("json"),
        "submission, photo at the window",
    );
    let test = api::Submission::new(&application, "TEST01", key, api::FormType::TechnicianTest);
    check(
        "Submission",
        &serde_json::to_value(&test).expect("json"),
        "technician's test submission",
    );
    // Each state of the fee the kiosk can send (`domain::fee_payment`).
    let id = || "F-000001".to_string();
    for payment in [
        FeePayment::Paid {
            payment_id: id(),
            reference: Some("4200001".into()),
        },
        FeePayment::Pending {
            payment_id: id(),
            qr: "https://pay.example.invalid/fee/1".into(),
            pay_by: "2026-03-14T23:59:59".into(),
        },
        FeePayment::Declined { payment_id: id() },
        FeePayment::NotIssued,
        FeePayment::Unconfirmed {
            payment_id: id(),
            reference: None,
        },
        FeePayment::Interrupted { payment_id: id() },
    ] {
        let state = payment.state();
        application.payment = Some(payment);
        let paying = api::Submission::new(&application, "TEST01", key, api::FormType::HallSelfFill);
        let body = serde_json::to_value(&paying).expect("json");
        assert_eq!(body["payment"]["state"], state);
        check("Submission", &body, &format!("submission, fee {state}"));
    }

    let central = crate::central::central_on("127.0.0.1:0");
    let link = central.link("TEST01");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let call = |path: &str, key: Option<&str>, body: Option<Value>| -> Value {
        runtime.block_on(async {
            let url = format!("{}{path}", link.url());
            let mut request = match &body {
                Some(b) => link.client().post(url).json(b),
                None => link.client().get(url),
            };
            if let Some(key) = key {
                request = request.header(api::IDEMPOTENCY_KEY, key);
            }
            let answer = request.send().await.expect("the central answers");
            assert!(answer.status().is_success(), "{path}: {}", answer.status());
            answer.json().await.expect("a JSON body")
        })
    };
    // The hall's endpoints: the submission acknowledged, its state, the application behind its
    // number, the heartbeat's reply.
    let ack = call(
        "/v1/submissions",
        Some(key),
        Some(serde_json::to_value(&with_photo).expect("json")),
    );
    check("Ack", &ack, "POST /v1/submissions");
    let again = call(
        "/v1/submissions",
        Some(key),
        Some(serde_json::to_value(&with_photo).expect("json")),
    );
    check("Ack", &again, "POST /v1/submissions (repeated)");
    let state = call(&format!("/v1/submissions/{key}"), None, None);
    check("SubmissionState", &state, "GET /v1/submissions/{key}");
    let number = with_photo.number.clone();
    let record = call(&format!("/v1/applications/{number}"), None, None);
    check(
        "ApplicationRecord",
        &record,
        "GET /v1/applications/{number}",
    );
    // A staff call as the kiosk raises it, its listing, and its closing.
    let mut calls = kiosk::app::StaffCalls::default();
    let place = kiosk::app::Place {
        page: "review",
        language: "zh_CN",
        large_text: true,
        in_visit: true,
    };
    let raised = calls
        .raise("TEST01", place, 0, chrono::Local::now().naive_local())
        .expect("a call");
    let raised = serde_json::to_value(&raised).expect("json");
    check("StaffCallRequest", &raised, "staff call sent here");
    let call_id = raised["call_id"].as_str().expect("id").to_string();
    let open = call("/v1/staff-calls", Some(&call_id), Some(raised.clone()));
    check("StaffCall", &open, "POST /v1/staff-calls");
    check(
        "OpenStaffCalls",
        &call("/v1/staff-calls", None, None),
        "GET /v1/staff-calls",
    );
    let close = serde_json::to_value(api::staff::StaffCallClose {
        reason: api::staff::CloseReason::SessionEnded,
    })
    .expect("json");
    check("StaffCallClose", &close, "staff call close sent here");
    let closed = call(
        &format!("/v1/staff-calls/{call_id}/close"),
        None,
        Some(close),
    );
    check("StaffCall", &closed, "POST /v1/staff-calls/{id}/close");
    assert_eq!(closed["state"], "closed");
    let fee = serde_json::json!({"device_id": "TEST01", "amount_fen": 19500});
    check("FeePaymentRequest", &fee, "fee payment request sent here");
    // The certificate's device's own number.
    let ours = kiosk::domain::app_number::AppNumber::compose(
        "TEST01",
        chrono::Local::now().date_naive(),
        1,
    )
    .to_string();
    let fee_payment = call(
        &format!("/v1/applications/{ours}/payment"),
        Some(&ours),
        Some(fee),
    );
    check(
        "Payment",
        &fee_payment,
        "POST /v1/applications/{number}/payment",
    );
    let ratings = serde_json::json!({"ratings": [{"rating_id": "0d3f6c1e-8b7a-4c2d-9e5f-1a2b3c4d5e6f", "day": "2026-12-01", "rating": "fairly"}]});
    check("RatingBatch", &ratings, "ratings sent here");
    let counted = call("/v1/ratings", None, Some(ratings));
    check("RatingAck", &counted, "POST /v1/ratings");
    let summary = call("/v1/ratings/summary", None, None);
    check("SatisfactionSummary", &summary, "GET /v1/ratings/summary");
    let beat = serde_json::json!({"device_id": "TEST01", "seq": 1, "sent_at": "2026-11-30T10:00:00", "app_version": "test", "queue_pending": 0, "oldest_pending_age_s": null, "dead_letters": 0, "paused": null, "config_version": null, "devices": {"printer": "ok"}});
    check("Heartbeat", &beat, "heartbeat sent here");
    let reply = call("/v1/devices/TEST01/heartbeat", None, Some(beat));
    check("HeartbeatReply", &reply, "POST /v1/devices/{id}/heartbeat");
    // A device without a configuration of its own: a problem body; with one: the configuration.
    let (status, none) = runtime.block_on(async {
        let answer = link
            .client()
            .get(format!("{}/v1/devices/TEST01/config", link.url()))
            .send()
            .await
            .expect("the central answers");
        let status = answer.status().as_u16();
        (status, answer.json::<Value>().await.expect("a JSON body"))
    });
    assert_eq!(status, 404);
    check("Problem", &none, "GET /v1/devices/{id}/config (none)");
    let settings = serde_json::json!({
        "config_version": "v2",
        "timeouts": {"idle_seconds": 45, "warning_seconds": 20, "done_seconds": 10},
        "languages": ["zh_CN", "en"],
        "opening_hours": {"open": "08:30", "close": "17:30"},
    });
    std::fs::write(
        central.config_dir().join("TEST01.json"),
        settings.to_string(),
    )
    .expect("config");
    let config = call("/v1/devices/TEST01/config", None, None);
    check("DeviceConfig", &config, "GET /v1/devices/{id}/config");
    let documents = call(
        "/v1/people/documents",
        None,
        Some(serde_json::json!({"id_number": "350203199204180025"})),
    );
    check("DocumentsOnRecord", &documents, "POST /v1/people/documents");
    let today = chrono::Local::now().format("%Y-%m-%d").to_string();
    let booking = serde_json::json!({"id_number": kiosk::domain::samples::sample_identities(chrono::Local::now().date_naive())[0].id_number, "date": today});
    check("AppointmentQuery", &booking, "appointment query sent here");
    let appointment = call("/v1/people/appointment", None, Some(booking));
    check(
        "AppointmentAnswer",
        &appointment,
        "POST /v1/people/appointment",
    );
    let eligibility = call(
        "/v1/endorsements/eligibility",
        None,
        Some(
            serde_json::json!({"device_id": "TEST01", "site_code": "350203001", "id_number": "350203199204180025", "permit_number": "C12345678"}),
        ),
    );
    check(
        "Eligibility",
        &eligibility,
        "POST /v1/endorsements/eligibility",
    );
    let offer = &eligibility["offers"][0];
    let txn = "TEST0126113000001X";
    let payment = call(
        "/v1/payments",
        Some(txn),
        Some(
            serde_json::json!({"txn_id": txn, "device_id": "TEST01", "method": "qr", "amount_fen": offer["fee_fen"], "offer_ids": [offer["offer_id"]]}),
        ),
    );
    check("Payment", &payment, "POST /v1/payments");
    let payment_id = payment["payment_id"].as_str().expect("payment id");
    let paid = call(&format!("/v1/payments/{payment_id}"), None, None);
    check("Payment", &paid, "GET /v1/payments/{id}");
    let offer_id = offer["offer_id"].as_str().expect("offer id");
    let job = call(
        "/v1/issuance",
        Some(&format!("{txn}:{offer_id}")),
        Some(
            serde_json::json!({"txn_id": txn, "offer_id": offer_id, "payment_id": payment_id, "permit_number": "C12345678"}),
        ),
    );
    check("IssuanceJob", &job, "POST /v1/issuance");
    let job_id = job["job_id"].as_str().expect("job id");
    let state = call(
        &format!("/v1/issuance/{job_id}/confirmation"),
        None,
        Some(
            serde_json::json!({"job_id": job_id, "outcome": "verified", "read_at": "2026-11-30T10:00:00"}),
        ),
    );
    check(
        "IssuanceState",
        &state,
        "POST /v1/issuance/{id}/confirmation",
    );
    // An approval paid online: listed, written without a payment, not written → kept open.
    let ask_approved = || {
        call(
            "/v1/endorsements/approved",
            None,
            Some(
                serde_json::json!({"device_id": "TEST01", "site_code": "350203001", "id_number": "350203199204180025", "permit_number": "C12345678"}),
            ),
        )
    };
    let approvals = ask_approved();
    check("Approvals", &approvals, "POST /v1/endorsements/approved");
    let approval = &approvals["approvals"][0];
    let approval_id = approval["offer"]["offer_id"].as_str().expect("approval id");
    let online_txn = "TEST0126113000002X";
    let online_job = call(
        "/v1/issuance",
        Some(&format!("{online_txn}:{approval_id}")),
        Some(
            serde_json::json!({"txn_id": online_txn, "offer_id": approval_id, "payment_id": approval["payment_id"], "permit_number": "C12345678"}),
        ),
    );
    check("IssuanceJob", &online_job, "POST /v1/issuance (approval)");
    let online_job_id = online_job["job_id"].as_str().expect("job id");
    let kept = call(
        &format!("/v1/issuance/{online_job_id}/confirmation"),
        None,
        Some(
            serde_json::json!({"job_id": online_job_id, "outcome": "not_written", "read_at": "2026-11-30T10:01:00"}),
        ),
    );
    check(
        "IssuanceState",
        &kept,
        "POST /v1/issuance/{id}/confirmation (approval)",
    );
    assert_eq!(kept["state"], "approval_kept");
    let still = ask_approved();
    assert_eq!(
        still["approvals"][0]["offer"]["offer_id"], approval_id,
        "not written: the approval stays open"
    );
    let records = call(
        "/v1/endorsements/records",
        None,
        Some(serde_json::json!({"permit_number": "C12345678"})),
    );
    check(
        "EndorsementRecords",
        &records,
        "POST /v1/endorsements/records",
    );
    let transition = serde_json::json!({"txn_id": txn, "seq": 0, "state": "offered", "at": "2026-11-30T10:00:00.000"});
    check("EndorsementTransition", &transition, "transition sent here");
    let ack = call(
        "/v1/endorsements/transitions",
        Some(&format!("{txn}:0")),
        Some(transition),
    );
    check("TransitionAck", &ack, "POST /v1/endorsements/transitions");
    let journal = call(&format!("/v1/endorsements/{txn}/transitions"), None, None);
    check(
        "EndorsementJournal",
        &journal,
        "GET /v1/endorsements/{txn_id}/transitions",
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The photo checks' report is written by the photo room and sent by the sync room: a report as
/// the checks write it must read into the wire type and match the contract's schema, so a field
/// added to a check cannot leave the kiosk in a shape the central does not know.
#[test]
fn the_photo_checks_report_is_in_the_contracts_shape() {
    use kiosk::photo::{Advice, Check, Report};
    let report = Report {
        spec: "exit-entry",
        checks: vec![Check {
            id: "background_uniform",
            value: 17.5,
            limit: "luminance σ ≤ 12".into(),
            passed: false,
            advice: Advice::BackgroundUniform,
        }],
        quality: None,
    };
    let written = serde_json::to_string(&report).expect("the report serialises");
    let wire: api::PhotoReport = serde_json::from_str(&written).expect("the wire type reads it");
    assert_eq!(wire.checks[0].advice, "background-uniform");
    let value = serde_json::to_value(&wire).expect("wire type serialises");
    let problems = schema_problems(&contract(), "PhotoReport", &value, "photo::Report");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
