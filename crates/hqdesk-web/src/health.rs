//! Liveness and metrics.
use std::sync::OnceLock;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use serde::Serialize;
use utoipa::ToSchema;

use crate::router::AppState;

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
    let engine = s.services.store().engine().name();
    match s.services.store().ping().await {
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
    if let Err(p) = crate::metrics_access::check(s.metrics_token.as_deref(), &req) {
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
