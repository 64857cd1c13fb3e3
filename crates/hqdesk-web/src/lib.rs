//! hqdesk over HTTP. The router in [`router`] is the table of contents; handlers extract, call one
//! service function, and map the result to a typed response. Errors become
//! `application/problem+json` in exactly one place ([`problem`]).
pub mod api;
mod assets;
mod auth;
pub mod client_addr;
mod console;
mod cookie;
mod csrf;
mod extract;
mod forms;
mod health;
mod holidays;
mod html;
pub mod i18n;
mod input;
mod limits;
mod markdown;
mod metrics_access;
mod portal;
pub mod problem;
mod router;
mod security_headers;
mod server;
mod state;

pub use limits::RequestLimits;
pub use router::{router, router_with};
pub use security_headers::CONTENT_SECURITY_POLICY;
pub use server::{serve, ConnectionLimits};
pub use state::{AppState, WebConfig};

/// The stored types a browser may show in our origin: raster images and PDF. Nothing that can
/// carry script (SVG, HTML, XML) is on the list.
const SHOWN_INLINE: &[&str] = &[
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "application/pdf",
];

/// The stored type, if a browser may show it in our origin (`image/png; name=x` counts as
/// `image/png`).
pub(crate) fn inline_type(content_type: &str) -> Option<&'static str> {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    SHOWN_INLINE.iter().copied().find(|t| *t == essence)
}

/// A file shown by the browser when its stored type is on the safe list (images previewed,
/// PDFs opened in the browser's viewer), else sent as a download. Still `nosniff`; a PDF also
/// gets a sandboxing Content-Security-Policy, so nothing in it runs with our origin.
pub(crate) fn view(filename: &str, content_type: &str, bytes: Vec<u8>) -> axum::response::Response {
    use axum::http::{header, HeaderValue};
    let Some(shown) = inline_type(content_type) else {
        return download(filename, content_type, bytes);
    };
    let mut resp = download(filename, shown, bytes);
    let headers = resp.headers_mut();
    if let Some(d) = headers
        .get(header::CONTENT_DISPOSITION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("attachment"))
        .and_then(|rest| HeaderValue::from_str(&format!("inline{rest}")).ok())
    {
        headers.insert(header::CONTENT_DISPOSITION, d);
    }
    if shown == "application/pdf" {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("sandbox; default-src 'none'; frame-ancestors 'none'"),
        );
    }
    resp
}

/// A file sent as a download: never rendered by the browser in our origin, whatever its type.
pub(crate) fn download(
    filename: &str,
    content_type: &str,
    bytes: Vec<u8>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let ascii: String = filename
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_ ".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = filename
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b".-_".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let ctype = if content_type.parse::<axum::http::HeaderValue>().is_ok() {
        content_type.to_string()
    } else {
        "application/octet-stream".into()
    };
    (
        [
            (axum::http::header::CONTENT_TYPE, ctype),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"),
            ),
            (
                axum::http::header::X_CONTENT_TYPE_OPTIONS,
                "nosniff".to_string(),
            ),
            (
                axum::http::header::CACHE_CONTROL,
                "private, no-store".to_string(),
            ),
        ],
        bytes,
    )
        .into_response()
}
