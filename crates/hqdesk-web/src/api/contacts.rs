//! `/api/v1/contacts`: the requester directory.
use axum::extract::{Path, Query, State};
use axum::Json;
use hqdesk_services::cases::{ListCases, RequesterInput};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::cases::{case_summary, int_param, CaseResponse, RequesterRequest, RequesterResponse};
use crate::auth::ApiActor;
use crate::extract::JsonBody;
use crate::problem::Problem;
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ContactParams {
    /// An e-mail, phone number (any form) or tax code: exact match after normalisation.
    pub identifier: Option<String>,
    /// Contacts with an id below this one (the next page).
    #[param(value_type = Option<i64>)]
    pub before: Option<String>,
    /// 1–200, default 50.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ContactListResponse {
    pub items: Vec<RequesterResponse>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ContactResponse {
    #[serde(flatten)]
    pub contact: RequesterResponse,
    /// This contact's cases that the caller may see, newest first (at most 50).
    pub cases: Vec<CaseResponse>,
    /// The latest calls from the contact's phone number (at most 20).
    pub calls: Vec<CallResponse>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CallResponse {
    pub call_id: String,
    #[schema(value_type = super::enums::CallDirection)]
    pub direction: String,
    pub from: Option<String>,
    pub to: Option<String>,
    #[schema(value_type = Option<super::enums::Branch>)]
    pub branch: Option<i64>,
    /// ringing, answered or ended.
    #[schema(value_type = super::enums::CallState)]
    pub state: String,
    pub answered_by: Option<String>,
    pub cause: Option<String>,
    pub offered_at: Option<String>,
    pub ended_at: Option<String>,
}

/// Contacts, newest first, or the ones with an identifier.
#[utoipa::path(get, path = "/api/v1/contacts", tag = "contacts", params(ContactParams), responses((status = 200, body = ContactListResponse)), security(("bearer" = [])))]
pub async fn list_contacts(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Query(p): Query<ContactParams>,
) -> Result<Json<ContactListResponse>, Problem> {
    let items = s
        .services
        .list_contacts(
            &actor,
            p.identifier.as_deref(),
            int_param("before", &p.before)?,
            int_param("limit", &p.limit)?.unwrap_or(50),
        )
        .await?;
    Ok(Json(ContactListResponse {
        items: items.into_iter().map(RequesterResponse::from).collect(),
    }))
}

/// One contact with their cases.
#[utoipa::path(get, path = "/api/v1/contacts/{id}", tag = "contacts", params(("id" = i64, Path)), responses((status = 200, body = ContactResponse), (status = 404, body = crate::problem::ProblemBody)), security(("bearer" = [])))]
pub async fn get_contact(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<ContactResponse>, Problem> {
    let id: i64 = id.parse().map_err(|_| Problem::not_found())?;
    let contact = s.services.get_contact(&actor, id).await?;
    let page = s
        .services
        .list_cases(
            &actor,
            ListCases {
                requester_id: Some(id),
                limit: Some(50),
                ..Default::default()
            },
        )
        .await?;
    let calls = s.services.contact_calls(&actor, &contact).await?;
    Ok(Json(ContactResponse {
        contact: contact.into(),
        cases: page.items.into_iter().map(case_summary).collect(),
        calls: calls
            .into_iter()
            .map(|c| CallResponse {
                call_id: c.call_id,
                direction: c.direction,
                from: c.from_number,
                to: c.to_number,
                branch: c.branch,
                state: c.state,
                answered_by: c.answered_by,
                cause: c.cause,
                offered_at: c.offered_at.map(|t| super::ts(hqdesk_domain::Timestamp(t))),
                ended_at: c.ended_at.map(|t| super::ts(hqdesk_domain::Timestamp(t))),
            })
            .collect(),
    }))
}

/// Replace a contact's name and identifiers.
#[utoipa::path(patch, path = "/api/v1/contacts/{id}", tag = "contacts", request_body = RequesterRequest, params(("id" = i64, Path)), responses((status = 200, body = RequesterResponse), (status = 403, body = crate::problem::ProblemBody), (status = 404, body = crate::problem::ProblemBody), (status = 422, body = crate::problem::ProblemBody)), security(("bearer" = [])))]
pub async fn update_contact(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    body: JsonBody<RequesterRequest>,
) -> Result<Json<RequesterResponse>, Problem> {
    let id: i64 = id.parse().map_err(|_| Problem::not_found())?;
    Ok(Json(
        s.services
            .update_contact(&actor, id, RequesterInput::from(body.value))
            .await?
            .into(),
    ))
}
