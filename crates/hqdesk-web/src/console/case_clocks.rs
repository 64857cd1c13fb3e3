//! The case page's "Service levels" panel: each clock of the case (first response, next
//! response, resolution, and the legal deadlines of a denunciation) with its due time as a
//! countdown, its state (running, paused and why, met, breached) and its calendar. The clocks
//! come from `Services::case_clocks`, which checks access like reading the case.
use axum::extract::{Path, State};
use axum::response::Response;
use hqdesk_domain::sla::{ClockKind, ClockStatus};
use hqdesk_domain::Timestamp;
use hqdesk_services::{Actor, ServiceError};
use serde::Deserialize;

use super::after_form;
use super::case::case_page_with;
use super::session::Console;
use crate::csrf::{token_in_csrf_field, CsrfForm};
use crate::html::{countdown, when};
use crate::i18n::Tr;
use crate::state::AppState;

/// One clock as the panel shows it.
pub struct ClockView {
    /// `first_response` … (the row's `data-clock`).
    pub key: &'static str,
    pub label: String,
    pub legal: bool,
    pub calendar: String,
    /// The countdown or the due time in words.
    pub due_text: String,
    /// `ok`, `soon`, `overdue` while running; `done` otherwise (CSS `due-{state}`).
    pub due_state: &'static str,
    /// The due time itself (hover text), empty when there is none.
    pub due_at: String,
    /// `running`, `paused`, `met`, `breached` (the row's `data-state`).
    pub state: &'static str,
    pub state_text: String,
    pub extensions: i64,
    /// The legal steps offered on this clock (for those who may change the case):
    /// accept (acceptance), extend (settlement), suspend or resume (either, unmet).
    pub can_accept: bool,
    pub can_extend: bool,
    pub can_suspend: bool,
    pub can_resume: bool,
}

/// The case's clocks, in the order of [`ClockKind::ALL`], or an empty list when the case has
/// none (a case created before service levels, or one no policy matched).
pub(crate) async fn clocks_of(
    s: &AppState,
    actor: &Actor,
    number: &str,
) -> Result<Vec<ClockStatus>, ServiceError> {
    s.services.case_clocks(actor, number).await
}

pub(crate) fn clock_views(tr: Tr, clocks: &[ClockStatus], now: Timestamp) -> Vec<ClockView> {
    let mut sorted: Vec<&ClockStatus> = clocks.iter().collect();
    sorted.sort_by_key(|c| c.kind);
    sorted.into_iter().map(|c| clock_view(tr, c, now)).collect()
}

fn clock_view(tr: Tr, c: &ClockStatus, now: Timestamp) -> ClockView {
    let (due_text, due_state, due_at) = match c.due_at {
        None => (
            tr.t("clk.no_due_while_paused").into(),
            "done",
            String::new(),
        ),
        Some(due) if c.met_at.is_none() && !c.paused => {
            let cd = countdown(tr, due, now);
            (cd.text, cd.state, cd.at)
        }
        Some(due) => (when(due), "done", when(due)),
    };
    let (state, state_text) = if let Some(met) = c.met_at {
        if c.breached {
            ("breached", tr.fill("clk.met_late", &[("at", &when(met))]))
        } else {
            ("met", tr.fill("clk.met", &[("at", &when(met))]))
        }
    } else if c.paused {
        // The reason is an i18n key of the services (`sla.pause.waiting` …).
        let why = c
            .pause_reason
            .as_deref()
            .map(|r| {
                tr.lookup(r)
                    .map(str::to_string)
                    .unwrap_or_else(|| r.to_string())
            })
            .unwrap_or_default();
        (
            "paused",
            if why.is_empty() {
                tr.t("clk.paused").to_string()
            } else {
                tr.fill("clk.paused_because", &[("why", &why)])
            },
        )
    } else if c.breached {
        ("breached", tr.t("clk.breached").into())
    } else {
        ("running", tr.t("clk.running").into())
    };
    ClockView {
        key: c.kind.as_str(),
        label: tr.t(&format!("sl.clock.{}", c.kind.as_str())).into(),
        legal: c.kind.is_legal(),
        calendar: c.calendar.clone(),
        due_text,
        due_state,
        due_at,
        state,
        state_text,
        extensions: if c.kind == ClockKind::LegalSettlement {
            c.extensions
        } else {
            0
        },
        can_accept: c.kind == ClockKind::LegalAcceptance && c.met_at.is_none(),
        can_extend: c.kind == ClockKind::LegalSettlement && c.met_at.is_none() && !c.paused,
        can_suspend: c.kind.is_legal() && c.met_at.is_none() && !c.paused,
        can_resume: c.kind.is_legal() && c.met_at.is_none() && c.paused,
    }
}

// --- The legal steps of a denunciation ---------------------------------------------------------

#[derive(Deserialize)]
pub(crate) struct LegalForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
}

token_in_csrf_field!(LegalForm);

async fn after_legal_step(
    s: &AppState,
    c: &Console,
    number: &str,
    r: Result<Vec<ClockStatus>, ServiceError>,
) -> Response {
    after_form(
        c.tr,
        r,
        |_| format!("/console/cases/{number}#case-clocks"),
        |message, status| case_page_with(s, c, number, message, status),
    )
    .await
}

/// Accept ("thụ lý") a denunciation: meets its acceptance deadline, starts its settlement.
pub(crate) async fn legal_accept(
    State(s): State<AppState>,
    c: Console,
    Path(number): Path<String>,
    CsrfForm(_f): CsrfForm<LegalForm>,
) -> Response {
    let r = s.services.legal_accept(&c.actor(), &number).await;
    after_legal_step(&s, &c, &number, r).await
}

/// Extend the settlement deadline, with the reason.
pub(crate) async fn legal_extend(
    State(s): State<AppState>,
    c: Console,
    Path(number): Path<String>,
    CsrfForm(f): CsrfForm<LegalForm>,
) -> Response {
    let r = s
        .services
        .legal_extend(&c.actor(), &number, &f.reason)
        .await;
    after_legal_step(&s, &c, &number, r).await
}

/// Suspend a legal deadline (the time is not counted), with the reason.
pub(crate) async fn legal_suspend(
    State(s): State<AppState>,
    c: Console,
    Path((number, clock)): Path<(String, String)>,
    CsrfForm(f): CsrfForm<LegalForm>,
) -> Response {
    let r = s
        .services
        .legal_suspend(&c.actor(), &number, &clock, &f.reason)
        .await;
    after_legal_step(&s, &c, &number, r).await
}

/// Resume a suspended legal deadline, with the reason.
pub(crate) async fn legal_resume(
    State(s): State<AppState>,
    c: Console,
    Path((number, clock)): Path<(String, String)>,
    CsrfForm(f): CsrfForm<LegalForm>,
) -> Response {
    let r = s
        .services
        .legal_resume(&c.actor(), &number, &clock, &f.reason)
        .await;
    after_legal_step(&s, &c, &number, r).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Locale;

    const NOW: i64 = 1_800_000_000_000;

    fn clock(kind: ClockKind) -> ClockStatus {
        ClockStatus {
            kind,
            calendar: "office".into(),
            started_at: Timestamp::from_millis(NOW - 3_600_000),
            due_at: Some(Timestamp::from_millis(NOW + 80 * 60_000)),
            met_at: None,
            paused: false,
            pause_reason: None,
            breached: false,
            extensions: 0,
        }
    }

    #[test]
    fn each_state_reads_as_people_say_it() {
        let now = Timestamp::from_millis(NOW);
        let en = Tr(Locale::En);
        let running = clock(ClockKind::Resolution);
        let paused = ClockStatus {
            paused: true,
            due_at: None,
            pause_reason: Some("sla.pause.waiting".into()),
            ..clock(ClockKind::FirstResponse)
        };
        let met = ClockStatus {
            met_at: Some(Timestamp::from_millis(NOW - 60_000)),
            ..clock(ClockKind::LegalAcceptance)
        };
        let late = ClockStatus {
            due_at: Some(Timestamp::from_millis(NOW - 120 * 60_000)),
            breached: true,
            ..clock(ClockKind::LegalSettlement)
        };
        let v = clock_views(en, &[late, met, running, paused], now);
        // Sorted as ClockKind::ALL: first response, resolution, acceptance, settlement.
        let keys: Vec<&str> = v.iter().map(|c| c.key).collect();
        assert_eq!(
            keys,
            [
                "first_response",
                "resolution",
                "legal_acceptance",
                "legal_settlement"
            ]
        );
        assert_eq!(v[0].state, "paused");
        assert_eq!(v[0].state_text, "Paused: Waiting for the requester");
        // Due in 80 minutes: "1 h 20 min left", under two hours so "soon".
        assert_eq!(
            (v[1].due_text.as_str(), v[1].due_state),
            ("1 h 20 min left", "soon")
        );
        assert_eq!(v[1].state, "running");
        assert_eq!(v[2].state, "met");
        assert!(v[2].legal);
        // Two hours past due and not met: "2 h overdue".
        assert_eq!(
            (v[3].due_text.as_str(), v[3].state),
            ("2 h overdue", "breached")
        );
    }
}
