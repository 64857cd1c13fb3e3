//! Every route of the product, by audience: the JSON API, telephony, health and metrics, the
//! agent console, the public portal, and the assets. Each points at its handler; the layers every
//! request passes through are in [`router_with`].
use std::sync::Arc;

use axum::http::{Method, StatusCode};
use axum::middleware;
use axum::routing::{get, post};
use axum::{Json, Router};
use hqdesk_services::Services;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::api::{calendars, cases, contacts, directory, openapi::ApiDoc, suggestions, telephony};
use crate::console::admin::service_levels;
use crate::console::case_clocks;
use crate::console::{account, admin, bulk, calls, case, enrolled, events, live, login, mailboxes};
use crate::console::{forward, identity, kb as staff_kb, notifications, queue};
use crate::portal::{lost, request, solved, submitted, tip};
use crate::problem::Problem;
use crate::security_headers::{self, SecurityHeaders};
use crate::state::{AppState, WebConfig};
use crate::{assets, health, limits, portal};

/// The routes that accept files: only these take bodies larger than `max_body_bytes`.
const UPLOAD_ROUTES: &[(Method, &str)] = &[
    (Method::POST, "/api/v1/cases/{number}/messages"),
    (Method::POST, "/console/cases/{number}/reply"),
    (Method::POST, "/console/cases/{number}/note"),
    (Method::POST, "/request"),
    (Method::POST, "/track/{token}/reply"),
    (Method::POST, "/receipt/reply"),
];

pub fn router(services: Services) -> Router {
    router_with(services, WebConfig::default())
}

pub fn router_with(services: Services, config: WebConfig) -> Router {
    let headers = SecurityHeaders::for_public_url(config.public_url.as_deref());
    let guard = limits::Guard::new(config.limits.clone(), UPLOAD_ROUTES);
    let state = AppState::new(services, config);
    let documented = OpenApiRouter::with_openapi(ApiDoc::openapi());
    let (documented, openapi) =
        health_routes(telephony_routes(api_routes(documented))).split_for_parts();
    let openapi = Arc::new(crate::api::openapi::document(openapi));
    documented
        .route(
            "/api/v1/openapi.json",
            get(move || {
                let doc = openapi.clone();
                async move { Json((*doc).clone()) }
            }),
        )
        .route("/metrics", get(health::metrics))
        .merge(console_routes())
        .merge(portal_routes())
        .merge(asset_routes())
        .fallback(not_found)
        .method_not_allowed_fallback(|| async {
            Problem::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "this address does not accept that method",
            )
        })
        // Sizes are enforced by `limits::guard`, per route.
        .layer(axum::extract::DefaultBodyLimit::disable())
        .layer(middleware::from_fn(crate::input::check_url))
        .layer(middleware::from_fn(crate::problem::api_errors_as_problems))
        .layer(middleware::from_fn_with_state(guard, limits::guard))
        .layer(middleware::from_fn_with_state(
            headers,
            security_headers::add,
        ))
        .layer(middleware::from_fn(health::record_metrics))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(state)
}

/// A request's log span: its method and the route it matched (`/track/{token}`), never the
/// path's values or the query — a tracking token, a case number or search words would otherwise
/// reach the log.
fn request_span<B>(req: &axum::http::Request<B>) -> tracing::Span {
    let route = req
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map_or("(no route)", |m| m.as_str());
    tracing::debug_span!("request", method = %req.method(), route)
}

/// API v1 (JSON, bearer tokens; every route in the OpenAPI document): cases, contacts, the
/// directory.
fn api_routes(r: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    r.routes(routes!(cases::create_case, cases::list_cases))
        .routes(routes!(cases::get_case, cases::update_case))
        .routes(routes!(cases::assign_case))
        .routes(routes!(cases::change_status))
        .routes(routes!(cases::list_links, cases::add_link))
        .routes(routes!(cases::merge_case))
        .routes(routes!(cases::seal_case))
        .routes(routes!(cases::forward_case))
        .routes(routes!(cases::download_attachment))
        .routes(routes!(cases::add_message, cases::list_messages))
        .routes(routes!(suggestions::case_suggestions))
        .routes(routes!(contacts::list_contacts))
        .routes(routes!(contacts::get_contact, contacts::update_contact))
        .routes(routes!(directory::me))
        .routes(routes!(directory::list_users, directory::create_user))
        .routes(routes!(directory::update_user))
        .routes(routes!(directory::list_units, directory::create_unit))
        .routes(routes!(directory::update_unit))
        .routes(routes!(
            directory::list_categories,
            directory::create_category
        ))
        .routes(routes!(directory::update_category))
        .routes(routes!(calendars::list_calendars))
        .routes(routes!(calendars::holidays))
        .routes(routes!(calendars::add))
}

/// Telephony (API v1, for the telephone system): call events, the IVR, callbacks.
fn telephony_routes(r: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    with_path_token(
        r.routes(routes!(telephony::cti))
            .routes(routes!(telephony::signed_event))
            .routes(routes!(telephony::ivr))
            .routes(routes!(telephony::callback_attempt)),
    )
}

/// The telephony routes that take the API token in the path (deprecated: proxies log paths),
/// kept for telephone systems configured before the token moved to a header.
#[allow(deprecated)]
fn with_path_token(r: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    r.routes(routes!(telephony::cti_with_path_token))
        .routes(routes!(telephony::ivr_with_path_token))
}

/// Health, for load balancers and monitoring (`/metrics` is beside it, outside the document).
fn health_routes(r: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    r.routes(routes!(health::healthz))
}

/// The agent console (HTML, a session cookie): signing in, the queues, cases, calls, knowledge,
/// administration.
fn console_routes() -> Router<AppState> {
    Router::new()
        // Signing in and one's own account
        .route("/console/login", get(login::login_form).post(login::login))
        .route(
            "/console/login/2fa",
            get(login::totp_form).post(login::totp),
        )
        .route("/console/logout", post(login::logout))
        .route(
            "/console/account/2fa",
            get(login::enrol_form).post(login::enrol),
        )
        .route(enrolled::PATH, get(enrolled::page))
        .route("/console/account", get(account::account))
        .route("/console/notifications", get(notifications::list))
        .route(
            "/console/notifications/read",
            post(notifications::mark_all_read),
        )
        .route("/console/account/locale", post(account::set_locale))
        .route("/console/account/password", post(account::change_password))
        // Queues, live updates
        .route("/console", get(queue::queue))
        .route("/console/events", get(live::events))
        .route("/console/bulk", post(bulk::bulk))
        .route("/console/filters", post(bulk::save_filter))
        .route("/console/filters/{id}/delete", post(bulk::delete_filter))
        // A case and what is done to it
        .route("/console/cases/{number}", get(case::case_page))
        .route("/console/attachments/{id}", get(case::download))
        .route("/console/cases/{number}/reply", post(events::reply))
        .route("/console/cases/{number}/note", post(events::note))
        .route(
            "/console/cases/{number}/status",
            post(events::change_status),
        )
        .route("/console/cases/{number}/assign", post(events::assign))
        .route("/console/cases/{number}/update", post(events::update))
        .route("/console/cases/{number}/presence", post(events::presence))
        .route("/console/cases/{number}/link", post(events::link))
        .route("/console/cases/{number}/merge", post(events::merge))
        .route("/console/cases/{number}/seal", post(events::seal))
        .route("/console/cases/{number}/unseal", post(events::unseal))
        .route(
            "/console/cases/{number}/forward",
            get(forward::page).post(forward::send),
        )
        .route("/console/cases/{number}/named", post(events::name_involved))
        .route(
            "/console/cases/{number}/identity-request",
            post(identity::ask),
        )
        .route("/console/identity-requests", get(identity::requests))
        .route(
            "/console/identity-requests/{id}/approve",
            post(identity::approve),
        )
        .route(
            "/console/identity-requests/{id}/refuse",
            post(identity::refuse),
        )
        .route(
            "/console/cases/{number}/legal/accept",
            post(case_clocks::legal_accept),
        )
        .route(
            "/console/cases/{number}/legal/extend",
            post(case_clocks::legal_extend),
        )
        .route(
            "/console/cases/{number}/legal/{clock}/suspend",
            post(case_clocks::legal_suspend),
        )
        .route(
            "/console/cases/{number}/legal/{clock}/resume",
            post(case_clocks::legal_resume),
        )
        // The hotline
        .route("/console/calls/{call_id}", get(calls::call_page))
        .route("/console/calls/{call_id}/case", post(calls::call_new_case))
        .route("/console/calls/{call_id}/attach", post(calls::call_attach))
        .route("/console/calls/{call_id}/flag", post(calls::call_flag))
        .route("/console/wallboard", get(calls::wallboard))
        // Knowledge: articles and procedures
        .route("/console/kb", get(staff_kb::list))
        .route("/console/kb/new", get(staff_kb::new_article))
        .route("/console/kb/save", post(staff_kb::save_article))
        .route("/console/kb/preview", post(staff_kb::preview))
        .route("/console/kb/{slug}/edit", get(staff_kb::edit_article))
        .route("/console/procedures", get(staff_kb::procedures))
        .route("/console/procedures/new", get(staff_kb::new_procedure))
        .route("/console/procedures/save", post(staff_kb::save_procedure))
        .route(
            "/console/procedures/{code}/edit",
            get(staff_kb::edit_procedure),
        )
        // Administration
        .route("/console/admin", get(admin::admin))
        .route("/console/admin/users", post(admin::admin_add_user))
        .route(
            "/console/admin/users/{username}/active",
            post(admin::admin_user_active),
        )
        .route(
            "/console/admin/users/{username}",
            get(admin::user_edit).post(admin::user_save),
        )
        .route(
            "/console/admin/users/{username}/password",
            post(admin::user_password),
        )
        .route(
            "/console/admin/users/{username}/second-factor",
            post(admin::user_second_factor),
        )
        .route("/console/admin/units", post(admin::admin_add_unit))
        .route(
            "/console/admin/units/{code}",
            get(admin::unit_edit).post(admin::unit_save),
        )
        .route(
            "/console/admin/canned/{id}",
            get(admin::canned_edit).post(admin::canned_save),
        )
        .route(
            "/console/admin/canned/{id}/delete",
            post(admin::canned_delete),
        )
        .route("/console/admin/canned", post(admin::admin_add_canned))
        .route(
            "/console/admin/service-levels",
            get(service_levels::overview),
        )
        .route(
            "/console/admin/service-levels/calendars",
            post(service_levels::calendar_create),
        )
        .route(
            "/console/admin/service-levels/calendars/{name}",
            get(service_levels::calendar).post(service_levels::calendar_save),
        )
        .route(
            "/console/admin/service-levels/calendars/{name}/years/{year}",
            post(service_levels::year_save),
        )
        .route(
            "/console/admin/service-levels/calendars/{name}/delete",
            post(service_levels::calendar_delete),
        )
        .route(
            "/console/admin/service-levels/policies",
            post(service_levels::policy_create),
        )
        .route(
            "/console/admin/service-levels/policies/new",
            get(service_levels::policy_new),
        )
        .route(
            "/console/admin/service-levels/policies/{id}",
            get(service_levels::policy_edit).post(service_levels::policy_save),
        )
        .route(
            "/console/admin/service-levels/policies/{id}/move",
            post(service_levels::policy_move),
        )
        .route(
            "/console/admin/service-levels/policies/{id}/delete",
            post(service_levels::policy_delete),
        )
        .route(
            "/console/admin/service-levels/legal/{kind}/{clock}",
            post(service_levels::legal_save),
        )
        .route(
            "/console/admin/canned/{id}/active",
            post(admin::admin_canned_active),
        )
        .route(
            "/console/admin/mailboxes",
            get(mailboxes::page).post(mailboxes::add),
        )
        .route("/console/admin/mailboxes/{id}", post(mailboxes::edit))
        .route(
            "/console/admin/mailboxes/{id}/enabled",
            post(mailboxes::enabled),
        )
        .route("/console/admin/mailboxes/{id}/test", post(mailboxes::test))
}

/// The public portal (HTML, anonymous): knowledge, procedures, requests and suggestions, the
/// private tracking page, an anonymous tip's receipt form and its reporter's page.
fn portal_routes() -> Router<AppState> {
    Router::new()
        .route("/", get(portal::home))
        .route("/lang/{lang}", get(portal::set_lang))
        .route("/kb", get(portal::kb))
        .route("/kb/{slug}", get(portal::article))
        .route("/kb/{slug}/solved", post(portal::solved))
        .route("/procedures", get(portal::procedures))
        .route("/procedures/{code}", get(portal::procedure))
        .route("/kb-suggest", get(request::article_suggestions))
        .route("/kb-solved", get(solved::offer).post(solved::confirm))
        .route(
            "/request",
            get(request::request_form).post(request::request_submit),
        )
        .route(
            "/suggestions",
            get(request::suggest_form).post(request::suggest_submit),
        )
        .route(submitted::PATH, get(submitted::page))
        .route("/lost-link", get(lost::form).post(lost::submit))
        .route("/track/{token}", get(request::track))
        .route("/track/{token}/reply", post(request::track_reply))
        .route("/track/{token}/rate", post(request::track_rate))
        .route("/track/{token}/files/{id}", get(request::track_file))
        .route("/receipt", get(tip::form).post(tip::check))
        .route("/receipt/reply", post(tip::reply))
        .route("/receipt/files/{id}", post(tip::file))
}

/// The style sheet and scripts of the console and the portal.
fn asset_routes() -> Router<AppState> {
    Router::new()
        .route("/assets/app.css", get(assets::app_css))
        .route("/assets/app.js", get(assets::app_js))
        .route("/assets/kb-editor.js", get(assets::kb_editor_js))
        .route("/assets/live-worker.js", get(assets::live_worker_js))
        .route("/assets/portal.js", get(assets::portal_js))
        .route("/assets/favicon.svg", get(assets::favicon))
        .route("/favicon.ico", get(assets::favicon))
}

/// Unknown addresses: problem+json under the API, the console's page under the console, the
/// portal's everywhere else.
async fn not_found(
    axum::extract::State(s): axum::extract::State<AppState>,
    req: axum::extract::Request,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let path = req.uri().path();
    if path.starts_with("/api/") || path == "/metrics" || path == "/healthz" {
        Problem::not_found().into_response()
    } else if path == "/console" || path.starts_with("/console/") {
        crate::console::not_found(&s, req).await
    } else {
        crate::portal::not_found_page(req.headers())
    }
}
