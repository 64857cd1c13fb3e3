//! Pages for people, console and portal alike: rendering a template, dates and times as people
//! in Vietnam write them, labels from the catalogue.
use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use hqdesk_domain::Timestamp;

use crate::i18n::Tr;

/// Render a template, or a plain 500 if rendering itself fails (a bug, logged).
pub fn render<T: Template>(status: StatusCode, t: &T) -> Response {
    match t.render() {
        Ok(html) => (status, [("cache-control", "no-store")], Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template");
            (StatusCode::INTERNAL_SERVER_ERROR, "template error").into_response()
        }
    }
}

/// A part of a page (e.g. one table row for a live update); empty if rendering fails (a bug,
/// logged).
pub fn render_part<T: Template>(t: &T) -> String {
    t.render().unwrap_or_else(|e| {
        tracing::error!(error = %e, "template part");
        String::new()
    })
}

/// Date and time in Vietnam, as people there write it.
pub fn when(t: Timestamp) -> String {
    t.to_vietnam().format("%d/%m/%Y %H:%M").to_string()
}

pub fn when_opt(t: Option<Timestamp>) -> String {
    t.map(when).unwrap_or_default()
}

/// A well-formed case number of the month of `now` (Vietnam time), as an example in
/// placeholders and messages: `HQ2612-4839203` in December 2026.
pub fn case_number_example(now: Timestamp) -> String {
    hqdesk_domain::case::CaseNumber::compose(now, 483_920)
        .as_str()
        .to_string()
}

/// The label of a stable key in the catalogue, e.g. `status.open`.
pub fn label(tr: Tr, prefix: &str, key: &str) -> String {
    let full = format!("{prefix}.{key}");
    tr.t(&full).to_string()
}

/// How far a due time is, as an agent reads it at a glance: "còn 1 giờ 20 phút" / "quá hạn 3 giờ".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Countdown {
    /// The words, in the reader's language.
    pub text: String,
    /// `ok`, `soon` (under two hours left) or `overdue`: the CSS class `due-{state}` colours it.
    pub state: &'static str,
    /// The due time itself, for the title (hover) text.
    pub at: String,
}

/// Less than this much left is shown as "soon".
const SOON_MINUTES: i64 = 120;

pub fn countdown(tr: Tr, due: Timestamp, now: Timestamp) -> Countdown {
    let minutes = (due.millis() - now.millis()).div_euclid(60_000);
    let (key, state) = match minutes {
        m if m < 0 => ("due.overdue", "overdue"),
        m if m < SOON_MINUTES => ("due.left", "soon"),
        _ => ("due.left", "ok"),
    };
    let span = duration_words(tr, minutes.unsigned_abs());
    Countdown {
        text: tr.fill(key, &[("span", &span)]),
        state,
        at: when(due),
    }
}

/// "2 ngày 3 giờ", "1 giờ 20 phút", "5 phút": the two largest units, rounded down.
pub fn duration_words(tr: Tr, minutes: u64) -> String {
    let (days, hours, mins) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
    let part = |key: &str, n: u64| tr.fill(key, &[("n", &n.to_string())]);
    match (days, hours, mins) {
        (0, 0, m) => part("due.minutes", m),
        (0, h, 0) => part("due.hours", h),
        (0, h, m) => format!("{} {}", part("due.hours", h), part("due.minutes", m)),
        (d, 0, _) => part("due.days", d),
        (d, h, _) => format!("{} {}", part("due.days", d), part("due.hours", h)),
    }
}

#[cfg(test)]
mod countdown_tests {
    use super::*;
    use crate::i18n::Locale;

    fn at(minutes: i64) -> Timestamp {
        Timestamp::from_millis(1_800_000_000_000 + minutes * 60_000)
    }

    #[test]
    fn countdowns_read_as_people_say_them() {
        let vi = Tr(Locale::Vi);
        let en = Tr(Locale::En);
        let c = countdown(vi, at(80), at(0));
        assert_eq!((c.text.as_str(), c.state), ("còn 1 giờ 20 phút", "soon"));
        let c = countdown(vi, at(-180), at(0));
        assert_eq!((c.text.as_str(), c.state), ("quá hạn 3 giờ", "overdue"));
        let c = countdown(en, at(-180), at(0));
        assert_eq!((c.text.as_str(), c.state), ("3 h overdue", "overdue"));
        let c = countdown(en, at(3 * 1440 + 125), at(0));
        assert_eq!((c.text.as_str(), c.state), ("3 d 2 h left", "ok"));
        // Half a minute late is late: the minute is rounded towards the past.
        let late = Timestamp::from_millis(at(0).millis() - 30_000);
        let c = countdown(vi, late, at(0));
        assert_eq!((c.text.as_str(), c.state), ("quá hạn 1 phút", "overdue"));
        assert_eq!(countdown(vi, at(5), at(0)).text, "còn 5 phút");
        assert_eq!(countdown(vi, at(2 * 1440), at(0)).text, "còn 2 ngày");
    }
}
