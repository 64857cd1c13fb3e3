//! The input rule (issue 14, item 24): a NUL or another control character is refused with a 422
//! naming the field wherever text enters, on both engines, never stored by SQLite nor crashing a
//! PostgreSQL query; mail keeps arriving with such characters replaced.
//!
//! The API part is a schema fuzz: the fields come from the OpenAPI document (every text of every
//! JSON or form body, every query and path parameter), so a field added anywhere is covered by
//! the next run, and every answer must be one the document lists for its operation.
use std::collections::BTreeMap;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use tower::ServiceExt;

use crate::openapi::{document, operations, resolve};
use crate::support::TestApp;

const SECRET: &str = "fuzz-telephony-secret";

/// Characters a fuzzer tries in every text: NUL, other C0 controls, the line breaks and tab,
/// DEL, a C1 control, the Unicode line separator.
const CANDIDATES: [char; 9] = [
    '\0', '\u{1}', '\t', '\n', '\r', '\u{1b}', '\u{7f}', '\u{85}', '\u{2028}',
];

/// A request body: its media type and bytes.
type RawBody = Option<(String, Vec<u8>)>;

struct Answer {
    status: StatusCode,
    ctype: String,
    body: Value,
}

struct Fuzz<'a> {
    app: &'a TestApp,
    router: axum::Router,
    doc: Value,
    case: String,
    other_case: String,
    category: String,
    deliveries: u32,
    requests: u32,
}

impl Fuzz<'_> {
    async fn send(
        &mut self,
        method: &str,
        uri: &str,
        op: &Value,
        body: Option<(&str, Vec<u8>)>,
    ) -> Answer {
        self.send_as(Some("admin"), method, uri, op, body).await
    }

    /// As `role` (its bearer token, where the operation takes one).
    async fn send_as(
        &mut self,
        role: Option<&str>,
        method: &str,
        uri: &str,
        op: &Value,
        body: Option<(&str, Vec<u8>)>,
    ) -> Answer {
        let mut req = Request::builder().method(method).uri(uri);
        if let (true, Some(role)) = (
            op["security"].as_array().is_some_and(|s| !s.is_empty()),
            role,
        ) {
            req = req.header("authorization", format!("Bearer {}", self.app.token(role)));
        }
        let bytes = match body {
            Some((ctype, bytes)) => {
                req = req.header("content-type", ctype);
                if uri == "/api/v1/telephony/events" {
                    self.deliveries += 1;
                    let ts = (self.app.services.now().millis() / 1000).to_string();
                    let delivery = format!("fuzz-{}", self.deliveries);
                    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
                    mac.update(format!("{ts}.{delivery}.").as_bytes());
                    mac.update(&bytes);
                    let sig = hex::encode(mac.finalize().into_bytes());
                    req = req
                        .header("x-hqdesk-timestamp", ts)
                        .header("x-hqdesk-delivery", delivery)
                        .header("x-hqdesk-signature", format!("sha256={sig}"));
                }
                bytes
            }
            None => Vec::new(),
        };
        self.requests += 1;
        let resp = self
            .router
            .clone()
            .oneshot(req.body(Body::from(bytes)).unwrap())
            .await
            .unwrap();
        let status = resp.status();
        let ctype = resp
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        let bytes = axum::body::to_bytes(resp.into_body(), 10 << 20)
            .await
            .unwrap();
        Answer {
            status,
            ctype,
            body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        }
    }

    /// A valid-looking value for a field: enumerations take their first value, known names a
    /// value the domain accepts, other text a Vietnamese phrase.
    fn good(&self, field: &str, schema: &Value) -> Value {
        let s = resolve(&self.doc, schema);
        if let Some(branches) = s["oneOf"].as_array() {
            let b = branches.iter().find(|b| b["type"] != "null").unwrap();
            return self.good(field, b);
        }
        if let Some(first) = s["enum"].as_array().and_then(|e| e.first()) {
            return first.clone();
        }
        let types: Vec<&str> = match &s["type"] {
            Value::String(t) => vec![t.as_str()],
            Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
            _ => vec!["string"],
        };
        if types.contains(&"object") || s["properties"].is_object() {
            let mut o = serde_json::Map::new();
            for (k, p) in s["properties"].as_object().into_iter().flatten() {
                o.insert(k.clone(), self.good(k, p));
            }
            return Value::Object(o);
        }
        if types.contains(&"array") {
            return json!([self.good(field, &s["items"])]);
        }
        if types.contains(&"integer") || types.contains(&"number") {
            return json!(1);
        }
        if types.contains(&"boolean") {
            return json!(false);
        }
        json!(match field {
            "email" => "an.nguyen@example.vn",
            "phone" | "from" | "to" => "0912345678",
            "tax_code" => "0100233488",
            "content_base64" => "aMOgaQ==",
            "filename" => "to-khai.pdf",
            "content_type" => "application/pdf",
            "username" => "fuzz.user",
            "password" => "mật khẩu thật dài 2026",
            "code" => "fuzz-1",
            "other" | "into" => self.other_case.as_str(),
            "category" => self.category.as_str(),
            "unit" | "parent" => "KV8",
            "assignee" => "agent",
            "callId" | "call_id" => "fuzz-call-1",
            "at" => "2026-11-23T09:20:00Z",
            _ => "Kiểm tra tờ khai",
        })
    }

    /// A path parameter's value that names something that exists.
    fn path_value(&self, path: &str, name: &str) -> String {
        match name {
            "number" => self.case.clone(),
            "code" if path.contains("/units/") => "KV8".into(),
            "code" => self.category.clone(),
            "username" => "agent".into(),
            "token" => self.app.token("hotline").into(),
            _ => "1".into(),
        }
    }
}

/// Every text field of a body schema: its path as the server names it, and its pattern.
fn text_fields(doc: &Value, path: &str, schema: &Value, out: &mut Vec<(String, String)>) {
    let s = resolve(doc, schema);
    if let Some(branches) = s["oneOf"].as_array() {
        for b in branches.iter().filter(|b| b["type"] != "null") {
            text_fields(doc, path, b, out);
        }
        return;
    }
    if let Some(props) = s["properties"].as_object() {
        for (k, p) in props {
            let child = if path.is_empty() {
                k.clone()
            } else {
                format!("{path}.{k}")
            };
            text_fields(doc, &child, p, out);
        }
    } else if !s["items"].is_null() {
        text_fields(doc, &format!("{path}[0]"), &s["items"], out);
    } else if s["type"] == "string"
        || s["type"]
            .as_array()
            .is_some_and(|t| t.contains(&json!("string")))
    {
        // Enumerations are text on the wire too: they take the one-line rule.
        let pattern = s["pattern"]
            .as_str()
            .unwrap_or(hqdesk_domain::input::LINE_PATTERN);
        out.push((path.to_string(), pattern.to_string()));
    }
}

/// Set the value at a path like `requester.name` or `attachments[0].filename`.
fn set(body: &mut Value, path: &str, value: Value) {
    let mut at = body;
    for part in path.split('.') {
        let (name, index) = match part.split_once('[') {
            Some((n, i)) => (n, Some(i.trim_end_matches(']').parse::<usize>().unwrap())),
            None => (part, None),
        };
        at = &mut at[name];
        if let Some(i) = index {
            at = &mut at[i];
        }
    }
    *at = value;
}

fn percent(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn form_body(body: &Value) -> Vec<u8> {
    let pairs: Vec<(String, String)> = body
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                v.as_str()
                    .map(String::from)
                    .unwrap_or_else(|| v.to_string()),
            )
        })
        .collect();
    serde_urlencoded::to_string(pairs).unwrap().into_bytes()
}

/// What the answer to `value` in `field` must be: refused by name exactly when the field's
/// pattern refuses it; never a 5xx; always a status the document lists.
fn judge(at: &str, op: &Value, field: &str, value: &str, pattern: &regex::Regex, a: &Answer) {
    let documented = op["responses"].get(a.status.as_str()).is_some();
    assert!(
        !a.status.is_server_error(),
        "{at} {field}={value:?}: {} {}",
        a.status,
        a.body
    );
    assert!(
        documented,
        "{at} {field}={value:?}: {} is not in the document ({})",
        a.status, a.body
    );
    let named = a.body["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|e| e["field"] == field && e["code"] == "control_character");
    if pattern.is_match(value) {
        assert!(
            !named,
            "{at} {field}={value:?} is allowed by its pattern: {}",
            a.body
        );
    } else {
        assert_eq!(
            (a.status, a.ctype.as_str(), named),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                "application/problem+json",
                true
            ),
            "{at} {field}={value:?}: {}",
            a.body
        );
    }
}

crate::both_engines!(
    every_text_field_of_the_api_refuses_control_characters,
    |app| async move {
        let case = app.open("agent", json!({"kind":"inquiry","subject":"Hỏi về thủ tục","requester":{"phone":"0912345678"}})).await;
        let other_case = app.open("agent", json!({"kind":"inquiry","subject":"Hỏi lại về thủ tục","requester":{"phone":"0912345678"}})).await;
        let (_, cats) = app.get("admin", "/api/v1/categories").await;
        let category = cats["items"][0]["code"].as_str().unwrap().to_string();
        let router = hqdesk_web::router_with(
            app.services.clone(),
            hqdesk_web::WebConfig {
                telephony_secret: Some(SECRET.into()),
                ..Default::default()
            },
        );
        let doc = document(&app).await;
        let mut f = Fuzz {
            app: &app,
            router,
            doc: doc.clone(),
            case,
            other_case,
            category,
            deliveries: 0,
            requests: 0,
        };
        let mut fields_seen = 0;
        for (path, method, op) in operations(&doc) {
            if path == "/api/v1/openapi.json" {
                continue;
            }
            let params: Vec<Value> = op["parameters"].as_array().cloned().unwrap_or_default();
            let url = |f: &Fuzz, bad: Option<(&str, &str)>| {
                let mut uri = path.clone();
                let mut query = Vec::new();
                for p in &params {
                    let name = p["name"].as_str().unwrap();
                    let value = match bad {
                        Some((n, v)) if n == name => percent(v),
                        _ if p["in"] == "path" => percent(&f.path_value(&path, name)),
                        _ => continue,
                    };
                    if p["in"] == "path" {
                        uri = uri.replace(&format!("{{{name}}}"), &value);
                    } else if p["in"] == "query" {
                        query.push(format!("{name}={value}"));
                    }
                }
                if query.is_empty() {
                    uri
                } else {
                    format!("{uri}?{}", query.join("&"))
                }
            };
            let content = op["requestBody"]["content"]
                .as_object()
                .cloned()
                .unwrap_or_default();
            let body = content
                .iter()
                .next()
                .map(|(ctype, c)| (ctype.clone(), f.good("", &c["schema"]), c["schema"].clone()));
            let encode = |ctype: &str, v: &Value| match ctype {
                "application/x-www-form-urlencoded" => form_body(v),
                _ => serde_json::to_vec(v).unwrap(),
            };
            let at = format!("{} {path}", method.to_uppercase());
            // Every query and path parameter.
            for p in &params {
                if !(p["in"] == "path" || p["in"] == "query") {
                    continue;
                }
                let name = p["name"].as_str().unwrap();
                let schema = resolve(&doc, &p["schema"]);
                let pattern = regex::Regex::new(
                    schema["pattern"]
                        .as_str()
                        .unwrap_or(hqdesk_domain::input::LINE_PATTERN),
                )
                .unwrap();
                fields_seen += 1;
                for c in CANDIDATES {
                    let value = format!("HQ{c}1");
                    let uri = url(&f, Some((name, &value)));
                    let b = body.as_ref().map(|(t, v, _)| (t.as_str(), encode(t, v)));
                    let a = f.send(&method.to_uppercase(), &uri, &op, b).await;
                    judge(&at, &op, name, &value, &pattern, &a);
                }
            }
            // Every text of the body.
            let Some((ctype, good, schema)) = body else {
                continue;
            };
            let mut fields = Vec::new();
            text_fields(&doc, "", &schema, &mut fields);
            for (field, pattern) in fields {
                let pattern = regex::Regex::new(&pattern).unwrap();
                fields_seen += 1;
                for c in CANDIDATES {
                    let value = format!("Kiểm{c}tra");
                    let mut b = good.clone();
                    set(&mut b, &field, json!(value));
                    let a = f
                        .send(
                            &method.to_uppercase(),
                            &url(&f, None),
                            &op,
                            Some((&ctype, encode(&ctype, &b))),
                        )
                        .await;
                    judge(&at, &op, &field, &value, &pattern, &a);
                }
            }
        }
        assert!(fields_seen > 80, "the document names {fields_seen} fields");
        // Every answer of every operation is one the document lists: each role with a well-formed
        // request, no credentials, a body that is not JSON, a body that is broken JSON.
        for (path, method, op) in operations(&doc) {
            let method = method.to_uppercase();
            let at = format!("{method} {path}");
            let mut uri = path.clone();
            for p in op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["in"] == "path")
            {
                let name = p["name"].as_str().unwrap();
                uri = uri.replace(&format!("{{{name}}}"), &percent(&f.path_value(&path, name)));
            }
            let content = op["requestBody"]["content"]
                .as_object()
                .cloned()
                .unwrap_or_default();
            let body = content.iter().next().map(|(ctype, c)| {
                let good = f.good("", &c["schema"]);
                let bytes = match ctype.as_str() {
                    "application/x-www-form-urlencoded" => form_body(&good),
                    _ => serde_json::to_vec(&good).unwrap(),
                };
                (ctype.clone(), bytes)
            });
            let mut tries: Vec<(Option<&str>, RawBody)> = Vec::new();
            for role in [
                "agent",
                "hotline",
                "investigator",
                "unit_officer",
                "supervisor",
                "admin",
            ] {
                tries.push((Some(role), body.clone()));
            }
            tries.push((None, body.clone()));
            if body.is_some() {
                tries.push((
                    Some("supervisor"),
                    Some(("text/plain".into(), b"hello".to_vec())),
                ));
                tries.push((
                    Some("supervisor"),
                    Some(("application/json".into(), b"{\"subject\": ".to_vec())),
                ));
            }
            for (role, body) in tries {
                let b = body.as_ref().map(|(t, v)| (t.as_str(), v.clone()));
                let a = f.send_as(role, &method, &uri, &op, b).await;
                assert!(
                    !a.status.is_server_error(),
                    "{at} as {role:?}: {} {}",
                    a.status,
                    a.body
                );
                assert!(
                    op["responses"].get(a.status.as_str()).is_some(),
                    "{at} as {role:?}: {} is not in the document ({})",
                    a.status,
                    a.body
                );
                if a.status.is_client_error() && path.starts_with("/api/") {
                    assert_eq!(a.ctype, "application/problem+json", "{at} as {role:?}");
                }
            }
        }
        eprintln!("{} requests over {fields_seen} fields", f.requests);
        // Nothing with a control character reached the database.
        let mut conn = app.services.store().read().await.unwrap();
        let subjects: Vec<String> = sqlx::query_scalar("SELECT subject FROM cases")
            .fetch_all(&mut *conn)
            .await
            .unwrap();
        let bodies: Vec<Option<String>> = sqlx::query_scalar("SELECT body FROM timeline_entries")
            .fetch_all(&mut *conn)
            .await
            .unwrap();
        for t in subjects.iter().chain(bodies.iter().flatten()) {
            assert!(!t.contains('\0') && !t.contains('\u{1b}'), "{t:?}");
        }
    }
);

/// A raw form post through the router, with the cookie of a visitor or a signed-in user.
async fn post(
    app: &TestApp,
    path: &str,
    ctype: &str,
    body: Vec<u8>,
    cookie: &str,
) -> (StatusCode, String) {
    let req = Request::post(path)
        .header("content-type", ctype)
        .header("cookie", cookie)
        .header("origin", "http://hqdesk.test")
        .header("host", "hqdesk.test")
        .body(Body::from(body))
        .unwrap();
    let resp = app.router.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let bytes = axum::body::to_bytes(resp.into_body(), 10 << 20)
        .await
        .unwrap();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

async fn get(
    app: &TestApp,
    path: &str,
    cookie: &str,
) -> (StatusCode, BTreeMap<String, String>, String) {
    let req = Request::get(path)
        .header("cookie", cookie)
        .body(Body::empty())
        .unwrap();
    let resp = app.router.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let mut cookies = BTreeMap::new();
    for c in resp.headers().get_all("set-cookie") {
        let (k, v) = c
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .split_once('=')
            .unwrap();
        cookies.insert(k.to_string(), v.to_string());
    }
    let bytes = axum::body::to_bytes(resp.into_body(), 10 << 20)
        .await
        .unwrap();
    (
        status,
        cookies,
        String::from_utf8_lossy(&bytes).into_owned(),
    )
}

fn csrf_of(html: &str) -> String {
    let i = html.find("name=\"csrf\" value=\"").expect("a csrf field");
    let rest = &html[i + 19..];
    rest[..rest.find('"').unwrap()].to_string()
}

fn multipart(fields: &[(&str, &str)], file: Option<(&str, &str)>) -> (String, Vec<u8>) {
    let boundary = "hqdesk-input-boundary";
    let mut body = String::new();
    for (k, v) in fields {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
        ));
    }
    if let Some((name, ctype)) = file {
        body.push_str(&format!("--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\nContent-Type: {ctype}\r\n\r\n%PDF-1.4\r\n"));
    }
    body.push_str(&format!("--{boundary}--\r\n"));
    (
        format!("multipart/form-data; boundary={boundary}"),
        body.into_bytes(),
    )
}

crate::both_engines!(
    portal_forms_refuse_control_characters_by_field,
    |app| async move {
        let (s, cookies, html) = get(&app, "/request?topic=vnaccs_error", "").await;
        assert_eq!(s, StatusCode::OK);
        let cookie = format!("hqdesk_form={}", cookies["hqdesk_form"]);
        let csrf = csrf_of(&html);
        let fields = |name: &'static str, value: &'static str| {
            let mut v = vec![
                ("csrf", csrf.as_str()),
                ("topic", "vnaccs_error"),
                ("subject", "Lỗi E1234 khi gửi tờ khai"),
                ("error_message", "E1234: Không tìm thấy số tờ khai"),
                (
                    "description",
                    "Không gửi được tờ khai.\r\nĐã thử lại hai lần.",
                ),
                ("name", "Nguyễn Thị Lan"),
                ("tax_code", "0100231226"),
                ("email", "lan.nguyen@hailong.vn"),
            ];
            v.retain(|(k, _)| *k != name);
            v.push((name, value));
            v
        };
        let cases = app.count_rows("cases").await;
        for (field, value, file) in [
            ("name", "Nguyễn\0 Thị Lan", None),
            ("subject", "Lỗi\u{1b}[2J E1234", None),
            ("description", "Không gửi được\0 tờ khai.", None),
            ("error_message", "E1234\u{85}", None),
            // Part headers cannot carry C0 controls at all (and a type that is not one is
            // dropped); a C1 control in a file name arrives as UTF-8.
            (
                "name",
                "Nguyễn Thị Lan",
                Some(("to\u{85}khai.pdf", "application/pdf")),
            ),
        ] {
            let (ctype, body) = multipart(&fields(field, value), file);
            let (s, page) = post(&app, "/request", &ctype, body, &cookie).await;
            assert_eq!(
                s,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{field}={value:?} {file:?}"
            );
            let named = if file.is_some() {
                "files[0].filename"
            } else {
                field
            };
            assert!(
                page.contains(&format!("«{named}»")),
                "{named} is named: {page}"
            );
            assert!(
                page.contains("ký tự điều khiển"),
                "{field}: the form says why"
            );
            // The form comes back as typed, the refused character replaced.
            assert!(page.contains("lan.nguyen@hailong.vn"), "{page}");
        }
        assert_eq!(app.count_rows("cases").await, cases, "nothing stored");
        // The same form with line breaks only where free text goes is taken.
        let (ctype, body) = multipart(
            &fields("name", "Nguyễn Thị Lan"),
            Some(("to-khai.pdf", "application/pdf")),
        );
        let (s, page) = post(&app, "/request", &ctype, body, &cookie).await;
        assert!(
            s.is_success() || s.is_redirection(),
            "{s}: {}",
            &page[page.find("<main").unwrap_or(0)..]
        );
        assert_eq!(app.count_rows("cases").await, cases + 1);
        // The suggestion box (a plain form) and addresses answer with a readable page.
        let (_, cookies, html) = get(&app, "/suggestions", "").await;
        let cookie = format!(
            "hqdesk_form={}",
            cookies.get("hqdesk_form").cloned().unwrap_or_default()
        );
        let body = serde_urlencoded::to_string([
            ("csrf", csrf_of(&html).as_str()),
            ("unit", "KV8"),
            ("message", "Góp ý\0"),
        ])
        .unwrap();
        let (s, page) = post(
            &app,
            "/suggestions",
            "application/x-www-form-urlencoded",
            body.into_bytes(),
            &cookie,
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            page.contains("«message»") && page.contains("id=\"error-message\""),
            "{page}"
        );
        for path in ["/kb?q=h%E1%BA%A3i%00quan", "/kb/vnaccs%1B", "/track/%00"] {
            let (s, _, page) = get(&app, path, "").await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{path}");
            assert!(page.contains("ký tự điều khiển"), "{path}: {page}");
        }
        assert_eq!(app.count_rows("cases").await, cases + 1);
    }
);

crate::both_engines!(
    console_forms_refuse_control_characters_by_field,
    |app| async move {
        crate::console::set_password(&app, "agent").await;
        let signed = app
            .services
            .sign_in("test", "agent", crate::console::PASSWORD)
            .await
            .unwrap()
            .expect("signed in");
        let cookie = format!("hqdesk_session={}", signed.token);
        let case = app.open("agent", json!({"kind":"inquiry","subject":"Hỏi về thủ tục","requester":{"phone":"0912345678"}})).await;
        let (s, _, html) = get(&app, &format!("/console/cases/{case}"), &cookie).await;
        assert_eq!(s, StatusCode::OK);
        let csrf = csrf_of(&html);
        // An assignment with a NUL in the user name (a lookup PostgreSQL refused with a 500).
        let body = serde_urlencoded::to_string([
            ("csrf", csrf.as_str()),
            ("unit", ""),
            ("assignee", "agent\0"),
        ])
        .unwrap();
        let (s, page) = post(
            &app,
            &format!("/console/cases/{case}/assign"),
            "application/x-www-form-urlencoded",
            body.into_bytes(),
            &cookie,
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
        assert!(page.contains("«assignee»"), "{page}");
        // A note (multipart, with files): a NUL refused, line breaks and tabs kept.
        let (ctype, body) = multipart(&[("csrf", &csrf), ("body", "Đã gọi lại\0")], None);
        let (s, page) = post(
            &app,
            &format!("/console/cases/{case}/note"),
            &ctype,
            body,
            &cookie,
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("«body»"), "{page}");
        let (ctype, body) = multipart(
            &[("csrf", &csrf), ("body", "Đã gọi lại.\r\n\tHẹn chiều mai.")],
            None,
        );
        let (s, _) = post(
            &app,
            &format!("/console/cases/{case}/note"),
            &ctype,
            body,
            &cookie,
        )
        .await;
        assert!(s.is_redirection(), "{s}");
        let (_, m) = app
            .get("agent", &format!("/api/v1/cases/{case}/messages"))
            .await;
        let bodies: Vec<&str> = m["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["body"].as_str().unwrap())
            .collect();
        assert!(
            bodies.contains(&"Đã gọi lại.\n\tHẹn chiều mai.")
                || bodies.contains(&"Đã gọi lại.\r\n\tHẹn chiều mai."),
            "{bodies:?}"
        );
        assert!(!bodies.iter().any(|b| b.contains('\0')));
    }
);

crate::both_engines!(
    mail_with_control_characters_becomes_a_case_without_them,
    |app| async move {
        let mb = crate::mail_ingest::add_mailbox(&app, "hotro").await;
        let raw = crate::mail_ingest::mail(
            "=?UTF-8?Q?Nguy=E1=BB=85n=00_An?= <an@example.vn>",
            "=?UTF-8?Q?H=E1=BB=8Fi=00_v=E1=BB=81_VNACCS?=",
            "nul-1@example.vn",
            "",
            "Xin ch\u{e0}o\0, t\u{f4}i c\u{1b}[2Jn h\u{1ed7} tr\u{1ee3}.\r\nC\u{e1}m \u{1a1}n.",
        );
        app.services
            .ingest_raw_mail(
                mb,
                hqdesk_services::mail::MailSource {
                    uidvalidity: Some(1),
                    uid: Some(1),
                },
                &raw,
            )
            .await
            .expect("the mail is taken, not refused");
        let (_, list) = app.get("agent", "/api/v1/cases?channel=email").await;
        assert_eq!(list["items"].as_array().unwrap().len(), 1, "{list}");
        let number = list["items"][0]["number"].as_str().unwrap();
        assert_eq!(list["items"][0]["subject"], "Hỏi\u{FFFD} về VNACCS");
        let (_, m) = app
            .get("agent", &format!("/api/v1/cases/{number}/messages"))
            .await;
        let body = m["items"][0]["body"].as_str().unwrap();
        assert!(
            body.contains("Xin chào\u{FFFD}, tôi c\u{FFFD}[2Jn hỗ trợ."),
            "{body:?}"
        );
        assert!(body.contains("\nCám ơn."), "line breaks stay: {body:?}");
    }
);

/// In a real browser: a visitor's form whose text holds control characters (pasted from a
/// broken program; set here by script, since a keyboard cannot type them) comes back with a
/// message naming the fields and everything else as typed; nothing is stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn portal_form_with_control_characters_comes_back_readable_in_a_browser() {
    let Some(app) = TestApp::new(crate::support::Engine::Sqlite).await else {
        return;
    };
    let Some(b) = crate::browser::Browser::start().await else {
        return;
    };
    let base = crate::browser::serve(app.router.clone()).await;
    b.goto(&format!("{base}/request?topic=vnaccs_error")).await;
    b.wait_for("form#request-form", 10).await;
    b.fill("#subject", "Lỗi E1234 khi gửi tờ khai").await;
    b.fill("#error_message", "E1234: Không tìm thấy số tờ khai")
        .await;
    b.fill("#name", "Nguyễn Thị Lan").await;
    b.fill("#tax_code", "0100231226").await;
    b.fill("#email", "lan.nguyen@hailong.vn").await;
    b.client
        .execute(
            "document.querySelector('#description').value = 'Không gửi được\\u0000 tờ khai.';\
             document.querySelector('#name').value = 'Nguyễn\\u001b Thị Lan';",
            vec![],
        )
        .await
        .unwrap();
    b.click("#request-submit").await;
    b.wait_for("#description-err", 10).await;
    let message = b.text("#form-message").await;
    assert!(
        message.contains("«description»") && message.contains("«name»"),
        "{message}"
    );
    assert!(message.contains("ký tự điều khiển"), "{message}");
    let email = b
        .client
        .find(fantoccini::Locator::Css("#email"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(
        email.as_deref(),
        Some("lan.nguyen@hailong.vn"),
        "what was typed is kept"
    );
    b.screenshot("portal-request-control-characters-vi").await;
    assert_eq!(app.count_rows("cases").await, 0, "nothing stored");
    b.close().await;
}
