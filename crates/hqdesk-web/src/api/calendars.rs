//! `/api/v1/calendars`: the working calendars, their days off per year, and adding working
//! time on one. Any signed-in staff token may read them. Times answered in Vietnam time
//! (`+07:00`, seconds precision).
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, SecondsFormat};
use hqdesk_domain::calendar::{Calendar, DayOffKind, HolidayName};
use hqdesk_domain::sla::ClockStatus;
use hqdesk_domain::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::ApiActor;
use crate::holidays::holiday_name;
use crate::i18n::{Locale, Tr};
use crate::problem::{Problem, ProblemField};
use crate::state::AppState;

/// An instant in Vietnam time, RFC 3339 with seconds: `2027-02-12T10:30:00+07:00`.
pub(crate) fn vietnam_time(t: Timestamp) -> String {
    t.to_vietnam().to_rfc3339_opts(SecondsFormat::Secs, false)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarResponse {
    /// `24x7`, `office`, or a calendar a supervisor added.
    pub name: String,
    /// Always `Asia/Ho_Chi_Minh`.
    pub time_zone: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarListResponse {
    pub items: Vec<CalendarResponse>,
}

/// The working calendars.
#[utoipa::path(get, path = "/api/v1/calendars", tag = "calendars",
    responses((status = 200, body = CalendarListResponse), (status = 401, body = crate::problem::ProblemBody)),
    security(("bearer" = [])))]
pub async fn list_calendars(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<CalendarListResponse>, Problem> {
    let items = s
        .services
        .read_calendars(&actor)
        .await?
        .into_iter()
        .map(|c| CalendarResponse {
            name: c.name,
            time_zone: c.time_zone,
        })
        .collect();
    Ok(Json(CalendarListResponse { items }))
}

fn invalid(field: &str, code: &str, message: String) -> Problem {
    Problem::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        "a query parameter is invalid",
    )
    .with_errors(vec![ProblemField {
        field: field.into(),
        code: code.into(),
        message,
    }])
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HolidaysParams {
    /// The year, 1900–2199.
    pub year: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DayOffResponse {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// In Vietnamese.
    pub name: String,
    pub name_en: String,
    /// `holiday` (Labour Code Art. 112), `compensatory` (for a holiday on a weekly rest day,
    /// Art. 111) or `announced` (a day off the government announced for the year).
    #[schema(value_type = super::enums::DayOffKind)]
    pub kind: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WorkingDayResponse {
    /// `YYYY-MM-DD`.
    pub date: String,
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HolidaysResponse {
    /// Every day off of the year that is not a weekly rest day, by date (none on a calendar
    /// without public holidays).
    pub items: Vec<DayOffResponse>,
    /// The announced make-up working days of the year (working even on a weekly rest day).
    pub working_days: Vec<WorkingDayResponse>,
}

/// A holiday's name in Vietnamese and English (the console's wording).
fn holiday_names(n: &HolidayName) -> (String, String) {
    (
        holiday_name(Tr(Locale::Vi), n),
        holiday_name(Tr(Locale::En), n),
    )
}

fn kind_str(k: DayOffKind) -> String {
    k.as_str().into()
}

async fn calendar(
    s: &AppState,
    actor: &hqdesk_services::Actor,
    name: &str,
) -> Result<Calendar, Problem> {
    Ok(s.services.read_calendar(actor, name).await?)
}

/// The days off of a year on a calendar: holidays, compensatory days and announced days off
/// (weekly rest days are not listed), and the year's make-up working days.
#[utoipa::path(get, path = "/api/v1/calendars/{name}/holidays", tag = "calendars",
    params(("name" = String, Path, description = "Calendar name, e.g. office"), HolidaysParams),
    responses((status = 200, body = HolidaysResponse), (status = 404, body = crate::problem::ProblemBody), (status = 422, body = crate::problem::ProblemBody)),
    security(("bearer" = [])))]
pub async fn holidays(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(name): Path<String>,
    Query(p): Query<HolidaysParams>,
) -> Result<Json<HolidaysResponse>, Problem> {
    let cal = calendar(&s, &actor, &name).await?;
    let year = p
        .year
        .as_deref()
        .map(str::trim)
        .ok_or_else(|| invalid("year", "required", "year is required (1900–2199)".into()))?;
    let year: i32 = year.parse().map_err(|_| {
        invalid(
            "year",
            "not_a_number",
            format!("year must be a whole number, not {year:?}"),
        )
    })?;
    let year =
        Calendar::check_year(year).map_err(|e| invalid("year", e.code, e.message.to_string()))?;
    let days = cal
        .days_off(year)
        .map_err(|e| invalid("year", e.code, e.message.to_string()))?;
    let items = days
        .into_iter()
        .map(|d| {
            let (name, name_en) = holiday_names(&d.name);
            DayOffResponse {
                date: d.date.format("%Y-%m-%d").to_string(),
                name,
                name_en,
                kind: kind_str(d.kind),
            }
        })
        .collect();
    let working_days = if cal.public_holidays {
        cal.years
            .get(&year)
            .map(|r| {
                r.working_days
                    .iter()
                    .map(|w| WorkingDayResponse {
                        date: w.date.format("%Y-%m-%d").to_string(),
                        name: w.name.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    Ok(Json(HolidaysResponse {
        items,
        working_days,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AddParams {
    /// The start, RFC 3339 (any offset), e.g. `2027-02-04T16:00:00+07:00`.
    pub from: Option<String>,
    /// Working hours to add (may be decimal: `1.5`); not with `working_days`.
    pub hours: Option<String>,
    /// Whole working days to add (due at the close of the last one); not with `hours`.
    pub working_days: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AddResponse {
    /// RFC 3339 in Vietnam time, e.g. `2027-02-12T10:30:00+07:00`.
    pub due: String,
}

/// The most that may be added: ten years of working time.
const MAX_HOURS: f64 = 10.0 * 366.0 * 24.0;
const MAX_WORKING_DAYS: i64 = 10 * 366;

/// Add working time on a calendar: `hours` of working time, or `working_days` whole working
/// days (the day of `from` is not counted; due at the close of the last one).
#[utoipa::path(get, path = "/api/v1/calendars/{name}/add", tag = "calendars",
    params(("name" = String, Path, description = "Calendar name, e.g. office"), AddParams),
    responses((status = 200, body = AddResponse), (status = 404, body = crate::problem::ProblemBody), (status = 422, body = crate::problem::ProblemBody)),
    security(("bearer" = [])))]
pub async fn add(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(name): Path<String>,
    Query(p): Query<AddParams>,
) -> Result<Json<AddResponse>, Problem> {
    let cal = calendar(&s, &actor, &name).await?;
    let from = p
        .from
        .as_deref()
        .map(str::trim)
        .ok_or_else(|| invalid("from", "required", "from is required (RFC 3339)".into()))?;
    let from = DateTime::parse_from_rfc3339(from)
        .map(|t| Timestamp::from(t.to_utc()))
        .map_err(|_| {
            invalid(
                "from",
                "invalid_time",
                format!(
                    "from must be an RFC 3339 time such as 2027-02-04T16:00:00+07:00, not {from:?}"
                ),
            )
        })?;
    if !(1900..=2199).contains(&chrono::Datelike::year(&from.to_vietnam())) {
        return Err(invalid(
            "from",
            "year_out_of_range",
            "from must be within the years 1900–2199".into(),
        ));
    }
    let hours = p.hours.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let days = p
        .working_days
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let due = match (hours, days) {
        (Some(_), Some(_)) => {
            return Err(invalid(
                "working_days",
                "one_of",
                "give hours or working_days, not both".into(),
            ))
        }
        (None, None) => {
            return Err(invalid(
                "hours",
                "required",
                "give hours or working_days".into(),
            ))
        }
        (Some(h), None) => {
            let v: f64 = h
                .parse()
                .ok()
                .filter(|v: &f64| v.is_finite())
                .ok_or_else(|| {
                    invalid(
                        "hours",
                        "not_a_number",
                        format!("hours must be a number, not {h:?}"),
                    )
                })?;
            if v < 0.0 {
                return Err(invalid(
                    "hours",
                    "negative",
                    "hours may not be negative".into(),
                ));
            }
            if v > MAX_HOURS {
                return Err(invalid(
                    "hours",
                    "too_large",
                    format!("hours may be at most {MAX_HOURS}"),
                ));
            }
            // Milliseconds of working time; whole seconds are what the answer shows.
            #[allow(clippy::cast_possible_truncation)]
            let millis = (v * 3_600_000.0).round() as i64;
            cal.add_working_millis(from, millis)
        }
        (None, Some(d)) => {
            let v: i64 = d.parse().map_err(|_| {
                invalid(
                    "working_days",
                    "not_a_number",
                    format!("working_days must be a whole number, not {d:?}"),
                )
            })?;
            if v < 0 {
                return Err(invalid(
                    "working_days",
                    "negative",
                    "working_days may not be negative".into(),
                ));
            }
            if v > MAX_WORKING_DAYS {
                return Err(invalid(
                    "working_days",
                    "too_large",
                    format!("working_days may be at most {MAX_WORKING_DAYS}"),
                ));
            }
            cal.add_working_days(from, v)
        }
    };
    Ok(Json(AddResponse {
        due: vietnam_time(due),
    }))
}

/// One clock of a case in its `sla` object.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClockResponse {
    /// RFC 3339 in Vietnam time; null while paused.
    pub due_at: Option<String>,
    /// `running`, `paused` or `met`.
    #[schema(value_type = super::enums::ClockState)]
    pub state: String,
    /// The due time passed before the target was met (or, unmet, before now).
    pub breached: bool,
    /// The calendar it counts on.
    pub calendar: String,
    /// When the target was met (answered, resolved, accepted, settled).
    pub met_at: Option<String>,
    /// Why it is paused: `sla.pause.waiting` (waiting for the requester), `sla.pause.resolved`,
    /// `sla.pause.suspended` (a legal deadline suspended); null when running or met.
    pub pause_reason: Option<String>,
    /// Extensions granted (legal deadlines only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extensions: Option<i64>,
}

/// A case's clocks, each named by its kind; a clock the case does not have is absent.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct SlaResponse {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_response: Option<ClockResponse>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_response: Option<ClockResponse>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolution: Option<ClockResponse>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub legal_acceptance: Option<ClockResponse>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub legal_settlement: Option<ClockResponse>,
}

impl SlaResponse {
    pub(crate) fn from_clocks(clocks: Vec<ClockStatus>) -> Self {
        use hqdesk_domain::sla::ClockKind;
        let mut out = SlaResponse::default();
        for c in clocks {
            let legal = c.kind.is_legal();
            let r = ClockResponse {
                due_at: c.due_at.map(vietnam_time),
                state: if c.met_at.is_some() {
                    "met"
                } else if c.paused {
                    "paused"
                } else {
                    "running"
                }
                .into(),
                breached: c.breached,
                calendar: c.calendar,
                met_at: c.met_at.map(vietnam_time),
                pause_reason: c.pause_reason,
                extensions: legal.then_some(c.extensions),
            };
            let slot = match c.kind {
                ClockKind::FirstResponse => &mut out.first_response,
                ClockKind::NextResponse => &mut out.next_response,
                ClockKind::Resolution => &mut out.resolution,
                ClockKind::LegalAcceptance => &mut out.legal_acceptance,
                ClockKind::LegalSettlement => &mut out.legal_settlement,
            };
            *slot = Some(r);
        }
        out
    }
}
