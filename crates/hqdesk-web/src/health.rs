//! Liveness and metrics.
use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use serde::Serialize;
use utoipa::ToSchema;

use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `ok` or `degraded`.
    #[schema(value_type = crate::api::enums::HealthStatus)]
    pub status: &'static str,
    #[schema(value_type = crate::api::enums::DatabaseState)]
    pub database: &'static str,
    #[schema(value_type = crate::api::enums::EngineName)]
    pub engine: &'static str,
}

/// Answers 200 when the database answers, 503 otherwise.
#[utoipa::path(get, path = "/healthz", tag = "health", responses((status = 200, body = Health), (status = 503, body = Health)))]
pub async fn healthz(State(s): State<AppState>) -> (StatusCode, Json<Health>) {
    let engine = s.services.engine().name();
    match s.services.ping_database().await {
        Ok(()) => (
            StatusCode::OK,
            Json(Health {
                status: "ok",
                database: "ok",
                engine,
            }),
        ),
        Err(e) => {
            tracing::warn!(error = %e, "health check: database");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(Health {
                    status: "degraded",
                    database: "unreachable",
                    engine,
                }),
            )
        }
    }
}

/// The process-wide Prometheus recorder (installed once, shared by every router in the process).
pub fn prometheus() -> Option<&'static PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| match PrometheusBuilder::new().install_recorder() {
            Ok(h) => Some(h),
            Err(e) => {
                tracing::warn!(error = %e, "metrics recorder");
                None
            }
        })
        .as_ref()
}

/// The Prometheus text, for whom [`crate::metrics_access`] lets in.
pub async fn metrics(State(s): State<AppState>, req: Request) -> Response {
    if let Err(p) = crate::metrics_access::check(s.metrics_token.as_ref().map(|t| t.expose()), &req)
    {
        return p.into_response();
    }
    let body = prometheus().map(|h| h.render()).unwrap_or_default();
    (
        StatusCode::OK,
        [
            ("content-type", "text/plain; version=0.0.4"),
            ("cache-control", "no-store"),
        ],
        body,
    )
        .into_response()
}

/// Count requests and their latency per route and status, for `/metrics`.
pub async fn record_metrics(req: Request, next: Next) -> Response {
    let _ = prometheus();
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
