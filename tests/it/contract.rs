//! The central contract against the kiosk's wire types: every `example` and `examples` entry of
//! a request or response body in `docs/central-api.yaml` (and any `examples` of a schema) is read
//! into the Rust type of its schema and written back, and must come out unchanged; each must
//! also match its schema, which names every field (a field the document does not declare is
//! reported even where JSON Schema would let it pass). Every wire type has an example, so a
//! field renamed, added or dropped on either side fails here.

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
    ("DeviceConfig", round_trip::<api::DeviceConfig>),
    ("ApplicationRecord", round_trip::<api::ApplicationRecord>),
    ("DocumentsQuery", round_trip::<station::DocumentsQuery>),
    (
        "DocumentsOnRecord",
        round_trip::<station::DocumentsOnRecord>,
    ),
    (
        "EligibilityRequest",
        round_trip::<station::EligibilityRequest>,
    ),
    ("Eligibility", round_trip::<station::Eligibility>),
    ("PaymentRequest", round_trip::<station::PaymentRequest>),
    ("Payment", round_trip::<station::Payment>),
    ("IssuanceRequest", round_trip::<station::IssuanceRequest>),
    ("IssuanceJob", round_trip::<station::IssuanceJob>),
    (
        "IssuanceConfirmation",
        round_trip::<station::IssuanceConfirmation>,
    ),
    ("IssuanceState", round_trip::<station::IssuanceState>),
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
fn contract() -> Value {
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
        let schema = &doc["components"]["schemas"][&e.schema];
        assert!(!schema.is_null(), "{}: no schema {}", e.place, e.schema);
        conforms(&doc, schema, &e.value, &e.place, &mut problems);
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The part of JSON Schema the contract uses: `type` (one or a list), `enum`, `oneOf`,
/// `properties`, `required`, `additionalProperties`, `items`, `$ref`.
fn conforms(doc: &Value, schema: &Value, value: &Value, at: &str, problems: &mut Vec<String>) {
    let schema = resolve(doc, schema);
    if let Some(options) = schema["oneOf"].as_array() {
        let fits = options
            .iter()
            .filter(|option| {
                let mut p = Vec::new();
                conforms(doc, option, value, at, &mut p);
                p.is_empty()
            })
            .count();
        if fits != 1 {
            problems.push(format!("{at}: {value} fits {fits} of the oneOf choices"));
        }
        return;
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if !types.is_empty() && !types.iter().any(|t| has_type(value, t)) {
        problems.push(format!("{at}: {value} is not {}", types.join(" or ")));
        return;
    }
    if let Some(allowed) = schema["enum"].as_array()
        && !allowed.contains(value)
    {
        problems.push(format!("{at}: {value} is not one of {allowed:?}"));
    }
    if let Some(fields) = value.as_object() {
        for name in schema["required"].as_array().into_iter().flatten() {
            let name = name.as_str().unwrap_or_default();
            if !fields.contains_key(name) {
                problems.push(format!("{at}: {name} is missing"));
            }
        }
        for (name, v) in fields {
            let at = format!("{at}.{name}");
            match (&schema["properties"][name], &schema["additionalProperties"]) {
                (Value::Null, Value::Object(_)) => {
                    conforms(doc, &schema["additionalProperties"], v, &at, problems)
                }
                (Value::Null, _) if schema.get("properties").is_some() => {
                    problems.push(format!("{at}: not in the schema"))
                }
                (Value::Null, _) => {}
                (field, _) => conforms(doc, field, v, &at, problems),
            }
        }
    }
    if let Some(items) = value.as_array() {
        for (i, v) in items.iter().enumerate() {
            conforms(doc, &schema["items"], v, &format!("{at}[{i}]"), problems);
        }
    }
}

fn has_type(v: &Value, t: &str) -> bool {
    match t {
        "null" => v.is_null(),
        "boolean" => v.is_boolean(),
        "integer" => v.is_i64() || v.is_u64(),
        "number" => v.is_number(),
        "string" => v.is_string(),
        "array" => v.is_array(),
        "object" => v.is_object(),
        _ => false,
    }
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
    let doc = contract();
    let mut problems = Vec::new();
    let value = serde_json::to_value(&wire).expect("wire type serialises");
    conforms(
        &doc,
        &doc["components"]["schemas"]["PhotoReport"],
        &value,
        "photo::Report",
        &mut problems,
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
