//! "This article solved my request": the link of an e-mail acknowledgement that offered a
//! knowledge-base article (issue 19). Following it shows a page that asks to confirm (a link
//! checker or a mail scanner that opens links must not resolve anyone's request); the button
//! records the deflection and resolves the case, once; the page thanks the requester.
use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use hqdesk_services::suggest::{DeflectionLink, DEFLECTION_EXPIRED};
use hqdesk_services::ServiceError;

use super::request::{form_guard, get, FormToken};
use super::visitor_locale;
use crate::html::render;
use crate::i18n::Tr;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "portal_solved.html")]
struct SolvedPage {
    tr: Tr,
    csrf: String,
    /// `offer`, `thanks`, `already`, `invalid` or `expired`.
    state: &'static str,
    message: String,
    slug: String,
    link: HashMap<String, String>,
}

impl SolvedPage {
    fn field(&self, k: &str) -> &str {
        self.link.get(k).map(String::as_str).unwrap_or("")
    }
}

/// The link's fields (`c` case number, `a` article, `e` expiry, `s` signature), as sent.
fn link_of(v: &HashMap<String, String>) -> Option<DeflectionLink> {
    Some(DeflectionLink {
        number: v.get("c")?.trim().to_string(),
        slug: v.get("a")?.trim().to_string(),
        expires: v.get("e")?.trim().parse().ok()?,
        signature: v.get("s")?.trim().to_string(),
    })
}

fn page(
    tr: Tr,
    token: &FormToken,
    status: StatusCode,
    state: &'static str,
    message: String,
    slug: String,
    v: &HashMap<String, String>,
) -> Response {
    let link = ["c", "a", "e", "s"]
        .iter()
        .map(|k| (k.to_string(), get(v, k)))
        .collect();
    token.attach(render(
        status,
        &SolvedPage {
            tr,
            csrf: token.value.clone(),
            state,
            message,
            slug,
            link,
        },
    ))
}

/// A link that does not work: not found (wrong, altered, or its case now confidential) or
/// expired. Anything else is the server's fault.
fn refused(tr: Tr, token: &FormToken, e: ServiceError, v: &HashMap<String, String>) -> Response {
    match e {
        ServiceError::NotFound | ServiceError::Invalid(_) => page(
            tr,
            token,
            StatusCode::NOT_FOUND,
            "invalid",
            tr.t("suggest.solved.invalid").into(),
            String::new(),
            v,
        ),
        ServiceError::Conflict { code, .. } if code == DEFLECTION_EXPIRED => page(
            tr,
            token,
            StatusCode::GONE,
            "expired",
            tr.t("suggest.solved.expired").into(),
            String::new(),
            v,
        ),
        other => super::error(tr, other),
    }
}

pub async fn offer(
    State(s): State<AppState>,
    headers: HeaderMap,
    Query(v): Query<HashMap<String, String>>,
) -> Response {
    let tr = visitor_locale(&headers);
    let token = FormToken::from_headers(&headers);
    let Some(link) = link_of(&v) else {
        return refused(tr, &token, ServiceError::NotFound, &v);
    };
    match s.services.deflection_offer(&link).await {
        Ok(o) if o.done => page(
            tr,
            &token,
            StatusCode::OK,
            "already",
            tr.t("suggest.solved.already").into(),
            o.article_slug,
            &v,
        ),
        Ok(o) => page(
            tr,
            &token,
            StatusCode::OK,
            "offer",
            tr.fill(
                "suggest.solved.ask",
                &[("title", &o.article_title), ("number", &o.case_number)],
            ),
            o.article_slug,
            &v,
        ),
        Err(e) => refused(tr, &token, e, &v),
    }
}

pub async fn confirm(
    State(s): State<AppState>,
    headers: HeaderMap,
    crate::input::Form(v): crate::input::Form<HashMap<String, String>>,
) -> Response {
    let tr = visitor_locale(&headers);
    let token = FormToken::from_headers(&headers);
    if let Err((message, status)) = form_guard(tr, &token, &headers, &v) {
        return page(tr, &token, status, "invalid", message, String::new(), &v);
    }
    let Some(link) = link_of(&v) else {
        return refused(tr, &token, ServiceError::NotFound, &v);
    };
    let offer = match s.services.deflection_offer(&link).await {
        Ok(o) => o,
        Err(e) => return refused(tr, &token, e, &v),
    };
    match s.services.deflection_confirm(&link).await {
        Ok(true) => page(
            tr,
            &token,
            StatusCode::OK,
            "thanks",
            tr.fill(
                "suggest.solved.thanks",
                &[
                    ("title", &offer.article_title),
                    ("number", &offer.case_number),
                ],
            ),
            offer.article_slug,
            &v,
        ),
        Ok(false) => page(
            tr,
            &token,
            StatusCode::OK,
            "already",
            tr.t("suggest.solved.already").into(),
            offer.article_slug,
            &v,
        ),
        Err(e) => refused(tr, &token, e, &v),
    }
}
