//! Headers that tell browsers what our pages may do: scripts and styles only from our own
//! `/assets/` (no inline script, style or handler), never framed, no MIME sniffing, no address
//! sent to other sites. When the site is served over TLS (`HQDESK_PUBLIC_URL` is `https://…`,
//! TLS ending at a reverse proxy), HSTS too, and every cookie is marked `Secure` whatever the
//! proxy says in `X-Forwarded-Proto`.
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::header::{self, HeaderName};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;

/// Everything comes from this origin; `data:` images are the only exception (none are used
/// today, but sanitised Markdown may carry them).
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; connect-src 'self'; worker-src 'self'; \
     font-src 'self'; manifest-src 'self'; form-action 'self'; frame-ancestors 'none'; \
     base-uri 'none'";

/// One year, as browsers' preload lists expect.
const HSTS: &str = "max-age=31536000";

/// What the middleware adds.
pub(crate) struct SecurityHeaders {
    /// The site is reached over HTTPS: HSTS, and `Secure` on every cookie.
    pub(crate) https: bool,
}

impl SecurityHeaders {
    pub(crate) fn for_public_url(public_url: Option<&str>) -> Arc<SecurityHeaders> {
        Arc::new(SecurityHeaders {
            https: public_url.is_some_and(|u| {
                u.get(..8)
                    .is_some_and(|s| s.eq_ignore_ascii_case("https://"))
            }),
        })
    }
}

pub(crate) async fn add(
    State(h): State<Arc<SecurityHeaders>>,
    req: Request,
    next: Next,
) -> Response {
    let mut resp = next.run(req).await;
    let headers = resp.headers_mut();
    for (name, value) in [
        (
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ),
        (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        // Not `no-referrer`: the browser would then send `Origin: null` with our own forms.
        (
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ),
        (
            HeaderName::from_static("cross-origin-opener-policy"),
            HeaderValue::from_static("same-origin"),
        ),
    ] {
        headers.entry(name).or_insert(value);
    }
    if h.https {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
        let cookies: Vec<HeaderValue> = headers
            .get_all(header::SET_COOKIE)
            .iter()
            .map(secure_cookie)
            .collect();
        if !cookies.is_empty() {
            headers.remove(header::SET_COOKIE);
            for c in cookies {
                headers.append(header::SET_COOKIE, c);
            }
        }
    }
    resp
}

/// `c` with the `Secure` attribute.
fn secure_cookie(c: &HeaderValue) -> HeaderValue {
    let Ok(text) = c.to_str() else {
        return c.clone();
    };
    let has_secure = text
        .split(';')
        .skip(1)
        .any(|attr| attr.trim().eq_ignore_ascii_case("secure"));
    if has_secure {
        return c.clone();
    }
    HeaderValue::from_str(&format!("{text}; Secure")).unwrap_or_else(|_| c.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secure_is_added_once() {
        let c = HeaderValue::from_static("hqdesk_session=abc; Path=/; HttpOnly");
        assert_eq!(
            secure_cookie(&c),
            "hqdesk_session=abc; Path=/; HttpOnly; Secure"
        );
        let already = HeaderValue::from_static("a=b; Path=/; Secure; HttpOnly");
        assert_eq!(secure_cookie(&already), already);
    }

    #[test]
    fn https_is_read_from_the_public_address() {
        assert!(SecurityHeaders::for_public_url(Some("HTTPS://hotro.customs.gov.vn")).https);
        assert!(!SecurityHeaders::for_public_url(Some("http://127.0.0.1:8080")).https);
        assert!(!SecurityHeaders::for_public_url(None).https);
    }
}
