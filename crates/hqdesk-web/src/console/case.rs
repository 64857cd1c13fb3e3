//! A case's page: its head, people, timeline, related cases, and the forms an agent may use;
//! and the download of its attachments.
use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use hqdesk_domain::case::timeline::EntryKind;
use hqdesk_domain::case::{Priority, Status};
use hqdesk_services::cases::{CaseView, ListCases};
use hqdesk_services::Actor;
use serde::Deserialize;

use super::service_error_for;
use super::session::Console;
use super::views::{
    human_size, AttachmentView, CaseHead, CasePage, DueView, EntryView, NamedView, RatingView,
    StatusChoice, SuggestedView, SuggestionItem,
};
use crate::html::{countdown, label, render, when};
use crate::i18n::Tr;
use crate::state::AppState;

#[derive(Deserialize, Default)]
pub(crate) struct CaseQuery {
    canned: Option<i64>,
}

pub(crate) async fn case_page(
    State(s): State<AppState>,
    c: Console,
    Path(number): Path<String>,
    Query(cq): Query<CaseQuery>,
) -> Response {
    case_page_full(&s, &c, &number, String::new(), StatusCode::OK, cq.canned).await
}

pub(super) async fn case_page_with(
    s: &AppState,
    c: &Console,
    number: &str,
    message: String,
    status: StatusCode,
) -> Response {
    case_page_full(s, c, number, message, status, None).await
}

async fn case_page_full(
    s: &AppState,
    c: &Console,
    number: &str,
    message: String,
    status: StatusCode,
    canned_id: Option<i64>,
) -> Response {
    let tr = c.tr;
    let actor = c.actor();
    let view: CaseView = match s.services.get_case(&actor, number).await {
        Ok(v) => v,
        Err(e) => return service_error_for(c, e),
    };
    let timeline = match s
        .services
        .list_timeline(&actor, number, true, None, Some(1000))
        .await
    {
        Ok(t) => t,
        Err(e) => return service_error_for(c, e),
    };
    let case = &view.case;
    let can_write = actor
        .require(hqdesk_domain::access::Action::Reply, Some(&case.facts()))
        .is_ok();
    let can_forward = actor
        .require(
            hqdesk_domain::access::Action::ForwardRedacted,
            Some(&case.facts()),
        )
        .is_ok();
    let names = Names::load(s, &actor, tr).await;
    let mut person = Vec::new();
    let mut earlier = Vec::new();
    // The requester's other cases: never for an anonymous reporter (there is no one to link),
    // nor on a confidential case (a reporter's other cases would say who they are); the list
    // holds only cases the reader may see (the same scope as the queues).
    let show_earlier = view.requester.is_some() && !case.confidential;
    if let Some(r) = &view.requester {
        person.push((tr.t("casepage.person.name").to_string(), r.name.clone()));
        for (k, v) in [
            ("casepage.person.business", &r.business_name),
            ("casepage.person.tax_code", &r.tax_code),
            ("casepage.person.email", &r.email),
            ("casepage.person.phone", &r.phone),
        ] {
            if let Some(v) = v {
                person.push((tr.t(k).to_string(), v.clone()));
            }
        }
    }
    if let Some(r) = view.requester.as_ref().filter(|_| show_earlier) {
        if let Ok(p) = s
            .services
            .list_cases(
                &actor,
                ListCases {
                    requester_id: Some(r.id),
                    limit: Some(20),
                    ..Default::default()
                },
            )
            .await
        {
            earlier = p
                .items
                .iter()
                .filter(|o| o.id != case.id)
                .map(|o| {
                    (
                        o.number.to_string(),
                        o.subject.clone(),
                        label(tr, "status", o.status.as_str()),
                    )
                })
                .collect();
        }
    }
    if let Some(r) = &view.reporter {
        for (k, v) in [
            ("casepage.person.name", &r.name),
            ("casepage.person.email", &r.email),
            ("casepage.person.phone", &r.phone),
            ("casepage.person.tax_code", &r.tax_code),
        ] {
            if let Some(v) = v {
                person.push((tr.t(k).to_string(), v.clone()));
            }
        }
    }
    let (identity_sealed, identity_note, identity_can_ask) = identity_box(tr, &view, can_write);
    let atts = match s.services.case_attachments(&actor, number).await {
        Ok(a) => a,
        Err(e) => return service_error_for(c, e),
    };
    let entries = timeline
        .into_iter()
        .map(|e| EntryView {
            id: e.id,
            kind: label(tr, "entry", e.kind.as_str()),
            kind_key: e.kind.as_str().into(),
            author: e
                .author_username
                .as_deref()
                .map(|u| names.person(u))
                .unwrap_or_default(),
            at: when(e.created_at),
            body: if e.kind == EntryKind::Event {
                describe_event(tr, &names, &e.body, e.meta.as_deref())
            } else {
                e.body
            },
            attachments: atts
                .iter()
                .filter(|a| a.entry_id == e.id)
                .map(|a| AttachmentView {
                    id: a.id,
                    name: a.filename.clone(),
                    size: human_size(a.size),
                    shown: match crate::inline_type(&a.content_type) {
                        Some("application/pdf") => "pdf",
                        Some(_) => "image",
                        None => "file",
                    },
                })
                .collect(),
            delivery: e
                .delivery_state
                .map(|d| {
                    let state = label(tr, "entry.delivery", d.as_str());
                    match e.delivery_error.as_deref() {
                        Some(why) if d == hqdesk_domain::case::timeline::DeliveryState::Failed => {
                            format!("{state} ({}: {why})", tr.t("mailbox.delivery_error"))
                        }
                        _ => state,
                    }
                })
                .unwrap_or_default(),
        })
        .collect();
    let next_statuses = Status::ALL
        .into_iter()
        .filter(|n| case.status.can_become(*n))
        .map(|n| StatusChoice {
            key: n.as_str(),
            label: label(tr, "status", n.as_str()),
        })
        .collect();
    // Who the report names: shown to those who read it, and never offered as its assignee.
    let involved = if case.confidential {
        match s.services.involved(&actor, number).await {
            Ok(i) => Some(i),
            Err(e) => return service_error_for(c, e),
        }
    } else {
        None
    };
    let (units, mut users, categories) = if can_write {
        pick_lists(&names, case.confidential)
    } else {
        (vec![], vec![], vec![])
    };
    if let Some(i) = &involved {
        users.retain(|u| !i.excluded.contains(&u.0));
    }
    let named = match involved {
        Some(i) => NamedView {
            shown: true,
            officers: i.officers,
            units: i.units,
            chain: i.chain,
            unreadable: i.unreadable,
            staff: if can_write {
                names
                    .staff
                    .iter()
                    .map(|u| {
                        let shown = if u.1.trim().is_empty() {
                            u.0.clone()
                        } else {
                            format!("{} ({})", u.1, u.0)
                        };
                        (u.0.clone(), shown)
                    })
                    .collect()
            } else {
                vec![]
            },
        },
        None => NamedView::default(),
    };
    let _ = s.services.presence(&actor, case.id, Some("viewing")).await;
    let (related, merged_into) = match s.services.related_cases(&actor, number).await {
        Ok((rel, merged)) => (
            rel.iter()
                .map(|o| {
                    (
                        o.number.to_string(),
                        o.subject.clone(),
                        label(tr, "status", o.status.as_str()),
                    )
                })
                .collect(),
            merged.map(|m| m.number.to_string()).unwrap_or_default(),
        ),
        Err(e) => return service_error_for(c, e),
    };
    // Email intake: where a mail's thread was uncertain, the agent decides.
    let merge_suggestions = s
        .services
        .merge_suggestions(&actor, number)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|m| {
            (
                m.target_number,
                m.target_subject,
                label(tr, "email.suggest", &m.reason),
            )
        })
        .collect();
    let requester_name = view
        .requester
        .as_ref()
        .map(|r| r.name.clone())
        .or_else(|| view.reporter.as_ref().and_then(|r| r.name.clone()))
        .unwrap_or_default();
    let agent_name = c.me().display_name;
    let canned: Vec<(i64, String, String)> = if can_write {
        s.services
            .canned_responses(true)
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|k| {
                (
                    k.id,
                    k.title,
                    hqdesk_services::links::fill_placeholders(
                        &k.body,
                        &requester_name,
                        case.number.as_str(),
                        &case.subject,
                        &agent_name,
                    ),
                )
            })
            .collect()
    } else {
        vec![]
    };
    let suggested = if can_write {
        suggested_view(s, &actor, tr, number, &canned).await
    } else {
        SuggestedView::default()
    };
    let prefill = canned_id
        .and_then(|id| canned.iter().find(|k| k.0 == id).map(|k| k.2.clone()))
        .unwrap_or_default();
    let rating = match s.services.case_rating(&actor, number).await {
        Ok(r) => r.map(|r| RatingView {
            label: tr
                .lookup(&format!("portal.rating.{}", r.score))
                .unwrap_or("")
                .to_string(),
            score: r.score,
            comment: r.comment.unwrap_or_default(),
            at: when(r.at),
        }),
        Err(e) => return service_error_for(c, e),
    };
    let now = s.services.now();
    let clocks = match super::case_clocks::clocks_of(s, &actor, number).await {
        Ok(k) => super::case_clocks::clock_views(tr, &k, now),
        Err(e) => return service_error_for(c, e),
    };
    let active = case.status.is_active();
    let first_due = match (case.first_response_due_at, case.first_responded_at) {
        (_, Some(at)) => DueView::done(tr.fill("casepage.due.answered", &[("at", &when(at))])),
        (Some(due), None) if active => DueView::counting(countdown(tr, due, now)),
        (Some(due), None) => DueView::done(when(due)),
        (None, None) => DueView::done(tr.t("casepage.due.none").into()),
    };
    let resolution_due = match case.resolution_due_at {
        Some(due) if active => DueView::counting(countdown(tr, due, now)),
        Some(due) => DueView::done(when(due)),
        None => DueView::done(tr.t("casepage.due.none").into()),
    };
    let head = CaseHead {
        number: case.number.to_string(),
        subject: case.subject.clone(),
        status: label(tr, "status", case.status.as_str()),
        status_key: case.status.as_str().into(),
        kind: label(tr, "kind", case.kind.as_str()),
        branch: case.branch.number(),
        channel: label(tr, "channel", case.channel.as_str()),
        priority: label(tr, "priority", case.priority.as_str()),
        priority_key: case.priority.as_str().into(),
        confidential: case.confidential,
        sealed: case.sealed,
        unit: case.unit_code.clone().unwrap_or_default(),
        unit_name: case
            .unit_code
            .as_deref()
            .map(|u| names.unit(u))
            .unwrap_or_default(),
        assignee: case.assignee_username.clone().unwrap_or_default(),
        assignee_name: case
            .assignee_username
            .as_deref()
            .map(|u| names.person(u))
            .unwrap_or_default(),
        category: case.category_code.clone().unwrap_or_default(),
        category_name: case
            .category_code
            .as_deref()
            .map(|k| names.category(k))
            .unwrap_or_default(),
        first_due,
        resolution_due,
    };
    render(
        status,
        &CasePage {
            tr,
            me: c.me(),
            csrf: c.csrf(),
            q: String::new(),
            recommend_2fa: c.recommend_2fa,
            message,
            c: head,
            timeline: entries,
            can_write,
            can_forward,
            next_statuses,
            units,
            users,
            categories,
            priorities: Priority::ALL
                .iter()
                .map(|p| (p.as_str().to_string(), label(tr, "priority", p.as_str())))
                .collect(),
            person,
            identity_sealed,
            identity_note,
            identity_can_ask,
            show_earlier,
            earlier,
            number_example: crate::html::case_number_example(now),
            related,
            merged_into,
            canned,
            prefill,
            rating,
            merge_suggestions,
            clocks,
            named,
            suggested,
        },
    )
}

/// The "Suggested answers" panel: the three articles and three canned responses that best
/// answer the case. A canned response inserts its text with this case's placeholders filled
/// (`canned`, as the reply box's list has it); an article its title, its first lines and its
/// public address. Suggestions are a help: when they cannot be made, the panel says there are
/// none and the page works as before.
async fn suggested_view(
    s: &AppState,
    actor: &Actor,
    tr: Tr,
    number: &str,
    canned: &[(i64, String, String)],
) -> SuggestedView {
    let found = match s.services.case_suggestions(actor, number).await {
        Ok(f) => f,
        Err(e) => {
            tracing::warn!(error = %e, "case page: no answer suggestions");
            return SuggestedView {
                shown: true,
                ..Default::default()
            };
        }
    };
    let pct = |score: f32| (score.clamp(0.0, 1.0) * 100.0).round() as u32;
    let articles = found
        .articles
        .into_iter()
        .map(|a| {
            let mut insert = format!("{}\n{}", a.title, a.summary);
            if let Some(url) = &a.url {
                insert.push_str(&format!("\n{}: {url}", tr.t("suggest.insert.read_more")));
            }
            SuggestionItem {
                key: a.slug,
                title: a.title,
                score: pct(a.score),
                insert: insert.trim().to_string(),
                href: a.url.unwrap_or_default(),
                internal: a.visibility != "public",
            }
        })
        .collect();
    let canned = found
        .canned
        .into_iter()
        .filter_map(|k| {
            let filled = canned.iter().find(|c| c.0 == k.id)?;
            Some(SuggestionItem {
                key: k.id.to_string(),
                title: k.title,
                score: pct(k.score),
                insert: filled.2.clone(),
                href: format!("?canned={}#reply-body", k.id),
                internal: false,
            })
        })
        .collect();
    SuggestedView {
        shown: true,
        articles,
        canned,
    }
}

/// The reporter box's identity part: (sealed to this reader, where their request stands or
/// until when it is open, whether they may ask).
fn identity_box(tr: Tr, view: &CaseView, can_write: bool) -> (bool, String, bool) {
    use hqdesk_services::read::IdentityRequestStatus as St;
    use hqdesk_services::sealing::IdentityState;
    match &view.identity {
        None => (false, String::new(), false),
        Some(IdentityState::Open { until }) => (
            false,
            tr.fill("identity.open_until", &[("until", &when(*until))]),
            false,
        ),
        Some(IdentityState::Sealed { request }) => match request {
            Some(r) if r.status == St::Pending => (
                true,
                tr.fill("identity.pending", &[("at", &when(r.created_at))]),
                false,
            ),
            Some(r) if r.status == St::Refused => (
                true,
                tr.fill(
                    "identity.refused",
                    &[
                        ("at", &when(r.created_at)),
                        ("why", r.refusal.as_deref().unwrap_or("")),
                    ],
                ),
                can_write,
            ),
            Some(_) => (true, tr.t("identity.expired").to_string(), can_write),
            None => (true, String::new(), can_write),
        },
    }
}

type Picks = (
    Vec<(String, String)>,
    Vec<(String, String)>,
    Vec<(String, String)>,
);

/// The directory's names for what a case refers to by code: people (by username), units and
/// categories (in the reader's language).
struct Names {
    /// Active staff who may be given cases: (username, display name, role).
    staff: Vec<(String, String, hqdesk_domain::user::Role)>,
    people: HashMap<String, String>,
    /// (code, name), in the directory's order.
    units: Vec<(String, String)>,
    /// (code, name, confidential), active ones only.
    categories: Vec<(String, String, bool)>,
    category_names: HashMap<String, String>,
}

impl Names {
    async fn load(s: &AppState, actor: &Actor, tr: Tr) -> Names {
        // Names of staff are not case data: read as the directory, like the assignee list.
        let users = s.services.list_users(&Actor::Cli).await.unwrap_or_default();
        let people = users
            .iter()
            .filter(|u| !u.display_name.trim().is_empty())
            .map(|u| (u.username.clone(), u.display_name.clone()))
            .collect();
        let staff = users
            .into_iter()
            .filter(|u| u.active)
            .map(|u| (u.username, u.display_name, u.role))
            .collect();
        let units = s
            .services
            .list_units(actor)
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|u| (u.code, u.name))
            .collect();
        let all = s.services.list_categories(actor).await.unwrap_or_default();
        let name_of = |vi: &str, en: &str| {
            let (first, other) = if tr.lang() == "en" {
                (en, vi)
            } else {
                (vi, en)
            };
            // Only one language in the directory: that one, rather than the code.
            if first.trim().is_empty() {
                other.to_string()
            } else {
                first.to_string()
            }
        };
        let category_names = all
            .iter()
            .map(|k| (k.code.clone(), name_of(&k.name_vi, &k.name_en)))
            .collect();
        let categories = all
            .iter()
            .filter(|k| k.active)
            .map(|k| {
                (
                    k.code.clone(),
                    name_of(&k.name_vi, &k.name_en),
                    k.kind.is_confidential(),
                )
            })
            .collect();
        Names {
            staff,
            people,
            units,
            categories,
            category_names,
        }
    }

    /// A person's display name; the username only when the directory has none.
    fn person(&self, username: &str) -> String {
        self.people
            .get(username)
            .cloned()
            .unwrap_or_else(|| username.to_string())
    }

    fn unit(&self, code: &str) -> String {
        self.units
            .iter()
            .find(|u| u.0 == code)
            .map(|u| u.1.clone())
            .unwrap_or_else(|| code.to_string())
    }

    fn category(&self, code: &str) -> String {
        self.category_names
            .get(code)
            .cloned()
            .unwrap_or_else(|| code.to_string())
    }
}

fn pick_lists(names: &Names, confidential: bool) -> Picks {
    let units = names.units.clone();
    // Only people who could see the case are offered (the service refuses the others anyway).
    let offered: Vec<_> = names
        .staff
        .iter()
        .filter(|u| {
            u.2 != hqdesk_domain::user::Role::Admin
                && (!confidential || u.2 == hqdesk_domain::user::Role::Investigator)
        })
        .collect();
    let users = offered
        .iter()
        .map(|u| {
            let name = if u.1.trim().is_empty() { &u.0 } else { &u.1 };
            // Two people of the same name are told apart by their usernames.
            let twins = offered.iter().filter(|o| o.1 == u.1).count() > 1;
            let shown = if twins && name != &u.0 {
                format!("{name} ({})", u.0)
            } else {
                name.clone()
            };
            (u.0.clone(), shown)
        })
        .collect();
    let categories = names
        .categories
        .iter()
        .filter(|k| k.2 == confidential)
        .map(|k| (k.0.clone(), k.1.clone()))
        .collect();
    (units, users, categories)
}

fn describe_event(tr: Tr, names: &Names, what: &str, meta: Option<&str>) -> String {
    let Some(meta) = meta.and_then(|m| serde_json::from_str::<serde_json::Value>(m).ok()) else {
        return what.to_string();
    };
    // A step of an escalation ladder fired (services `sla_escalation`).
    if let Some(e) = meta.get("escalation") {
        let part = |prefix: &str, field: &str| {
            tr.lookup(&format!(
                "{prefix}.{}",
                e[field].as_str().unwrap_or_default()
            ))
            .unwrap_or_default()
        };
        return tr.fill(
            "escalation.timeline",
            &[
                ("percent", &e["percent"].to_string()),
                ("clock", part("escalation.clock", "clock")),
                ("action", part("escalation.action", "action")),
            ],
        );
    }
    // Officers and units a report names were recorded (the list itself is on the case page).
    if let Some(n) = meta.get("named_involved") {
        let count = |k: &str| n[k].as_i64().unwrap_or(0).to_string();
        let mut text = tr.fill(
            "coi.timeline",
            &[("officers", &count("officers")), ("units", &count("units"))],
        );
        if n["chain"].as_bool() == Some(true) {
            text.push(' ');
            text.push_str(tr.t("coi.timeline_chain"));
        }
        if n["unassigned"].as_bool() == Some(true) {
            text.push(' ');
            text.push_str(tr.t("coi.timeline_unassigned"));
        }
        return text;
    }
    // The requester said the acknowledgement's article solved the request (issue 19).
    if let Some(d) = meta.get("deflected") {
        return tr.fill(
            "suggest.timeline.deflected",
            &[("title", d["title"].as_str().unwrap_or_default())],
        );
    }
    // The requester rated the handling on the portal.
    if let Some(score) = meta.get("rating").and_then(serde_json::Value::as_i64) {
        let level = tr
            .lookup(&format!("portal.rating.{score}"))
            .unwrap_or_default();
        let mut text = format!("{}: {level} ({score}/5)", tr.t("portal.rating.label"));
        if let Some(c) = meta.get("comment").and_then(serde_json::Value::as_str) {
            text.push_str(" — ");
            text.push_str(c);
        }
        return text;
    }
    let Some(obj) = meta.as_object() else {
        return what.to_string();
    };
    obj.iter()
        .map(|(field, change)| {
            let show = |v: &serde_json::Value| match v {
                serde_json::Value::String(s) if field == "status" => label(tr, "status", s),
                serde_json::Value::String(s) if field == "priority" => label(tr, "priority", s),
                serde_json::Value::String(s) if field == "assignee" => names.person(s),
                serde_json::Value::String(s) if field == "unit" => names.unit(s),
                serde_json::Value::String(s) if field == "category" => names.category(s),
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Null => "—".into(),
                other => other.to_string(),
            };
            format!(
                "{}: {} → {}",
                label(tr, "field", field),
                show(&change["from"]),
                show(&change["to"])
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

pub(crate) async fn download(
    State(s): State<AppState>,
    c: Console,
    Path(id): Path<i64>,
) -> Response {
    match s.services.attachment(&c.actor(), id).await {
        // Images and PDFs of a safe type are shown by the browser; anything else is a download.
        Ok((a, bytes)) => crate::view(&a.filename, &a.content_type, bytes),
        Err(e) => service_error_for(&c, e),
    }
}
