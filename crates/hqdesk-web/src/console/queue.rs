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
use super::views::{QueueNav, QueuePage, Row};
use crate::html::{countdown, label, render};
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

fn queue_filter(key: &str, actor: &Actor, now: Timestamp) -> ListCases {
    let active = vec!["new".to_string(), "open".to_string(), "waiting".to_string()];
    let mut l = ListCases {
        status: active.clone(),
        ..Default::default()
    };
    match key {
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
    Row {
        number: c.number.to_string(),
        subject: c.subject.clone(),
        kind: label(tr, "kind", c.kind.as_str()),
        status: label(tr, "status", c.status.as_str()),
        status_key: c.status.as_str().into(),
        priority: c.priority.as_str().into(),
        priority_label: label(tr, "priority", c.priority.as_str()),
        assignee: c.assignee_username.clone().unwrap_or_default(),
        due: c
            .resolution_due_at
            .filter(|_| c.status.is_active())
            .map(|d| countdown(tr, d, now)),
    }
}

#[derive(Deserialize, Default)]
pub(crate) struct QueueQuery {
    queue: Option<String>,
    q: Option<String>,
    cursor: Option<String>,
    /// A known notice key (`handed_to_task_force`), shown above the list.
    notice: Option<String>,
}

pub(crate) async fn queue(
    State(s): State<AppState>,
    c: Console,
    Query(p): Query<QueueQuery>,
) -> Response {
    let tr = c.tr;
    let actor = c.actor();
    let now = s.services.now();
    let names = super::display_names(&s.services).await;
    let q = p.q.clone().unwrap_or_default();
    let searching = !q.trim().is_empty();
    let default_queue = match actor.role() {
        Some(hqdesk_domain::user::Role::Hotline)
        | Some(hqdesk_domain::user::Role::Investigator) => "unassigned_1",
        Some(hqdesk_domain::user::Role::UnitOfficer) => "unit",
        Some(hqdesk_domain::user::Role::Supervisor) | Some(hqdesk_domain::user::Role::Admin) => {
            "all"
        }
        _ => "unassigned_2",
    };
    let key = p
        .queue
        .as_deref()
        .filter(|k| QUEUES.contains(k))
        .unwrap_or(default_queue);
    let mut filters = Vec::with_capacity(QUEUES.len());
    for k in QUEUES {
        filters.push(resolve_unit(&s, queue_filter(k, &actor, now)).await);
    }
    // Eight counts in one statement (most from the maintained tallies).
    let counts = match s.services.count_cases_many(&actor, filters).await {
        Ok(n) => n,
        Err(e) => return service_error(tr, e),
    };
    let navs: Vec<QueueNav> = QUEUES
        .into_iter()
        .zip(counts)
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
    // A search takes the list's own order: the most recent matching texts first.
    f.sort = if searching {
        None
    } else if key == "all" {
        Some("created".into())
    } else {
        Some("due".into())
    };
    f.cursor = p.cursor.clone();
    f.limit = Some(50);
    let page = match s
        .services
        .list_cases(&actor, resolve_unit(&s, f).await)
        .await
    {
        Ok(p) => p,
        Err(ServiceError::Invalid(_)) if searching => hqdesk_services::cases::CasePage {
            items: vec![],
            next_cursor: None,
            total: 0,
            total_exact: true,
        },
        Err(e) => return service_error(tr, e),
    };
    let next_url = page
        .next_cursor
        .as_ref()
        .map(|cur| {
            if searching {
                format!("/console?q={}&cursor={cur}", urlencode(&q))
            } else {
                format!("/console?queue={key}&cursor={cur}")
            }
        })
        .unwrap_or_default();
    let title = if searching {
        format!("{} “{}”", tr.t("queue.search"), q.trim())
    } else {
        label(tr, "queue", key)
    };
    render(
        StatusCode::OK,
        &QueuePage {
            tr,
            me: c.me(),
            csrf: c.csrf(),
            q,
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
                Some(key @ "handed_to_task_force") => {
                    tr.t(&format!("queue.notice.{key}")).to_string()
                }
                _ => String::new(),
            },
        },
    )
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
async fn resolve_unit(s: &AppState, mut f: ListCases) -> ListCases {
    if let Some(id) = f
        .unit
        .as_deref()
        .and_then(|u| u.strip_prefix('#'))
        .and_then(|u| u.parse::<i64>().ok())
    {
        let units = s.services.list_units(&Actor::Cli).await.unwrap_or_default();
        f.unit = units
            .into_iter()
            .find(|u| u.id == id)
            .map(|u| u.code)
            .or(Some("-".into()));
    }
    f
}

fn urlencode(s: &str) -> String {
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
    use super::group_thousands;

    #[test]
    fn capped_search_totals_group_thousands() {
        assert_eq!(group_thousands(1000, "."), "1.000");
        assert_eq!(group_thousands(1234567, ","), "1,234,567");
        assert_eq!(group_thousands(999, "."), "999");
        assert_eq!(group_thousands(0, "."), "0");
        assert_eq!(group_thousands(-1000, "."), "-1.000");
    }
}
