//! Telephone-system integration: the generic CTI webhook (the contract existing PBX connectors
//! speak), our own signed JSON webhook, and the IVR's question at the start of each call.
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use hmac::{Hmac, Mac};
use hqdesk_domain::Timestamp;
use hqdesk_services::telephony::{CallEvent, CallEventKind};
use hqdesk_services::Actor;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use utoipa::{IntoParams, ToSchema};

use crate::api::cases::int_param;
use crate::auth::ApiActor;
use crate::problem::{Problem, ProblemField};
use crate::state::AppState;

/// One generic-CTI event, form-encoded or JSON.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct CtiEvent {
    /// `newCall`, `answer` or `hangup` (also `voicemail`, `recording`).
    #[schema(value_type = super::enums::CtiEventName)]
    pub event: String,
    #[serde(rename = "callId")]
    pub call_id: String,
    pub from: Option<String>,
    pub to: Option<String>,
    /// `in` or `out`.
    #[schema(value_type = Option<super::enums::CallDirection>)]
    pub direction: Option<String>,
    /// The answering agent's extension or login (a string or a list; the first is used).
    #[schema(value_type = Option<String>)]
    pub user: Option<serde_json::Value>,
    #[serde(rename = "answeringNumber")]
    pub answering_number: Option<String>,
    /// On hangup: normalClearing, busy, cancel, noAnswer, congestion, notFound, forwarded (or
    /// FreeSWITCH / Q.850 / SIP causes).
    pub cause: Option<String>,
    /// 1 or 2 when the IVR knows the branch the caller chose.
    #[schema(value_type = Option<super::enums::Branch>)]
    pub branch: Option<serde_json::Value>,
    /// The caller's choice within the branch when the IVR knows it: `denunciation` (branch 1's
    /// reports of smuggling, fraud, corruption, misconduct: the call becomes confidential) or
    /// `procedure`.
    #[schema(value_type = Option<super::enums::IvrChoice>)]
    pub choice: Option<String>,
    pub queue: Option<String>,
    /// Voicemail or recording reference.
    pub recording: Option<String>,
}

fn bad(field: &str, code: &str, message: impl Into<String>) -> Problem {
    Problem::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        "the call event is invalid",
    )
    .with_errors(vec![ProblemField {
        field: field.into(),
        code: code.into(),
        message: message.into(),
    }])
}

fn parse_cti(headers: &HeaderMap, body: &[u8]) -> Result<CtiEvent, Problem> {
    let ctype = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let malformed = |e: serde_json::Error| {
        Problem::new(
            StatusCode::BAD_REQUEST,
            "json_malformed",
            format!("the body is not a call event: {e}"),
        )
    };
    if ctype.starts_with("application/json") {
        let doc: serde_json::Value = serde_json::from_slice(body).map_err(malformed)?;
        let errors = crate::input::json_errors(&doc);
        if !errors.is_empty() {
            return Err(crate::input::problem(errors));
        }
        return serde_json::from_value(doc).map_err(malformed);
    }
    // Form fields; `user[]` may repeat.
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).map_err(|e| {
        Problem::new(
            StatusCode::BAD_REQUEST,
            "form_malformed",
            format!("the form is not readable: {e}"),
        )
    })?;
    let errors = crate::input::pair_errors(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    if !errors.is_empty() {
        return Err(crate::input::problem(errors));
    }
    let mut ev = CtiEvent::default();
    for (k, v) in pairs {
        match k.as_str() {
            "event" => ev.event = v,
            "callId" => ev.call_id = v,
            "from" => ev.from = Some(v),
            "to" => ev.to = Some(v),
            "direction" => ev.direction = Some(v),
            "user" | "user[]" if ev.user.is_none() => ev.user = Some(serde_json::Value::String(v)),
            "answeringNumber" => ev.answering_number = Some(v),
            "cause" => ev.cause = Some(v),
            "branch" => ev.branch = Some(serde_json::Value::String(v)),
            "choice" => ev.choice = Some(v),
            "queue" => ev.queue = Some(v),
            "recording" => ev.recording = Some(v),
            _ => {}
        }
    }
    Ok(ev)
}

fn branch_of(v: &Option<serde_json::Value>) -> Result<Option<i64>, Problem> {
    match v {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::Number(n)) => n
            .as_i64()
            .map(Some)
            .ok_or_else(|| bad("branch", "branch_unknown", "branch must be 1 or 2")),
        Some(serde_json::Value::String(s)) => int_param("branch", &Some(s.clone())),
        Some(_) => Err(bad("branch", "branch_unknown", "branch must be 1 or 2")),
    }
}

/// The events of the generic CTI contract (also the `event` enumeration of the API document).
pub const CTI_EVENTS: [(&str, CallEventKind); 5] = [
    ("newCall", CallEventKind::Offered),
    ("answer", CallEventKind::Answered),
    ("hangup", CallEventKind::Ended),
    ("voicemail", CallEventKind::Voicemail),
    ("recording", CallEventKind::Recording),
];

/// The events of the signed webhook (also the `event` enumeration of the API document).
pub const SIGNED_EVENTS: [(&str, CallEventKind); 5] = [
    ("offered", CallEventKind::Offered),
    ("answered", CallEventKind::Answered),
    ("ended", CallEventKind::Ended),
    ("voicemail", CallEventKind::Voicemail),
    ("recording", CallEventKind::Recording),
];

fn event_kind(events: &[(&str, CallEventKind)], name: &str) -> Option<CallEventKind> {
    events.iter().find(|(n, _)| *n == name).map(|(_, k)| *k)
}

impl CtiEvent {
    fn into_event(self) -> Result<CallEvent, Problem> {
        let Some(kind) = event_kind(&CTI_EVENTS, &self.event) else {
            return Err(bad(
                "event",
                "event_unknown",
                format!(
                    "event must be newCall, answer or hangup, not {:?}",
                    self.event
                ),
            ));
        };
        let agent = match &self.user {
            Some(serde_json::Value::String(s)) => Some(s.clone()),
            Some(serde_json::Value::Array(a)) => {
                a.first().and_then(|v| v.as_str()).map(String::from)
            }
            _ => None,
        }
        .or(self.answering_number.clone());
        let mut ev = CallEvent::new(kind, self.call_id);
        ev.direction = self.direction;
        ev.from = self.from;
        ev.to = self.to;
        ev.branch = branch_of(&self.branch)?;
        ev.choice = self.choice;
        ev.agent = agent;
        ev.cause = self.cause;
        ev.reference = self.recording;
        Ok(ev)
    }
}

/// Generic CTI webhook: newCall / answer / hangup, form-encoded or JSON. The API token (`hqdesk
/// token issue`) of a user allowed to report calls comes in `Authorization: Bearer` or
/// `X-Hqdesk-Token`.
#[utoipa::path(post, path = "/api/v1/cti", tag = "telephony", request_body(content = CtiEvent, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "`{}`: nothing for the PBX to do"), (status = 403, body = crate::problem::ProblemBody), (status = 401, body = crate::problem::ProblemBody), (status = 422, body = crate::problem::ProblemBody)),
    security(("bearer" = []), ("token_header" = [])))]
pub async fn cti(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Result<Json<serde_json::Value>, Problem> {
    // The token (checked by `ApiActor`) first: nobody else gets the body read.
    let body = crate::limits::read_body(body).await?;
    record_cti(&s, &actor, &headers, &body).await
}

/// Deprecated: the generic CTI webhook with the token in the path, where proxies log it. Kept
/// for telephone systems configured before `POST /api/v1/cti`; move them to a header.
#[utoipa::path(post, path = "/api/v1/cti/{token}", tag = "telephony", request_body(content = CtiEvent, content_type = "application/x-www-form-urlencoded"),
    params(("token" = String, Path)),
    responses((status = 200, description = "`{}`: nothing for the PBX to do"), (status = 403, body = crate::problem::ProblemBody), (status = 401, body = crate::problem::ProblemBody), (status = 422, body = crate::problem::ProblemBody)))]
#[deprecated = "the token belongs in a header: POST /api/v1/cti"]
pub async fn cti_with_path_token(
    State(s): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Result<Json<serde_json::Value>, Problem> {
    // The token first: nobody else gets the body read.
    let actor = s.services.authenticate_token(&token).await?;
    let body = crate::limits::read_body(body).await?;
    record_cti(&s, &actor, &headers, &body).await
}

async fn record_cti(
    s: &AppState,
    actor: &Actor,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Json<serde_json::Value>, Problem> {
    let ev = parse_cti(headers, body)?.into_event()?;
    s.services.record_call_event(actor, ev).await?;
    Ok(Json(serde_json::json!({})))
}

/// Our own call event, signed.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignedCallEvent {
    /// `offered`, `answered`, `ended`, `voicemail` or `recording`.
    #[schema(value_type = super::enums::SignedEventName)]
    pub event: String,
    pub call_id: String,
    #[schema(value_type = Option<super::enums::CallDirection>)]
    pub direction: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    #[schema(value_type = Option<super::enums::Branch>)]
    pub branch: Option<i64>,
    /// `denunciation` (the call becomes confidential) or `procedure`: the caller's choice
    /// within the branch, when the IVR knows it.
    #[schema(value_type = Option<super::enums::IvrChoice>)]
    pub choice: Option<String>,
    pub agent: Option<String>,
    pub cause: Option<String>,
    pub reference: Option<String>,
    /// When it happened, RFC 3339.
    pub at: Option<String>,
}

/// How old a signed delivery may be.
pub const SIGNATURE_MAX_AGE_SECONDS: i64 = 300;

/// Signed call events: `X-Hqdesk-Timestamp` (Unix seconds), `X-Hqdesk-Delivery` (unique id) and
/// `X-Hqdesk-Signature: sha256=<hex HMAC-SHA256 of "timestamp.delivery.body" with the shared
/// secret>`. Old, unsigned, badly signed or replayed deliveries get a 4xx and change nothing.
#[utoipa::path(post, path = "/api/v1/telephony/events", tag = "telephony", request_body = SignedCallEvent,
    responses((status = 204), (status = 401, body = crate::problem::ProblemBody), (status = 409, body = crate::problem::ProblemBody), (status = 422, body = crate::problem::ProblemBody),
        (status = 503, body = crate::problem::ProblemBody, description = "HQDESK_TELEPHONY_SECRET is not set")))]
pub async fn signed_event(
    State(s): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<StatusCode, Problem> {
    let Some(secret) = s.telephony_secret.as_ref().map(|t| t.expose()) else {
        return Err(Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "telephony_not_configured",
            "set HQDESK_TELEPHONY_SECRET to accept signed call events",
        ));
    };
    let header = |k: &str| {
        headers
            .get(k)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .trim()
            .to_string()
    };
    let (ts, delivery, sig) = (
        header("x-hqdesk-timestamp"),
        header("x-hqdesk-delivery"),
        header("x-hqdesk-signature"),
    );
    let unauth =
        |m: &str| Problem::new(StatusCode::UNAUTHORIZED, "signature_invalid", m.to_string());
    let sent: i64 = ts
        .parse()
        .map_err(|_| unauth("X-Hqdesk-Timestamp must be Unix seconds"))?;
    if delivery.is_empty() || delivery.len() > 200 {
        return Err(unauth(
            "X-Hqdesk-Delivery must be a unique id (1–200 characters)",
        ));
    }
    let hex_sig = sig
        .strip_prefix("sha256=")
        .ok_or_else(|| unauth("X-Hqdesk-Signature must be sha256=<hex>"))?;
    let want =
        hex::decode(hex_sig).map_err(|_| unauth("X-Hqdesk-Signature must be sha256=<hex>"))?;
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).map_err(|_| unauth("bad secret"))?;
    mac.update(ts.as_bytes());
    mac.update(b".");
    mac.update(delivery.as_bytes());
    mac.update(b".");
    mac.update(&body);
    mac.verify_slice(&want)
        .map_err(|_| unauth("the signature does not match"))?;
    let now = s.services.now();
    if (now.millis() / 1000 - sent).abs() > SIGNATURE_MAX_AGE_SECONDS {
        return Err(unauth(
            "the delivery is too old (or the clocks differ by more than 5 minutes)",
        ));
    }
    if let Ok(doc) = serde_json::from_slice::<serde_json::Value>(&body) {
        let errors = crate::input::json_errors(&doc);
        if !errors.is_empty() {
            return Err(crate::input::problem(errors));
        }
    }
    let e: SignedCallEvent = serde_json::from_slice(&body).map_err(|e| {
        Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            format!("not a call event: {e}"),
        )
    })?;
    let Some(kind) = event_kind(&SIGNED_EVENTS, &e.event) else {
        return Err(bad(
            "event",
            "event_unknown",
            format!("unknown event {:?}", e.event),
        ));
    };
    let at = match e.at.as_deref() {
        Some(t) => Some(
            chrono::DateTime::parse_from_rfc3339(t)
                .map(|d| Timestamp::from(d.with_timezone(&chrono::Utc)))
                .map_err(|_| bad("at", "time_invalid", "at must be an RFC 3339 time"))?,
        ),
        None => None,
    };
    let mut ev = CallEvent::new(kind, e.call_id);
    ev.direction = e.direction;
    ev.from = e.from;
    ev.to = e.to;
    ev.branch = e.branch;
    ev.choice = e.choice;
    ev.agent = e.agent;
    ev.cause = e.cause;
    ev.reference = e.reference;
    ev.at = at;
    if !s.services.first_telephony_delivery(&delivery).await? {
        return Err(Problem::new(
            StatusCode::CONFLICT,
            "delivery_replayed",
            "this delivery was already received",
        ));
    }
    s.services
        .record_call_event(&Actor::System("telephony"), ev)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IvrParams {
    /// The branch the caller chose: 1 or 2.
    #[param(value_type = Option<super::enums::Branch>)]
    pub branch: Option<String>,
    /// The caller's choice within the branch: `denunciation` (staffed by the task force only,
    /// its waiting calls counted apart) or `procedure`.
    #[param(value_type = Option<super::enums::IvrChoice>)]
    pub choice: Option<String>,
    /// The caller's number.
    pub from: Option<String>,
}

/// The IVR's question at the start of a call. The answer is `key=value` lines a dialplan can
/// read: `announcement`, `staffed`, `agents`, `waiting`, `wait_seconds`, `offer_callback`. The
/// token comes in `Authorization: Bearer` or `X-Hqdesk-Token`.
#[utoipa::path(get, path = "/api/v1/ivr", tag = "telephony", params(IvrParams),
    responses((status = 200, description = "text/plain key=value lines", content_type = "text/plain"), (status = 403, body = crate::problem::ProblemBody), (status = 401, body = crate::problem::ProblemBody)),
    security(("bearer" = []), ("token_header" = [])))]
pub async fn ivr(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Query(p): Query<IvrParams>,
) -> Result<Response, Problem> {
    ivr_answer(&s, &actor, &p).await
}

/// Deprecated: the IVR's question with the token in the path, where proxies log it. Kept for
/// dialplans written before `GET /api/v1/ivr`; move them to a header.
#[utoipa::path(get, path = "/api/v1/ivr/{token}", tag = "telephony", params(("token" = String, Path), IvrParams),
    responses((status = 200, description = "text/plain key=value lines", content_type = "text/plain"), (status = 403, body = crate::problem::ProblemBody), (status = 401, body = crate::problem::ProblemBody)))]
#[deprecated = "the token belongs in a header: GET /api/v1/ivr"]
pub async fn ivr_with_path_token(
    State(s): State<AppState>,
    Path(token): Path<String>,
    Query(p): Query<IvrParams>,
) -> Result<Response, Problem> {
    let actor = s.services.authenticate_token(&token).await?;
    ivr_answer(&s, &actor, &p).await
}

async fn ivr_answer(s: &AppState, actor: &Actor, p: &IvrParams) -> Result<Response, Problem> {
    let branch = int_param("branch", &p.branch)?.unwrap_or(2);
    let d = s
        .services
        .ivr_decision(actor, branch, p.choice.as_deref())
        .await?;
    let text = format!(
        "announcement={}\nstaffed={}\nagents={}\nwaiting={}\nwait_seconds={}\noffer_callback={}\n",
        d.announcement,
        u8::from(d.staffed),
        d.agents,
        d.waiting,
        d.wait_seconds,
        u8::from(d.offer_callback)
    );
    Ok((
        [
            ("content-type", "text/plain; charset=utf-8"),
            ("cache-control", "no-store"),
        ],
        text,
    )
        .into_response())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttemptRequest {
    /// `no_answer`, `busy` or `reached`.
    #[schema(value_type = super::enums::CallbackOutcome)]
    pub outcome: String,
    pub note: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AttemptResponse {
    pub attempts: usize,
    /// The callback is finished (reached, or the last attempt failed).
    pub done: bool,
}

/// Record an attempt to call a caller back.
#[utoipa::path(post, path = "/api/v1/cases/{number}/callback-attempts", tag = "telephony", request_body = AttemptRequest, params(("number" = String, Path)),
    responses((status = 201, body = AttemptResponse), (status = 403, body = crate::problem::ProblemBody), (status = 404, body = crate::problem::ProblemBody), (status = 409, body = crate::problem::ProblemBody), (status = 422, body = crate::problem::ProblemBody)), security(("bearer" = [])))]
pub async fn callback_attempt(
    State(s): State<AppState>,
    crate::auth::ApiActor(actor): crate::auth::ApiActor,
    Path(number): Path<String>,
    body: crate::extract::JsonBody<AttemptRequest>,
) -> Result<(StatusCode, Json<AttemptResponse>), Problem> {
    let (attempts, done) = s
        .services
        .callback_attempt(
            &actor,
            &number,
            &body.value.outcome,
            body.value.note.as_deref(),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(AttemptResponse { attempts, done }),
    ))
}
