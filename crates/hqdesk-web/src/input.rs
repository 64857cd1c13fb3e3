//! The input rule of `hqdesk_domain::input` applied to what arrives over HTTP: the URL's path
//! segments and query parameters (a layer over every route, see [`check_url`]), JSON bodies
//! ([`json_errors`], used by `JsonBody`), form bodies ([`Form`]) and multipart forms
//! (`forms::read_multipart`). A refusal is a 422 naming the field: problem+json under the API,
//! a page a person can read everywhere else.
use axum::body::Bytes;
use axum::extract::rejection::RawPathParamsRejection;
use axum::extract::{FromRequest, FromRequestParts, RawPathParams, Request};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hqdesk_domain::input::check_field;
use hqdesk_domain::FieldError;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::i18n::Tr;
use crate::problem::{Problem, ProblemField};

/// Every value of `pairs` (field name, value) checked with its field's shape.
pub(crate) fn pair_errors<'a>(
    pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Vec<FieldError> {
    pairs
        .into_iter()
        .filter_map(|(name, value)| check_field(name, value).err())
        .collect()
}

/// Every string of a JSON document checked with its field's shape; fields are named by their
/// path as in every other validation answer (`requester.name`, `attachments[0].filename`).
pub(crate) fn json_errors(value: &Value) -> Vec<FieldError> {
    let mut errors = Vec::new();
    walk(value, String::new(), &mut errors);
    errors
}

fn walk(value: &Value, path: String, errors: &mut Vec<FieldError>) {
    match value {
        Value::String(s) => {
            if let Err(e) = check_field(&path, s) {
                errors.push(e);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                walk(item, format!("{path}[{i}]"), errors);
            }
        }
        Value::Object(fields) => {
            for (name, item) in fields {
                let child = if path.is_empty() {
                    name.clone()
                } else {
                    format!("{path}.{name}")
                };
                walk(item, child, errors);
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

/// Whether a JSON text can hold a refused character at all: only as an escape (`\u0000`, `\n`,
/// `\t`…), a raw DEL, a raw C1 control or a raw line or paragraph separator. Lets the common
/// body skip the second parse that [`json_errors`] needs.
pub(crate) fn json_may_hold_controls(bytes: &[u8]) -> bool {
    bytes.iter().enumerate().any(|(i, b)| match b {
        b'\\' | 0x7f => true,
        0xc2 => bytes.get(i + 1).is_some_and(|n| (0x80..=0x9f).contains(n)),
        0xe2 => {
            bytes.get(i + 1..i + 3) == Some(&[0x80, 0xa8])
                || bytes.get(i + 1..i + 3) == Some(&[0x80, 0xa9])
        }
        _ => false,
    })
}

/// The answer to refused input: problem+json for the API, a page for people.
pub(crate) fn refusal(path: &str, headers: &HeaderMap, errors: Vec<FieldError>) -> Response {
    if is_api(path) {
        return problem(errors).into_response();
    }
    let tr = crate::portal::visitor_locale(headers);
    let message = refused_message(tr, &errors);
    page(path, tr, StatusCode::UNPROCESSABLE_ENTITY, message)
}

/// What a person is told about refused fields, in their language.
pub(crate) fn refused_message(tr: Tr, errors: &[FieldError]) -> String {
    let fields = errors
        .iter()
        .map(|e| format!("«{}»", e.field))
        .collect::<Vec<_>>()
        .join(", ");
    tr.t("input.control_character").replace("{field}", &fields)
}

/// Refused input as problem+json.
pub(crate) fn problem(errors: Vec<FieldError>) -> Problem {
    Problem::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        "a field holds characters that are not allowed",
    )
    .with_errors(errors.iter().map(ProblemField::from).collect())
}

fn is_api(path: &str) -> bool {
    path.starts_with("/api/") || path == "/healthz" || path == "/metrics"
}

fn page(path: &str, tr: Tr, status: StatusCode, message: String) -> Response {
    if path.starts_with("/console") {
        crate::html::render(
            status,
            &crate::console::views::ErrorPage::new(tr, status, message, None),
        )
    } else {
        crate::portal::error_page(tr, status, message)
    }
}

/// Middleware over every route: refuse a path segment or query parameter holding a character
/// its field does not allow, before any handler reads it. A path segment that is not UTF-8
/// (`%FF`) is refused the same way. Reads only the URL: the body is left to the handler, which
/// checks credentials before reading it.
pub async fn check_url(req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    let path = parts.uri.path().to_string();
    let mut errors = Vec::new();
    match RawPathParams::from_request_parts(&mut parts, &()).await {
        Ok(params) => errors.extend(pair_errors(params.iter())),
        // The fallback (no route matched) has no parameters at all.
        Err(RawPathParamsRejection::MissingPathParams(_)) => {}
        Err(e) => {
            return if is_api(&path) {
                Problem::new(StatusCode::BAD_REQUEST, "path_invalid", e.body_text()).into_response()
            } else {
                let tr = crate::portal::visitor_locale(&parts.headers);
                page(
                    &path,
                    tr,
                    StatusCode::BAD_REQUEST,
                    tr.t("input.path_invalid").into(),
                )
            };
        }
    }
    if let Some(query) = parts.uri.query() {
        let pairs = form_urlencoded(query.as_bytes());
        errors.extend(pair_errors(
            pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        ));
    }
    if !errors.is_empty() {
        return refusal(&path, &parts.headers, errors);
    }
    next.run(Request::from_parts(parts, body)).await
}

/// Name–value pairs of a query string or form body (`+` is a space, bad UTF-8 becomes U+FFFD).
fn form_urlencoded(bytes: &[u8]) -> Vec<(String, String)> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(bytes).unwrap_or_default()
}

/// A form body (`application/x-www-form-urlencoded`) whose every field passed the input rule,
/// for the HTML forms of the console and the portal. Refusals are pages, never plain text.
pub struct Form<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Form<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Response> {
        let path = req.uri().path().to_string();
        let headers = req.headers().clone();
        let tr = crate::portal::visitor_locale(&headers);
        let is_form = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .eq_ignore_ascii_case("application/x-www-form-urlencoded")
            });
        if !is_form {
            let message = tr.t("input.form_invalid").into();
            return Err(page(&path, tr, StatusCode::UNSUPPORTED_MEDIA_TYPE, message));
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let pairs = form_urlencoded(&bytes);
        let errors = pair_errors(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        if !errors.is_empty() {
            return Err(refusal(&path, &headers, errors));
        }
        serde_urlencoded::from_bytes(&bytes).map(Form).map_err(|_| {
            let message = tr.t("input.form_invalid").into();
            page(&path, tr, StatusCode::UNPROCESSABLE_ENTITY, message)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_errors_name_every_field_by_its_path() {
        let v: Value = serde_json::from_str(
            r#"{"subject":"a\u0000","body":"line\nline","requester":{"name":"An\tB"},
                "attachments":[{"filename":"ok"},{"content_type":"x\u001b"}],"branch":1}"#,
        )
        .unwrap();
        let mut fields: Vec<String> = json_errors(&v).into_iter().map(|e| e.field).collect();
        fields.sort();
        assert_eq!(
            fields,
            ["attachments[1].content_type", "requester.name", "subject"]
        );
    }

    #[test]
    fn the_prescan_sees_every_way_a_control_can_be_written() {
        for text in [
            r#"{"a":"\u0000"}"#,
            r#"{"a":"\n"}"#,
            "{\"a\":\"\u{7f}\"}",
            "{\"a\":\"\u{85}\"}",
            "{\"a\":\"\u{2028}\"}",
        ] {
            assert!(json_may_hold_controls(text.as_bytes()), "{text}");
        }
        assert!(!json_may_hold_controls(
            r#"{"subject":"Hải quan – ệ","branch":2}"#.as_bytes()
        ));
    }
}
