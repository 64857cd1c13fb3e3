//! The OpenAPI document, generated from the handlers' annotations (so it cannot drift from the
//! routes: `router` registers every handler through the same `routes!` lists), then completed by
//! [`document`] with what the framework answers for every operation alike, so a route added
//! anywhere is described the same way without anyone remembering to.
use std::collections::BTreeSet;

use hqdesk_domain::input::Shape;
use utoipa::openapi::path::{Operation, ParameterIn, PathItem};
use utoipa::openapi::schema::{ArrayItems, Schema, SchemaType, Type};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
use utoipa::{Modify, OpenApi};

use super::enums;

/// The media type of every error answer.
pub const PROBLEM_JSON: &str = "application/problem+json";

#[derive(OpenApi)]
#[openapi(
    info(title = "hqdesk API", description = "Cases, contacts, units, categories and users of the hqdesk contact centre. \
        Authenticate with `Authorization: Bearer <token>` or `X-Hqdesk-Token: <token>` (tokens come from \
        `hqdesk token issue USER` and expire; the scheme name is case-insensitive). \
        Errors are application/problem+json with a stable `code` and per-field `errors`. \
        Text fields refuse control characters (422, code `control_character`): one-line fields all of them, \
        free-text fields (`body`, `note`, `comment`, `description`, `message`…) all but tab, line feed and carriage return; \
        each field's `pattern` says which."),
    modifiers(&Bearer),
    components(schemas(
        crate::problem::ProblemBody, crate::problem::ProblemField,
        enums::CaseKind, enums::CaseStatus, enums::Priority, enums::Channel, enums::Branch,
        enums::Role, enums::UnitLevel, enums::EntryKind, enums::DeliveryState,
        enums::MessageDirection, enums::RequesterKind, enums::CaseSort, enums::CallbackOutcome,
        enums::CtiEventName, enums::SignedEventName, enums::IvrChoice, enums::CallDirection, enums::CallState,
        enums::HealthStatus, enums::DatabaseState, enums::EngineName, enums::ClockState, enums::DayOffKind,
    )),
    tags((name = "cases"), (name = "contacts"), (name = "units"), (name = "categories"), (name = "users"), (name = "calendars"), (name = "telephony"), (name = "health"))
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

/// The document as served: every error answer as problem+json, the errors every operation of a
/// shape can answer, and the input rule as a `pattern` on every text a request carries.
pub fn document(mut doc: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    let mut request_schemas = BTreeSet::new();
    for item in doc.paths.paths.values_mut() {
        for op in operations(item) {
            describe_errors(op);
            text_patterns_of_parameters(op);
            if let Some(body) = &op.request_body {
                for content in body.content.values() {
                    if let Some(s) = &content.schema {
                        referenced(s, &mut request_schemas);
                    }
                }
            }
        }
    }
    if let Some(components) = doc.components.as_mut() {
        // Follow references from the request bodies to every schema a request can carry.
        let mut todo: Vec<String> = request_schemas.iter().cloned().collect();
        while let Some(name) = todo.pop() {
            let mut found = BTreeSet::new();
            if let Some(s) = components.schemas.get(&name) {
                referenced(s, &mut found);
            }
            for f in found {
                if request_schemas.insert(f.clone()) {
                    todo.push(f);
                }
            }
        }
        for name in &request_schemas {
            if let Some(RefOr::T(Schema::Object(o))) = components.schemas.get_mut(name) {
                for (field, property) in o.properties.iter_mut() {
                    text_pattern(property, Shape::of_field(field));
                }
            }
        }
    }
    doc
}

fn operations(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.patch,
    ]
    .into_iter()
    .flatten()
}

fn problem(description: &str) -> RefOr<utoipa::openapi::Response> {
    ResponseBuilder::new()
        .description(description)
        .content(
            PROBLEM_JSON,
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ProblemBody")))
                .build(),
        )
        .build()
        .into()
}

/// Error answers are problem+json, and the ones the framework gives every operation of a kind
/// are listed: the bearer check (401), the URL's reader and input rule (400 for a path that is not
/// UTF-8 or a repeated parameter, 422), and the body reader (400 malformed, 413 too large, 415
/// not JSON, 422).
fn describe_errors(op: &mut Operation) {
    for (status, response) in op.responses.responses.iter_mut() {
        let is_error = status.starts_with('4') || status.starts_with('5');
        if let (true, RefOr::T(r)) = (is_error, response) {
            let is_problem = r
                .content
                .get("application/json")
                .and_then(|c| c.schema.as_ref())
                .is_some_and(
                    |s| matches!(s, RefOr::Ref(x) if x.ref_location.ends_with("/ProblemBody")),
                );
            if let Some(content) = is_problem
                .then(|| r.content.shift_remove("application/json"))
                .flatten()
            {
                r.content.insert(PROBLEM_JSON.to_string(), content);
            }
        }
    }
    let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
    let params = op.parameters.as_deref().unwrap_or_default();
    let has_text_params = params
        .iter()
        .any(|p| matches!(p.parameter_in, ParameterIn::Path | ParameterIn::Query));
    let body_types: Vec<String> = op
        .request_body
        .as_ref()
        .map(|b| b.content.keys().cloned().collect())
        .unwrap_or_default();
    let mut add = |status: &str, description: &str| {
        op.responses
            .responses
            .entry(status.to_string())
            .or_insert_with(|| problem(description));
    };
    if secured {
        add("401", "No valid API token");
    }
    if has_text_params {
        add("400", "The address cannot be read (a path segment that is not UTF-8, a repeated query parameter)");
        add("422", "Invalid input, with the fields in `errors`");
    }
    if !body_types.is_empty() {
        add("400", "The body cannot be read (malformed JSON or form)");
        add("413", "The body is larger than the server accepts");
        add("422", "Invalid input, with the fields in `errors`");
    }
    // Handlers that take a bearer token read their JSON with `JsonBody`, which refuses any
    // other media type; the telephone hooks read what the PBX sends.
    if secured && body_types.iter().any(|t| t == "application/json") {
        add(
            "415",
            "The body is not JSON (send Content-Type: application/json)",
        );
    }
}

/// The schemas `schema` refers to by name.
fn referenced(schema: &RefOr<Schema>, out: &mut BTreeSet<String>) {
    match schema {
        RefOr::Ref(r) => {
            if let Some(name) = r.ref_location.rsplit('/').next() {
                out.insert(name.to_string());
            }
        }
        RefOr::T(Schema::Object(o)) => {
            for p in o.properties.values() {
                referenced(p, out);
            }
        }
        RefOr::T(Schema::Array(a)) => {
            if let ArrayItems::RefOrSchema(items) = &a.items {
                referenced(items, out);
            }
        }
        RefOr::T(Schema::OneOf(o)) => o.items.iter().for_each(|i| referenced(i, out)),
        RefOr::T(Schema::AllOf(o)) => o.items.iter().for_each(|i| referenced(i, out)),
        RefOr::T(Schema::AnyOf(o)) => o.items.iter().for_each(|i| referenced(i, out)),
        RefOr::T(_) => {}
    }
}

fn is_text(t: &SchemaType) -> bool {
    match t {
        SchemaType::Type(Type::String) => true,
        SchemaType::Array(types) => types.contains(&Type::String),
        _ => false,
    }
}

/// A free-form string (not an enumeration) gets the pattern of its field's shape.
fn text_pattern(schema: &mut RefOr<Schema>, shape: Shape) {
    match schema {
        RefOr::T(Schema::Object(o)) if is_text(&o.schema_type) && o.enum_values.is_none() => {
            o.pattern.get_or_insert_with(|| shape.pattern().to_string());
        }
        RefOr::T(Schema::Array(a)) => {
            if let ArrayItems::RefOrSchema(items) = &mut a.items {
                text_pattern(items, shape);
            }
        }
        _ => {}
    }
}

fn text_patterns_of_parameters(op: &mut Operation) {
    let in_url = |p: &&mut utoipa::openapi::path::Parameter| {
        matches!(p.parameter_in, ParameterIn::Path | ParameterIn::Query)
    };
    for p in op.parameters.iter_mut().flatten().filter(in_url) {
        if let Some(schema) = p.schema.as_mut() {
            text_pattern(schema, Shape::of_field(&p.name));
        }
    }
}
