//! The API caller, from a token in a header: `Authorization: Bearer …`, or `X-Hqdesk-Token: …`
//! for telephone systems that can add a header but not an `Authorization` one. Headers, unlike
//! the path, stay out of proxies' access logs.
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use hqdesk_services::Actor;

use crate::problem::Problem;
use crate::router::AppState;

/// The header a token may come in when `Authorization` cannot be set.
pub const TOKEN_HEADER: &str = "x-hqdesk-token";

/// The authenticated caller of an API endpoint.
pub struct ApiActor(pub Actor);

impl FromRequestParts<AppState> for ApiActor {
    type Rejection = Problem;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let bearer = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            });
        let token = bearer
            .or_else(|| {
                parts
                    .headers
                    .get(TOKEN_HEADER)
                    .and_then(|v| v.to_str().ok())
            })
            .map(str::trim)
            .ok_or_else(Problem::unauthenticated)?;
        let actor = state
            .services
            .authenticate_token(token)
            .await
            .map_err(Problem::from)?;
        Ok(ApiActor(actor))
    }
}
