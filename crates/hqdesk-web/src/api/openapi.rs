//! The OpenAPI document, generated from the handlers' annotations (so it cannot drift from the
//! routes: `router` registers every handler through the same `routes!` lists).
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(title = "hqdesk API", description = "Cases, contacts, units, categories and users of the hqdesk contact centre. \
        Authenticate with `Authorization: Bearer <token>` or `X-Hqdesk-Token: <token>` (tokens come from \
        `hqdesk token issue USER` and expire). \
        Errors are application/problem+json with a stable `code` and per-field `errors`."),
    modifiers(&Bearer),
    components(schemas(crate::problem::ProblemBody, crate::problem::ProblemField)),
    tags((name = "cases"), (name = "contacts"), (name = "units"), (name = "categories"), (name = "users"), (name = "telephony"), (name = "health"))
)]
pub struct ApiDoc;

struct Bearer;

impl Modify for Bearer {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "token_header",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("X-Hqdesk-Token"))),
        );
    }
}
