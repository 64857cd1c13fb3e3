//! The API caller, from a token in a header: `Authorization: Bearer …`, or `X-Hqdesk-Token: …`
//! for telephone systems that can add a header but not an `Authorization` one. Headers, unlike
//! the path, stay out of proxies' access logs.
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use hqdesk_services::Actor;

use crate::problem::Problem;
use crate::state::AppState;

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
            .and_then(bearer_token);
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

/// The token of an `Authorization: Bearer <token>` value. The scheme is case-insensitive and
/// may be followed by several spaces (RFC 7235 §2.1).
fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

#[cfg(test)]
mod tests {
    use super::bearer_token;

    #[test]
    fn the_scheme_is_case_insensitive() {
        for v in [
            "Bearer hqd_x",
            "bearer hqd_x",
            "BEARER hqd_x",
            "BeArEr   hqd_x ",
        ] {
            assert_eq!(bearer_token(v), Some("hqd_x"), "{v}");
        }
        for v in ["Basic hqd_x", "Bearer", "Bearer   ", "hqd_x", "Bearerhqd_x"] {
            assert_eq!(bearer_token(v), None, "{v}");
        }
    }
}
