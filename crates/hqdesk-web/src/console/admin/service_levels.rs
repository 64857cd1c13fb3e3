//! Service levels: supervisors and administrators edit the working calendars (weekly hours,
//! public holidays, one year's edits as the government's notice sets them, with the computed
//! days off of that year), the service-level policies in their order with their escalation
//! ladders, and the legal deadlines' rules. The services validate and decide; a refused form
//! comes back with the input kept and each error beside its field.
use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Datelike, NaiveDate};
use hqdesk_domain::access::Action;
use hqdesk_domain::calendar::{Calendar, DayOff, YearRules};
use hqdesk_domain::case::{CaseKind, Priority};
use hqdesk_domain::channel::Channel;
use hqdesk_domain::sla::{Amount, ClockKind, Policy, StepAction};
use hqdesk_services::service_levels_admin::{
    CalendarForm, LegalRule, LegalRuleForm, PolicyForm, StepForm, TargetForm, YearForm,
};
use hqdesk_services::ServiceError;
use serde::Deserialize;

use super::may;
use crate::console::session::Console;
use crate::console::views::Me;
use crate::console::{field_error_text, refused, service_error_for};
use crate::csrf::{CarriesToken, CsrfForm};
use crate::holidays::holiday_name;
use crate::html::{label, render};
use crate::i18n::Tr;
use crate::state::AppState;

const BASE: &str = "/console/admin/service-levels";
/// Empty ladder rows offered below the policy's steps (and at least this many rows in all).
const SPARE_STEPS: usize = 3;
const MIN_STEPS: usize = 5;

/// A form read as name–value pairs (checkbox groups repeat their name).
#[derive(Deserialize, Default)]
#[serde(transparent)]
pub(crate) struct Pairs(Vec<(String, String)>);

impl Pairs {
    fn one(&self, key: &str) -> String {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }
    fn all(&self, key: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .collect()
    }
    fn checked(&self, key: &str) -> bool {
        self.0.iter().any(|(k, v)| k == key && !v.is_empty())
    }
}

impl CarriesToken for Pairs {
    fn csrf(&self) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == "csrf")
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }
}

/// Field errors by form field, in the reader's language; `days_off[3]` is the third line of
/// `days_off` (the line is named), `ladder[2].percent` stays as it is (one per row).
type Errors = HashMap<String, String>;

fn field_errors(tr: Tr, e: &ServiceError) -> Option<Errors> {
    let ServiceError::Invalid(v) = e else {
        return None;
    };
    let mut out: Errors = HashMap::new();
    for f in &v.0 {
        let text = tr
            .lookup(&format!("sl.err.{}", f.code))
            .map(str::to_string)
            .unwrap_or_else(|| field_error_text(tr, f));
        let (key, text) = match f.field.split_once('[') {
            Some((name, rest)) if !f.field.starts_with("ladder") => {
                let line = rest.split(']').next().unwrap_or("");
                (
                    name.to_string(),
                    format!("{} {text}", tr.fill("sl.line", &[("n", line)])),
                )
            }
            _ => (f.field.clone(), text),
        };
        out.entry(key)
            .and_modify(|t| {
                t.push(' ');
                t.push_str(&text);
            })
            .or_insert(text);
    }
    Some(out)
}

/// What went wrong that is not one field (a conflict, a refusal) for the page's banner.
fn banner(tr: Tr, e: &ServiceError) -> Option<(String, StatusCode)> {
    match e {
        ServiceError::Invalid(_) => Some((
            tr.t("sl.fix_fields").into(),
            StatusCode::UNPROCESSABLE_ENTITY,
        )),
        ServiceError::Conflict { code, message } => Some((
            tr.lookup(&format!("sl.err.{code}"))
                .map(str::to_string)
                .unwrap_or_else(|| message.clone()),
            StatusCode::CONFLICT,
        )),
        _ => None,
    }
}

fn guard(c: &Console) -> Option<Response> {
    if may(c, Action::ManageServiceLevels) {
        None
    } else {
        Some(refused(c, c.tr.t("sl.forbidden")))
    }
}

/// (value, label) choices.
type Choices = Vec<(String, String)>;

fn clock_label(tr: Tr, k: ClockKind) -> String {
    tr.t(&format!("sl.clock.{}", k.as_str())).to_string()
}

/// "4 h 30 min" of a target in minutes.
fn minutes_words(tr: Tr, minutes: i64) -> String {
    let (h, m) = (minutes / 60, minutes % 60);
    match (h, m) {
        (0, m) => tr.fill("sl.n_minutes", &[("n", &m.to_string())]),
        (h, 0) => tr.fill("sl.n_hours", &[("n", &h.to_string())]),
        (h, m) => format!(
            "{} {}",
            tr.fill("sl.n_hours", &[("n", &h.to_string())]),
            tr.fill("sl.n_minutes", &[("n", &m.to_string())])
        ),
    }
}

fn amount_parts(a: Amount) -> (String, &'static str) {
    match a {
        Amount::Minutes(n) => (n.to_string(), "minutes"),
        Amount::WorkingDays(n) => (n.to_string(), "working_days"),
        Amount::Days(n) => (n.to_string(), "days"),
    }
}

fn unit_choices(tr: Tr) -> Choices {
    ["working_days", "days", "minutes"]
        .iter()
        .map(|u| (u.to_string(), tr.t(&format!("sl.unit.{u}")).to_string()))
        .collect()
}

// --- Overview ---------------------------------------------------------------------------------

pub struct CalendarRow {
    pub name: String,
    pub builtin: bool,
    pub public_holidays: bool,
    pub hours: String,
}

pub struct PolicyRow {
    pub id: i64,
    pub name: String,
    pub enabled: bool,
    pub conditions: String,
    pub calendar: String,
    pub targets: String,
    pub first: bool,
    pub last: bool,
}

/// A legal rule's form, with what was typed and its errors when refused.
pub struct LegalRow {
    pub kind: String,
    pub clock: String,
    pub title: String,
    pub calendar: String,
    pub amount: String,
    pub amount_unit: String,
    pub extension: String,
    pub extension_unit: String,
    pub max_extensions: String,
    pub errors: Errors,
}

impl LegalRow {
    pub fn err(&self, k: &str) -> &str {
        self.errors.get(k).map(String::as_str).unwrap_or("")
    }
    pub fn id(&self) -> String {
        format!("{}-{}", self.kind, self.clock).replace('_', "-")
    }
}

#[derive(Template)]
#[template(path = "sl_overview.html")]
struct OverviewPage {
    tr: Tr,
    me: Me,
    csrf: String,
    q: String,
    recommend_2fa: bool,
    message: String,
    notice: String,
    calendars: Vec<CalendarRow>,
    calendar_names: Vec<String>,
    policies: Vec<PolicyRow>,
    legal: Vec<LegalRow>,
    units: Choices,
    /// The new-calendar form: typed values and errors.
    new_name: String,
    new_hours: String,
    new_holidays: bool,
    errors: Errors,
}

impl OverviewPage {
    fn err(&self, k: &str) -> &str {
        self.errors.get(k).map(String::as_str).unwrap_or("")
    }
}

/// What a refused form of the overview carries back.
#[derive(Default)]
struct OverviewAgain {
    message: String,
    new_calendar: Option<(CalendarForm, Errors)>,
    legal: Option<(String, String, LegalRuleForm, Errors)>,
}

fn conditions_words(tr: Tr, p: &Policy) -> String {
    let c = &p.conditions;
    let mut parts: Vec<String> = Vec::new();
    let mut group = |title: &str, items: Vec<String>| {
        if !items.is_empty() {
            parts.push(format!("{}: {}", tr.t(title), items.join(", ")));
        }
    };
    group(
        "sl.cond.kinds",
        c.kinds
            .iter()
            .map(|k| label(tr, "kind", k.as_str()))
            .collect(),
    );
    group(
        "sl.cond.branches",
        c.branches.iter().map(|b| b.number().to_string()).collect(),
    );
    group(
        "sl.cond.channels",
        c.channels
            .iter()
            .map(|k| label(tr, "channel", k.as_str()))
            .collect(),
    );
    group("sl.cond.categories", c.categories.clone());
    group(
        "sl.cond.priorities",
        c.priorities
            .iter()
            .map(|k| label(tr, "priority", k.as_str()))
            .collect(),
    );
    group("sl.cond.units", c.units.clone());
    if parts.is_empty() {
        tr.t("sl.any_case").to_string()
    } else {
        parts.join(" · ")
    }
}

fn targets_words(tr: Tr, p: &Policy) -> String {
    let t = p.targets;
    [
        (ClockKind::FirstResponse, t.first_response_minutes),
        (ClockKind::NextResponse, t.next_response_minutes),
        (ClockKind::Resolution, t.resolution_minutes),
    ]
    .into_iter()
    .filter_map(|(k, m)| m.map(|m| format!("{}: {}", clock_label(tr, k), minutes_words(tr, m))))
    .collect::<Vec<_>>()
    .join(" · ")
}

async fn overview_page(
    s: &AppState,
    c: &Console,
    again: OverviewAgain,
    notice: String,
    status: StatusCode,
) -> Response {
    if let Some(r) = guard(c) {
        return r;
    }
    let tr = c.tr;
    let actor = c.actor();
    let calendars = match s.services.service_calendars(&actor).await {
        Ok(v) => v,
        Err(e) => return service_error_for(c, e),
    };
    let policies = match s.services.service_policies(&actor).await {
        Ok(v) => v,
        Err(e) => return service_error_for(c, e),
    };
    let rules = match s.services.legal_rules(&actor).await {
        Ok(v) => v,
        Err(e) => return service_error_for(c, e),
    };
    let n = policies.len();
    let policies = policies
        .iter()
        .enumerate()
        .map(|(i, p)| PolicyRow {
            id: p.id,
            name: p.name.clone(),
            enabled: p.enabled,
            conditions: conditions_words(tr, p),
            calendar: p.calendar.clone(),
            targets: targets_words(tr, p),
            first: i == 0,
            last: i + 1 == n,
        })
        .collect();
    let legal = rules
        .into_iter()
        .map(|r| legal_row(tr, r, again.legal.as_ref()))
        .collect();
    let (new_name, new_hours, new_holidays, errors) = match again.new_calendar {
        Some((f, e)) => (f.name, f.weekly_hours, f.public_holidays, e),
        None => (
            String::new(),
            Calendar::office().weekly.to_text(),
            true,
            Errors::new(),
        ),
    };
    render(
        status,
        &OverviewPage {
            tr,
            me: c.me(),
            csrf: c.csrf(),
            q: String::new(),
            recommend_2fa: c.recommend_2fa,
            message: again.message,
            notice,
            calendar_names: calendars.iter().map(|k| k.calendar.name.clone()).collect(),
            calendars: calendars
                .into_iter()
                .map(|k| CalendarRow {
                    hours: k.calendar.weekly.to_text(),
                    name: k.calendar.name,
                    builtin: k.builtin,
                    public_holidays: k.calendar.public_holidays,
                })
                .collect(),
            policies,
            legal,
            units: unit_choices(tr),
            new_name,
            new_hours,
            new_holidays,
            errors,
        },
    )
}

fn legal_row(
    tr: Tr,
    r: LegalRule,
    again: Option<&(String, String, LegalRuleForm, Errors)>,
) -> LegalRow {
    let title = format!(
        "{} — {}",
        label(tr, "kind", r.kind.as_str()),
        clock_label(tr, r.clock)
    );
    if let Some((kind, clock, f, errors)) = again {
        if kind == r.kind.as_str() && clock == r.clock.as_str() {
            return LegalRow {
                kind: r.kind.as_str().into(),
                clock: r.clock.as_str().into(),
                title,
                calendar: f.calendar.clone(),
                amount: f.amount.clone(),
                amount_unit: f.amount_unit.clone(),
                extension: f.extension.clone(),
                extension_unit: f.extension_unit.clone(),
                max_extensions: f.max_extensions.clone(),
                errors: errors.clone(),
            };
        }
    }
    let (amount, amount_unit) = amount_parts(r.amount);
    let (extension, extension_unit) = r
        .extension
        .map(amount_parts)
        .unwrap_or((String::new(), "days"));
    LegalRow {
        kind: r.kind.as_str().into(),
        clock: r.clock.as_str().into(),
        title,
        calendar: r.calendar,
        amount,
        amount_unit: amount_unit.into(),
        extension,
        extension_unit: extension_unit.into(),
        max_extensions: r.max_extensions.to_string(),
        errors: Errors::new(),
    }
}

#[derive(Deserialize)]
pub(crate) struct OverviewQuery {
    saved: Option<String>,
}

fn saved_notice(tr: Tr, saved: Option<&str>) -> String {
    match saved {
        Some("calendar") | Some("year") => tr.t("sl.saved_recompute").into(),
        Some("policy") | Some("moved") | Some("legal") => tr.t("sl.saved").into(),
        Some("deleted") => tr.t("sl.deleted").into(),
        _ => String::new(),
    }
}

pub(crate) async fn overview(
    State(s): State<AppState>,
    c: Console,
    Query(q): Query<OverviewQuery>,
) -> Response {
    let notice = saved_notice(c.tr, q.saved.as_deref());
    overview_page(&s, &c, OverviewAgain::default(), notice, StatusCode::OK).await
}

fn calendar_form(f: &Pairs) -> CalendarForm {
    CalendarForm {
        name: f.one("name"),
        weekly_hours: f.one("weekly_hours"),
        public_holidays: f.checked("public_holidays"),
        reason: f.one("reason"),
    }
}

pub(crate) async fn calendar_create(
    State(s): State<AppState>,
    c: Console,
    CsrfForm(f): CsrfForm<Pairs>,
) -> Response {
    if let Some(r) = guard(&c) {
        return r;
    }
    let form = calendar_form(&f);
    match s.services.save_calendar(&c.actor(), &form, true).await {
        Ok(name) => {
            Redirect::to(&format!("{BASE}/calendars/{name}?saved=calendar")).into_response()
        }
        Err(e) => match banner(c.tr, &e) {
            Some((message, status)) => {
                let errors = field_errors(c.tr, &e).unwrap_or_default();
                let again = OverviewAgain {
                    message,
                    new_calendar: Some((form, errors)),
                    legal: None,
                };
                overview_page(&s, &c, again, String::new(), status).await
            }
            None => service_error_for(&c, e),
        },
    }
}

pub(crate) async fn legal_save(
    State(s): State<AppState>,
    c: Console,
    Path((kind, clock)): Path<(String, String)>,
    CsrfForm(f): CsrfForm<Pairs>,
) -> Response {
    if let Some(r) = guard(&c) {
        return r;
    }
    let form = LegalRuleForm {
        calendar: f.one("calendar"),
        amount: f.one("amount"),
        amount_unit: f.one("amount_unit"),
        extension: f.one("extension"),
        extension_unit: f.one("extension_unit"),
        max_extensions: f.one("max_extensions"),
        reason: f.one("reason"),
    };
    match s
        .services
        .update_legal_rule(&c.actor(), &kind, &clock, &form)
        .await
    {
        Ok(()) => Redirect::to(&format!("{BASE}?saved=legal#legal")).into_response(),
        Err(e) => match banner(c.tr, &e) {
            Some((message, status)) => {
                let errors = field_errors(c.tr, &e).unwrap_or_default();
                let again = OverviewAgain {
                    message,
                    new_calendar: None,
                    legal: Some((kind, clock, form, errors)),
                };
                overview_page(&s, &c, again, String::new(), status).await
            }
            None => service_error_for(&c, e),
        },
    }
}

// --- A calendar -------------------------------------------------------------------------------

pub struct DayRow {
    pub date: String,
    pub iso: String,
    pub weekday: String,
    pub name: String,
    pub kind: String,
    pub kind_key: String,
}

#[derive(Template)]
#[template(path = "sl_calendar.html")]
struct CalendarPage {
    tr: Tr,
    me: Me,
    csrf: String,
    q: String,
    recommend_2fa: bool,
    message: String,
    notice: String,
    name: String,
    builtin: bool,
    hours: String,
    public_holidays: bool,
    year: i32,
    days_off_title: String,
    year_edits_title: String,
    days_off: Vec<DayRow>,
    working_days: Vec<DayRow>,
    /// The year's edits form.
    tet_start: String,
    tet_days: String,
    national_day_extra: String,
    days_off_text: String,
    working_days_text: String,
    errors: Errors,
    /// Which form the errors belong to: `hours`, `year` or empty.
    errors_of: &'static str,
}

impl CalendarPage {
    fn err(&self, k: &str) -> &str {
        self.errors.get(k).map(String::as_str).unwrap_or("")
    }
}

fn weekday(tr: Tr, d: NaiveDate) -> String {
    tr.t(&format!(
        "sl.weekday.{}",
        d.weekday().num_days_from_monday()
    ))
    .to_string()
}

fn day_row(tr: Tr, d: &DayOff) -> DayRow {
    DayRow {
        date: d.date.format("%d/%m/%Y").to_string(),
        iso: d.date.to_string(),
        weekday: weekday(tr, d.date),
        name: holiday_name(tr, &d.name),
        kind: tr.t(&format!("cal.kind.{}", d.kind.as_str())).into(),
        kind_key: d.kind.as_str().into(),
    }
}

fn lines(days: &[hqdesk_domain::calendar::NamedDay]) -> String {
    days.iter()
        .map(|d| format!("{} {}", d.date, d.name))
        .collect::<Vec<_>>()
        .join("\n")
}

fn year_form_of(rules: Option<&YearRules>) -> YearForm {
    let r = rules.cloned().unwrap_or_default();
    YearForm {
        tet_start: r.tet_start.map(|d| d.to_string()).unwrap_or_default(),
        tet_days: r.tet_days.map(|n| n.to_string()).unwrap_or_default(),
        national_day_extra: r
            .national_day_extra
            .map(|d| d.day().to_string())
            .unwrap_or_default(),
        days_off: lines(&r.days_off),
        working_days: lines(&r.working_days),
    }
}

/// What a refused form of the calendar page carries back.
enum CalendarAgain {
    None,
    Hours(CalendarForm, Errors),
    Year(YearForm, Errors),
}

#[allow(clippy::too_many_arguments)]
async fn calendar_page(
    s: &AppState,
    c: &Console,
    name: &str,
    year: Option<i32>,
    again: CalendarAgain,
    message: String,
    notice: String,
    status: StatusCode,
) -> Response {
    if let Some(r) = guard(c) {
        return r;
    }
    let tr = c.tr;
    let stored = match s.services.service_calendar(&c.actor(), name).await {
        Ok(v) => v,
        Err(e) => return service_error_for(c, e),
    };
    let cal = stored.calendar;
    let year = year.unwrap_or_else(|| s.services.now().to_vietnam().year());
    let days_off = cal
        .days_off(year)
        .unwrap_or_default()
        .iter()
        .map(|d| day_row(tr, d))
        .collect();
    let working_days = cal
        .years
        .get(&year)
        .map(|r| {
            r.working_days
                .iter()
                .map(|w| DayRow {
                    date: w.date.format("%d/%m/%Y").to_string(),
                    iso: w.date.to_string(),
                    weekday: weekday(tr, w.date),
                    name: w.name.clone(),
                    kind: tr.t("cal.kind.working").into(),
                    kind_key: "working".into(),
                })
                .collect()
        })
        .unwrap_or_default();
    let mut hours = cal.weekly.to_text();
    let mut public_holidays = cal.public_holidays;
    let mut yf = year_form_of(cal.years.get(&year));
    let (errors, errors_of) = match again {
        CalendarAgain::None => (Errors::new(), ""),
        CalendarAgain::Hours(f, e) => {
            hours = f.weekly_hours;
            public_holidays = f.public_holidays;
            (e, "hours")
        }
        CalendarAgain::Year(f, e) => {
            yf = f;
            (e, "year")
        }
    };
    render(
        status,
        &CalendarPage {
            tr,
            me: c.me(),
            csrf: c.csrf(),
            q: String::new(),
            recommend_2fa: c.recommend_2fa,
            message,
            notice,
            name: cal.name,
            builtin: stored.builtin,
            hours,
            public_holidays,
            year,
            days_off_title: tr.fill("sl.days_off_of", &[("year", &year.to_string())]),
            year_edits_title: tr.fill("sl.year_edits", &[("year", &year.to_string())]),
            days_off,
            working_days,
            tet_start: yf.tet_start,
            tet_days: yf.tet_days,
            national_day_extra: yf.national_day_extra,
            days_off_text: yf.days_off,
            working_days_text: yf.working_days,
            errors,
            errors_of,
        },
    )
}

#[derive(Deserialize)]
pub(crate) struct CalendarQuery {
    year: Option<String>,
    saved: Option<String>,
}

pub(crate) async fn calendar(
    State(s): State<AppState>,
    c: Console,
    Path(name): Path<String>,
    Query(q): Query<CalendarQuery>,
) -> Response {
    let notice = saved_notice(c.tr, q.saved.as_deref());
    let (year, message, status) = match q.year.as_deref().map(str::trim) {
        None | Some("") => (None, String::new(), StatusCode::OK),
        Some(y) => match hqdesk_services::service_levels_admin::parse_year(y) {
            Ok(y) => (Some(y), String::new(), StatusCode::OK),
            Err(_) => (
                None,
                c.tr.t("sl.err.year_out_of_range").to_string(),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
        },
    };
    calendar_page(
        &s,
        &c,
        &name,
        year,
        CalendarAgain::None,
        message,
        notice,
        status,
    )
    .await
}

pub(crate) async fn calendar_save(
    State(s): State<AppState>,
    c: Console,
    Path(name): Path<String>,
    CsrfForm(f): CsrfForm<Pairs>,
) -> Response {
    if let Some(r) = guard(&c) {
        return r;
    }
    let mut form = calendar_form(&f);
    form.name = name.clone();
    match s.services.save_calendar(&c.actor(), &form, false).await {
        Ok(name) => {
            Redirect::to(&format!("{BASE}/calendars/{name}?saved=calendar")).into_response()
        }
        Err(e) => match banner(c.tr, &e) {
            Some((message, status)) => {
                let errors = field_errors(c.tr, &e).unwrap_or_default();
                calendar_page(
                    &s,
                    &c,
                    &name,
                    None,
                    CalendarAgain::Hours(form, errors),
                    message,
                    String::new(),
                    status,
                )
                .await
            }
            None => service_error_for(&c, e),
        },
    }
}

pub(crate) async fn year_save(
    State(s): State<AppState>,
    c: Console,
    Path((name, year)): Path<(String, String)>,
    CsrfForm(f): CsrfForm<Pairs>,
) -> Response {
    if let Some(r) = guard(&c) {
        return r;
    }
    let form = YearForm {
        tet_start: f.one("tet_start"),
        tet_days: f.one("tet_days"),
        national_day_extra: f.one("national_day_extra"),
        days_off: f.one("days_off_lines"),
        working_days: f.one("working_days_lines"),
    };
    let r = s
        .services
        .save_calendar_year(&c.actor(), &name, &year, &form, &f.one("reason"))
        .await;
    let shown_year = hqdesk_services::service_levels_admin::parse_year(&year).ok();
    match r {
        Ok(_) => Redirect::to(&format!(
            "{BASE}/calendars/{name}?year={}&saved=year#year-days",
            shown_year.unwrap_or_default()
        ))
        .into_response(),
        Err(e) => match banner(c.tr, &e) {
            Some((message, status)) => {
                let errors = field_errors(c.tr, &e).unwrap_or_default();
                calendar_page(
                    &s,
                    &c,
                    &name,
                    shown_year,
                    CalendarAgain::Year(form, errors),
                    message,
                    String::new(),
                    status,
                )
                .await
            }
            None => service_error_for(&c, e),
        },
    }
}

pub(crate) async fn calendar_delete(
    State(s): State<AppState>,
    c: Console,
    Path(name): Path<String>,
    CsrfForm(f): CsrfForm<Pairs>,
) -> Response {
    if let Some(r) = guard(&c) {
        return r;
    }
    match s
        .services
        .delete_calendar(&c.actor(), &name, &f.one("reason"))
        .await
    {
        Ok(()) => Redirect::to(&format!("{BASE}?saved=deleted")).into_response(),
        Err(e) => match banner(c.tr, &e) {
            Some((message, status)) => {
                calendar_page(
                    &s,
                    &c,
                    &name,
                    None,
                    CalendarAgain::None,
                    message,
                    String::new(),
                    status,
                )
                .await
            }
            None => service_error_for(&c, e),
        },
    }
}

// --- A policy ---------------------------------------------------------------------------------

/// A checkbox of a condition group.
pub struct Check {
    pub value: String,
    pub label: String,
    pub checked: bool,
}

pub struct Group {
    pub name: &'static str,
    pub legend: String,
    pub items: Vec<Check>,
}

pub struct StepRow {
    pub n: usize,
    pub clock: String,
    pub percent: String,
    pub action: String,
    pub err_clock: String,
    pub err_percent: String,
    pub err_action: String,
}

pub struct TargetRow {
    pub key: &'static str,
    pub label: String,
    pub hours: String,
    pub minutes: String,
}

#[derive(Template)]
#[template(path = "sl_policy.html")]
struct PolicyPage {
    tr: Tr,
    me: Me,
    csrf: String,
    q: String,
    recommend_2fa: bool,
    message: String,
    /// 0 for a new policy.
    id: i64,
    name: String,
    enabled: bool,
    groups: Vec<Group>,
    calendars: Vec<String>,
    calendar: String,
    targets: Vec<TargetRow>,
    pause_while_waiting: bool,
    steps: Vec<StepRow>,
    clocks: Choices,
    actions: Choices,
    errors: Errors,
}

impl PolicyPage {
    fn err(&self, k: &str) -> &str {
        self.errors.get(k).map(String::as_str).unwrap_or("")
    }
}

fn policy_form_of(p: &Policy) -> PolicyForm {
    let target = |m: Option<i64>| match m {
        Some(m) => TargetForm {
            hours: (m / 60).to_string(),
            minutes: (m % 60).to_string(),
        },
        None => TargetForm::default(),
    };
    PolicyForm {
        name: p.name.clone(),
        enabled: p.enabled,
        kinds: p
            .conditions
            .kinds
            .iter()
            .map(|k| k.as_str().into())
            .collect(),
        branches: p
            .conditions
            .branches
            .iter()
            .map(|b| b.number().to_string())
            .collect(),
        channels: p
            .conditions
            .channels
            .iter()
            .map(|k| k.as_str().into())
            .collect(),
        categories: p.conditions.categories.clone(),
        priorities: p
            .conditions
            .priorities
            .iter()
            .map(|k| k.as_str().into())
            .collect(),
        units: p.conditions.units.clone(),
        calendar: p.calendar.clone(),
        first_response: target(p.targets.first_response_minutes),
        next_response: target(p.targets.next_response_minutes),
        resolution: target(p.targets.resolution_minutes),
        pause_while_waiting: p.pause_while_waiting,
        ladder: p
            .ladder
            .iter()
            .map(|s| StepForm {
                clock: s.clock.as_str().into(),
                percent: s.percent.to_string(),
                action: s.action.as_str().into(),
            })
            .collect(),
        reason: String::new(),
    }
}

fn policy_form_from(f: &Pairs) -> PolicyForm {
    let target = |k: &str| TargetForm {
        hours: f.one(&format!("{k}_hours")),
        minutes: f.one(&format!("{k}_minutes")),
    };
    let clocks = f.all("step_clock");
    let percents = f.all("step_percent");
    let actions = f.all("step_action");
    let rows = clocks.len().max(percents.len()).max(actions.len());
    let at = |v: &[String], i: usize| v.get(i).cloned().unwrap_or_default();
    PolicyForm {
        name: f.one("name"),
        enabled: f.checked("enabled"),
        kinds: f.all("kinds"),
        branches: f.all("branches"),
        channels: f.all("channels"),
        categories: f.all("categories"),
        priorities: f.all("priorities"),
        units: f.all("units"),
        calendar: f.one("calendar"),
        first_response: target("first_response"),
        next_response: target("next_response"),
        resolution: target("resolution"),
        pause_while_waiting: f.checked("pause_while_waiting"),
        ladder: (0..rows)
            .map(|i| StepForm {
                clock: at(&clocks, i),
                percent: at(&percents, i),
                action: at(&actions, i),
            })
            .collect(),
        reason: f.one("reason"),
    }
}

async fn policy_page(
    s: &AppState,
    c: &Console,
    id: i64,
    typed: Option<PolicyForm>,
    errors: Errors,
    message: String,
    status: StatusCode,
) -> Response {
    if let Some(r) = guard(c) {
        return r;
    }
    let tr = c.tr;
    let actor = c.actor();
    let form = match typed {
        Some(f) => f,
        None if id == 0 => PolicyForm {
            enabled: true,
            pause_while_waiting: true,
            calendar: hqdesk_domain::calendar::OFFICE.into(),
            ..Default::default()
        },
        None => match s.services.service_policy(&actor, id).await {
            Ok(p) => policy_form_of(&p),
            Err(e) => return service_error_for(c, e),
        },
    };
    let calendars = match s.services.service_calendars(&actor).await {
        Ok(v) => v.into_iter().map(|k| k.calendar.name).collect(),
        Err(e) => return service_error_for(c, e),
    };
    let categories = s.services.list_categories(&actor).await.unwrap_or_default();
    let units = s.services.list_units(&actor).await.unwrap_or_default();
    let group =
        |name: &'static str, legend: &str, all: Vec<(String, String)>, chosen: &[String]| Group {
            name,
            legend: tr.t(legend).into(),
            items: all
                .into_iter()
                .map(|(value, label)| Check {
                    checked: chosen.contains(&value),
                    value,
                    label,
                })
                .collect(),
        };
    let en = tr.0 == crate::i18n::Locale::En;
    let groups = vec![
        group(
            "kinds",
            "sl.cond.kinds",
            CaseKind::ALL
                .iter()
                .map(|k| (k.as_str().into(), label(tr, "kind", k.as_str())))
                .collect(),
            &form.kinds,
        ),
        group(
            "branches",
            "sl.cond.branches",
            ["1", "2"]
                .iter()
                .map(|b| (b.to_string(), tr.fill("sl.branch_n", &[("n", b)])))
                .collect(),
            &form.branches,
        ),
        group(
            "channels",
            "sl.cond.channels",
            Channel::ALL
                .iter()
                .map(|k| (k.as_str().into(), label(tr, "channel", k.as_str())))
                .collect(),
            &form.channels,
        ),
        group(
            "priorities",
            "sl.cond.priorities",
            Priority::ALL
                .iter()
                .map(|k| (k.as_str().into(), label(tr, "priority", k.as_str())))
                .collect(),
            &form.priorities,
        ),
        group(
            "categories",
            "sl.cond.categories",
            categories
                .iter()
                .filter(|k| k.active || form.categories.contains(&k.code))
                .map(|k| {
                    let name = if en { &k.name_en } else { &k.name_vi };
                    (k.code.clone(), name.clone())
                })
                .collect(),
            &form.categories,
        ),
        group(
            "units",
            "sl.cond.units",
            units
                .iter()
                .map(|u| (u.code.clone(), u.name.clone()))
                .collect(),
            &form.units,
        ),
    ];
    let targets = [
        (
            "first_response",
            ClockKind::FirstResponse,
            &form.first_response,
        ),
        (
            "next_response",
            ClockKind::NextResponse,
            &form.next_response,
        ),
        ("resolution", ClockKind::Resolution, &form.resolution),
    ]
    .into_iter()
    .map(|(key, k, t)| TargetRow {
        key,
        label: clock_label(tr, k),
        hours: t.hours.clone(),
        minutes: t.minutes.clone(),
    })
    .collect();
    let kept: Vec<&StepForm> = form
        .ladder
        .iter()
        .filter(|s| !(s.clock.is_empty() && s.percent.is_empty() && s.action.is_empty()))
        .collect();
    // Rows keep their numbers as posted when the form comes back refused (errors name them).
    let mut steps: Vec<StepRow> = Vec::new();
    let source: Vec<StepForm> = if errors.is_empty() {
        kept.into_iter().cloned().collect()
    } else {
        form.ladder.clone()
    };
    let rows = (source.len() + SPARE_STEPS).max(MIN_STEPS);
    for i in 0..rows {
        let s = source.get(i).cloned().unwrap_or_default();
        let e = |part: &str| {
            errors
                .get(&format!("ladder[{}].{part}", i + 1))
                .cloned()
                .unwrap_or_default()
        };
        steps.push(StepRow {
            n: i + 1,
            err_clock: e("clock"),
            err_percent: e("percent"),
            err_action: e("action"),
            clock: s.clock,
            percent: s.percent,
            action: s.action,
        });
    }
    render(
        status,
        &PolicyPage {
            tr,
            me: c.me(),
            csrf: c.csrf(),
            q: String::new(),
            recommend_2fa: c.recommend_2fa,
            message,
            id,
            name: form.name,
            enabled: form.enabled,
            groups,
            calendars,
            calendar: form.calendar,
            targets,
            pause_while_waiting: form.pause_while_waiting,
            steps,
            clocks: [
                ClockKind::FirstResponse,
                ClockKind::NextResponse,
                ClockKind::Resolution,
            ]
            .into_iter()
            .map(|k| (k.as_str().into(), clock_label(tr, k)))
            .collect(),
            actions: StepAction::ALL
                .into_iter()
                .map(|a| {
                    (
                        a.as_str().into(),
                        tr.t(&format!("sl.action.{}", a.as_str())).into(),
                    )
                })
                .collect(),
            errors,
        },
    )
}

pub(crate) async fn policy_new(State(s): State<AppState>, c: Console) -> Response {
    policy_page(
        &s,
        &c,
        0,
        None,
        Errors::new(),
        String::new(),
        StatusCode::OK,
    )
    .await
}

pub(crate) async fn policy_edit(
    State(s): State<AppState>,
    c: Console,
    Path(id): Path<i64>,
) -> Response {
    policy_page(
        &s,
        &c,
        id,
        None,
        Errors::new(),
        String::new(),
        StatusCode::OK,
    )
    .await
}

async fn policy_saved(
    s: &AppState,
    c: &Console,
    id: i64,
    form: PolicyForm,
    r: Result<(), ServiceError>,
) -> Response {
    match r {
        Ok(()) => Redirect::to(&format!("{BASE}?saved=policy#policies")).into_response(),
        Err(e) => match banner(c.tr, &e) {
            Some((message, status)) => {
                let errors = field_errors(c.tr, &e).unwrap_or_default();
                policy_page(s, c, id, Some(form), errors, message, status).await
            }
            None => service_error_for(c, e),
        },
    }
}

pub(crate) async fn policy_create(
    State(s): State<AppState>,
    c: Console,
    CsrfForm(f): CsrfForm<Pairs>,
) -> Response {
    if let Some(r) = guard(&c) {
        return r;
    }
    let form = policy_form_from(&f);
    let r = s
        .services
        .create_policy(&c.actor(), &form)
        .await
        .map(|_| ());
    policy_saved(&s, &c, 0, form, r).await
}

pub(crate) async fn policy_save(
    State(s): State<AppState>,
    c: Console,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<Pairs>,
) -> Response {
    if let Some(r) = guard(&c) {
        return r;
    }
    let form = policy_form_from(&f);
    let r = s.services.update_policy(&c.actor(), id, &form).await;
    policy_saved(&s, &c, id, form, r).await
}

pub(crate) async fn policy_delete(
    State(s): State<AppState>,
    c: Console,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<Pairs>,
) -> Response {
    if let Some(r) = guard(&c) {
        return r;
    }
    match s
        .services
        .delete_policy(&c.actor(), id, &f.one("reason"))
        .await
    {
        Ok(()) => Redirect::to(&format!("{BASE}?saved=deleted#policies")).into_response(),
        Err(e) => service_error_for(&c, e),
    }
}

pub(crate) async fn policy_move(
    State(s): State<AppState>,
    c: Console,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<Pairs>,
) -> Response {
    if let Some(r) = guard(&c) {
        return r;
    }
    let up = match f.one("direction").as_str() {
        "up" => true,
        "down" => false,
        _ => {
            return overview_page(
                &s,
                &c,
                OverviewAgain {
                    message: c.tr.t("sl.err.direction").into(),
                    ..Default::default()
                },
                String::new(),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    };
    match s.services.move_policy(&c.actor(), id, up).await {
        Ok(()) => Redirect::to(&format!("{BASE}?saved=moved#policy-{id}")).into_response(),
        Err(e) => service_error_for(&c, e),
    }
}
