//! `/api/v1/cases`: open, read, list and search, change, assign, status, messages.
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use hqdesk_services::cases::{
    AddMessage, AssignCase, CaseView, Direction, ListCases, OpenCase, RequesterInput, UpdateCase,
};
use hqdesk_services::read::Entry;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{ts, ts_opt};
use crate::auth::ApiActor;
use crate::extract::{IdemKeyHeader, JsonBody};
use crate::problem::{Problem, ProblemField};
use crate::state::AppState;

/// A requester: a person or business. For denunciations, the reporter (all optional: anonymous
/// reports are accepted).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequesterRequest {
    pub name: Option<String>,
    pub business_name: Option<String>,
    /// E-mail address.
    pub email: Option<String>,
    /// Vietnamese numbers in any usual form (`0912 345 678`, `+84912345678`); stored as E.164.
    pub phone: Option<String>,
    /// Mã số thuế: 10 digits with check digit, 10+3 for a branch (`0312687878-001`), or a 12-digit personal ID.
    pub tax_code: Option<String>,
}

impl From<RequesterRequest> for RequesterInput {
    fn from(r: RequesterRequest) -> Self {
        RequesterInput {
            name: r.name,
            business_name: r.business_name,
            email: r.email,
            phone: r.phone,
            tax_code: r.tax_code,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCaseRequest {
    /// `inquiry`, `procedure_problem`, `denunciation`, `suggestion`, `rating_follow_up` or `callback`.
    #[schema(value_type = Option<super::enums::CaseKind>)]
    pub kind: Option<String>,
    /// Hotline branch, 1 or 2; defaults from the category, else from the kind.
    #[schema(value_type = Option<super::enums::Branch>)]
    pub branch: Option<i64>,
    /// `phone`, `email`, `portal`, `api` (default) or `staff`.
    #[schema(value_type = Option<super::enums::Channel>)]
    pub channel: Option<String>,
    /// At most 200 characters.
    pub subject: Option<String>,
    /// The requester's message.
    pub body: Option<String>,
    /// Category code, e.g. `b2.it.vnaccs_account`.
    pub category: Option<String>,
    /// `low`, `normal` (default), `high` or `urgent`.
    #[schema(value_type = Option<super::enums::Priority>)]
    pub priority: Option<String>,
    /// At least an e-mail or a phone number, except for denunciations and suggestions.
    pub requester: Option<RequesterRequest>,
    /// Unit code to route the case to.
    pub unit: Option<String>,
    /// Username of the agent to give the case to.
    pub assignee: Option<String>,
    /// `true`: an anonymous tip (kind `denunciation` only, and no `requester`). Nothing of the
    /// reporter is kept; the answer carries the tip's `receipt`, once.
    pub anonymous: Option<bool>,
    /// Denunciations only: usernames of the staff the report names (conflict of interest).
    /// They can neither see nor be given the case, even as investigators.
    pub named_officers: Option<Vec<String>>,
    /// Denunciations only: codes of the units the report names; their members and those of
    /// every unit below them can neither see nor be given the case.
    pub named_units: Option<Vec<String>>,
    /// With `named_officers` or `named_units`: also exclude their chain of command (a named
    /// person's unit and every unit above it; every unit above a named unit).
    pub named_chain: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RequesterResponse {
    pub id: i64,
    /// `person` or `business`.
    #[schema(value_type = super::enums::RequesterKind)]
    pub kind: String,
    pub name: String,
    pub business_name: Option<String>,
    pub email: Option<String>,
    /// E.164, e.g. `+84912345678`.
    pub phone: Option<String>,
    pub tax_code: Option<String>,
}

impl From<hqdesk_services::read::Requester> for RequesterResponse {
    fn from(r: hqdesk_services::read::Requester) -> Self {
        RequesterResponse {
            id: r.id,
            kind: r.kind,
            name: r.name,
            business_name: r.business_name,
            email: r.email,
            phone: r.phone,
            tax_code: r.tax_code,
        }
    }
}

/// The reporter of a confidential case (shown to task-force investigators only): whether they
/// are anonymous. A named reporter's identity is in the identity vault, opened only in the
/// console through a custodian's approval: the API never answers its fields (they are in the
/// answer to the creation only, which echoes what its caller sent).
#[derive(Debug, Serialize, ToSchema)]
pub struct ReporterResponse {
    pub anonymous: bool,
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub tax_code: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseResponse {
    /// Human-friendly case number, e.g. `HQ2611-4839207`.
    pub number: String,
    #[schema(value_type = super::enums::CaseKind)]
    pub kind: String,
    #[schema(value_type = super::enums::Branch)]
    pub branch: u8,
    #[schema(value_type = super::enums::Channel)]
    pub channel: String,
    pub category: Option<String>,
    #[schema(value_type = super::enums::Priority)]
    pub priority: String,
    /// `new`, `open`, `waiting`, `resolved` or `closed`.
    #[schema(value_type = super::enums::CaseStatus)]
    pub status: String,
    pub confidential: bool,
    /// Its text is encrypted at rest (a denunciation taken in once the installation has an
    /// escrow key). Sealed text is read in the console only: through the API its subject,
    /// messages and reporter read empty.
    pub sealed: bool,
    pub subject: String,
    pub requester: Option<RequesterResponse>,
    pub reporter: Option<ReporterResponse>,
    pub unit: Option<String>,
    pub assignee: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub first_response_due_at: Option<String>,
    pub resolution_due_at: Option<String>,
    pub first_responded_at: Option<String>,
    pub resolved_at: Option<String>,
    pub closed_at: Option<String>,
    pub message_count: i64,
    /// The case's service-level clocks and legal deadlines (answers about one case; not in
    /// lists).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sla: Option<super::calendars::SlaResponse>,
    /// An anonymous tip's receipt (`"anonymous": true`): 16 digits grouped by four
    /// (`1234 5678 9012 3456`), in the answer to its creation only. It is not kept: no read and
    /// no retry with the same `Idempotency-Key` answers it again. Give it to the reporter, who
    /// types it at `/receipt` on the portal to read the investigators' questions and answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt: Option<String>,
}

impl From<CaseView> for CaseResponse {
    fn from(v: CaseView) -> Self {
        let c = v.case;
        CaseResponse {
            number: c.number.to_string(),
            kind: c.kind.as_str().into(),
            branch: c.branch.number(),
            channel: c.channel.as_str().into(),
            category: c.category_code,
            priority: c.priority.as_str().into(),
            status: c.status.as_str().into(),
            confidential: c.confidential,
            sealed: c.sealed,
            subject: c.subject,
            requester: v.requester.map(RequesterResponse::from),
            reporter: v.reporter.map(|r| ReporterResponse {
                anonymous: r.anonymous,
                name: r.name,
                email: r.email,
                phone: r.phone,
                tax_code: r.tax_code,
            }),
            unit: c.unit_code,
            assignee: c.assignee_username,
            created_at: ts(c.created_at),
            updated_at: ts(c.updated_at),
            first_response_due_at: ts_opt(c.first_response_due_at),
            resolution_due_at: ts_opt(c.resolution_due_at),
            first_responded_at: ts_opt(c.first_responded_at),
            resolved_at: ts_opt(c.resolved_at),
            closed_at: ts_opt(c.closed_at),
            message_count: c.message_count,
            sla: None,
            receipt: v.receipt.map(|r| r.to_string()),
        }
    }
}

/// A single case's answer, with its clocks (`sla`); an empty `sla` when the caller may no
/// longer read the case (they just moved it out of their sight, or opened a denunciation).
async fn with_sla(
    s: &AppState,
    actor: &hqdesk_services::Actor,
    view: CaseView,
) -> Result<CaseResponse, Problem> {
    let number = view.case.number.to_string();
    let mut r = CaseResponse::from(view);
    r.sla = Some(match s.services.case_clocks(actor, &number).await {
        Ok(clocks) => super::calendars::SlaResponse::from_clocks(clocks),
        Err(hqdesk_services::ServiceError::NotFound) => Default::default(),
        Err(e) => return Err(e.into()),
    });
    Ok(r)
}

pub(crate) fn case_summary(c: hqdesk_services::read::CaseRecord) -> CaseResponse {
    CaseResponse::from(CaseView {
        case: c,
        requester: None,
        reporter: None,
        identity: None,
        receipt: None,
    })
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseListResponse {
    /// Requester details are not expanded in lists; read the case for them.
    pub items: Vec<CaseResponse>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
    /// How many cases match the filters (only cases the caller may see). With `q`, matches are
    /// counted up to 1,000: when more match, `total` is 1000 and `total_exact` is false.
    pub total: i64,
    /// False when `total` is a lower bound ("more than 1,000"): only searches (`q`) are capped;
    /// every other list's total is exact.
    pub total_exact: bool,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Full-text search, folded for Vietnamese (`hai quan` finds `Hải quan`).
    pub q: Option<String>,
    /// One kind or several separated by commas.
    #[param(value_type = Option<Vec<super::enums::CaseKind>>, style = Form, explode = false)]
    pub kind: Option<String>,
    #[param(value_type = Option<super::enums::Branch>)]
    pub branch: Option<String>,
    /// One status or several separated by commas.
    #[param(value_type = Option<Vec<super::enums::CaseStatus>>, style = Form, explode = false)]
    pub status: Option<String>,
    #[param(value_type = Option<super::enums::Channel>)]
    pub channel: Option<String>,
    /// Unit code.
    pub unit: Option<String>,
    /// Username, or `me`.
    pub assignee: Option<String>,
    /// `true` for cases nobody has yet.
    #[param(value_type = Option<bool>)]
    pub unassigned: Option<String>,
    /// Cases of one contact (its id).
    #[param(value_type = Option<i64>)]
    pub requester: Option<String>,
    /// `created` (newest first, default), `due` (most urgent resolution first) or `updated`; or
    /// a column as the console sorts it, `-` first for descending: `number`, `age` (youngest
    /// first), `nearest_due` (the nearest pending deadline: first response while unanswered,
    /// else resolution; cases without one last), `priority` (low first), `status` (new first).
    /// With `q` and
    /// no `sort`, newest first without sorting every match: on SQLite the cases whose matching
    /// text (subject, requester, a message) was stored most recently, on PostgreSQL the newest
    /// cases; the two differ only when an older case got a newer matching message.
    #[param(value_type = Option<super::enums::CaseSort>)]
    pub sort: Option<String>,
    pub cursor: Option<String>,
    /// 1–200, default 50.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
}

fn list_values(v: &Option<String>) -> Vec<String> {
    v.as_deref()
        .map(|s| {
            s.split(',')
                .map(|p| p.trim().to_string())
                .filter(|p| !p.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

pub(crate) fn int_param(name: &str, v: &Option<String>) -> Result<Option<i64>, Problem> {
    match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s.parse().map(Some).map_err(|_| {
            Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                "a query parameter is invalid",
            )
            .with_errors(vec![ProblemField {
                field: name.into(),
                code: "not_a_number".into(),
                message: format!("{name} must be a whole number, not {s:?}"),
            }])
        }),
    }
}

fn bool_param(name: &str, v: &Option<String>) -> Result<bool, Problem> {
    match v.as_deref().map(str::trim) {
        None | Some("") | Some("false") | Some("0") => Ok(false),
        Some("true") | Some("1") => Ok(true),
        Some(s) => Err(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "a query parameter is invalid",
        )
        .with_errors(vec![ProblemField {
            field: name.into(),
            code: "not_a_boolean".into(),
            message: format!("{name} must be true or false, not {s:?}"),
        }])),
    }
}

/// Open a case.
#[utoipa::path(post, path = "/api/v1/cases", tag = "cases", request_body = CreateCaseRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "A retry with the same key and body answers as the first request and creates nothing")),
    responses((status = 201, body = CaseResponse), (status = 400, body = crate::problem::ProblemBody), (status = 401, body = crate::problem::ProblemBody), (status = 409, body = crate::problem::ProblemBody), (status = 422, body = crate::problem::ProblemBody)),
    security(("bearer" = [])))]
pub async fn create_case(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    idem: IdemKeyHeader,
    body: JsonBody<CreateCaseRequest>,
) -> Result<Response, Problem> {
    let r = body.value;
    let cmd = OpenCase {
        kind: r.kind.unwrap_or_default(),
        branch: r.branch,
        channel: r.channel.unwrap_or_else(|| "api".into()),
        subject: r.subject.unwrap_or_default(),
        body: r.body,
        category: r.category,
        priority: r.priority,
        requester: r.requester.map(RequesterInput::from),
        unit: r.unit,
        assignee: r.assignee,
        anonymous: r.anonymous.unwrap_or(false),
        named: hqdesk_services::conflict::NameInvolved {
            officers: r.named_officers.unwrap_or_default(),
            units: r.named_units.unwrap_or_default(),
            chain: r.named_chain.unwrap_or(false),
        },
        ..Default::default()
    };
    let view = s
        .services
        .open_case(&actor, cmd, idem.with(&body.fingerprint))
        .await?;
    let number = view.case.number.to_string();
    let mut resp = (StatusCode::CREATED, Json(with_sla(&s, &actor, view).await?)).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("/api/v1/cases/{number}")) {
        resp.headers_mut().insert("location", v);
    }
    Ok(resp)
}

/// List and search cases.
#[utoipa::path(get, path = "/api/v1/cases", tag = "cases", params(ListParams),
    responses((status = 200, body = CaseListResponse), (status = 401, body = crate::problem::ProblemBody), (status = 422, body = crate::problem::ProblemBody)),
    security(("bearer" = [])))]
pub async fn list_cases(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Query(p): Query<ListParams>,
) -> Result<Json<CaseListResponse>, Problem> {
    let q = ListCases {
        q: p.q.clone(),
        kind: list_values(&p.kind),
        branch: int_param("branch", &p.branch)?,
        status: list_values(&p.status),
        channel: p.channel.clone(),
        unit: p.unit.clone(),
        assignee: p.assignee.clone(),
        unassigned: bool_param("unassigned", &p.unassigned)?,
        requester_id: int_param("requester", &p.requester)?,
        due_before: None,
        due_after: None,
        sort: p.sort.clone(),
        cursor: p.cursor.clone(),
        limit: int_param("limit", &p.limit)?,
        ..Default::default()
    };
    let page = s.services.list_cases(&actor, q).await?;
    Ok(Json(CaseListResponse {
        items: page.items.into_iter().map(case_summary).collect(),
        next_cursor: page.next_cursor,
        total: page.total,
        total_exact: page.total_exact,
    }))
}

/// Read one case.
#[utoipa::path(get, path = "/api/v1/cases/{number}", tag = "cases", params(("number" = String, Path, description = "Case number, e.g. HQ2611-4839207")),
    responses((status = 200, body = CaseResponse), (status = 401, body = crate::problem::ProblemBody), (status = 404, body = crate::problem::ProblemBody)),
    security(("bearer" = [])))]
pub async fn get_case(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(number): Path<String>,
) -> Result<Json<CaseResponse>, Problem> {
    let view = s.services.get_case(&actor, &number).await?;
    Ok(Json(with_sla(&s, &actor, view).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCaseRequest {
    pub subject: Option<String>,
    /// Within the same confidentiality: a case never moves in or out of the task force's view.
    #[schema(value_type = Option<super::enums::CaseKind>)]
    pub kind: Option<String>,
    #[schema(value_type = Option<super::enums::Branch>)]
    pub branch: Option<i64>,
    /// A category code, or null to clear it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub category: Option<Option<String>>,
    #[schema(value_type = Option<super::enums::Priority>)]
    pub priority: Option<String>,
}

/// Distinguish a missing field (leave as is) from an explicit null (clear it).
pub(crate) fn double_option<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// Change a case's subject, kind, branch, category or priority.
#[utoipa::path(patch, path = "/api/v1/cases/{number}", tag = "cases", request_body = UpdateCaseRequest, params(("number" = String, Path)),
    responses((status = 200, body = CaseResponse), (status = 403, body = crate::problem::ProblemBody), (status = 404, body = crate::problem::ProblemBody), (status = 422, body = crate::problem::ProblemBody)),
    security(("bearer" = [])))]
pub async fn update_case(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(number): Path<String>,
    body: JsonBody<UpdateCaseRequest>,
) -> Result<Json<CaseResponse>, Problem> {
    let r = body.value;
    let cmd = UpdateCase {
        subject: r.subject,
        kind: r.kind,
        branch: r.branch,
        category: r.category,
        priority: r.priority,
    };
    let view = s.services.update_case(&actor, &number, cmd).await?;
    Ok(Json(with_sla(&s, &actor, view).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignRequest {
    /// Unit code, or null to remove the unit.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub unit: Option<Option<String>>,
    /// Username (or `me`), or null to unassign.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub assignee: Option<Option<String>>,
}

/// Route a case to a unit and/or give it to someone.
#[utoipa::path(post, path = "/api/v1/cases/{number}/assign", tag = "cases", request_body = AssignRequest, params(("number" = String, Path)),
    responses((status = 200, body = CaseResponse), (status = 403, body = crate::problem::ProblemBody), (status = 404, body = crate::problem::ProblemBody), (status = 422, body = crate::problem::ProblemBody)),
    security(("bearer" = [])))]
pub async fn assign_case(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(number): Path<String>,
    body: JsonBody<AssignRequest>,
) -> Result<Json<CaseResponse>, Problem> {
    let r = body.value;
    let view = s
        .services
        .assign_case(
            &actor,
            &number,
            AssignCase {
                unit: r.unit,
                assignee: r.assignee,
            },
        )
        .await?;
    Ok(Json(with_sla(&s, &actor, view).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusRequest {
    /// `open`, `waiting`, `resolved` or `closed`, as the state machine allows.
    #[schema(value_type = super::enums::CaseStatus)]
    pub status: String,
}

/// Change a case's status (new → open ⇄ waiting → resolved → closed; resolved → open reopens).
#[utoipa::path(post, path = "/api/v1/cases/{number}/status", tag = "cases", request_body = StatusRequest, params(("number" = String, Path)),
    responses((status = 200, body = CaseResponse), (status = 403, body = crate::problem::ProblemBody), (status = 404, body = crate::problem::ProblemBody), (status = 422, body = crate::problem::ProblemBody)),
    security(("bearer" = [])))]
pub async fn change_status(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(number): Path<String>,
    body: JsonBody<StatusRequest>,
) -> Result<Json<CaseResponse>, Problem> {
    let view = s
        .services
        .change_status(&actor, &number, &body.value.status)
        .await?;
    Ok(Json(with_sla(&s, &actor, view).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MessageRequest {
    pub body: String,
    /// `true` for an internal note, never shown to the requester.
    #[serde(default)]
    pub internal: bool,
    /// `outbound` (default: a reply, sent through the case's channel) or `inbound` (what the
    /// requester said, recorded by staff). Ignored for notes.
    #[serde(default)]
    #[schema(value_type = Option<super::enums::MessageDirection>)]
    pub direction: Option<Direction>,
    /// Files to attach (at most 10, each at most 10 MB).
    #[serde(default)]
    pub attachments: Vec<AttachmentRequest>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttachmentRequest {
    pub filename: String,
    /// e.g. `image/png`; defaults to `application/octet-stream`.
    pub content_type: Option<String>,
    /// The file's bytes, base64-encoded (standard alphabet, with padding).
    pub content_base64: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AttachmentResponse {
    pub id: i64,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    /// Where to download it (with the same bearer token).
    pub url: String,
}

impl From<hqdesk_services::read::Attachment> for AttachmentResponse {
    fn from(a: hqdesk_services::read::Attachment) -> Self {
        AttachmentResponse {
            url: format!("/api/v1/attachments/{}", a.id),
            id: a.id,
            filename: a.filename,
            content_type: a.content_type,
            size: a.size,
            sha256: a.sha256,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MessageResponse {
    pub id: i64,
    /// `inbound`, `outbound`, `note`, `call` or `event`.
    #[schema(value_type = super::enums::EntryKind)]
    pub kind: String,
    pub internal: bool,
    #[schema(value_type = Option<super::enums::Channel>)]
    pub channel: Option<String>,
    /// Username of the staff member who wrote it.
    pub author: Option<String>,
    pub body: String,
    /// For replies: `queued`, `sent`, `failed` or `not_applicable`.
    #[schema(value_type = Option<super::enums::DeliveryState>)]
    pub delivery_state: Option<String>,
    /// For events: what changed; for a reply that could not be delivered, `delivery_error`
    /// (the mail server's words).
    #[schema(value_type = Option<Object>)]
    pub meta: Option<serde_json::Value>,
    pub attachments: Vec<AttachmentResponse>,
    pub created_at: String,
}

/// Messages with their attachments.
pub(crate) fn with_attachments(
    entries: Vec<Entry>,
    atts: Vec<hqdesk_services::read::Attachment>,
) -> Vec<MessageResponse> {
    entries
        .into_iter()
        .map(|e| {
            let id = e.id;
            let mut m = MessageResponse::from(e);
            m.attachments = atts
                .iter()
                .filter(|a| a.entry_id == id)
                .cloned()
                .map(AttachmentResponse::from)
                .collect();
            m
        })
        .collect()
}

/// A failed delivery's reason, in `meta.delivery_error` as the API has always answered it (the
/// store keeps it in a column of its own since sealed cases).
fn with_delivery_error(
    meta: Option<serde_json::Value>,
    error: Option<String>,
) -> Option<serde_json::Value> {
    let Some(error) = error.filter(|e| !e.is_empty()) else {
        return meta;
    };
    let mut meta = meta
        .filter(serde_json::Value::is_object)
        .unwrap_or_else(|| serde_json::json!({}));
    meta["delivery_error"] = serde_json::Value::String(error);
    Some(meta)
}

impl From<Entry> for MessageResponse {
    fn from(e: Entry) -> Self {
        MessageResponse {
            id: e.id,
            kind: e.kind.as_str().into(),
            internal: e.kind == hqdesk_domain::case::timeline::EntryKind::Note,
            channel: e.channel.map(|c| c.as_str().to_string()),
            author: e.author_username,
            body: e.body,
            delivery_state: e.delivery_state.map(|d| d.as_str().to_string()),
            meta: with_delivery_error(
                e.meta.and_then(|m| serde_json::from_str(&m).ok()),
                e.delivery_error,
            ),
            attachments: vec![],
            created_at: ts(e.created_at),
        }
    }
}

/// Add a reply, a recorded inbound message, or an internal note.
#[utoipa::path(post, path = "/api/v1/cases/{number}/messages", tag = "cases", request_body = MessageRequest, params(("number" = String, Path),
    ("Idempotency-Key" = Option<String>, Header, description = "A retry with the same key and body creates nothing new")),
    responses((status = 201, body = MessageResponse), (status = 403, body = crate::problem::ProblemBody), (status = 404, body = crate::problem::ProblemBody), (status = 409, body = crate::problem::ProblemBody), (status = 422, body = crate::problem::ProblemBody)),
    security(("bearer" = [])))]
pub async fn add_message(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(number): Path<String>,
    idem: IdemKeyHeader,
    body: JsonBody<MessageRequest>,
) -> Result<(StatusCode, Json<MessageResponse>), Problem> {
    let r = body.value;
    use base64::Engine as _;
    let mut attachments = Vec::new();
    for (i, a) in r.attachments.into_iter().enumerate() {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(a.content_base64.trim())
            .map_err(|e| {
                Problem::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "validation_failed",
                    "an attachment is not valid base64",
                )
                .with_errors(vec![ProblemField {
                    field: format!("attachments[{i}].content_base64"),
                    code: "base64_invalid".into(),
                    message: e.to_string(),
                }])
            })?;
        attachments.push(hqdesk_services::cases::NewAttachment {
            filename: a.filename,
            content_type: a.content_type.unwrap_or_default(),
            content: hqdesk_services::cases::FileContent::Bytes(bytes),
        });
    }
    let cmd = AddMessage {
        body: r.body,
        internal: r.internal,
        direction: r.direction.unwrap_or_default(),
        attachments,
    };
    let entry = s
        .services
        .add_message(&actor, &number, cmd, idem.with(&body.fingerprint))
        .await?;
    let atts = s.services.case_attachments(&actor, &number).await?;
    let mut out = with_attachments(vec![entry], atts);
    let msg = out.pop().ok_or_else(|| {
        Problem::from(hqdesk_services::ServiceError::Internal(
            "message vanished".into(),
        ))
    })?;
    Ok((StatusCode::CREATED, Json(msg)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TimelineParams {
    /// `true` to include call records and events, not only messages and notes.
    #[param(value_type = Option<bool>)]
    pub all: Option<String>,
    /// Entries after this id.
    #[param(value_type = Option<i64>)]
    pub after: Option<String>,
    /// 1–1000, default 200.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 1000)]
    pub limit: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MessageListResponse {
    pub items: Vec<MessageResponse>,
}

/// The case's messages and notes in order (with `all=true`, its whole timeline).
#[utoipa::path(get, path = "/api/v1/cases/{number}/messages", tag = "cases", params(("number" = String, Path), TimelineParams),
    responses((status = 200, body = MessageListResponse), (status = 404, body = crate::problem::ProblemBody)),
    security(("bearer" = [])))]
pub async fn list_messages(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(number): Path<String>,
    Query(p): Query<TimelineParams>,
) -> Result<Json<MessageListResponse>, Problem> {
    let items = s
        .services
        .list_timeline(
            &actor,
            &number,
            bool_param("all", &p.all)?,
            int_param("after", &p.after)?,
            int_param("limit", &p.limit)?,
        )
        .await?;
    Ok(Json(MessageListResponse {
        items: with_attachments(items, s.services.case_attachments(&actor, &number).await?),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkRequest {
    /// Number of the related case.
    pub other: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LinksResponse {
    /// Related cases the caller may see.
    pub items: Vec<CaseResponse>,
    /// The case this one was merged into, if any.
    pub merged_into: Option<String>,
}

/// Cases related to this one.
#[utoipa::path(get, path = "/api/v1/cases/{number}/links", tag = "cases", params(("number" = String, Path)),
    responses((status = 200, body = LinksResponse), (status = 404, body = crate::problem::ProblemBody)), security(("bearer" = [])))]
pub async fn list_links(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(number): Path<String>,
) -> Result<Json<LinksResponse>, Problem> {
    let (items, merged) = s.services.related_cases(&actor, &number).await?;
    Ok(Json(LinksResponse {
        items: items.into_iter().map(case_summary).collect(),
        merged_into: merged.map(|c| c.number.to_string()),
    }))
}

/// Mark another case as related (both ways).
#[utoipa::path(post, path = "/api/v1/cases/{number}/links", tag = "cases", request_body = LinkRequest, params(("number" = String, Path)),
    responses((status = 204), (status = 403, body = crate::problem::ProblemBody), (status = 404, body = crate::problem::ProblemBody), (status = 422, body = crate::problem::ProblemBody)), security(("bearer" = [])))]
pub async fn add_link(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(number): Path<String>,
    body: JsonBody<LinkRequest>,
) -> Result<StatusCode, Problem> {
    s.services
        .link_cases(&actor, &number, &body.value.other)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeRequest {
    /// Number of the case that absorbs this one.
    pub into: String,
}

/// Merge this duplicate into another case: its messages move there and it is closed.
#[utoipa::path(post, path = "/api/v1/cases/{number}/merge", tag = "cases", request_body = MergeRequest, params(("number" = String, Path)),
    responses((status = 200, body = CaseResponse), (status = 403, body = crate::problem::ProblemBody), (status = 404, body = crate::problem::ProblemBody), (status = 409, body = crate::problem::ProblemBody), (status = 422, body = crate::problem::ProblemBody)), security(("bearer" = [])))]
pub async fn merge_case(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(number): Path<String>,
    body: JsonBody<MergeRequest>,
) -> Result<Json<CaseResponse>, Problem> {
    let target = s
        .services
        .merge_case(&actor, &number, &body.value.into)
        .await?;
    let view = s
        .services
        .get_case(&actor, &target.number.to_string())
        .await?;
    Ok(Json(with_sla(&s, &actor, view).await?))
}

/// What sealing a case did.
#[derive(Debug, Serialize, ToSchema)]
pub struct SealResponse {
    pub number: String,
    /// False before the installation has an escrow key (`hqdesk keys escrow-init`): the case is
    /// then the task force's alone but kept unencrypted, as new denunciations are.
    pub encrypted: bool,
}

/// Seal a case that turns out to be a denunciation: it becomes the task force's alone,
/// encrypted at rest and gone from every ordinary queue, count, search and live stream. Any
/// role that sees the case may; the caller may not see it afterwards.
#[utoipa::path(post, path = "/api/v1/cases/{number}/seal", tag = "cases", params(("number" = String, Path)),
    responses((status = 200, body = SealResponse), (status = 404, body = crate::problem::ProblemBody), (status = 409, body = crate::problem::ProblemBody)), security(("bearer" = [])))]
pub async fn seal_case(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(number): Path<String>,
) -> Result<Json<SealResponse>, Problem> {
    let sealed = s.services.seal_case(&actor, &number).await?;
    Ok(Json(SealResponse {
        number: sealed.number,
        encrypted: sealed.encrypted,
    }))
}

/// A redacted copy of a report for a verifying unit.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ForwardRequest {
    /// The verifying unit's e-mail address.
    pub to: String,
    /// The text to send; each passage between `[[` and `]]` is replaced by "[đã che]".
    pub text: String,
    /// Ids of the report's attachments to send as clean copies (EXIF, XMP, document authors
    /// removed); a file whose type cannot be cleaned is refused with 422.
    #[serde(default)]
    pub files: Vec<i64>,
}

/// What a forward sent.
#[derive(Debug, Serialize, ToSchema)]
pub struct ForwardResponse {
    /// The case's note recording the forward.
    pub entry_id: i64,
    /// How many marked passages were removed.
    pub removed_parts: usize,
    /// The names of the files sent as clean copies.
    pub files: Vec<String>,
}

/// Forward a redacted copy of a report of the task force to a verifying unit by e-mail:
/// without the reporter, with the marked passages replaced and the chosen files cleaned of
/// their metadata. Investigators only; a sealed report opens only with a console session's
/// key (409 `sealed_key_required` for a token).
#[utoipa::path(post, path = "/api/v1/cases/{number}/forward", tag = "cases", params(("number" = String, Path)), request_body = ForwardRequest,
    responses((status = 202, body = ForwardResponse), (status = 403, body = crate::problem::ProblemBody), (status = 404, body = crate::problem::ProblemBody), (status = 409, body = crate::problem::ProblemBody), (status = 422, body = crate::problem::ProblemBody)), security(("bearer" = [])))]
pub async fn forward_case(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(number): Path<String>,
    body: JsonBody<ForwardRequest>,
) -> Result<(StatusCode, Json<ForwardResponse>), Problem> {
    let b = body.value;
    let done = s
        .services
        .forward_redacted(
            &actor,
            &number,
            hqdesk_services::sealing::ForwardRedacted {
                to: b.to,
                text: b.text,
                files: b.files,
            },
        )
        .await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(ForwardResponse {
            entry_id: done.entry_id,
            removed_parts: done.removed_parts,
            files: done.files,
        }),
    ))
}

/// Download an attachment of a case the caller may see.
#[utoipa::path(get, path = "/api/v1/attachments/{id}", tag = "cases", params(("id" = i64, Path)),
    responses((status = 200, description = "The file, as a download"), (status = 404, body = crate::problem::ProblemBody)), security(("bearer" = [])))]
pub async fn download_attachment(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let id: i64 = id.parse().map_err(|_| Problem::not_found())?;
    let (a, bytes) = s.services.attachment(&actor, id).await?;
    Ok(crate::download(&a.filename, &a.content_type, bytes))
}
