//! Every route, in one place.
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::{Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use hqdesk_services::Services;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::api::{cases, contacts, directory, openapi::ApiDoc, telephony};
use crate::client_addr::TrustedProxies;
use crate::health;
use crate::limits::{self, RequestLimits};
use crate::problem::Problem;
use crate::security_headers::{self, SecurityHeaders};

#[derive(Clone)]
pub struct AppState {
    pub services: Services,
    /// Shared secret of the signed telephony webhook (`HQDESK_TELEPHONY_SECRET`).
    pub telephony_secret: Option<String>,
    /// Where visitors reach this server (`HQDESK_PUBLIC_URL`), for links in mails.
    pub public_url: Option<String>,
    /// Reverse proxies whose `X-Forwarded-For` names the client (`HQDESK_TRUSTED_PROXIES`).
    pub trusted_proxies: TrustedProxies,
    /// The bearer token that reads `/metrics` (`HQDESK_METRICS_TOKEN`); without one, only
    /// this machine may.
    pub metrics_token: Option<String>,
    /// Turns true when the server is stopping: endless responses (live updates) end then, so
    /// that a graceful shutdown does not wait for browsers to go away.
    pub stopping: tokio::sync::watch::Receiver<bool>,
}

/// Settings of the HTTP layer.
#[derive(Clone, Debug, Default)]
pub struct WebConfig {
    pub telephony_secret: Option<String>,
    /// The address visitors use, e.g. `https://hotro.customs.gov.vn`: links in mails start with it.
    pub public_url: Option<String>,
    /// Reverse proxies trusted to name the client in `X-Forwarded-For`; none by default.
    pub trusted_proxies: TrustedProxies,
    /// `HQDESK_METRICS_TOKEN` (see [`AppState::metrics_token`]).
    pub metrics_token: Option<String>,
    /// Set to true when the server stops (see [`AppState::stopping`]).
    pub stopping: Option<tokio::sync::watch::Receiver<bool>>,
    /// Body sizes, body deadline, requests at once.
    pub limits: RequestLimits,
}

/// The routes that accept files: only these take bodies larger than `max_body_bytes`.
const UPLOAD_ROUTES: &[(Method, &str)] = &[
    (Method::POST, "/api/v1/cases/{number}/messages"),
    (Method::POST, "/console/cases/{number}/reply"),
    (Method::POST, "/console/cases/{number}/note"),
    (Method::POST, "/request"),
    (Method::POST, "/track/{token}/reply"),
];

/// The telephony routes that take the API token in the path (deprecated: proxies log paths),
/// kept for telephone systems configured before the token moved to a header.
#[allow(deprecated)]
fn with_path_token_routes(api: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    api.routes(routes!(telephony::cti_with_path_token))
        .routes(routes!(telephony::ivr_with_path_token))
}

pub fn router(services: Services) -> Router {
    router_with(services, WebConfig::default())
}

pub fn router_with(services: Services, config: WebConfig) -> Router {
    let headers = SecurityHeaders::for_public_url(config.public_url.as_deref());
    let guard = limits::Guard::new(config.limits, UPLOAD_ROUTES);
    let state = AppState {
        services,
        telephony_secret: config.telephony_secret,
        public_url: config
            .public_url
            .map(|u| u.trim_end_matches('/').to_string()),
        trusted_proxies: config.trusted_proxies,
        metrics_token: config.metrics_token.filter(|t| !t.is_empty()),
        // Without a stop signal (tests, embedding), a channel whose sender is gone: never stops.
        stopping: config
            .stopping
            .unwrap_or_else(|| tokio::sync::watch::channel(false).1),
    };
    let api = OpenApiRouter::with_openapi(ApiDoc::openapi())
        // API v1 · cases
        .routes(routes!(cases::create_case, cases::list_cases))
        .routes(routes!(cases::get_case, cases::update_case))
        .routes(routes!(cases::assign_case))
        .routes(routes!(cases::change_status))
        .routes(routes!(cases::list_links, cases::add_link))
        .routes(routes!(cases::merge_case))
        .routes(routes!(cases::download_attachment))
        // API v1 · telephony
        .routes(routes!(telephony::cti))
        .routes(routes!(telephony::signed_event))
        .routes(routes!(telephony::ivr));
    let (api, openapi) = with_path_token_routes(api)
        .routes(routes!(telephony::callback_attempt))
        .routes(routes!(cases::add_message, cases::list_messages))
        // API v1 · contacts
        .routes(routes!(contacts::list_contacts))
        .routes(routes!(contacts::get_contact, contacts::update_contact))
        // API v1 · directory
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
        // Health
        .routes(routes!(health::healthz))
        .split_for_parts();
    let openapi = Arc::new(crate::api::openapi::document(openapi));
    // Console (HTML) beside the API.
    api.merge(crate::console::routes())
        .merge(crate::portal::routes())
        .route(
            "/api/v1/openapi.json",
            get(move || {
                let doc = openapi.clone();
                async move { Json((*doc).clone()) }
            }),
        )
        .route("/metrics", get(health::metrics))
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
        .layer(middleware::from_fn(record_metrics))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(TraceLayer::new_for_http())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(state)
}

/// Count requests and their latency per route and status, for `/metrics`.
async fn record_metrics(req: Request, next: Next) -> Response {
    let _ = health::prometheus();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let method = req.method().to_string();
    let start = Instant::now();
    let resp = next.run(req).await;
    let status = resp.status().as_u16().to_string();
    metrics::counter!("hqdesk_http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status).increment(1);
    metrics::histogram!("hqdesk_http_request_duration_seconds", "method" => method, "route" => route).record(start.elapsed().as_secs_f64());
    resp
}

/// Unknown addresses: problem+json under the API, a page a person can read everywhere else.
async fn not_found(
    uri: axum::http::Uri,
    headers: axum::http::HeaderMap,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    if uri.path().starts_with("/api/") || uri.path() == "/metrics" || uri.path() == "/healthz" {
        Problem::not_found().into_response()
    } else {
        crate::portal::not_found_page(&headers)
    }
}
