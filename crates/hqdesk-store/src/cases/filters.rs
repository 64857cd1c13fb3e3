//! What a list or count of cases asks for, and the SQL conditions that say it.
use hqdesk_domain::access::CaseScope;
use hqdesk_domain::case::{Branch, CaseKind, Status};
use hqdesk_domain::channel::Channel;
use hqdesk_domain::Timestamp;
use sqlx::any::AnyArguments;
use sqlx::Arguments;

use crate::dialect::{self, Engine};
use crate::StoreError;

/// How a list is ordered. Every order ends with the id so that keyset pagination is exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CaseOrder {
    /// Newest first.
    #[default]
    CreatedDesc,
    /// Most urgent first: earliest resolution due time; cases without one last.
    DueAsc,
    /// Most recently touched first.
    UpdatedDesc,
    /// Search results, newest first without sorting every match: the database walks the
    /// matching documents in an index's order and stops after a page. SQLite: the case with the
    /// most recently stored matching text (header or message) first; PostgreSQL: the newest case
    /// (highest id) first. The two agree unless an older case got a newer matching message (see
    /// `dialect::latest_match_key`). Without search tokens, the same as
    /// [`CaseOrder::CreatedDesc`].
    LatestMatch,
    /// A column the agent clicked in the console: `(key, descending)`. Cases without the key
    /// (no pending due time) come last either way.
    By(SortKey, bool),
}

/// The columns a list may be sorted by on request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    /// The case number (year and month, then serial).
    Number,
    /// The opening time (the age, the other way round).
    Created,
    /// The nearest pending deadline: the first-response due time while unanswered, else the
    /// resolution due time.
    NearestDue,
    /// Low, normal, high, urgent.
    Priority,
    /// New, open, waiting, resolved, closed.
    Status,
}

/// Filters for listing and counting cases. `scope` is always applied.
#[derive(Debug, Clone)]
pub struct CaseFilter {
    pub scope: CaseScope,
    pub kinds: Vec<CaseKind>,
    pub branch: Option<Branch>,
    pub statuses: Vec<Status>,
    pub channel: Option<Channel>,
    pub unit_id: Option<i64>,
    pub assignee_id: Option<i64>,
    pub unassigned: bool,
    pub requester_id: Option<i64>,
    /// Folded search tokens; every one must match. A token `a|b` matches either form (a phone
    /// number as typed and as the index holds it).
    pub search_tokens: Vec<String>,
    /// Resolution due before this instant (overdue / due soon).
    pub due_before: Option<Timestamp>,
    pub due_after: Option<Timestamp>,
    pub category_id: Option<i64>,
    /// Opened at or after / before these instants.
    pub created_from: Option<Timestamp>,
    pub created_before: Option<Timestamp>,
    /// Words of the requester: a part of the name or business name, or an e-mail address,
    /// phone number (E.164 as stored) or tax code in full.
    pub requester_text: Option<String>,
    /// Sealed cases only (search over sealed cases opens them in the request: the index holds
    /// nothing of them).
    pub sealed_only: bool,
    /// A legal deadline still running (the task force's queues): which one, and optionally due
    /// before an instant.
    pub legal_clock: Option<LegalClockFilter>,
}

/// Cases with a legal deadline that is not met yet (`case_clocks`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LegalClockFilter {
    /// Only this clock; `None`: acceptance or settlement.
    pub clock: Option<hqdesk_domain::sla::ClockKind>,
    pub due_before: Option<Timestamp>,
}

impl CaseFilter {
    pub fn new(scope: CaseScope) -> Self {
        Self {
            scope,
            kinds: vec![],
            branch: None,
            statuses: vec![],
            channel: None,
            unit_id: None,
            assignee_id: None,
            unassigned: false,
            requester_id: None,
            search_tokens: vec![],
            due_before: None,
            due_after: None,
            category_id: None,
            created_from: None,
            created_before: None,
            requester_text: None,
            sealed_only: false,
            legal_clock: None,
        }
    }
}

/// Position after the last row of a page: the order key's value and the row's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub key: i64,
    pub id: i64,
}

pub(super) struct Where {
    pub(super) clauses: Vec<String>,
    pub(super) args: AnyArguments<'static>,
    n: usize,
}

impl Where {
    pub(super) fn new() -> Self {
        Self {
            clauses: vec![],
            args: AnyArguments::default(),
            n: 0,
        }
    }
    pub(super) fn bind<T>(&mut self, v: T) -> Result<String, StoreError>
    where
        T: 'static + Send + sqlx::Encode<'static, sqlx::Any> + sqlx::Type<sqlx::Any>,
    {
        self.args
            .add(v)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        self.n += 1;
        Ok(format!("${}", self.n))
    }
}

/// How the search tokens constrain the cases: a subquery of matching case ids, or a condition on
/// the search document `s` joined to each case (the query walks the documents).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum SearchForm {
    Subquery,
    Joined,
    /// As `Joined`, in a form that no index answers (`dialect::search_walk_match`): the query
    /// walks the documents it is given in their order.
    Walked,
}

/// The table a condition is written for: the cases, or their tallies (`case_tallies`,
/// migration 0011), which have the same column names and keep a missing unit or assignee as 0.
/// Both are aliased `c`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Table {
    Cases,
    Tallies,
}

/// Whether the tallies answer a count with this filter but for its due times: it uses only their
/// columns (scope, status, branch, unit, assignee).
pub(super) fn tallied(f: &CaseFilter) -> bool {
    f.kinds.is_empty()
        && f.channel.is_none()
        && f.requester_id.is_none()
        && f.search_tokens.is_empty()
        && f.category_id.is_none()
        && f.created_from.is_none()
        && f.created_before.is_none()
        && f.requester_text.is_none()
        && !f.sealed_only
        && f.legal_clock.is_none()
}

pub(super) fn build_where(
    engine: Engine,
    f: &CaseFilter,
    form: SearchForm,
) -> Result<Where, StoreError> {
    let mut w = Where::new();
    add_conditions(&mut w, engine, f, form, Table::Cases)?;
    Ok(w)
}

/// Add the filter's conditions on `table` to `w.clauses`, binding their values after those
/// already in `w`.
pub(super) fn add_conditions(
    w: &mut Where,
    engine: Engine,
    f: &CaseFilter,
    form: SearchForm,
    table: Table,
) -> Result<(), StoreError> {
    match &f.scope {
        CaseScope::All => {}
        CaseScope::AllBut { excluded } => {
            if table == Table::Tallies {
                // The tallies have no case ids: `counts::count_query` subtracts these instead.
                return Err(StoreError::Corrupt(
                    "a scope with excluded cases cannot be counted from the tallies".into(),
                ));
            }
            if !excluded.is_empty() {
                // Case ids are integers from the database: safe to inline.
                w.clauses
                    .push(format!("c.id NOT IN ({})", id_list(excluded)));
            }
        }
        CaseScope::NonConfidential => w.clauses.push("c.confidential = 0".into()),
        CaseScope::Nothing => w.clauses.push("1 = 0".into()),
        CaseScope::NonConfidentialOfUnitsOrAssignee { units, user_id } => {
            let p = w.bind(*user_id)?;
            // Unit ids are integers from the database: safe to inline.
            let in_units = if units.is_empty() {
                String::new()
            } else {
                format!(
                    " OR c.unit_id IN ({})",
                    units
                        .iter()
                        .map(i64::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            w.clauses.push(format!(
                "c.confidential = 0 AND (c.assignee_id = {p}{in_units})"
            ));
        }
    }
    if !f.kinds.is_empty() {
        let list = f
            .kinds
            .iter()
            .map(|k| format!("'{}'", k.as_str()))
            .collect::<Vec<_>>()
            .join(", ");
        w.clauses.push(format!("c.kind IN ({list})"));
    }
    if let Some(b) = f.branch {
        w.clauses.push(format!("c.branch = {}", b.number()));
    }
    if !f.statuses.is_empty() {
        let list = f
            .statuses
            .iter()
            .map(|s| format!("'{}'", s.as_str()))
            .collect::<Vec<_>>()
            .join(", ");
        w.clauses.push(format!("c.status IN ({list})"));
    }
    if let Some(ch) = f.channel {
        w.clauses.push(format!("c.channel = '{}'", ch.as_str()));
    }
    if let Some(u) = f.unit_id {
        let p = w.bind(u)?;
        w.clauses.push(format!("c.unit_id = {p}"));
    }
    if let Some(a) = f.assignee_id {
        let p = w.bind(a)?;
        w.clauses.push(format!("c.assignee_id = {p}"));
    }
    if f.unassigned {
        w.clauses.push(match table {
            Table::Cases => "c.assignee_id IS NULL".into(),
            Table::Tallies => "c.assignee_id = 0".into(),
        });
    }
    if let Some(t) = f.due_before {
        let p = w.bind(t.millis())?;
        w.clauses.push(format!("c.resolution_due_at < {p}"));
    }
    if let Some(t) = f.due_after {
        let p = w.bind(t.millis())?;
        w.clauses.push(format!("c.resolution_due_at >= {p}"));
    }
    if let Some(r) = f.requester_id {
        let p = w.bind(r)?;
        w.clauses.push(format!("c.requester_id = {p}"));
    }
    if let Some(cat) = f.category_id {
        let p = w.bind(cat)?;
        w.clauses.push(format!("c.category_id = {p}"));
    }
    if let Some(t) = f.created_from {
        let p = w.bind(t.millis())?;
        w.clauses.push(format!("c.created_at >= {p}"));
    }
    if let Some(t) = f.created_before {
        let p = w.bind(t.millis())?;
        w.clauses.push(format!("c.created_at < {p}"));
    }
    if let Some(text) = &f.requester_text {
        let like = w.bind(format!("%{}%", text.to_lowercase()))?;
        let exact = w.bind(text.clone())?;
        w.clauses.push(format!(
            "c.requester_id IN (SELECT r.id FROM requesters r WHERE LOWER(r.name) LIKE {like} \
             OR LOWER(COALESCE(r.business_name, '')) LIKE {like} OR r.email = {exact} \
             OR r.phone = {exact} OR r.tax_code = {exact})"
        ));
    }
    if f.sealed_only {
        w.clauses.push("c.sealed = 1".into());
    }
    if let Some(legal) = f.legal_clock {
        // Clock names are the domain's constants: safe to inline.
        let clocks = match legal.clock {
            Some(k) => format!("'{}'", k.as_str()),
            None => "'legal_acceptance', 'legal_settlement'".into(),
        };
        let due = match legal.due_before {
            Some(t) => format!(" AND k.due_at < {}", w.bind(t.millis())?),
            None => String::new(),
        };
        w.clauses.push(format!(
            "EXISTS (SELECT 1 FROM case_clocks k WHERE k.case_id = c.id \
             AND k.clock IN ({clocks}) AND k.met_at IS NULL{due})"
        ));
    }
    if !f.search_tokens.is_empty() {
        let tokens: Vec<&str> = f.search_tokens.iter().map(String::as_str).collect();
        let placeholder = format!("${}", w.n + 1);
        let (sub, query) = dialect::search_subquery(engine, &placeholder, &tokens);
        w.bind(query)?;
        w.clauses.push(match form {
            SearchForm::Subquery => format!("c.id IN ({sub})"),
            SearchForm::Joined => dialect::search_match(engine, "s", &placeholder),
            SearchForm::Walked => dialect::search_walk_match(engine, "s", &placeholder),
        });
    }
    Ok(())
}

/// Integer ids as an SQL list.
pub(super) fn id_list(ids: &[i64]) -> String {
    ids.iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

pub(super) fn where_sql(w: &Where) -> String {
    where_of(&w.clauses)
}

pub(super) fn where_of(clauses: &[String]) -> String {
    if clauses.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", clauses.join(" AND "))
    }
}
