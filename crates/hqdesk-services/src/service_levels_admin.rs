//! What supervisors and administrators change of the service levels from the console: working
//! calendars (weekly hours, whether public holidays count, one year's edits as the government's
//! notice sets them), the service-level policies in their order with their escalation ladders,
//! and the legal deadlines' rules. Every change is one transaction with its audit entry (with
//! the reason when one is given); a change of a calendar or of one of its years also enqueues
//! the `sla.recompute` job for that calendar in the same transaction — the request itself never
//! touches a case.
use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate};
use hqdesk_domain::access::Action;
use hqdesk_domain::calendar::{NamedDay, WeeklyHours, YearRules, FIRST_YEAR, LAST_YEAR};
use hqdesk_domain::case::{Branch, CaseKind, Priority};
use hqdesk_domain::channel::Channel;
use hqdesk_domain::sla::{Amount, ClockKind, Conditions, LadderStep, Policy, StepAction, Targets};
use hqdesk_domain::{input, text, FieldError, InvalidValue, ValidationErrors};
use hqdesk_store::{calendars, categories, jobs, legal_rules, sla_policies, units, Store};
use serde_json::json;

pub use hqdesk_store::calendars::StoredCalendar;
pub use hqdesk_store::legal_rules::LegalRule;

use crate::audit::record as audit;
use crate::staff_admin::MAX_REASON_CHARS;
use crate::{Actor, ServiceError, Services};

/// The job that recomputes the due times of the open cases' clocks on a calendar.
pub const RECOMPUTE_JOB: &str = "sla.recompute";
/// The longest calendar name.
pub const MAX_CALENDAR_NAME: usize = 40;
/// The longest policy name.
pub const MAX_POLICY_NAME: usize = 100;
/// The most Tết days a year's notice may give.
pub const MAX_TET_DAYS: u8 = 15;
/// The largest percent of a ladder step.
pub const MAX_STEP_PERCENT: u32 = 1000;
/// The most extensions a legal rule may allow.
pub const MAX_EXTENSIONS: i64 = 10;
/// The largest target, in hours (a year).
const MAX_TARGET_HOURS: i64 = 8784;

fn field(field: &str, code: &'static str, message: impl Into<String>) -> FieldError {
    FieldError {
        field: field.to_string(),
        code,
        message: message.into(),
    }
}

/// An optional reason for the audit log: empty gives `None`; at most [`MAX_REASON_CHARS`].
fn optional_reason(reason: &str, errors: &mut ValidationErrors) -> Option<String> {
    let r = text::normalize_input(reason.trim());
    if r.is_empty() {
        return None;
    }
    if r.chars().count() > MAX_REASON_CHARS {
        errors.push(field(
            "reason",
            "reason_too_long",
            format!("a reason has at most {MAX_REASON_CHARS} characters"),
        ));
        return None;
    }
    if let Err(e) = input::check_field("reason", &r) {
        errors.push(e);
        return None;
    }
    Some(r)
}

/// A calendar's name: 1–40 of lowercase letters, digits, `-` and `_`.
pub fn parse_calendar_name(name: &str) -> Result<String, InvalidValue> {
    let n = name.trim();
    if n.is_empty() {
        return Err(InvalidValue::new(
            "calendar_name_required",
            "give the calendar a name",
        ));
    }
    if n.chars().count() > MAX_CALENDAR_NAME
        || !n
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
    {
        return Err(InvalidValue::new(
            "calendar_name_invalid",
            format!(
                "a calendar's name has 1 to {MAX_CALENDAR_NAME} lowercase letters, digits, '-' \
                 or '_'"
            ),
        ));
    }
    Ok(n.to_string())
}

/// A year the calendars are computed for (1900–2199).
pub fn parse_year(year: &str) -> Result<i32, InvalidValue> {
    let out_of_range = || {
        InvalidValue::new(
            "year_out_of_range",
            format!("a year from {FIRST_YEAR} to {LAST_YEAR}"),
        )
    };
    let y: i32 = year.trim().parse().map_err(|_| out_of_range())?;
    if !(FIRST_YEAR..=LAST_YEAR).contains(&y) {
        return Err(out_of_range());
    }
    Ok(y)
}

fn parse_date(s: &str) -> Result<NaiveDate, InvalidValue> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| {
        InvalidValue::new(
            "date_invalid",
            format!("{:?} is not a date written YYYY-MM-DD", s.trim()),
        )
    })
}

fn date_in_year(s: &str, year: i32) -> Result<NaiveDate, InvalidValue> {
    let d = parse_date(s)?;
    if d.year() != year {
        return Err(InvalidValue::new(
            "date_outside_year",
            format!("{d} is not in {year}"),
        ));
    }
    Ok(d)
}

/// One year's edits as the form gives them.
#[derive(Debug, Clone, Default)]
pub struct YearForm {
    /// `YYYY-MM-DD` or empty (the default: the last day of the lunar year).
    pub tet_start: String,
    /// A number of days or empty (the default, 5).
    pub tet_days: String,
    /// `""` (the default, 1 September), `"1"` or `"3"` (the day of September), or a date.
    pub national_day_extra: String,
    /// One per line: `YYYY-MM-DD name`.
    pub days_off: String,
    /// One per line: `YYYY-MM-DD name`.
    pub working_days: String,
}

/// Lines `YYYY-MM-DD name` (blank lines ignored) of `field`, each dated in `year` and named;
/// an error's field is `field[n]` with `n` the line's number from 1.
fn parse_named_days(
    text: &str,
    field_name: &str,
    year: i32,
    errors: &mut ValidationErrors,
) -> Vec<NamedDay> {
    let mut out: Vec<NamedDay> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = text::normalize_input(line.trim());
        if line.is_empty() {
            continue;
        }
        let at = format!("{field_name}[{}]", i + 1);
        let (date, name) = match line.split_once(char::is_whitespace) {
            Some((d, n)) => (d, n.trim()),
            None => (line.as_str(), ""),
        };
        let date = match date_in_year(date, year) {
            Ok(d) => d,
            Err(e) => {
                errors.push(e.at(at));
                continue;
            }
        };
        if name.is_empty() {
            errors.push(field(
                &at,
                "day_name_required",
                format!("name the day {date} after its date"),
            ));
            continue;
        }
        if name.chars().count() > 200 {
            errors.push(field(
                &at,
                "day_name_too_long",
                "a day's name has at most 200 characters",
            ));
            continue;
        }
        if let Err(e) = input::check_field(&at, name) {
            errors.push(e);
            continue;
        }
        if out.iter().any(|d| d.date == date) {
            errors.push(field(
                &at,
                "day_repeated",
                format!("{date} is listed twice"),
            ));
            continue;
        }
        out.push(NamedDay {
            date,
            name: name.to_string(),
        });
    }
    out.sort_by_key(|d| d.date);
    out
}

/// A year's edits from the form, validated: dates inside `year`, Tết 1–15 days, the day next to
/// 2 September the 1st or the 3rd, a make-up working day never also a day off.
pub fn parse_year_rules(year: i32, f: &YearForm) -> Result<YearRules, ValidationErrors> {
    let mut errors = ValidationErrors::new();
    let tet_start = if f.tet_start.trim().is_empty() {
        None
    } else {
        errors.check("tet_start", date_in_year(&f.tet_start, year))
    };
    let tet_days = match f.tet_days.trim() {
        "" => None,
        t => match t.parse::<u8>() {
            Ok(n) if (1..=MAX_TET_DAYS).contains(&n) => Some(n),
            _ => {
                errors.push(field(
                    "tet_days",
                    "tet_days_invalid",
                    format!("Tết lasts 1 to {MAX_TET_DAYS} days"),
                ));
                None
            }
        },
    };
    let extra = f.national_day_extra.trim();
    let national_day_extra = match extra {
        "" => None,
        "1" | "3" => NaiveDate::from_ymd_opt(year, 9, if extra == "1" { 1 } else { 3 }),
        other => match date_in_year(other, year) {
            Ok(d) if d.month() == 9 && (d.day() == 1 || d.day() == 3) => Some(d),
            _ => {
                errors.push(field(
                    "national_day_extra",
                    "national_day_extra_invalid",
                    "the day next to 2 September is 1 or 3 September",
                ));
                None
            }
        },
    };
    let days_off = parse_named_days(&f.days_off, "days_off", year, &mut errors);
    let working_days = parse_named_days(&f.working_days, "working_days", year, &mut errors);
    for (i, w) in working_days.iter().enumerate() {
        if days_off.iter().any(|d| d.date == w.date) {
            // The line number is not kept after sorting: name the date instead.
            let _ = i;
            errors.push(field(
                "working_days",
                "working_day_is_day_off",
                format!("{} is both a day off and a make-up working day", w.date),
            ));
        }
    }
    errors.into_result()?;
    Ok(YearRules {
        tet_start,
        tet_days,
        national_day_extra,
        days_off,
        working_days,
    })
}

/// A calendar as the form gives it.
#[derive(Debug, Clone, Default)]
pub struct CalendarForm {
    pub name: String,
    /// [`WeeklyHours::to_text`]'s form.
    pub weekly_hours: String,
    pub public_holidays: bool,
    pub reason: String,
}

/// A target as the form gives it: hours and minutes, both empty for none.
#[derive(Debug, Clone, Default)]
pub struct TargetForm {
    pub hours: String,
    pub minutes: String,
}

/// A step of a ladder as the form gives it; a row with all three empty is ignored.
#[derive(Debug, Clone, Default)]
pub struct StepForm {
    pub clock: String,
    pub percent: String,
    pub action: String,
}

/// A policy as the form gives it.
#[derive(Debug, Clone, Default)]
pub struct PolicyForm {
    pub name: String,
    pub enabled: bool,
    pub kinds: Vec<String>,
    pub branches: Vec<String>,
    pub channels: Vec<String>,
    pub categories: Vec<String>,
    pub priorities: Vec<String>,
    pub units: Vec<String>,
    pub calendar: String,
    pub first_response: TargetForm,
    pub next_response: TargetForm,
    pub resolution: TargetForm,
    pub pause_while_waiting: bool,
    pub ladder: Vec<StepForm>,
    pub reason: String,
}

/// A target in minutes from hours and minutes (`None` when both are empty); more than zero.
pub fn parse_target(t: &TargetForm) -> Result<Option<i64>, InvalidValue> {
    let (h, m) = (t.hours.trim(), t.minutes.trim());
    if h.is_empty() && m.is_empty() {
        return Ok(None);
    }
    let bad = || {
        InvalidValue::new(
            "target_invalid",
            format!("hours from 0 to {MAX_TARGET_HOURS} and minutes from 0 to 59"),
        )
    };
    let hours: i64 = if h.is_empty() {
        0
    } else {
        h.parse().map_err(|_| bad())?
    };
    let minutes: i64 = if m.is_empty() {
        0
    } else {
        m.parse().map_err(|_| bad())?
    };
    if !(0..=MAX_TARGET_HOURS).contains(&hours) || !(0..=59).contains(&minutes) {
        return Err(bad());
    }
    let total = hours * 60 + minutes;
    if total == 0 {
        return Err(InvalidValue::new(
            "target_zero",
            "a target is more than zero (leave both empty for none)",
        ));
    }
    Ok(Some(total))
}

fn parse_step_action(s: &str) -> Result<StepAction, InvalidValue> {
    StepAction::ALL
        .into_iter()
        .find(|a| a.as_str() == s)
        .ok_or_else(|| {
            InvalidValue::new(
                "step_action_unknown",
                "expected notify_assignee, notify_supervisors or reassign_to_queue",
            )
        })
}

/// A legal rule's change as the form gives it.
#[derive(Debug, Clone, Default)]
pub struct LegalRuleForm {
    pub calendar: String,
    pub amount: String,
    /// `minutes`, `working_days` or `days`.
    pub amount_unit: String,
    /// Empty for no extension.
    pub extension: String,
    pub extension_unit: String,
    pub max_extensions: String,
    pub reason: String,
}

/// An amount from a number and its unit; more than zero.
pub fn parse_amount(value: &str, unit: &str) -> Result<Amount, InvalidValue> {
    let n: i64 = value
        .trim()
        .parse()
        .map_err(|_| InvalidValue::new("amount_invalid", "a whole number more than zero"))?;
    if n <= 0 || n > 100_000 {
        return Err(InvalidValue::new(
            "amount_invalid",
            "a whole number more than zero",
        ));
    }
    match unit.trim() {
        "minutes" => Ok(Amount::Minutes(n)),
        "working_days" => Ok(Amount::WorkingDays(n)),
        "days" => Ok(Amount::Days(n)),
        _ => Err(InvalidValue::new(
            "amount_unit_unknown",
            "expected minutes, working_days or days",
        )),
    }
}

impl Services {
    fn may_manage_service_levels(actor: &Actor) -> Result<(), ServiceError> {
        actor.require(Action::ManageServiceLevels, None)
    }

    /// Every calendar with its years (supervisors and administrators).
    pub async fn service_calendars(
        &self,
        actor: &Actor,
    ) -> Result<Vec<StoredCalendar>, ServiceError> {
        Self::may_manage_service_levels(actor)?;
        let mut conn = self.store().read().await?;
        Ok(calendars::list(&mut conn).await?)
    }

    /// One calendar with its years, or not found.
    pub async fn service_calendar(
        &self,
        actor: &Actor,
        name: &str,
    ) -> Result<StoredCalendar, ServiceError> {
        Self::may_manage_service_levels(actor)?;
        let mut conn = self.store().read().await?;
        calendars::get(&mut conn, name.trim())
            .await?
            .ok_or(ServiceError::NotFound)
    }

    /// Create (`create`) or change a calendar's weekly hours and holiday setting; its due times
    /// are recomputed by a job. Returns the calendar's name.
    pub async fn save_calendar(
        &self,
        actor: &Actor,
        form: &CalendarForm,
        create: bool,
    ) -> Result<String, ServiceError> {
        Self::may_manage_service_levels(actor)?;
        let mut errors = ValidationErrors::new();
        let name = errors.check("name", parse_calendar_name(&form.name));
        let weekly = errors.check("weekly_hours", WeeklyHours::parse_text(&form.weekly_hours));
        let reason = optional_reason(&form.reason, &mut errors);
        errors.into_result()?;
        let (Some(name), Some(weekly)) = (name, weekly) else {
            return Err(ServiceError::Internal("validated calendar".into()));
        };
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let existing = calendars::get(&mut tx, &name).await?;
        match (&existing, create) {
            (Some(_), true) => {
                return Err(ServiceError::invalid_field(
                    "name",
                    "calendar_exists",
                    format!("a calendar named {name} exists already"),
                ))
            }
            (None, false) => return Err(ServiceError::NotFound),
            _ => {}
        }
        calendars::save(&mut tx, &name, &weekly, form.public_holidays, now).await?;
        audit(
            &mut tx,
            now,
            actor,
            if create {
                "calendar.created"
            } else {
                "calendar.saved"
            },
            &format!("calendar:{name}"),
            json!({
                "weekly_hours": weekly.to_text(),
                "public_holidays": form.public_holidays,
                "before": existing.as_ref().map(|c| json!({
                    "weekly_hours": c.calendar.weekly.to_text(),
                    "public_holidays": c.calendar.public_holidays,
                })),
                "reason": reason,
            }),
        )
        .await?;
        enqueue_recompute(&mut tx, &name, now).await?;
        Store::commit(tx).await?;
        self.service_levels_changed();
        Ok(name)
    }

    /// Set one year's edits of a calendar (empty edits return the year to the computed
    /// defaults); its due times are recomputed by a job.
    pub async fn save_calendar_year(
        &self,
        actor: &Actor,
        name: &str,
        year: &str,
        form: &YearForm,
        reason: &str,
    ) -> Result<YearRules, ServiceError> {
        Self::may_manage_service_levels(actor)?;
        let year = parse_year(year).map_err(|e| ServiceError::invalid("year", e))?;
        let mut errors = ValidationErrors::new();
        let reason = optional_reason(reason, &mut errors);
        let rules = match parse_year_rules(year, form) {
            Ok(r) => Some(r),
            Err(v) => {
                errors.0.extend(v.0);
                None
            }
        };
        errors.into_result()?;
        let Some(rules) = rules else {
            return Err(ServiceError::Internal("validated year".into()));
        };
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let Some(cal) = calendars::get(&mut tx, name.trim()).await? else {
            return Err(ServiceError::NotFound);
        };
        let name = cal.calendar.name.clone();
        calendars::save_year(&mut tx, &name, year, &rules, now).await?;
        audit(
            &mut tx,
            now,
            actor,
            "calendar.year_saved",
            &format!("calendar:{name}"),
            json!({
                "year": year,
                "rules": rules,
                "before": cal.calendar.years.get(&year),
                "reason": reason,
            }),
        )
        .await?;
        enqueue_recompute(&mut tx, &name, now).await?;
        Store::commit(tx).await?;
        self.service_levels_changed();
        Ok(rules)
    }

    /// Delete a calendar that is not built in and that no policy, legal rule or clock uses.
    pub async fn delete_calendar(
        &self,
        actor: &Actor,
        name: &str,
        reason: &str,
    ) -> Result<(), ServiceError> {
        Self::may_manage_service_levels(actor)?;
        let mut errors = ValidationErrors::new();
        let reason = optional_reason(reason, &mut errors);
        errors.into_result()?;
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let Some(cal) = calendars::get(&mut tx, name.trim()).await? else {
            return Err(ServiceError::NotFound);
        };
        if cal.builtin {
            return Err(ServiceError::Conflict {
                code: "calendar_builtin",
                message: "a built-in calendar cannot be deleted".into(),
            });
        }
        if !calendars::delete(&mut tx, &cal.calendar.name).await? {
            return Err(ServiceError::Conflict {
                code: "calendar_in_use",
                message: "the calendar is used by a policy, a legal rule or a case's clock".into(),
            });
        }
        audit(
            &mut tx,
            now,
            actor,
            "calendar.deleted",
            &format!("calendar:{}", cal.calendar.name),
            json!({ "reason": reason }),
        )
        .await?;
        Store::commit(tx).await?;
        self.service_levels_changed();
        Ok(())
    }

    /// Every policy in the order they are tried.
    pub async fn service_policies(&self, actor: &Actor) -> Result<Vec<Policy>, ServiceError> {
        Self::may_manage_service_levels(actor)?;
        let mut conn = self.store().read().await?;
        Ok(sla_policies::list(&mut conn).await?)
    }

    pub async fn service_policy(&self, actor: &Actor, id: i64) -> Result<Policy, ServiceError> {
        Self::may_manage_service_levels(actor)?;
        let mut conn = self.store().read().await?;
        sla_policies::get(&mut conn, id)
            .await?
            .ok_or(ServiceError::NotFound)
    }

    /// Validate a policy's form against what exists (kinds, branches, channels, categories,
    /// priorities, units, calendars).
    async fn policy_from_form(
        &self,
        conn: &mut hqdesk_store::Connection,
        form: &PolicyForm,
        id: i64,
        position: i64,
    ) -> Result<(Policy, Option<String>), ServiceError> {
        let mut errors = ValidationErrors::new();
        let name = text::normalize_input(form.name.trim());
        if name.is_empty() {
            errors.push(field(
                "name",
                "policy_name_required",
                "give the policy a name",
            ));
        } else if name.chars().count() > MAX_POLICY_NAME {
            errors.push(field(
                "name",
                "policy_name_too_long",
                format!("a policy's name has at most {MAX_POLICY_NAME} characters"),
            ));
        } else if let Err(e) = input::check_field("name", &name) {
            errors.push(e);
        } else if sla_policies::list(&mut *conn)
            .await?
            .iter()
            .any(|p| p.id != id && p.name == name)
        {
            errors.push(field(
                "name",
                "policy_name_taken",
                format!("a policy named {name} exists already"),
            ));
        }
        fn each<T>(
            errors: &mut ValidationErrors,
            f: &str,
            values: &[String],
            parse: impl Fn(&str) -> Result<T, InvalidValue>,
        ) -> Vec<T> {
            let mut out = Vec::new();
            for v in values.iter().map(|v| v.trim()).filter(|v| !v.is_empty()) {
                if let Some(x) = errors.check(f, parse(v)) {
                    out.push(x);
                }
            }
            out
        }
        let kinds = each(&mut errors, "kinds", &form.kinds, CaseKind::parse);
        let branches = each(&mut errors, "branches", &form.branches, |b| {
            b.parse::<i64>()
                .map_err(|_| InvalidValue::new("branch_unknown", "branch must be 1 or 2"))
                .and_then(Branch::from_number)
        });
        let channels = each(&mut errors, "channels", &form.channels, Channel::parse);
        let priorities = each(&mut errors, "priorities", &form.priorities, Priority::parse);
        let known_categories: BTreeSet<String> = categories::list(&mut *conn)
            .await?
            .into_iter()
            .map(|c| c.code)
            .collect();
        let cats = each(&mut errors, "categories", &form.categories, |c| {
            if known_categories.contains(c) {
                Ok(c.to_string())
            } else {
                Err(InvalidValue::new(
                    "category_unknown",
                    format!("no category {c}"),
                ))
            }
        });
        let known_units: BTreeSet<String> = units::list(&mut *conn)
            .await?
            .into_iter()
            .map(|u| u.code)
            .collect();
        let unit_codes = each(&mut errors, "units", &form.units, |u| {
            if known_units.contains(u) {
                Ok(u.to_string())
            } else {
                Err(InvalidValue::new("unit_unknown", format!("no unit {u}")))
            }
        });
        let calendar = form.calendar.trim().to_string();
        if calendars::get(&mut *conn, &calendar).await?.is_none() {
            errors.push(field(
                "calendar",
                "calendar_unknown",
                "choose one of the calendars",
            ));
        }
        let targets = Targets {
            first_response_minutes: errors
                .check("first_response", parse_target(&form.first_response))
                .flatten(),
            next_response_minutes: errors
                .check("next_response", parse_target(&form.next_response))
                .flatten(),
            resolution_minutes: errors
                .check("resolution", parse_target(&form.resolution))
                .flatten(),
        };
        let mut ladder = Vec::new();
        for (i, s) in form.ladder.iter().enumerate() {
            let (c, p, a) = (s.clock.trim(), s.percent.trim(), s.action.trim());
            if c.is_empty() && p.is_empty() && a.is_empty() {
                continue;
            }
            let at = |part: &str| format!("ladder[{}].{part}", i + 1);
            let clock = match ClockKind::parse(c) {
                Ok(k) if !k.is_legal() => {
                    let target = match k {
                        ClockKind::FirstResponse => targets.first_response_minutes,
                        ClockKind::NextResponse => targets.next_response_minutes,
                        _ => targets.resolution_minutes,
                    };
                    if target.is_none() {
                        errors.push(field(
                            &at("clock"),
                            "step_clock_without_target",
                            "the policy has no target for this clock",
                        ));
                    }
                    Some(k)
                }
                _ => {
                    errors.push(field(
                        &at("clock"),
                        "step_clock_unknown",
                        "expected first_response, next_response or resolution",
                    ));
                    None
                }
            };
            let percent = match p.parse::<u32>() {
                Ok(n) if (1..=MAX_STEP_PERCENT).contains(&n) => Some(n),
                _ => {
                    errors.push(field(
                        &at("percent"),
                        "step_percent_invalid",
                        format!("a percent from 1 to {MAX_STEP_PERCENT}"),
                    ));
                    None
                }
            };
            let action = errors.check(&at("action"), parse_step_action(a));
            if let (Some(clock), Some(percent), Some(action)) = (clock, percent, action) {
                ladder.push(LadderStep {
                    clock,
                    percent,
                    action,
                });
            }
        }
        let reason = optional_reason(&form.reason, &mut errors);
        errors.into_result()?;
        Ok((
            Policy {
                id,
                name,
                position,
                enabled: form.enabled,
                conditions: Conditions {
                    kinds,
                    branches,
                    channels,
                    categories: cats,
                    priorities,
                    units: unit_codes,
                },
                calendar,
                targets,
                pause_while_waiting: form.pause_while_waiting,
                ladder,
            },
            reason,
        ))
    }

    /// Add a policy, tried after every existing one. Returns its id.
    pub async fn create_policy(
        &self,
        actor: &Actor,
        form: &PolicyForm,
    ) -> Result<i64, ServiceError> {
        Self::may_manage_service_levels(actor)?;
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let last = sla_policies::list(&mut tx)
            .await?
            .iter()
            .map(|p| p.position)
            .max()
            .unwrap_or(0);
        let (policy, reason) = self.policy_from_form(&mut tx, form, 0, last + 10).await?;
        let id = sla_policies::insert(&mut tx, &policy, now).await?;
        audit(
            &mut tx,
            now,
            actor,
            "sla_policy.created",
            &format!("sla_policy:{id}"),
            json!({ "policy": Policy { id, ..policy }, "reason": reason }),
        )
        .await?;
        Store::commit(tx).await?;
        self.service_levels_changed();
        Ok(id)
    }

    /// Change a policy (its place in the order is kept). Cases choose their policy again when
    /// they change; clocks already started keep their targets.
    pub async fn update_policy(
        &self,
        actor: &Actor,
        id: i64,
        form: &PolicyForm,
    ) -> Result<(), ServiceError> {
        Self::may_manage_service_levels(actor)?;
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let Some(before) = sla_policies::get(&mut tx, id).await? else {
            return Err(ServiceError::NotFound);
        };
        let (policy, reason) = self
            .policy_from_form(&mut tx, form, id, before.position)
            .await?;
        sla_policies::update(&mut tx, &policy, now).await?;
        audit(
            &mut tx,
            now,
            actor,
            "sla_policy.updated",
            &format!("sla_policy:{id}"),
            json!({ "policy": policy, "before": before, "reason": reason }),
        )
        .await?;
        Store::commit(tx).await?;
        self.service_levels_changed();
        Ok(())
    }

    /// Delete a policy; the clocks it started keep running on their own values.
    pub async fn delete_policy(
        &self,
        actor: &Actor,
        id: i64,
        reason: &str,
    ) -> Result<(), ServiceError> {
        Self::may_manage_service_levels(actor)?;
        let mut errors = ValidationErrors::new();
        let reason = optional_reason(reason, &mut errors);
        errors.into_result()?;
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let Some(before) = sla_policies::get(&mut tx, id).await? else {
            return Err(ServiceError::NotFound);
        };
        sla_policies::delete(&mut tx, id).await?;
        audit(
            &mut tx,
            now,
            actor,
            "sla_policy.deleted",
            &format!("sla_policy:{id}"),
            json!({ "before": before, "reason": reason }),
        )
        .await?;
        Store::commit(tx).await?;
        self.service_levels_changed();
        Ok(())
    }

    /// Move a policy one place up (tried earlier) or down; the order is renumbered 10, 20, …
    pub async fn move_policy(&self, actor: &Actor, id: i64, up: bool) -> Result<(), ServiceError> {
        Self::may_manage_service_levels(actor)?;
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let mut list = sla_policies::list(&mut tx).await?;
        let Some(i) = list.iter().position(|p| p.id == id) else {
            return Err(ServiceError::NotFound);
        };
        let j = if up {
            i.checked_sub(1)
        } else {
            Some(i + 1).filter(|j| *j < list.len())
        };
        if let Some(j) = j {
            list.swap(i, j);
            for (n, p) in list.iter_mut().enumerate() {
                let position = (n as i64 + 1) * 10;
                if p.position != position {
                    p.position = position;
                    sla_policies::update(&mut tx, p, now).await?;
                }
            }
            audit(
                &mut tx,
                now,
                actor,
                "sla_policy.moved",
                &format!("sla_policy:{id}"),
                json!({
                    "direction": if up { "up" } else { "down" },
                    "order": list.iter().map(|p| p.id).collect::<Vec<_>>(),
                }),
            )
            .await?;
        }
        Store::commit(tx).await?;
        self.service_levels_changed();
        Ok(())
    }

    /// The legal deadlines' rules.
    pub async fn legal_rules(&self, actor: &Actor) -> Result<Vec<LegalRule>, ServiceError> {
        Self::may_manage_service_levels(actor)?;
        let mut conn = self.store().read().await?;
        Ok(legal_rules::list(&mut conn).await?)
    }

    /// Change a legal rule's calendar, amount, extension and maximum number of extensions.
    /// Clocks already started keep their amount.
    pub async fn update_legal_rule(
        &self,
        actor: &Actor,
        kind: &str,
        clock: &str,
        form: &LegalRuleForm,
    ) -> Result<(), ServiceError> {
        Self::may_manage_service_levels(actor)?;
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let Some(before) = legal_rules::list(&mut tx)
            .await?
            .into_iter()
            .find(|r| r.kind.as_str() == kind && r.clock.as_str() == clock)
        else {
            return Err(ServiceError::NotFound);
        };
        let mut errors = ValidationErrors::new();
        let calendar = form.calendar.trim().to_string();
        if calendars::get(&mut tx, &calendar).await?.is_none() {
            errors.push(field(
                "calendar",
                "calendar_unknown",
                "choose one of the calendars",
            ));
        }
        let amount = errors.check("amount", parse_amount(&form.amount, &form.amount_unit));
        let extension = if form.extension.trim().is_empty() {
            None
        } else {
            errors.check(
                "extension",
                parse_amount(&form.extension, &form.extension_unit),
            )
        };
        let max_extensions = match form.max_extensions.trim() {
            "" => Some(0),
            m => match m.parse::<i64>() {
                Ok(n) if (0..=MAX_EXTENSIONS).contains(&n) => Some(n),
                _ => {
                    errors.push(field(
                        "max_extensions",
                        "max_extensions_invalid",
                        format!("from 0 to {MAX_EXTENSIONS}"),
                    ));
                    None
                }
            },
        };
        if extension.is_none() && max_extensions.is_some_and(|m| m > 0) && errors.is_empty() {
            errors.push(field(
                "extension",
                "extension_required",
                "give the extension when extensions are allowed",
            ));
        }
        let reason = optional_reason(&form.reason, &mut errors);
        errors.into_result()?;
        let (Some(amount), Some(max_extensions)) = (amount, max_extensions) else {
            return Err(ServiceError::Internal("validated legal rule".into()));
        };
        let rule = LegalRule {
            kind: before.kind,
            clock: before.clock,
            calendar,
            amount,
            extension,
            max_extensions,
        };
        legal_rules::save(&mut tx, &rule, now).await?;
        audit(
            &mut tx,
            now,
            actor,
            "legal_rule.updated",
            &format!("legal_rule:{}/{}", rule.kind.as_str(), rule.clock.as_str()),
            json!({
                "calendar": rule.calendar,
                "amount": rule.amount,
                "extension": rule.extension,
                "max_extensions": rule.max_extensions,
                "before": {
                    "calendar": before.calendar,
                    "amount": before.amount,
                    "extension": before.extension,
                    "max_extensions": before.max_extensions,
                },
                "reason": reason,
            }),
        )
        .await?;
        Store::commit(tx).await?;
        self.service_levels_changed();
        Ok(())
    }

    /// Calendars, policies or legal rules changed: a hook for whatever keeps them in memory (the
    /// `clocks` part's cache of policies and calendars, if it has one) to forget them.
    fn service_levels_changed(&self) {}
}

/// The `sla.recompute` job for `calendar`, in the caller's transaction (no dedup key: every
/// change gets its run, the handler is idempotent).
async fn enqueue_recompute(
    conn: &mut hqdesk_store::Connection,
    calendar: &str,
    now: hqdesk_domain::Timestamp,
) -> Result<(), ServiceError> {
    jobs::enqueue(
        conn,
        &jobs::NewJob {
            kind: RECOMPUTE_JOB,
            payload: json!({ "calendar": calendar }).to_string(),
            dedup_key: None,
            run_at: now,
            max_attempts: 10,
        },
        now,
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn calendar_names_are_lowercase_words() {
        assert_eq!(parse_calendar_name(" hq-office_2 ").unwrap(), "hq-office_2");
        for bad in ["", "Office", "văn-phòng", "a b", &"x".repeat(41)] {
            assert!(parse_calendar_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn years_from_1900_to_2199() {
        assert_eq!(parse_year("2027").unwrap(), 2027);
        assert_eq!(parse_year("1900").unwrap(), 1900);
        assert_eq!(parse_year("2199").unwrap(), 2199);
        for bad in ["1899", "2200", "", "năm"] {
            assert_eq!(parse_year(bad).unwrap_err().code, "year_out_of_range");
        }
    }

    #[test]
    fn a_year_form_becomes_year_rules() {
        let f = YearForm {
            tet_start: "2027-02-05".into(),
            tet_days: "7".into(),
            national_day_extra: "3".into(),
            days_off: "2027-04-29 Nghỉ bù\n\n2027-01-02   Nghỉ hoán đổi".into(),
            working_days: "2027-04-24 Làm bù cho 29/4".into(),
        };
        let r = parse_year_rules(2027, &f).unwrap();
        assert_eq!(r.tet_start, Some(d(2027, 2, 5)));
        assert_eq!(r.tet_days, Some(7));
        assert_eq!(r.national_day_extra, Some(d(2027, 9, 3)));
        // Sorted by date.
        assert_eq!(
            r.days_off,
            vec![
                NamedDay {
                    date: d(2027, 1, 2),
                    name: "Nghỉ hoán đổi".into()
                },
                NamedDay {
                    date: d(2027, 4, 29),
                    name: "Nghỉ bù".into()
                },
            ]
        );
        assert_eq!(r.working_days[0].date, d(2027, 4, 24));
        assert_eq!(
            parse_year_rules(2027, &YearForm::default()).unwrap(),
            YearRules::default()
        );
    }

    #[test]
    fn a_bad_year_form_names_every_field() {
        let f = YearForm {
            tet_start: "2028-01-25".into(),
            tet_days: "0".into(),
            national_day_extra: "2".into(),
            days_off: "2027-04-29 Nghỉ\n2027-13-01 Sai\n2027-05-03".into(),
            working_days: "2027-04-29 Làm bù".into(),
        };
        let e = parse_year_rules(2027, &f).unwrap_err();
        let got: Vec<(&str, &str)> = e.0.iter().map(|f| (f.field.as_str(), f.code)).collect();
        assert_eq!(
            got,
            vec![
                ("tet_start", "date_outside_year"),
                ("tet_days", "tet_days_invalid"),
                ("national_day_extra", "national_day_extra_invalid"),
                ("days_off[2]", "date_invalid"),
                ("days_off[3]", "day_name_required"),
                ("working_days", "working_day_is_day_off"),
            ]
        );
    }

    #[test]
    fn targets_and_amounts() {
        let t = |h: &str, m: &str| {
            parse_target(&TargetForm {
                hours: h.into(),
                minutes: m.into(),
            })
        };
        assert_eq!(t("", "").unwrap(), None);
        // 2 h 30 min = 2 × 60 + 30 = 150 minutes.
        assert_eq!(t("2", "30").unwrap(), Some(150));
        assert_eq!(t("", "45").unwrap(), Some(45));
        assert_eq!(t("0", "0").unwrap_err().code, "target_zero");
        assert_eq!(t("-1", "").unwrap_err().code, "target_invalid");
        assert_eq!(t("1", "60").unwrap_err().code, "target_invalid");
        assert_eq!(
            parse_amount("7", "working_days").unwrap(),
            Amount::WorkingDays(7)
        );
        assert_eq!(
            parse_amount("-3", "days").unwrap_err().code,
            "amount_invalid"
        );
        assert_eq!(
            parse_amount("3", "weeks").unwrap_err().code,
            "amount_unit_unknown"
        );
    }
}
