//! The OpenAPI document describes what the server answers (issue 14, item 26): every error as
//! problem+json, the errors each kind of operation can give, enumerations as enums, the input
//! rule as patterns. The checks are rules over the whole document, not a list of routes, so a
//! route or field added later is held to them too; `input::every_text_field_…` then checks the
//! server against the document.
use std::collections::BTreeSet;

use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::support::TestApp;

const PROBLEM_JSON: &str = "application/problem+json";

/// Fields that name one of a fixed set of values, wherever they appear.
const ENUMERATED: [&str; 15] = [
    "kind",
    "status",
    "branch",
    "channel",
    "priority",
    "role",
    "level",
    "direction",
    "outcome",
    "event",
    "state",
    "delivery_state",
    "sort",
    "database",
    "engine",
];

pub async fn document(app: &TestApp) -> Value {
    let (s, ctype, doc) = app
        .call(None, "GET", "/api/v1/openapi.json", None, &[])
        .await;
    assert_eq!((s, ctype.as_str()), (StatusCode::OK, "application/json"));
    doc
}

/// Every operation: (path, method, operation).
pub fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if ["get", "put", "post", "delete", "patch"].contains(&method.as_str()) {
                out.push((path.clone(), method.clone(), op.clone()));
            }
        }
    }
    out
}

/// A schema with its reference followed.
pub fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(r) => resolve(
            doc,
            &doc["components"]["schemas"][r.rsplit('/').next().unwrap()],
        ),
        None => schema,
    }
}

/// The schema a value of `schema` has when it is present: a nullable `oneOf` gives its other
/// branch, an array its items.
fn value_schema<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    let s = resolve(doc, schema);
    if let Some(branches) = s["oneOf"].as_array() {
        if let Some(b) = branches.iter().find(|b| b["type"] != "null") {
            return value_schema(doc, b);
        }
    }
    if s["type"] == "array"
        || s["type"]
            .as_array()
            .is_some_and(|t| t.contains(&json!("array")))
    {
        return value_schema(doc, &s["items"]);
    }
    s
}

fn is_string(s: &Value) -> bool {
    s["type"] == "string"
        || s["type"]
            .as_array()
            .is_some_and(|t| t.contains(&json!("string")))
}

crate::both_engines!(
    every_operation_describes_its_errors_as_problems,
    |app| async move {
        let doc = document(&app).await;
        let ops = operations(&doc);
        assert!(ops.len() >= 25, "{}", ops.len());
        for (path, method, op) in &ops {
            let at = format!("{method} {path}");
            let responses = op["responses"].as_object().unwrap();
            let errors: BTreeSet<&str> = responses
                .keys()
                .map(String::as_str)
                .filter(|s| s.starts_with('4') || s.starts_with('5'))
                .collect();
            assert!(!errors.is_empty(), "{at} lists no error at all");
            for status in &errors {
                let content = responses[*status]["content"].as_object().unwrap();
                if !path.starts_with("/api/") {
                    continue; // /healthz answers 503 with its own report
                }
                assert_eq!(
                    content.keys().collect::<Vec<_>>(),
                    [PROBLEM_JSON],
                    "{at} {status}: errors are problem+json"
                );
                assert_eq!(
                    content[PROBLEM_JSON]["schema"]["$ref"], "#/components/schemas/ProblemBody",
                    "{at} {status}"
                );
            }
            let secured = op["security"].as_array().is_some_and(|s| !s.is_empty());
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            let in_url = |p: &&Value| p["in"] == "path" || p["in"] == "query";
            let body_types: Vec<&String> = op["requestBody"]["content"]
                .as_object()
                .map(|c| c.keys().collect())
                .unwrap_or_default();
            let mut expected = BTreeSet::new();
            if secured {
                expected.insert("401");
            }
            if params.iter().any(|p| in_url(&p)) {
                expected.extend(["400", "422"]);
            }
            if !body_types.is_empty() {
                expected.extend(["400", "413", "422"]);
            }
            if secured && body_types.iter().any(|t| *t == "application/json") {
                expected.insert("415");
            }
            let missing: Vec<_> = expected.difference(&errors).collect();
            assert!(missing.is_empty(), "{at} does not list {missing:?}");
            // Every text of the URL carries the input rule.
            for p in params.iter().filter(in_url) {
                let s = value_schema(&doc, &p["schema"]);
                if is_string(s) && s["enum"].is_null() {
                    assert!(
                        s["pattern"].is_string(),
                        "{at}: parameter {} has no pattern",
                        p["name"]
                    );
                }
            }
        }
    }
);

/// Every property of `schema` (following references, once each), with its path.
fn properties<'a>(
    doc: &'a Value,
    name: &str,
    schema: &'a Value,
    seen: &mut BTreeSet<String>,
    out: &mut Vec<(String, &'a Value)>,
) {
    let s = resolve(doc, schema);
    if let Some(branches) = s["oneOf"].as_array() {
        for b in branches {
            properties(doc, name, b, seen, out);
        }
    }
    if let Some(r) = schema["$ref"].as_str() {
        if !seen.insert(r.to_string()) {
            return;
        }
    }
    if let Some(props) = s["properties"].as_object() {
        for (field, p) in props {
            out.push((format!("{name}.{field}"), p));
            properties(doc, &format!("{name}.{field}"), p, seen, out);
        }
    }
    if !s["items"].is_null() {
        properties(doc, name, &s["items"], seen, out);
    }
}

crate::both_engines!(
    enumerations_are_enums_and_texts_carry_the_input_rule,
    |app| async move {
        let doc = document(&app).await;
        // Every schema, responses included: clients generate and check values from them.
        for (name, schema) in doc["components"]["schemas"].as_object().unwrap() {
            if name == "ProblemBody" {
                continue; // its `status` is the HTTP status code
            }
            let mut props = Vec::new();
            properties(&doc, name, schema, &mut BTreeSet::new(), &mut props);
            for (path, p) in props {
                let field = path.rsplit('.').next().unwrap();
                if ENUMERATED.contains(&field) {
                    let v = value_schema(&doc, p);
                    assert!(
                        v["enum"].as_array().is_some_and(|e| !e.is_empty()),
                        "{path} is an enumeration: {p}"
                    );
                }
            }
        }
        for (path, method, op) in operations(&doc) {
            for p in op["parameters"].as_array().cloned().unwrap_or_default() {
                if ENUMERATED.contains(&p["name"].as_str().unwrap()) {
                    let v = value_schema(&doc, &p["schema"]);
                    assert!(
                        v["enum"].is_array(),
                        "{method} {path}: parameter {} is an enumeration",
                        p["name"]
                    );
                }
            }
            // Every free text a request carries says which characters it takes.
            for content in op["requestBody"]["content"]
                .as_object()
                .into_iter()
                .flatten()
            {
                let mut props = Vec::new();
                properties(
                    &doc,
                    "body",
                    &content.1["schema"],
                    &mut BTreeSet::new(),
                    &mut props,
                );
                for (field, p) in props {
                    let v = value_schema(&doc, p);
                    if is_string(v) && v["enum"].is_null() {
                        assert!(
                            v["pattern"].is_string(),
                            "{method} {path}: {field} has no pattern"
                        );
                    }
                }
            }
        }
        // The values come from the domain's own lists.
        let kinds = &doc["components"]["schemas"]["CaseKind"]["enum"];
        assert_eq!(
            kinds,
            &json!([
                "inquiry",
                "procedure_problem",
                "denunciation",
                "suggestion",
                "rating_follow_up",
                "callback"
            ])
        );
        assert_eq!(
            doc["components"]["schemas"]["Branch"]["enum"],
            json!([1, 2])
        );
        assert_eq!(
            doc["components"]["schemas"]["CaseStatus"]["enum"],
            json!(["new", "open", "waiting", "resolved", "closed"])
        );
    }
);

crate::both_engines!(
    bearer_is_case_insensitive_and_case_numbers_answer_problems,
    |app| async move {
        let token = app.token("agent").to_string();
        for scheme in ["Bearer", "bearer", "BEARER", "bEaReR"] {
            let auth = format!("{scheme}  {token}");
            let (s, _, me) = app
                .call(None, "GET", "/api/v1/me", None, &[("authorization", &auth)])
                .await;
            assert_eq!(
                (s, me["username"].as_str()),
                (StatusCode::OK, Some("agent")),
                "{scheme}"
            );
        }
        let (s, ctype, _) = app
            .call(
                None,
                "GET",
                "/api/v1/me",
                None,
                &[("authorization", &format!("Basic {token}"))],
            )
            .await;
        assert_eq!(
            (s, ctype.as_str()),
            (StatusCode::UNAUTHORIZED, PROBLEM_JSON)
        );
        // Malformed case numbers: not UTF-8, control characters, wrong shape. Each answer is
        // problem+json, never axum's plain text.
        for (number, status) in [
            ("%FF%FE", StatusCode::BAD_REQUEST),
            ("HQ2611-%00", StatusCode::UNPROCESSABLE_ENTITY),
            ("HQ2611-483920%0A", StatusCode::UNPROCESSABLE_ENTITY),
            ("not-a-number", StatusCode::NOT_FOUND),
            ("HQ2611-0000000", StatusCode::NOT_FOUND),
        ] {
            for (method, suffix, body) in [
                ("GET", "", None),
                ("PATCH", "", Some("{}")),
                ("GET", "/messages", None),
                ("POST", "/status", Some(r#"{"status":"open"}"#)),
                ("POST", "/callback-attempts", Some(r#"{"outcome":"busy"}"#)),
            ] {
                let (s, ctype, p) = app
                    .call(
                        Some("agent"),
                        method,
                        &format!("/api/v1/cases/{number}{suffix}"),
                        body,
                        &[],
                    )
                    .await;
                assert_eq!(
                    (s, ctype.as_str()),
                    (status, PROBLEM_JSON),
                    "{method} {number}{suffix}: {p}"
                );
                if status == StatusCode::UNPROCESSABLE_ENTITY {
                    assert_eq!(p["errors"][0]["field"], "number", "{p}");
                    assert_eq!(p["errors"][0]["code"], "control_character", "{p}");
                }
            }
        }
        // The framework's own rejections become problem+json too: a duplicated query parameter.
        let (s, ctype, _) = app
            .call(
                Some("agent"),
                "GET",
                "/api/v1/cases?limit=1&limit=2",
                None,
                &[],
            )
            .await;
        assert!(s.is_client_error(), "{s}");
        assert_eq!(ctype, PROBLEM_JSON);
    }
);
