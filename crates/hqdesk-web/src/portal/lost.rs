//! "Lost your tracking link?": the requester gives the case number and the e-mail address the
//! request was sent with; when they match, a new link is mailed and the old one stops working.
//! The page answers the same whether or not they match.
use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use hqdesk_services::portal::LostLink;

use super::request::{errors_of, form_guard, get, status_of, FormToken};
use super::visitor_locale;
use crate::client_addr::ClientAddr;
use crate::html::render;
use crate::i18n::Tr;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "portal_lost.html")]
struct LostPage {
    tr: Tr,
    csrf: String,
    v: HashMap<String, String>,
    errors: HashMap<String, String>,
    message: String,
    /// The request was taken: the same words whatever the outcome.
    done: bool,
}

impl LostPage {
    fn val(&self, k: &str) -> &str {
        self.v.get(k).map(String::as_str).unwrap_or("")
    }
    fn err(&self, k: &str) -> &str {
        self.errors.get(k).map(String::as_str).unwrap_or("")
    }
}

fn page(tr: Tr, token: &FormToken, status: StatusCode, p: Partial) -> Response {
    token.attach(render(
        status,
        &LostPage {
            tr,
            csrf: token.value.clone(),
            v: p.v,
            errors: p.errors,
            message: p.message,
            done: p.done,
        },
    ))
}

#[derive(Default)]
struct Partial {
    v: HashMap<String, String>,
    errors: HashMap<String, String>,
    message: String,
    done: bool,
}

pub async fn form(headers: HeaderMap) -> Response {
    let tr = visitor_locale(&headers);
    let token = FormToken::from_headers(&headers);
    page(tr, &token, StatusCode::OK, Partial::default())
}

pub async fn submit(
    State(s): State<AppState>,
    headers: HeaderMap,
    source: ClientAddr,
    crate::input::Form(v): crate::input::Form<HashMap<String, String>>,
) -> Response {
    let tr = visitor_locale(&headers);
    let token = FormToken::from_headers(&headers);
    if let Err((message, status)) = form_guard(tr, &token, &headers, &v) {
        let p = Partial {
            v,
            message,
            ..Default::default()
        };
        return page(tr, &token, status, p);
    }
    let req = LostLink {
        case_number: get(&v, "case_number").chars().take(40).collect(),
        email: get(&v, "email").chars().take(254).collect(),
        lang: tr.lang().into(),
        link_base: s.public_url.clone().unwrap_or_default(),
        source: source.key(),
    };
    match s.services.portal_new_link(req).await {
        Ok(()) => page(
            tr,
            &token,
            StatusCode::OK,
            Partial {
                done: true,
                ..Default::default()
            },
        ),
        Err(e) => {
            let (errors, message) = errors_of(tr, &e);
            let p = Partial {
                v,
                errors,
                message,
                done: false,
            };
            page(tr, &token, status_of(&e), p)
        }
    }
}
