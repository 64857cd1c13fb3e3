//! The queues (mine, my unit, unassigned, waiting, due soon, overdue, all) and the search.
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use hqdesk_domain::Timestamp;
use hqdesk_services::cases::ListCases;
use hqdesk_services::read::CaseRecord;
use hqdesk_services::{Actor, ServiceError};
use serde::Deserialize;

use super::service_error;
use super::session::Console;
use super::views::{FilterValues, QueueNav, QueuePage, Row, SavedFilterView, SortLink};
use crate::html::{countdown, label, render, when};
use crate::i18n::Tr;
use crate::state::AppState;

const QUEUES: [&str; 8] = [
    "mine",
    "unit",
    "unassigned_1",
    "unassigned_2",
    "waiting",
    "due_soon",
    "overdue",
    "all",
];

/// The task force's own queues, first in the navigation of those who see denunciations: new
/// reports, reports awaiting acceptance (the legal clock of 7 working days running), and reports
/// whose legal deadline (acceptance or settlement) falls within [`LEGAL_DUE_SOON_HOURS`] or has
/// passed.
const TASK_FORCE_QUEUES: [&str; 3] = ["tf_new", "tf_acceptance", "tf_legal_due"];

/// "Legal deadline near": due within three days, so that a deadline falling after a weekend or a
/// holiday still shows on the last working day before it.
const LEGAL_DUE_SOON_HOURS: i64 = 72;

/// The queues `actor` works from, in the navigation's order.
fn queues_for(actor: &Actor) -> Vec<&'static str> {
    let task_force = actor
        .role()
        .is_some_and(hqdesk_domain::user::Role::sees_confidential_cases);
    let mut keys = Vec::with_capacity(QUEUES.len() + TASK_FORCE_QUEUES.len());
    if task_force {
        keys.extend(TASK_FORCE_QUEUES);
    }
    keys.extend(QUEUES);
    keys
}

fn queue_filter(key: &str, actor: &Actor, now: Timestamp) -> ListCases {
    let active = vec!["new".to_string(), "open".to_string(), "waiting".to_string()];
    let mut l = ListCases {
        status: active.clone(),
        ..Default::default()
    };
    match key {
        "tf_new" => {
            l.kind = vec!["denunciation".into()];
            l.status = vec!["new".into()];
        }
        "tf_acceptance" => l.legal = Some("acceptance".into()),
        "tf_legal_due" => {
            l.legal = Some("any".into());
            l.legal_due_before = Some(now.plus_minutes(LEGAL_DUE_SOON_HOURS * 60));
        }
        "mine" => l.assignee = Some("me".into()),
        "unit" => {
            let unit = match actor {
                Actor::User { user, .. } => user.unit_id,
                _ => None,
            };
            l.requester_id = None;
            l.unit = unit.map(|u| format!("#{u}"));
        }
        "unassigned_1" | "unassigned_2" => {
            l.unassigned = true;
            l.branch = Some(if key == "unassigned_1" { 1 } else { 2 });
            l.status = vec!["new".into(), "open".into()];
        }
        "waiting" => l.status = vec!["waiting".into()],
        "due_soon" => {
            l.status = vec!["new".into(), "open".into()];
            l.due_after = Some(now);
            l.due_before = Some(now.plus_minutes(120));
        }
        "overdue" => {
            l.status = vec!["new".into(), "open".into()];
            l.due_before = Some(now);
        }
        _ => l.status = vec![],
    }
    l
}

/// The row with its assignee's display name instead of the username.
pub(super) fn named(mut r: Row, names: &std::collections::HashMap<String, String>) -> Row {
    if let Some(n) = names.get(&r.assignee) {
        r.assignee = n.clone();
    }
    r
}

pub(super) fn row(tr: Tr, c: &CaseRecord, now: Timestamp) -> Row {
    let nearest = c.nearest_due();
    Row {
        number: c.number.to_string(),
        subject: c.subject.clone(),
        kind: label(tr, "kind", c.kind.as_str()),
        status: label(tr, "status", c.status.as_str()),
        status_key: c.status.as_str().into(),
        priority: c.priority.as_str().into(),
        priority_label: label(tr, "priority", c.priority.as_str()),
        assignee: c.assignee_username.clone().unwrap_or_default(),
        requester: c.requester_name.clone().unwrap_or_default(),
        channel: label(tr, "channel", c.channel.as_str()),
        age: age_words(tr, c.created_at, now),
        opened: when(c.created_at),
        due: nearest.map(|(d, _)| countdown(tr, d, now)),
        due_title: nearest
            .map(|(d, first)| {
                tr.fill(
                    if first {
                        "queues.due_first_response"
                    } else {
                        "queues.due_resolution"
                    },
                    &[("at", &when(d))],
                )
            })
            .unwrap_or_default(),
    }
}

/// How long ago a case was opened, in its largest unit: "5 phút", "2 giờ", "3 ngày".
pub(crate) fn age_words(tr: Tr, created: Timestamp, now: Timestamp) -> String {
    let minutes = (now.millis() - created.millis()).max(0) / 60_000;
    let (key, n) = match minutes {
        m if m < 60 => ("due.minutes", m),
        m if m < 1440 => ("due.hours", m / 60),
        m => ("due.days", m / 1440),
    };
    tr.fill(key, &[("n", &n.to_string())])
}

/// The parameters that say which list is shown, kept in every link of the page (sorting,
/// paging, the bulk actions' way back) and in saved filters.
pub(crate) const LIST_PARAMS: [&str; 9] = [
    "queue",
    "q",
    "sort",
    "channel",
    "category",
    "unit",
    "requester",
    "from",
    "to",
];

/// The columns whose header sorts the list (`sort=<column>`, `-<column>` descending).
const SORTS: [&str; 5] = ["number", "age", "due", "priority", "status"];

/// The table's columns (after the checkboxes) and their headers' catalogue keys.
const COLUMNS: [(&str, &str); 10] = [
    ("number", "col.number"),
    ("subject", "col.subject"),
    ("requester", "queues.col_requester"),
    ("channel", "col.channel"),
    ("kind", "col.kind"),
    ("status", "col.status"),
    ("priority", "col.priority"),
    ("assignee", "col.assignee"),
    ("age", "queues.col_age"),
    ("due", "col.due"),
];

#[derive(Deserialize, Default)]
pub(crate) struct QueueQuery {
    queue: Option<String>,
    q: Option<String>,
    cursor: Option<String>,
    /// A known notice key (`handed_to_task_force`), shown above the list.
    notice: Option<String>,
    sort: Option<String>,
    channel: Option<String>,
    category: Option<String>,
    unit: Option<String>,
    requester: Option<String>,
    /// Opened from / to (inclusive) these days, `YYYY-MM-DD` in Vietnam.
    from: Option<String>,
    to: Option<String>,
    /// After a bulk action: how many cases changed, and `number:reason` of those refused.
    done: Option<String>,
    refused: Option<String>,
    /// After saving (`saved`) or deleting (`deleted`) a filter.
    filter: Option<String>,
}

impl QueueQuery {
    fn param(&self, key: &str) -> Option<&str> {
        match key {
            "queue" => self.queue.as_deref(),
            "q" => self.q.as_deref(),
            "sort" => self.sort.as_deref(),
            "channel" => self.channel.as_deref(),
            "category" => self.category.as_deref(),
            "unit" => self.unit.as_deref(),
            "requester" => self.requester.as_deref(),
            "from" => self.from.as_deref(),
            "to" => self.to.as_deref(),
            _ => None,
        }
        .map(str::trim)
        .filter(|v| !v.is_empty())
    }
}

/// The list parameters of `pairs` (others dropped, empty ones too), as a query string.
pub(crate) fn list_query<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    pairs
        .into_iter()
        .filter(|(k, v)| LIST_PARAMS.contains(k) && !v.trim().is_empty())
        .map(|(k, v)| format!("{k}={}", urlencode(v.trim())))
        .collect::<Vec<_>>()
        .join("&")
}

/// A query string reduced to the list parameters (for a saved filter or the way back).
pub(crate) fn clean_list_query(raw: &str) -> String {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(raw.trim_start_matches('?')).unwrap_or_default();
    list_query(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
}

/// A day typed in a date field (`YYYY-MM-DD`), as the instant it starts in Vietnam.
fn day_start(s: &str) -> Option<Timestamp> {
    let day = chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()?;
    let start = day.and_hms_opt(0, 0, 0)?;
    let offset = chrono::FixedOffset::east_opt(7 * 3600)?;
    let t = start.and_local_timezone(offset).single()?;
    Some(Timestamp::from_millis(t.timestamp_millis()))
}

/// What the page says after a bulk action: "3 đã cập nhật, 1 bị từ chối: HQ… (không tìm thấy)".
fn bulk_banner(tr: Tr, done: u32, refused: &str) -> String {
    let refused: Vec<String> = refused
        .split(',')
        .filter_map(|item| {
            let (number, reason) = item.split_once(':')?;
            let number = hqdesk_domain::case::CaseNumber::parse(number).ok()?;
            let reason = match reason {
                r
                @ ("not_found" | "forbidden" | "invalid" | "assignee" | "target" | "conflict") => r,
                _ => return None,
            };
            Some(format!(
                "{} ({})",
                number.as_str(),
                tr.t(&format!("queues.refused.{reason}"))
            ))
        })
        .collect();
    let done_text = tr.fill("queues.bulk_done", &[("n", &done.to_string())]);
    if refused.is_empty() {
        done_text
    } else {
        format!(
            "{}, {}: {}",
            done_text,
            tr.fill("queues.bulk_refused", &[("n", &refused.len().to_string())]),
            refused.join("; ")
        )
    }
}

pub(crate) async fn queue(
    State(s): State<AppState>,
    c: Console,
    Query(p): Query<QueueQuery>,
) -> Response {
    let tr = c.tr;
    let actor = c.actor();
    // A custodian has no queue: their page is the identity requests.
    if actor.role() == Some(hqdesk_domain::user::Role::Custodian) {
        return axum::response::IntoResponse::into_response(axum::response::Redirect::to(
            "/console/identity-requests",
        ));
    }
    let now = s.services.now();
    let names = super::display_names(&s.services).await;
    let q = p.q.clone().unwrap_or_default();
    let searching = !q.trim().is_empty();
    let default_queue = match actor.role() {
        Some(hqdesk_domain::user::Role::Investigator) => "tf_new",
        Some(hqdesk_domain::user::Role::Hotline) => "unassigned_1",
        Some(hqdesk_domain::user::Role::UnitOfficer) => "unit",
        Some(hqdesk_domain::user::Role::Supervisor) | Some(hqdesk_domain::user::Role::Admin) => {
            "all"
        }
        _ => "unassigned_2",
    };
    let own_queues = queues_for(&actor);
    let key = p
        .queue
        .as_deref()
        .and_then(|k| own_queues.iter().copied().find(|q| *q == k))
        .unwrap_or(default_queue);
    let counts = match nav_counts(&s.services, &actor, now).await {
        Ok(n) => n,
        Err(e) => return service_error(tr, e),
    };
    let navs: Vec<QueueNav> = counts
        .into_iter()
        .map(|(k, count)| QueueNav {
            key: k,
            label: label(tr, "queue", k),
            count,
            active: !searching && k == key,
        })
        .collect();
    let mut f = if searching {
        ListCases {
            q: Some(q.clone()),
            ..Default::default()
        }
    } else {
        queue_filter(key, &actor, now)
    };
    // The filter form's choices narrow the queue or the search.
    let mut problems: Vec<String> = Vec::new();
    if let Some(ch) = p.param("channel") {
        f.channel = Some(ch.to_string());
    }
    if let Some(cat) = p.param("category") {
        f.category = Some(cat.to_string());
    }
    if let Some(u) = p.param("unit") {
        f.unit = Some(u.to_string());
    }
    if let Some(r) = p.param("requester") {
        f.requester = Some(r.to_string());
    }
    for (field, value) in [("from", p.param("from")), ("to", p.param("to"))] {
        let Some(value) = value else { continue };
        match day_start(value) {
            Some(t) if field == "from" => f.created_from = Some(t),
            // "To" includes the whole day.
            Some(t) => f.created_before = Some(t.plus_minutes(1440)),
            None => problems.push(tr.t("queues.invalid_date").to_string()),
        }
    }
    // The order: the column the agent chose, else the queue's own.
    let chosen_sort = p.param("sort").and_then(|s| {
        let (name, desc) = match s.strip_prefix('-') {
            Some(n) => (n, true),
            None => (s, false),
        };
        SORTS.contains(&name).then_some((name, desc))
    });
    if p.param("sort").is_some() && chosen_sort.is_none() {
        problems.push(tr.t("queues.invalid_sort").to_string());
    }
    f.sort = match chosen_sort {
        Some((name, desc)) => {
            let name = if name == "due" { "nearest_due" } else { name };
            Some(if desc {
                format!("-{name}")
            } else {
                name.to_string()
            })
        }
        // A search takes the list's own order: the most recent matching texts first.
        None if searching => None,
        None if key == "all" => Some("created".into()),
        // The other queues: the nearest pending deadline first (first response while
        // unanswered, else resolution), as the due column shows it.
        None => Some("nearest_due".into()),
    };
    f.cursor = p.cursor.clone();
    f.limit = Some(50);
    let empty_page = || hqdesk_services::cases::CasePage {
        items: vec![],
        next_cursor: None,
        total: 0,
        total_exact: true,
        sealed: Default::default(),
    };
    let page = if !problems.is_empty() {
        empty_page()
    } else {
        match s
            .services
            .list_cases(&actor, resolve_unit(&s.services, f).await)
            .await
        {
            Ok(p) => p,
            Err(ServiceError::Invalid(v)) => {
                // A search with nothing to look for is an empty list, as before.
                for e in v.0.iter().filter(|e| e.field != "q") {
                    let key = format!("queues.invalid.{}", e.field);
                    let text = tr.t(&key);
                    problems.push(if text == key {
                        tr.t("queues.invalid.other").to_string()
                    } else {
                        text.to_string()
                    });
                }
                empty_page()
            }
            Err(e) => return service_error(tr, e),
        }
    };
    // The list's parameters, as links keep them.
    let kept: Vec<(&str, &str)> = LIST_PARAMS
        .iter()
        .filter(|k| !(searching && **k == "queue"))
        .filter_map(|k| p.param(k).map(|v| (*k, v)))
        .filter(|(k, _)| *k != "queue" || own_queues.contains(&key))
        .collect();
    let current = list_query(kept.iter().copied());
    let without_sort = list_query(kept.iter().copied().filter(|(k, _)| *k != "sort"));
    let next_url = page
        .next_cursor
        .as_ref()
        .map(|cur| {
            let base = if current.is_empty() && !searching {
                format!("queue={key}")
            } else {
                current.clone()
            };
            format!("/console?{base}&cursor={cur}")
        })
        .unwrap_or_default();
    let columns: Vec<SortLink> = COLUMNS
        .iter()
        .map(|(col, label_key)| {
            let state = match chosen_sort {
                Some((name, desc)) if name == *col => Some(desc),
                _ => None,
            };
            // A click on the sorted column turns it round; on another, sorts by it ascending.
            let next = if state == Some(false) {
                format!("-{col}")
            } else {
                col.to_string()
            };
            let base = if without_sort.is_empty() && !searching {
                format!("queue={key}")
            } else {
                without_sort.clone()
            };
            SortLink {
                col,
                label: tr.t(label_key).to_string(),
                href: if SORTS.contains(col) {
                    format!("/console?{base}&sort={next}")
                } else {
                    String::new()
                },
                aria: match state {
                    Some(false) => "ascending",
                    Some(true) => "descending",
                    None => "",
                },
            }
        })
        .collect();
    let title = if searching {
        format!("{} “{}”", tr.t("queue.search"), q.trim())
    } else {
        label(tr, "queue", key)
    };
    let mut banners = Vec::new();
    if let Some(done) = p.done.as_deref().and_then(|d| d.parse::<u32>().ok()) {
        banners.push(bulk_banner(tr, done, p.refused.as_deref().unwrap_or("")));
    }
    match p.filter.as_deref() {
        Some("saved") => banners.push(tr.t("queues.filter_saved").to_string()),
        Some("deleted") => banners.push(tr.t("queues.filter_deleted").to_string()),
        _ => {}
    }
    let saved = s
        .services
        .saved_filters(&actor)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|f| SavedFilterView {
            id: f.id,
            name: f.name,
            href: format!("/console?{}", f.query),
        })
        .collect();
    let channels = hqdesk_domain::channel::Channel::ALL
        .iter()
        .map(|ch| (ch.as_str().to_string(), label(tr, "channel", ch.as_str())))
        .collect();
    let investigator = actor.role() == Some(hqdesk_domain::user::Role::Investigator);
    let categories = s
        .services
        .list_categories(&actor)
        .await
        .unwrap_or_default()
        .into_iter()
        // Denunciation categories only for those who may see denunciations.
        .filter(|k| k.active && (!k.kind.is_confidential() || investigator))
        .map(|k| {
            let name = if tr.lang() == "en" {
                k.name_en
            } else {
                k.name_vi
            };
            (k.code, name)
        })
        .collect();
    let units = s
        .services
        .list_units(&actor)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|u| (u.code.clone(), u.name.clone()))
        .collect();
    // Whom cases may be given to (the service refuses anyone who may not see a case).
    let users = s
        .services
        .list_users(&Actor::Cli)
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|u| u.active && u.role != hqdesk_domain::user::Role::Admin)
        .collect::<Vec<_>>();
    // People by their names; the user name only tells apart two people of the same name.
    let users = users
        .iter()
        .map(|u| {
            let namesakes = users
                .iter()
                .filter(|o| o.display_name == u.display_name)
                .count();
            let shown = if namesakes > 1 || u.display_name.trim().is_empty() {
                format!("{} ({})", u.display_name, u.username)
            } else {
                u.display_name.clone()
            };
            (u.username.clone(), shown)
        })
        .collect();
    let statuses = hqdesk_domain::case::Status::ALL
        .iter()
        .map(|st| (st.as_str().to_string(), label(tr, "status", st.as_str())))
        .collect();
    let filtered = ["channel", "category", "unit", "requester", "from", "to"]
        .iter()
        .any(|k| p.param(k).is_some());
    let status = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    render(
        status,
        &QueuePage {
            tr,
            me: c.me(),
            csrf: c.csrf(),
            q: q.clone(),
            recommend_2fa: c.recommend_2fa,
            title,
            queue_key: if searching {
                "search".into()
            } else {
                key.to_string()
            },
            queues: navs,
            rows: page
                .items
                .iter()
                .map(|r| named(row(tr, r, now), &names))
                .collect(),
            sealed_rows: page
                .sealed
                .items
                .iter()
                .map(|r| named(row(tr, r, now), &names))
                .collect(),
            sealed_searched: if page.sealed.searched == 0 {
                String::new()
            } else {
                tr.t("queue.sealed_searched")
                    .replace("{n}", &page.sealed.searched.to_string())
            },
            total: if page.total_exact {
                page.total.to_string()
            } else {
                format!(
                    "{}+",
                    group_thousands(page.total, tr.t("queue.thousands_separator"))
                )
            },
            total_note: if page.total_exact {
                String::new()
            } else {
                tr.t("queue.total_lower_bound").to_string()
            },
            next_url,
            notice: match p.notice.as_deref() {
                Some(key @ ("handed_to_task_force" | "sealed_for_task_force")) => {
                    tr.t(&format!("queue.notice.{key}")).to_string()
                }
                _ => String::new(),
            },
            columns,
            banners,
            problems,
            back: if current.is_empty() && !searching {
                format!("queue={key}")
            } else {
                current.clone()
            },
            filters: FilterValues {
                channel: p.param("channel").unwrap_or_default().to_string(),
                category: p.param("category").unwrap_or_default().to_string(),
                unit: p.param("unit").unwrap_or_default().to_string(),
                requester: p.param("requester").unwrap_or_default().to_string(),
                from: p.param("from").unwrap_or_default().to_string(),
                to: p.param("to").unwrap_or_default().to_string(),
                sort: p.param("sort").unwrap_or_default().to_string(),
                queue: if searching {
                    String::new()
                } else {
                    key.to_string()
                },
            },
            filtered: filtered || chosen_sort.is_some(),
            saved,
            channels,
            categories,
            units,
            users,
            statuses,
            merge_placeholder: format!("HQ{}-1234567", now.to_vietnam().format("%y%m")),
        },
    )
}

/// The navigation's count of every queue, for `actor` (only the cases they may see).
pub(crate) async fn nav_counts(
    services: &hqdesk_services::Services,
    actor: &Actor,
    now: Timestamp,
) -> Result<Vec<(&'static str, i64)>, ServiceError> {
    let keys = queues_for(actor);
    let mut filters = Vec::with_capacity(keys.len());
    for k in &keys {
        filters.push(resolve_unit(services, queue_filter(k, actor, now)).await);
    }
    // Eight counts (eleven for the task force) in one statement, most from the maintained
    // tallies.
    let counts = services.count_cases_many(actor, filters).await?;
    Ok(keys.into_iter().zip(counts).collect())
}

/// `1000` as `1.000` (Vietnamese) or `1,000` (English).
fn group_thousands(n: i64, sep: &str) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push_str(sep);
        }
        out.push(d);
    }
    if n < 0 {
        out.insert(0, '-');
    }
    out
}

/// "My unit" filters by unit id; the list API takes a code.
async fn resolve_unit(services: &hqdesk_services::Services, mut f: ListCases) -> ListCases {
    if let Some(id) = f
        .unit
        .as_deref()
        .and_then(|u| u.strip_prefix('#'))
        .and_then(|u| u.parse::<i64>().ok())
    {
        let units = services.list_units(&Actor::Cli).await.unwrap_or_default();
        f.unit = units
            .into_iter()
            .find(|u| u.id == id)
            .map(|u| u.code)
            .or(Some("-".into()));
    }
    f
}

pub(crate) fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Locale;

    #[test]
    fn list_queries_keep_only_the_list_parameters() {
        assert_eq!(
            clean_list_query("?queue=all&cursor=9.9&done=3&evil=<b>&sort=-due&q=thuế nhập"),
            "queue=all&sort=-due&q=thu%E1%BA%BF%20nh%E1%BA%ADp"
        );
        assert_eq!(clean_list_query("channel=&unit=KV8"), "unit=KV8");
        assert_eq!(clean_list_query("%%%"), "");
    }

    #[test]
    fn opening_days_start_at_midnight_in_vietnam() {
        let t = day_start("2026-12-07").unwrap();
        assert_eq!(
            t.to_vietnam().format("%Y-%m-%d %H:%M").to_string(),
            "2026-12-07 00:00"
        );
        assert!(day_start("07/12/2026").is_none());
        assert!(day_start("2026-02-30").is_none());
    }

    #[test]
    fn bulk_banners_name_only_well_formed_numbers_and_known_reasons() {
        let vi = Tr(Locale::Vi);
        let n = hqdesk_domain::case::CaseNumber::compose(Timestamp::from_millis(0), 42);
        let text = bulk_banner(
            vi,
            3,
            &format!("{n}:not_found,<script>:not_found,{n}:made_up"),
        );
        assert_eq!(
            text,
            format!("3 hồ sơ đã cập nhật, 1 bị từ chối: {n} (không tìm thấy)")
        );
        assert_eq!(bulk_banner(Tr(Locale::En), 2, ""), "2 updated");
    }

    #[test]
    fn ages_read_in_their_largest_unit() {
        let en = Tr(Locale::En);
        let t0 = Timestamp::from_millis(1_800_000_000_000);
        assert_eq!(age_words(en, t0, t0.plus_minutes(5)), "5 min");
        assert_eq!(age_words(en, t0, t0.plus_minutes(125)), "2 h");
        assert_eq!(age_words(en, t0, t0.plus_minutes(3 * 1440 + 60)), "3 d");
        assert_eq!(age_words(Tr(Locale::Vi), t0, t0.plus_minutes(180)), "3 giờ");
    }

    #[test]
    fn capped_search_totals_group_thousands() {
        assert_eq!(group_thousands(1000, "."), "1.000");
        assert_eq!(group_thousands(1234567, ","), "1,234,567");
        assert_eq!(group_thousands(999, "."), "999");
        assert_eq!(group_thousands(0, "."), "0");
        assert_eq!(group_thousands(-1000, "."), "-1.000");
    }
}
