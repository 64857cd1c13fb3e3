//! The public portal: self-service for businesses and citizens. Vietnamese by default, English
//! by choice (a cookie). Nothing a visitor types is rendered unescaped; articles are Markdown
//! written by staff, rendered and then sanitised.
pub(crate) mod highlight;
pub(crate) mod lost;
pub(crate) mod request;
pub(crate) mod solved;
pub(crate) mod submitted;
pub(crate) mod tip;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use hqdesk_domain::Timestamp;
use hqdesk_services::ServiceError;
use serde::Deserialize;

use crate::html::{render, when};
use crate::i18n::{Locale, Tr};
use crate::markdown::markdown_html;
use crate::state::AppState;

const LANG_COOKIE: &str = "hqdesk_lang";

/// The visitor's language: their choice (cookie), else Vietnamese.
pub fn visitor_locale(headers: &HeaderMap) -> Tr {
    Tr(Locale::parse(
        crate::cookie::cookie(headers, LANG_COOKIE)
            .as_deref()
            .unwrap_or("vi"),
    ))
}

pub(crate) async fn set_lang(Path(lang): Path<String>, headers: HeaderMap) -> Response {
    let lang = if lang == "en" { "en" } else { "vi" };
    let back = headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| {
            r.split_once("://")
                .and_then(|(_, rest)| rest.find('/').map(|i| rest[i..].to_string()))
        })
        .filter(|p| p.starts_with('/') && !p.starts_with("//"))
        .unwrap_or_else(|| "/".into());
    (
        [(
            header::SET_COOKIE,
            format!("{LANG_COOKIE}={lang}; Path=/; Max-Age=31536000; SameSite=Lax"),
        )],
        Redirect::to(&back),
    )
        .into_response()
}

#[derive(Template)]
#[template(path = "portal_error.html")]
struct ErrorPage {
    tr: Tr,
    message: String,
    /// Offer the "lost your tracking link?" page (a tracking link that did not work).
    lost: bool,
}

pub(crate) fn error(tr: Tr, e: ServiceError) -> Response {
    match e {
        ServiceError::NotFound => render(
            StatusCode::NOT_FOUND,
            &ErrorPage {
                tr,
                message: tr.t("portal.not_found").into(),
                lost: false,
            },
        ),
        other => {
            tracing::error!(error = %other, "portal");
            render(
                StatusCode::INTERNAL_SERVER_ERROR,
                &ErrorPage {
                    tr,
                    message: tr.t("portal.try_later").into(),
                    lost: false,
                },
            )
        }
    }
}

/// A tracking link that opens nothing: replaced by a new one (410, says so) or unknown (404);
/// both offer the page that sends a new link.
pub(crate) async fn tracking_error(s: &AppState, tr: Tr, token: &str, e: ServiceError) -> Response {
    if !matches!(e, ServiceError::NotFound) {
        return error(tr, e);
    }
    let replaced = s
        .services
        .portal_link_replaced(token)
        .await
        .unwrap_or(false);
    let (status, key) = if replaced {
        (StatusCode::GONE, "portal.lost.replaced")
    } else {
        (StatusCode::NOT_FOUND, "portal.not_found")
    };
    let mut resp = render(
        status,
        &ErrorPage {
            tr,
            message: tr.t(key).into(),
            lost: true,
        },
    );
    resp.headers_mut().insert(
        header::REFERRER_POLICY,
        axum::http::HeaderValue::from_static("same-origin"),
    );
    resp
}

/// An error page for a visitor, with a message already in their language.
pub(crate) fn error_page(tr: Tr, status: StatusCode, message: String) -> Response {
    render(
        status,
        &ErrorPage {
            tr,
            message,
            lost: false,
        },
    )
}

/// A page that says one thing (`key`, translated): refusals made before any handler runs.
pub(crate) fn message_page(headers: &HeaderMap, status: StatusCode, key: &str) -> Response {
    let tr = visitor_locale(headers);
    render(
        status,
        &ErrorPage {
            tr,
            message: tr.t(key).into(),
            lost: false,
        },
    )
}

/// The "not found" page for a person (visitor or staff) who followed a wrong link.
pub fn not_found_page(headers: &HeaderMap) -> Response {
    error(visitor_locale(headers), ServiceError::NotFound)
}

/// `s` for a query string: everything but unreserved ASCII percent-encoded.
pub(crate) fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The first words of an article, for result lists.
fn excerpt(md: &str) -> String {
    let plain: String = md
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .collect::<Vec<_>>()
        .join(" ")
        .replace(['*', '_', '`', '>'], "");
    let words: Vec<&str> = plain.split_whitespace().take(30).collect();
    let mut s = words.join(" ");
    if plain.split_whitespace().count() > 30 {
        s.push('…');
    }
    s
}

#[derive(Template)]
#[template(path = "portal_home.html")]
struct HomePage {
    tr: Tr,
    popular: Vec<(String, String)>,
}

pub(crate) async fn home(State(s): State<AppState>, headers: HeaderMap) -> Response {
    let tr = visitor_locale(&headers);
    match s.services.search_articles("", true, 8).await {
        Ok(list) => render(
            StatusCode::OK,
            &HomePage {
                tr,
                popular: list.into_iter().map(|a| (a.slug, a.title)).collect(),
            },
        ),
        Err(e) => error(tr, e),
    }
}

#[derive(Deserialize, Default)]
pub(crate) struct SearchQuery {
    q: Option<String>,
}

#[derive(Template)]
#[template(path = "portal_kb.html")]
struct KbPage {
    tr: Tr,
    q: String,
    /// (link, title HTML, excerpt HTML): matched words marked.
    results: Vec<(String, String, String)>,
}

pub(crate) async fn kb(
    State(s): State<AppState>,
    headers: HeaderMap,
    Query(p): Query<SearchQuery>,
) -> Response {
    let tr = visitor_locale(&headers);
    let q: String = p.q.unwrap_or_default().chars().take(200).collect();
    let words = highlight::query_words(&q);
    let carried = if q.trim().is_empty() {
        String::new()
    } else {
        format!("?q={}", url_encode(q.trim()))
    };
    match s.services.search_articles(&q, true, 50).await {
        Ok(list) => render(
            StatusCode::OK,
            &KbPage {
                tr,
                results: list
                    .into_iter()
                    .map(|a| {
                        (
                            format!("/kb/{}{carried}", a.slug),
                            highlight::mark_text(&a.title, &words),
                            highlight::mark_text(&excerpt(&a.body), &words),
                        )
                    })
                    .collect(),
                q,
            },
        ),
        Err(e) => error(tr, e),
    }
}

#[derive(Template)]
#[template(path = "portal_article.html")]
struct ArticlePage {
    tr: Tr,
    slug: String,
    title: String,
    /// The title with the words of the search that led here marked.
    title_html: String,
    /// Where "this did not help" leads: the request form, with the article and the query.
    request_link: String,
    updated: String,
    body_html: String,
    related: Vec<(String, String)>,
    solved_thanks: bool,
}

#[derive(Deserialize, Default)]
pub(crate) struct ArticleQuery {
    thanks: Option<String>,
    /// The search that led here: its words are marked.
    q: Option<String>,
}

pub(crate) async fn article(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(slug): Path<String>,
    Query(p): Query<ArticleQuery>,
) -> Response {
    let tr = visitor_locale(&headers);
    let a = match s.services.article(&slug, true).await {
        Ok(a) => a,
        Err(e) => return error(tr, e),
    };
    let mut related = Vec::new();
    for r in a
        .related
        .split(',')
        .map(str::trim)
        .filter(|r| !r.is_empty())
    {
        if let Ok(other) = s.services.article(r, true).await {
            related.push((other.slug, other.title));
        }
    }
    let q: String = p.q.unwrap_or_default().chars().take(200).collect();
    let words = highlight::query_words(&q);
    let mut request_link = format!("/request?article={}", url_encode(&a.slug));
    if !q.trim().is_empty() {
        request_link.push_str(&format!("&q={}", url_encode(q.trim())));
    }
    render(
        StatusCode::OK,
        &ArticlePage {
            tr,
            body_html: highlight::mark_html(&markdown_html(&a.body), &words),
            title_html: highlight::mark_text(&a.title, &words),
            request_link,
            slug: a.slug,
            title: a.title,
            updated: when(Timestamp(a.updated_at)),
            related,
            solved_thanks: p.thanks.is_some(),
        },
    )
}

/// "This solved it" counts a request answered without staff. Counted at most a few times per
/// address and hour, and only when posted from this site, so that the figure stays honest.
pub(crate) async fn solved(
    State(s): State<AppState>,
    headers: HeaderMap,
    source: crate::client_addr::ClientAddr,
    Path(slug): Path<String>,
) -> Response {
    let tr = visitor_locale(&headers);
    let thanks = Redirect::to(&format!("/kb/{slug}?thanks=1")).into_response();
    if !crate::csrf::same_origin(&headers) {
        return thanks;
    }
    if s.services
        .portal_rate_check("portal.solved", &source.key(), SOLVED_PER_HOUR)
        .await
        .is_err()
    {
        // Thank the visitor all the same; the count just stops growing.
        return thanks;
    }
    match s.services.article_solved(&slug).await {
        Ok(()) => {
            if let Err(e) = s
                .services
                .portal_rate_count("portal.solved", &source.key())
                .await
            {
                tracing::warn!(error = %e, "portal: \"solved\" not counted against its limit");
            }
            thanks
        }
        Err(e) => error(tr, e),
    }
}

const SOLVED_PER_HOUR: i64 = 20;

#[derive(Template)]
#[template(path = "portal_procedures.html")]
struct ProceduresPage {
    tr: Tr,
    q: String,
    /// (code, title, unit, official code).
    items: Vec<(String, String, String, String)>,
}

pub(crate) async fn procedures(
    State(s): State<AppState>,
    headers: HeaderMap,
    Query(p): Query<SearchQuery>,
) -> Response {
    let tr = visitor_locale(&headers);
    let q: String = p.q.unwrap_or_default().chars().take(200).collect();
    match s.services.procedures(&q).await {
        Ok(list) => render(
            StatusCode::OK,
            &ProceduresPage {
                tr,
                q,
                items: list
                    .into_iter()
                    .map(|p| (p.code, p.title, p.unit, p.official_code))
                    .collect(),
            },
        ),
        Err(e) => error(tr, e),
    }
}

#[derive(Template)]
#[template(path = "portal_procedure.html")]
struct ProcedurePage {
    tr: Tr,
    p: hqdesk_services::read::Procedure,
    steps: Vec<String>,
    documents: Vec<String>,
    forms: Vec<hqdesk_services::portal::ProcedureForm>,
    /// Where to submit online, split into its words and its web address (if it has one).
    online_text: String,
    online_link: String,
}

/// "Cổng Dịch vụ công quốc gia https://dichvucong.gov.vn" → the words and the address.
fn split_address(s: &str) -> (String, String) {
    match s.find("https://").or_else(|| s.find("http://")) {
        Some(i) => {
            let rest = &s[i..];
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            let link = &rest[..end];
            let valid = !link.chars().any(|c| c.is_control() || c == '"' || c == '<');
            let text = format!("{} {}", s[..i].trim(), rest[end..].trim());
            if valid {
                (text.trim().to_string(), link.to_string())
            } else {
                (s.to_string(), String::new())
            }
        }
        None => (s.to_string(), String::new()),
    }
}

pub(crate) async fn procedure(
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> Response {
    let tr = visitor_locale(&headers);
    match s.services.procedure(&code).await {
        Ok(p) => {
            let steps = serde_json::from_str(&p.steps).unwrap_or_default();
            let documents = serde_json::from_str(&p.documents).unwrap_or_default();
            let forms = hqdesk_services::portal::procedure_forms(&p.forms);
            let (online_text, online_link) = split_address(&p.submit_online);
            render(
                StatusCode::OK,
                &ProcedurePage {
                    tr,
                    p,
                    steps,
                    documents,
                    forms,
                    online_text,
                    online_link,
                },
            )
        }
        Err(e) => error(tr, e),
    }
}
