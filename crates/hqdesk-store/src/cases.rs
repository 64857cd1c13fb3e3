//! Cases: insert, read, list with filters and keyset pagination, and updates.
use hqdesk_domain::access::{CaseFacts, CaseScope};
use hqdesk_domain::case::{Branch, CaseKind, CaseNumber, Priority, Status};
use hqdesk_domain::channel::Channel;
use hqdesk_domain::Timestamp;
use sqlx::any::AnyArguments;
use sqlx::{AnyConnection, Arguments, Row};

use crate::dialect::{self, Engine};
use crate::multirow;
use crate::StoreError;

/// A case as stored, with the codes and names of what it refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseRecord {
    pub id: i64,
    pub number: CaseNumber,
    pub kind: CaseKind,
    pub branch: Branch,
    pub channel: Channel,
    pub category_id: Option<i64>,
    pub category_code: Option<String>,
    pub priority: Priority,
    pub status: Status,
    pub confidential: bool,
    pub subject: String,
    pub requester_id: Option<i64>,
    pub unit_id: Option<i64>,
    pub unit_code: Option<String>,
    pub assignee_id: Option<i64>,
    pub assignee_username: Option<String>,
    pub created_by: Option<i64>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub first_response_due_at: Option<Timestamp>,
    pub resolution_due_at: Option<Timestamp>,
    pub first_responded_at: Option<Timestamp>,
    pub resolved_at: Option<Timestamp>,
    pub closed_at: Option<Timestamp>,
    pub message_count: i64,
}

impl CaseRecord {
    pub fn facts(&self) -> CaseFacts {
        CaseFacts {
            confidential: self.confidential,
            unit_id: self.unit_id,
            assignee_id: self.assignee_id,
        }
    }
}

#[derive(sqlx::FromRow)]
struct Raw {
    id: i64,
    number: String,
    kind: String,
    branch: i64,
    channel: String,
    category_id: Option<i64>,
    category_code: Option<String>,
    priority: String,
    status: String,
    confidential: i64,
    subject: String,
    requester_id: Option<i64>,
    unit_id: Option<i64>,
    unit_code: Option<String>,
    assignee_id: Option<i64>,
    assignee_username: Option<String>,
    created_by: Option<i64>,
    created_at: i64,
    updated_at: i64,
    first_response_due_at: Option<i64>,
    resolution_due_at: Option<i64>,
    first_responded_at: Option<i64>,
    resolved_at: Option<i64>,
    closed_at: Option<i64>,
    message_count: i64,
}

impl TryFrom<Raw> for CaseRecord {
    type Error = StoreError;
    fn try_from(r: Raw) -> Result<Self, StoreError> {
        Ok(CaseRecord {
            id: r.id,
            number: CaseNumber::parse(&r.number)?,
            kind: CaseKind::parse(&r.kind)?,
            branch: Branch::from_number(r.branch)?,
            channel: Channel::parse(&r.channel)?,
            category_id: r.category_id,
            category_code: r.category_code,
            priority: Priority::parse(&r.priority)?,
            status: Status::parse(&r.status)?,
            confidential: r.confidential != 0,
            subject: r.subject,
            requester_id: r.requester_id,
            unit_id: r.unit_id,
            unit_code: r.unit_code,
            assignee_id: r.assignee_id,
            assignee_username: r.assignee_username,
            created_by: r.created_by,
            created_at: Timestamp(r.created_at),
            updated_at: Timestamp(r.updated_at),
            first_response_due_at: r.first_response_due_at.map(Timestamp),
            resolution_due_at: r.resolution_due_at.map(Timestamp),
            first_responded_at: r.first_responded_at.map(Timestamp),
            resolved_at: r.resolved_at.map(Timestamp),
            closed_at: r.closed_at.map(Timestamp),
            message_count: r.message_count,
        })
    }
}

const SELECT: &str = "SELECT c.id, c.number, c.kind, c.branch, c.channel, c.category_id, \
    cat.code AS category_code, c.priority, c.status, c.confidential, c.subject, c.requester_id, \
    c.unit_id, un.code AS unit_code, c.assignee_id, us.username AS assignee_username, c.created_by, \
    c.created_at, c.updated_at, c.first_response_due_at, c.resolution_due_at, c.first_responded_at, \
    c.resolved_at, c.closed_at, c.message_count \
    FROM cases c LEFT JOIN categories cat ON cat.id = c.category_id \
    LEFT JOIN units un ON un.id = c.unit_id LEFT JOIN users us ON us.id = c.assignee_id";

/// A new case, already validated by the domain.
#[derive(Debug, Clone)]
pub struct NewCase {
    pub number: CaseNumber,
    pub kind: CaseKind,
    pub branch: Branch,
    pub channel: Channel,
    pub category_id: Option<i64>,
    pub priority: Priority,
    pub subject: String,
    pub requester_id: Option<i64>,
    pub unit_id: Option<i64>,
    pub assignee_id: Option<i64>,
    pub created_by: Option<i64>,
    pub first_response_due_at: Option<Timestamp>,
    pub resolution_due_at: Option<Timestamp>,
}

/// Insert several cases in one statement per chunk (group commit), each under the number it
/// carries; a case whose number another case has already is skipped (`ON CONFLICT DO NOTHING`,
/// so that a PostgreSQL transaction survives it) and `None` is returned in its place, for the
/// caller to draw another number. `message_counts[i]` is case `i`'s initial message count (1
/// when it is opened with a first message). Returns the ids in the order of `cases`.
pub async fn insert_many(
    conn: &mut AnyConnection,
    cases: &[NewCase],
    message_counts: &[i64],
    now: Timestamp,
) -> Result<Vec<Option<i64>>, StoreError> {
    const COLS: usize = 18;
    let mut ids = Vec::with_capacity(cases.len());
    let mut start = 0;
    for size in multirow::chunk_sizes(cases.len(), COLS) {
        let rows = &cases[start..start + size];
        let mut args = AnyArguments::default();
        for (i, c) in rows.iter().enumerate() {
            multirow::add(&mut args, c.number.as_str().to_string())?;
            multirow::add(&mut args, c.kind.as_str())?;
            multirow::add(&mut args, i64::from(c.branch.number()))?;
            multirow::add(&mut args, c.channel.as_str())?;
            multirow::add(&mut args, c.category_id)?;
            multirow::add(&mut args, c.priority.as_str())?;
            multirow::add(&mut args, Status::New.as_str())?;
            multirow::add(&mut args, i64::from(c.kind.is_confidential()))?;
            multirow::add(&mut args, c.subject.clone())?;
            multirow::add(&mut args, c.requester_id)?;
            multirow::add(&mut args, c.unit_id)?;
            multirow::add(&mut args, c.assignee_id)?;
            multirow::add(&mut args, c.created_by)?;
            multirow::add(&mut args, now.millis())?;
            multirow::add(&mut args, now.millis())?;
            multirow::add(&mut args, c.first_response_due_at.map(Timestamp::millis))?;
            multirow::add(&mut args, c.resolution_due_at.map(Timestamp::millis))?;
            multirow::add(
                &mut args,
                message_counts.get(start + i).copied().unwrap_or(0),
            )?;
        }
        let sql = format!(
            "INSERT INTO cases (number, kind, branch, channel, category_id, priority, status, confidential, \
             subject, requester_id, unit_id, assignee_id, created_by, created_at, updated_at, \
             first_response_due_at, resolution_due_at, message_count) VALUES {} \
             ON CONFLICT (number) DO NOTHING RETURNING id, number",
            multirow::values(size, COLS),
        );
        let returned: Vec<(i64, String)> = sqlx::query_as_with(&sql, args)
            .fetch_all(&mut *conn)
            .await?;
        // RETURNING's row order is not promised: match by the (unique) number.
        for c in rows {
            ids.push(
                returned
                    .iter()
                    .find(|(_, n)| n == c.number.as_str())
                    .map(|(id, _)| *id),
            );
        }
        start += size;
    }
    Ok(ids)
}

/// Names of what a new case refers to, as the case's record shows them.
#[derive(Debug, Clone, Default)]
pub struct NewCaseNames {
    pub category_code: Option<String>,
    pub unit_code: Option<String>,
    pub assignee_username: Option<String>,
}

impl NewCase {
    /// The record of this case as [`insert_many`] stores it (status new, nothing answered yet),
    /// so that its writer need not read it back. Keep in step with the `INSERT` above.
    pub fn inserted_record(
        &self,
        id: i64,
        message_count: i64,
        now: Timestamp,
        names: NewCaseNames,
    ) -> CaseRecord {
        CaseRecord {
            id,
            number: self.number.clone(),
            kind: self.kind,
            branch: self.branch,
            channel: self.channel,
            category_id: self.category_id,
            category_code: names.category_code,
            priority: self.priority,
            status: Status::New,
            confidential: self.kind.is_confidential(),
            subject: self.subject.clone(),
            requester_id: self.requester_id,
            unit_id: self.unit_id,
            unit_code: names.unit_code,
            assignee_id: self.assignee_id,
            assignee_username: names.assignee_username,
            created_by: self.created_by,
            created_at: now,
            updated_at: now,
            first_response_due_at: self.first_response_due_at,
            resolution_due_at: self.resolution_due_at,
            first_responded_at: None,
            resolved_at: None,
            closed_at: None,
            message_count,
        }
    }
}

pub async fn by_number(
    conn: &mut AnyConnection,
    number: &CaseNumber,
) -> Result<CaseRecord, StoreError> {
    let r: Raw = sqlx::query_as(&format!("{SELECT} WHERE c.number = $1"))
        .bind(number.as_str())
        .fetch_one(conn)
        .await?;
    r.try_into()
}

pub async fn by_id(conn: &mut AnyConnection, id: i64) -> Result<CaseRecord, StoreError> {
    let r: Raw = sqlx::query_as(&format!("{SELECT} WHERE c.id = $1"))
        .bind(id)
        .fetch_one(conn)
        .await?;
    r.try_into()
}

/// The fields a case update may change; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct CaseChanges {
    pub subject: Option<String>,
    pub kind: Option<CaseKind>,
    pub branch: Option<Branch>,
    pub category_id: Option<Option<i64>>,
    pub priority: Option<Priority>,
    pub requester_id: Option<Option<i64>>,
    pub unit_id: Option<Option<i64>>,
    pub assignee_id: Option<Option<i64>>,
    pub status: Option<Status>,
    pub first_response_due_at: Option<Option<Timestamp>>,
    pub resolution_due_at: Option<Option<Timestamp>>,
    pub first_responded_at: Option<Timestamp>,
    pub resolved_at: Option<Option<Timestamp>>,
    pub closed_at: Option<Timestamp>,
}

pub async fn update(
    conn: &mut AnyConnection,
    id: i64,
    ch: &CaseChanges,
    now: Timestamp,
) -> Result<(), StoreError> {
    let mut sets: Vec<String> = Vec::new();
    let mut args = AnyArguments::default();
    let push = |col: &str, sets: &mut Vec<String>| {
        sets.push(format!("{col} = ${}", sets.len() + 1));
    };
    macro_rules! set {
        ($col:literal, $val:expr) => {{
            push($col, &mut sets);
            args.add($val)
                .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        }};
    }
    if let Some(v) = &ch.subject {
        set!("subject", v.clone());
    }
    if let Some(v) = ch.kind {
        set!("kind", v.as_str());
        set!("confidential", i64::from(v.is_confidential()));
    }
    if let Some(v) = ch.branch {
        set!("branch", i64::from(v.number()));
    }
    if let Some(v) = ch.category_id {
        set!("category_id", v);
    }
    if let Some(v) = ch.priority {
        set!("priority", v.as_str());
    }
    if let Some(v) = ch.requester_id {
        set!("requester_id", v);
    }
    if let Some(v) = ch.unit_id {
        set!("unit_id", v);
    }
    if let Some(v) = ch.assignee_id {
        set!("assignee_id", v);
    }
    if let Some(v) = ch.status {
        set!("status", v.as_str());
    }
    if let Some(v) = ch.first_response_due_at {
        set!("first_response_due_at", v.map(Timestamp::millis));
    }
    if let Some(v) = ch.resolution_due_at {
        set!("resolution_due_at", v.map(Timestamp::millis));
    }
    if let Some(v) = ch.first_responded_at {
        set!("first_responded_at", v.millis());
    }
    if let Some(v) = ch.resolved_at {
        set!("resolved_at", v.map(Timestamp::millis));
    }
    if let Some(v) = ch.closed_at {
        set!("closed_at", v.millis());
    }
    set!("updated_at", now.millis());
    let sql = format!(
        "UPDATE cases SET {} WHERE id = ${}",
        sets.join(", "),
        sets.len() + 1
    );
    args.add(id)
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let n = sqlx::query_with(&sql, args)
        .execute(conn)
        .await?
        .rows_affected();
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

pub async fn bump_message_count(
    conn: &mut AnyConnection,
    id: i64,
    now: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE cases SET message_count = message_count + 1, updated_at = $1 WHERE id = $2",
    )
    .bind(now.millis())
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

/// The identity of a confidential case's reporter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfidentialReporter {
    pub anonymous: bool,
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub tax_code: Option<String>,
}

pub async fn insert_confidential_reporter(
    conn: &mut AnyConnection,
    case_id: i64,
    r: &ConfidentialReporter,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO confidential_reporters (case_id, anonymous, name, email, phone, tax_code) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(case_id)
    .bind(i64::from(r.anonymous))
    .bind(&r.name)
    .bind(&r.email)
    .bind(&r.phone)
    .bind(&r.tax_code)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn confidential_reporter(
    conn: &mut AnyConnection,
    case_id: i64,
) -> Result<Option<ConfidentialReporter>, StoreError> {
    #[derive(sqlx::FromRow)]
    struct Row {
        anonymous: i64,
        name: Option<String>,
        email: Option<String>,
        phone: Option<String>,
        tax_code: Option<String>,
    }
    let row: Option<Row> = sqlx::query_as(
        "SELECT anonymous, name, email, phone, tax_code FROM confidential_reporters WHERE case_id = $1",
    )
    .bind(case_id)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| ConfidentialReporter {
        anonymous: r.anonymous != 0,
        name: r.name,
        email: r.email,
        phone: r.phone,
        tax_code: r.tax_code,
    }))
}

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
    /// Folded search tokens; every one must match.
    pub search_tokens: Vec<String>,
    /// Resolution due before this instant (overdue / due soon).
    pub due_before: Option<Timestamp>,
    pub due_after: Option<Timestamp>,
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
        }
    }
}

/// Position after the last row of a page: the order key's value and the row's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub key: i64,
    pub id: i64,
}

struct Where {
    clauses: Vec<String>,
    args: AnyArguments<'static>,
    n: usize,
}

impl Where {
    fn new() -> Self {
        Self {
            clauses: vec![],
            args: AnyArguments::default(),
            n: 0,
        }
    }
    fn bind<T>(&mut self, v: T) -> Result<String, StoreError>
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
enum SearchForm {
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
enum Table {
    Cases,
    Tallies,
}

/// Whether the tallies answer a count with this filter but for its due times: it uses only their
/// columns (scope, status, branch, unit, assignee).
fn tallied(f: &CaseFilter) -> bool {
    f.kinds.is_empty()
        && f.channel.is_none()
        && f.requester_id.is_none()
        && f.search_tokens.is_empty()
}

fn build_where(engine: Engine, f: &CaseFilter, form: SearchForm) -> Result<Where, StoreError> {
    let mut w = Where::new();
    add_conditions(&mut w, engine, f, form, Table::Cases)?;
    Ok(w)
}

/// Add the filter's conditions on `table` to `w.clauses`, binding their values after those
/// already in `w`.
fn add_conditions(
    w: &mut Where,
    engine: Engine,
    f: &CaseFilter,
    form: SearchForm,
    table: Table,
) -> Result<(), StoreError> {
    match &f.scope {
        CaseScope::All => {}
        CaseScope::NonConfidential => w.clauses.push("c.confidential = 0".into()),
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

fn where_sql(w: &Where) -> String {
    where_of(&w.clauses)
}

fn where_of(clauses: &[String]) -> String {
    if clauses.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", clauses.join(" AND "))
    }
}

/// One page of cases and the cursor for the next page, if there is one.
pub async fn list(
    conn: &mut AnyConnection,
    f: &CaseFilter,
    order: CaseOrder,
    after: Option<Cursor>,
    limit: i64,
) -> Result<(Vec<CaseRecord>, Option<Cursor>), StoreError> {
    if order == CaseOrder::LatestMatch && !f.search_tokens.is_empty() {
        return list_latest_match(conn, f, after, limit).await;
    }
    list_sorted(conn, f, order, after, limit).await
}

/// [`list`] in an order that is sorted (and [`CaseOrder::LatestMatch`] without a search).
async fn list_sorted(
    conn: &mut AnyConnection,
    f: &CaseFilter,
    order: CaseOrder,
    after: Option<Cursor>,
    limit: i64,
) -> Result<(Vec<CaseRecord>, Option<Cursor>), StoreError> {
    let engine = Engine::of(conn);
    let order = if order == CaseOrder::LatestMatch {
        CaseOrder::CreatedDesc
    } else {
        order
    };
    let mut w = build_where(engine, f, SearchForm::Subquery)?;
    // Cases without a due time sort last: treat them as due at the end of time.
    let (key_sql, dir, cmp) = match order {
        CaseOrder::CreatedDesc | CaseOrder::LatestMatch => ("c.created_at", "DESC", "<"),
        CaseOrder::UpdatedDesc => ("c.updated_at", "DESC", "<"),
        CaseOrder::DueAsc => (
            "COALESCE(c.resolution_due_at, 9223372036854775807)",
            "ASC",
            ">",
        ),
    };
    if let Some(cur) = after {
        let k = w.bind(cur.key)?;
        let i = w.bind(cur.id)?;
        w.clauses.push(format!(
            "({key_sql} {cmp} {k} OR ({key_sql} = {k} AND c.id {cmp} {i}))"
        ));
    }
    let lim = w.bind(limit + 1)?;
    // Late row lookup: the page's ids come from an index alone (filter, order, limit), then only
    // those rows are read with what they refer to. Sorting whole rows would read every row of a
    // queue of thousands first (README, "Performance").
    let page = format!(
        "SELECT c.id FROM cases c{} ORDER BY {key_sql} {dir}, c.id {dir} LIMIT {lim}",
        where_sql(&w)
    );
    let sql = format!(
        "{} ORDER BY {key_sql} {dir}, c.id {dir}",
        SELECT.replacen(
            "FROM cases c ",
            &format!("FROM ({page}) p JOIN cases c ON c.id = p.id "),
            1
        )
    );
    let rows: Vec<Raw> = sqlx::query_as_with(&sql, w.args).fetch_all(conn).await?;
    let mut items = rows
        .into_iter()
        .map(CaseRecord::try_from)
        .collect::<Result<Vec<_>, _>>()?;
    let next = if items.len() as i64 > limit {
        items.truncate(usize::try_from(limit).unwrap_or(0));
        items.last().map(|c| Cursor {
            key: match order {
                CaseOrder::CreatedDesc | CaseOrder::LatestMatch => c.created_at.millis(),
                CaseOrder::UpdatedDesc => c.updated_at.millis(),
                CaseOrder::DueAsc => c
                    .resolution_due_at
                    .map(Timestamp::millis)
                    .unwrap_or(i64::MAX),
            },
            id: c.id,
        })
    } else {
        None
    };
    Ok((items, next))
}

/// How many search documents [`CaseOrder::LatestMatch`] reads at first; each further read
/// doubles, up to [`MAX_MATCH_BATCH`], when filters or repeated cases leave the page short.
const FIRST_MATCH_BATCH: i64 = 200;
const MAX_MATCH_BATCH: i64 = 6400;

/// How a newest-first search and its capped count bound their walks over the newest documents,
/// on the engines that walk (`dialect::search_walks`: PostgreSQL; ignored on SQLite).
///
/// A walk reads the documents below the cursor newest first through the btree on
/// `case_search(case_id)`, tests each against the query, and stops when the page (or the count)
/// is full or its window of documents is read. The cases older than the last window then come
/// from the full-text index, as without a walk. The planner would pick one of the two from its
/// estimate of the matches, which for a phrase is the product of its words' shares:
/// `thủy sản đông lạnh` is estimated at 3 documents and matches 44,000 at a million cases, so it
/// fetches and sorts every match. Walking first makes the plan independent of that estimate;
/// the results are the same for every window, only the time differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SearchWalk {
    /// Windows from the planner's statistics. For the page: first about as many documents as
    /// fill it if every document with the query's rarest token matched, times [`WALK_SAFETY`],
    /// within [`WALK_MIN_DOCS`]..=[`WALK_MAX_DOCS`] (no walk when even the maximum is not
    /// expected to fill it: the query is rare, the index answers it quickly); then, when the
    /// newest documents hold fewer matches than that (the latest cases are about something
    /// else), on for as long as the index is expected to take to fetch and sort every match, at
    /// most [`PAGE_WALK_MAX_DOCS`] in all. For a
    /// count, one more walk sized by the matches met so far, when that is expected to be quicker
    /// than the index (at most [`COUNT_WALK_MAX_DOCS`]).
    #[default]
    Estimated,
    /// Walks of exactly this many documents each: two for the page, one more for a count (0:
    /// the full-text index alone). For tests and measurements.
    Docs(i64),
}

/// How many times the documents expected to fill a page the first walk may read, for matches
/// that cluster in older cases, cases with several matching documents, and filters.
pub const WALK_SAFETY: f64 = 4.0;
/// The fewest documents an estimated first walk reads (a page of a common word needs few).
pub const WALK_MIN_DOCS: i64 = 1_000;
/// The most documents an estimated first walk reads.
pub const WALK_MAX_DOCS: i64 = 40_000;
/// The most documents the walks for a page read in all before the full-text index fills it.
pub const PAGE_WALK_MAX_DOCS: i64 = 150_000;
/// The most documents a count's walk reads after the page.
pub const COUNT_WALK_MAX_DOCS: i64 = 150_000;
/// The cases a count without a page first walks for, to learn how dense the matches are.
pub const WALK_PROBE: usize = 51;
/// The share of documents assumed for a token when the planner has no statistics yet (a new or
/// small table, which is walked whole quickly).
const WALK_UNKNOWN_SHARE: f64 = 0.005;
/// Relative costs (microseconds on the 2-core benchmark machine, PostgreSQL 15, warm cache) of
/// one document walked (btree entry, row, match test), one entry of the rarest token's GIN
/// posting list, and one matching row fetched from the GIN bitmap and joined to its case.
const WALK_DOC_COST: f64 = 0.8;
const GIN_ENTRY_COST: f64 = 0.6;
const GIN_ROW_COST: f64 = 8.0;

/// What the planner's statistics say about a search: the share of documents holding its
/// rarest token (every match holds every token, so this bounds the matches' share from above)
/// and how many documents there are.
#[derive(Debug, Clone, Copy)]
struct SearchStats {
    share: f64,
    docs: f64,
}

async fn search_stats(conn: &mut AnyConnection, f: &CaseFilter) -> Result<SearchStats, StoreError> {
    let mut stats = SearchStats {
        share: WALK_UNKNOWN_SHARE,
        docs: 0.0,
    };
    let Some(sql) = dialect::search_token_shares(Engine::of(conn)) else {
        return Ok(stats);
    };
    let rows: Vec<(Option<f64>, Option<f64>, Option<f64>)> = sqlx::query_as(sql)
        .bind(f.search_tokens.join(" "))
        .fetch_all(&mut *conn)
        .await?;
    stats.share = 1.0;
    for (share, least, docs) in rows {
        // A token missing from the most common ones is rarer than the rarest of them: half of
        // it, as the planner assumes.
        let share = share
            .or(least.map(|l| l / 2.0))
            .unwrap_or(WALK_UNKNOWN_SHARE);
        stats.share = stats.share.min(share);
        stats.docs = docs.unwrap_or(0.0).max(0.0);
    }
    Ok(stats)
}

/// The first walk's window: documents to read for `want` cases when `share` of the documents
/// match; 0 when even [`WALK_MAX_DOCS`] is not expected to find them.
fn first_window(want: usize, share: f64) -> i64 {
    if share.is_nan() || share <= 0.0 {
        return 0;
    }
    let expected = want as f64 / share;
    if expected > WALK_MAX_DOCS as f64 {
        return 0;
    }
    ((expected * WALK_SAFETY).ceil() as i64).clamp(WALK_MIN_DOCS, WALK_MAX_DOCS)
}

/// How many documents the walks for a page may read in all: as many as take about the time the
/// index takes to fetch and sort every match (at most the rarest token's share of documents),
/// within [`WALK_MAX_DOCS`]..=[`PAGE_WALK_MAX_DOCS`].
fn page_budget(stats: &SearchStats) -> i64 {
    let docs = stats.share * stats.docs * GIN_ROW_COST / WALK_DOC_COST;
    if docs.is_nan() {
        return WALK_MAX_DOCS;
    }
    (docs as i64).clamp(WALK_MAX_DOCS, PAGE_WALK_MAX_DOCS)
}

/// A count's walk after the page: documents to read for `rest` more cases at the density of
/// the matches met so far (`density` cases per document); 0 when the full-text index is expected
/// to be quicker (it reads the rarest token's postings, then one row per match it counts).
fn count_window(stats: &SearchStats, density: f64, rest: usize) -> i64 {
    if density.is_nan() || density <= 0.0 {
        return 0;
    }
    let expected = rest as f64 / density;
    let walk_cost = expected * WALK_DOC_COST;
    let index_cost = stats.share * stats.docs * GIN_ENTRY_COST + rest as f64 * GIN_ROW_COST;
    if walk_cost >= index_cost || expected > COUNT_WALK_MAX_DOCS as f64 {
        return 0;
    }
    ((expected * 2.0).ceil() as i64).clamp(WALK_MIN_DOCS, COUNT_WALK_MAX_DOCS)
}

/// What walks found: the matching cases, newest first, and where the others are.
#[derive(Debug, Clone)]
struct Walked {
    ids: Vec<i64>,
    /// `None`: the walks read every document below where they began, `ids` are all the matches
    /// there. `Some(b)`: `ids` hold every match from case `b` up; the matches below `b` are for
    /// the full-text index (the case just below `b` may be among `ids` already).
    below: Option<i64>,
}

/// One walk: the cases matching the search and the filters among the `window` newest documents
/// below `w.below`, newest first, appended to `w.ids` until it holds `need`. The inner `LIMIT`
/// bounds the walk; the outer one stops it when enough are found; the function form of the match
/// keeps the planner from the GIN index.
async fn walk_segment(
    conn: &mut AnyConnection,
    f: &CaseFilter,
    window: i64,
    need: usize,
    w: &mut Walked,
) -> Result<(), StoreError> {
    let Some(below) = w.below else {
        return Ok(());
    };
    let engine = Engine::of(conn);
    // The previous window's oldest case may be found again, first.
    let again = w.ids.last().is_some_and(|&id| id >= below - 1);
    let lim = need.saturating_sub(w.ids.len()) + usize::from(again);
    let mut q = build_where(engine, f, SearchForm::Walked)?;
    let b = q.bind(below)?;
    let win = q.bind(window)?;
    let l = q.bind(i64::try_from(lim).unwrap_or(i64::MAX))?;
    let sql = format!(
        "SELECT DISTINCT s.case_id FROM (SELECT case_id, tsv FROM case_search \
         WHERE case_id < {b} ORDER BY case_id DESC LIMIT {win}) s CROSS JOIN cases c{} \
         AND c.id = s.case_id ORDER BY s.case_id DESC LIMIT {l}",
        where_sql(&q)
    );
    // Unnamed: planned for this query's own tokens and window, never a generic plan.
    let found: Vec<i64> = sqlx::query_scalar_with(&sql, q.args)
        .persistent(false)
        .fetch_all(&mut *conn)
        .await?;
    for id in found {
        if w.ids.last().is_none_or(|&last| id < last) {
            w.ids.push(id);
        }
    }
    if w.ids.len() >= need {
        // Stopped at the last case found: every document above it was read.
        w.below = w.ids.last().copied();
        return Ok(());
    }
    let last: Option<i64> = sqlx::query_scalar(
        "SELECT case_id FROM case_search WHERE case_id < $1 ORDER BY case_id DESC LIMIT 1 OFFSET $2",
    )
    .bind(below)
    .bind(window - 1)
    .persistent(false)
    .fetch_optional(&mut *conn)
    .await?;
    w.below = last.map(|id| id.saturating_add(1));
    Ok(())
}

fn trace_walk(what: &str, window: i64, w: &Walked) {
    tracing::debug!(window, found = w.ids.len(), below = ?w.below, "search walk: {what}");
}

/// How densely the cases in `ids` (newest first) lie among the documents: cases per document
/// from the first to the last of them (the newest documents may hold none, as when the latest
/// cases are about something else).
async fn match_density(conn: &mut AnyConnection, ids: &[i64]) -> Result<f64, StoreError> {
    let (Some(&first), Some(&last)) = (ids.first(), ids.last()) else {
        return Ok(0.0);
    };
    let docs: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM case_search WHERE case_id <= $1 AND case_id >= $2",
    )
    .bind(first)
    .bind(last)
    .persistent(false)
    .fetch_one(&mut *conn)
    .await?;
    Ok(ids.len() as f64 / docs.max(1) as f64)
}

/// Walk the newest documents below `below` for a page of `want` cases, then (when `need` is
/// more) on for a count, as far as `walk` and the statistics say walking pays (engines of
/// `dialect::search_walks` only).
async fn walk_newest(
    conn: &mut AnyConnection,
    f: &CaseFilter,
    below: i64,
    want: usize,
    need: usize,
    walk: SearchWalk,
) -> Result<Walked, StoreError> {
    let mut w = Walked {
        ids: Vec::new(),
        below: Some(below),
    };
    let stats = match walk {
        SearchWalk::Docs(_) => None,
        SearchWalk::Estimated => Some(search_stats(conn, f).await?),
    };
    if let Some(s) = &stats {
        tracing::debug!(share = s.share, docs = s.docs, "search walk: statistics");
    }
    let stats = stats.as_ref();
    // The page: a window for the expected density, then the rest of the budget when the newest
    // documents are poorer in matches than expected.
    let mut walked = 0;
    for round in 0..2 {
        let window = match (walk, stats) {
            (SearchWalk::Docs(n), _) => n.max(0),
            (_, Some(s)) if round == 0 => first_window(want, s.share),
            (_, Some(s)) => page_budget(s) - walked,
            (_, None) => 0,
        };
        if window <= 0 {
            return Ok(w);
        }
        walked += window;
        walk_segment(conn, f, window, want, &mut w).await?;
        trace_walk("page", window, &w);
        if w.below.is_none() || w.ids.len() >= want {
            break;
        }
    }
    if w.below.is_none() || w.ids.len() < want || w.ids.len() >= need {
        return Ok(w);
    }
    // The count: on walking while it pays.
    let window = match (walk, stats) {
        (SearchWalk::Docs(n), _) => n.max(0),
        (_, Some(s)) => {
            let density = match_density(conn, &w.ids).await?;
            count_window(s, density, need - w.ids.len())
        }
        (_, None) => 0,
    };
    if window > 0 {
        walk_segment(conn, f, window, need, &mut w).await?;
    }
    trace_walk("count", window, &w);
    Ok(w)
}

/// The capped count of a search from what walks found, the full-text index counting the rest.
async fn walked_count(
    conn: &mut AnyConnection,
    f: &CaseFilter,
    w: &Walked,
    cap: i64,
) -> Result<(i64, bool), StoreError> {
    let found = w.ids.len() as i64;
    if found > cap {
        return Ok((cap, false));
    }
    let n = match w.below {
        None => found,
        Some(below) => {
            let walked = w.ids.iter().filter(|&&id| id >= below).count() as i64;
            walked + count_index(conn, f, below, cap + 1 - walked).await?
        }
    };
    Ok(if n > cap { (cap, false) } else { (n, true) })
}

/// How many cases below `below` match a search (PostgreSQL), up to `need`: from any `need` and a
/// quarter matching documents the index gives first (no sort of every match), more only when
/// they repeat cases.
async fn count_index(
    conn: &mut AnyConnection,
    f: &CaseFilter,
    below: i64,
    need: i64,
) -> Result<i64, StoreError> {
    let engine = Engine::of(conn);
    let mut rows = need + need / 4 + 16;
    for _ in 0..3 {
        let mut w = build_where(engine, f, SearchForm::Joined)?;
        let b = w.bind(below)?;
        w.clauses.push(format!("s.case_id < {b}"));
        let k = w.bind(rows)?;
        let sql = format!(
            "SELECT COUNT(DISTINCT m.case_id), COUNT(*) FROM (SELECT s.case_id \
             FROM case_search s CROSS JOIN cases c{} AND c.id = s.case_id LIMIT {k}) m",
            where_sql(&w)
        );
        let (distinct, read): (i64, i64) = sqlx::query_as_with(&sql, w.args)
            .persistent(false)
            .fetch_one(&mut *conn)
            .await?;
        if distinct >= need {
            return Ok(need);
        }
        if read < rows {
            return Ok(distinct);
        }
        rows = rows.saturating_mul(4);
    }
    let mut w = build_where(engine, f, SearchForm::Joined)?;
    let b = w.bind(below)?;
    w.clauses.push(format!("s.case_id < {b}"));
    let lim = w.bind(need)?;
    let sql = format!(
        "SELECT COUNT(*) FROM (SELECT DISTINCT s.case_id FROM case_search s CROSS JOIN cases c{} \
         AND c.id = s.case_id LIMIT {lim}) m",
        where_sql(&w)
    );
    Ok(sqlx::query_scalar_with(&sql, w.args)
        .persistent(false)
        .fetch_one(conn)
        .await?)
}

/// A page in [`CaseOrder::LatestMatch`] order: the matching documents newest first by the
/// engine's walk key (`dialect::latest_match_key`), each joined to its case and the filters, in
/// batches until the page is full. A case is placed by its first document in that walk; the
/// cursor is that document's key. On SQLite a later page skips the cases that have a matching
/// document at or above the cursor (they were placed before). On PostgreSQL a bounded walk
/// comes first (see [`SearchWalk`]).
async fn list_latest_match(
    conn: &mut AnyConnection,
    f: &CaseFilter,
    after: Option<Cursor>,
    limit: i64,
) -> Result<(Vec<CaseRecord>, Option<Cursor>), StoreError> {
    list_latest_match_walking(conn, f, after, limit, SearchWalk::Estimated).await
}

/// [`list`] in [`CaseOrder::LatestMatch`] order with a search, its walk bounded as `walk` says
/// (tests and measurements; [`list`] estimates it). Without search tokens, [`list`].
pub async fn list_latest_match_walking(
    conn: &mut AnyConnection,
    f: &CaseFilter,
    after: Option<Cursor>,
    limit: i64,
    walk: SearchWalk,
) -> Result<(Vec<CaseRecord>, Option<Cursor>), StoreError> {
    if f.search_tokens.is_empty() {
        return list_sorted(conn, f, CaseOrder::CreatedDesc, after, limit).await;
    }
    let engine = Engine::of(conn);
    let want = usize::try_from(limit).unwrap_or(0) + 1;
    let mut below = after.map_or(i64::MAX, |c| c.key);
    let mut found: Vec<Cursor> = Vec::with_capacity(want);
    let mut seen = std::collections::HashSet::new();
    if dialect::search_walks(engine) {
        // The walk's key is the case id, as the index path's (`dialect::latest_match_key`).
        let w = walk_newest(conn, f, below, want, want, walk).await?;
        seen.extend(w.ids.iter().copied());
        found.extend(w.ids.iter().map(|&id| Cursor { key: id, id }));
        match w.below {
            Some(b) if found.len() < want => below = b,
            _ => return finish_page(conn, found, want).await,
        }
    } else if let Some(cur) = after.filter(|_| dialect::latest_match_key(engine).1) {
        let tokens: Vec<&str> = f.search_tokens.iter().map(String::as_str).collect();
        let (_, query) = dialect::search_subquery(engine, "$1", &tokens);
        let placed: Vec<i64> = sqlx::query_scalar(&format!(
            "SELECT DISTINCT s.case_id FROM case_search s WHERE {} AND s.rowid >= $2",
            dialect::search_match(engine, "s", "$1")
        ))
        .bind(query)
        .bind(cur.key)
        .fetch_all(&mut *conn)
        .await?;
        seen.extend(placed);
    }
    index_page(conn, f, below, &mut seen, &mut found, want).await?;
    finish_page(conn, found, want).await
}

/// Fill `found` up to `want` from the full-text index: the matching documents below `below`
/// by the engine's walk key, newest first, skipping the cases in `seen`.
async fn index_page(
    conn: &mut AnyConnection,
    f: &CaseFilter,
    mut below: i64,
    seen: &mut std::collections::HashSet<i64>,
    found: &mut Vec<Cursor>,
    want: usize,
) -> Result<(), StoreError> {
    let engine = Engine::of(conn);
    let (key, _) = dialect::latest_match_key(engine);
    let mut batch = FIRST_MATCH_BATCH.max(4 * (want as i64 - 1));
    while found.len() < want {
        let mut w = build_where(engine, f, SearchForm::Joined)?;
        dialect::search_count_clauses(engine, &mut w.clauses);
        let b = w.bind(below)?;
        w.clauses.push(format!("{key} < {b}"));
        let lim = w.bind(batch)?;
        // CROSS JOIN keeps the documents the outer loop in SQLite, whatever the filters.
        let sql = format!(
            "SELECT {key} AS k, s.case_id AS id FROM case_search s CROSS JOIN cases c{} \
             AND c.id = s.case_id ORDER BY {key} DESC LIMIT {lim}",
            where_sql(&w)
        );
        let rows: Vec<(i64, i64)> = sqlx::query_as_with(&sql, w.args)
            .persistent(dialect::search_prepared(engine))
            .fetch_all(&mut *conn)
            .await?;
        for &(key, id) in &rows {
            if seen.insert(id) {
                found.push(Cursor { key, id });
                if found.len() == want {
                    break;
                }
            }
        }
        match rows.last() {
            Some(&(key, _)) if (rows.len() as i64) == batch => below = key,
            _ => break,
        }
        batch = (batch * 2).min(MAX_MATCH_BATCH);
    }
    Ok(())
}

/// The page of the first `want - 1` of `found` (in that order), with the cursor after it when
/// `found` holds `want`.
async fn finish_page(
    conn: &mut AnyConnection,
    mut found: Vec<Cursor>,
    want: usize,
) -> Result<(Vec<CaseRecord>, Option<Cursor>), StoreError> {
    found.truncate(want);
    let next = if found.len() == want {
        found.pop();
        found.last().copied()
    } else {
        None
    };
    if found.is_empty() {
        return Ok((vec![], None));
    }
    // Case ids are integers from the database: safe to inline.
    let ids = found
        .iter()
        .map(|c| c.id.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let rows: Vec<Raw> = sqlx::query_as(&format!("{SELECT} WHERE c.id IN ({ids})"))
        .fetch_all(&mut *conn)
        .await?;
    let mut by_id: std::collections::HashMap<i64, CaseRecord> = rows
        .into_iter()
        .map(|r| CaseRecord::try_from(r).map(|c| (c.id, c)))
        .collect::<Result<_, _>>()?;
    let items = found.iter().filter_map(|c| by_id.remove(&c.id)).collect();
    Ok((items, next))
}

/// The first page of a search newest first with its capped total.
#[derive(Debug, Clone)]
pub struct SearchPage {
    pub items: Vec<CaseRecord>,
    pub next: Option<Cursor>,
    pub total: i64,
    pub total_exact: bool,
}

/// The first page of a search in [`CaseOrder::LatestMatch`] order and its total counted up to
/// `cap`: [`list`] and [`count_capped`] in one. On PostgreSQL one walk over the newest documents
/// serves both (the page is the newest of the cases the count walks through); elsewhere, and
/// without search tokens, the two calls.
pub async fn search_first_page(
    conn: &mut AnyConnection,
    f: &CaseFilter,
    limit: i64,
    cap: i64,
) -> Result<SearchPage, StoreError> {
    search_first_page_walking(conn, f, limit, cap, SearchWalk::Estimated).await
}

/// [`search_first_page`] with its walks bounded as `walk` says (tests and measurements).
pub async fn search_first_page_walking(
    conn: &mut AnyConnection,
    f: &CaseFilter,
    limit: i64,
    cap: i64,
    walk: SearchWalk,
) -> Result<SearchPage, StoreError> {
    if f.search_tokens.is_empty() || !dialect::search_walks(Engine::of(conn)) {
        let (items, next) =
            list_latest_match_walking(conn, f, None, limit, SearchWalk::Docs(0)).await?;
        let (total, total_exact) = count_capped_walking(conn, f, cap, walk).await?;
        return Ok(SearchPage {
            items,
            next,
            total,
            total_exact,
        });
    }
    let want = usize::try_from(limit).unwrap_or(0) + 1;
    let need = usize::try_from(cap.saturating_add(1))
        .unwrap_or(0)
        .max(want);
    let w = walk_newest(conn, f, i64::MAX, want, need, walk).await?;
    let (total, total_exact) = walked_count(conn, f, &w, cap).await?;
    let mut found: Vec<Cursor> = w.ids.iter().map(|&id| Cursor { key: id, id }).collect();
    if let Some(below) = w.below {
        if found.len() < want {
            let mut seen = w.ids.iter().copied().collect();
            index_page(conn, f, below, &mut seen, &mut found, want).await?;
        }
    }
    let (items, next) = finish_page(conn, found, want).await?;
    Ok(SearchPage {
        items,
        next,
        total,
        total_exact,
    })
}

/// How many cases a search counts exactly; beyond, its total is a lower bound.
pub const SEARCH_COUNT_CAP: i64 = 1000;

/// How many cases match a search filter, counted up to `cap`: `(n, true)` when `n` is exact,
/// `(cap, false)` when more than `cap` match. Stops after `cap + 1` matching cases instead of
/// finding every match (a broad query matches a third of all cases). Without search tokens, the
/// exact [`count`]. On PostgreSQL walks over the newest documents count first (see
/// [`SearchWalk`]).
pub async fn count_capped(
    conn: &mut AnyConnection,
    f: &CaseFilter,
    cap: i64,
) -> Result<(i64, bool), StoreError> {
    count_capped_walking(conn, f, cap, SearchWalk::Estimated).await
}

/// [`count_capped`] with its walks bounded as `walk` says (tests and measurements).
pub async fn count_capped_walking(
    conn: &mut AnyConnection,
    f: &CaseFilter,
    cap: i64,
    walk: SearchWalk,
) -> Result<(i64, bool), StoreError> {
    if f.search_tokens.is_empty() {
        return Ok((count(conn, f).await?, true));
    }
    let engine = Engine::of(conn);
    if dialect::search_walks(engine) {
        let need = usize::try_from(cap.saturating_add(1)).unwrap_or(0);
        let w = walk_newest(conn, f, i64::MAX, WALK_PROBE.min(need), need, walk).await?;
        return walked_count(conn, f, &w, cap).await;
    }
    let mut w = build_where(engine, f, SearchForm::Joined)?;
    dialect::search_count_clauses(engine, &mut w.clauses);
    let lim = w.bind(cap + 1)?;
    let sql = format!(
        "SELECT COUNT(*) FROM (SELECT DISTINCT s.case_id FROM case_search s CROSS JOIN cases c{} \
         AND c.id = s.case_id LIMIT {lim}) m",
        where_sql(&w)
    );
    let n: i64 = sqlx::query_scalar_with(&sql, w.args)
        .fetch_one(conn)
        .await?;
    Ok(if n > cap { (cap, false) } else { (n, true) })
}

/// How many cases match the filter (the scope included, so counts never reveal hidden cases).
/// Answered from the counts maintained by triggers where they cover the filter: every case or
/// every case but the confidential ones from `case_counts` (migration 0010), a filter on scope,
/// status, branch, unit and assignee from `case_tallies` (migration 0011: a SUM over a few rows
/// instead of reading tens of thousands of index entries), and with a due time before an instant
/// as the tallied cases with a due time minus those due later; anything else counts the cases.
pub async fn count(conn: &mut AnyConnection, f: &CaseFilter) -> Result<i64, StoreError> {
    let mut w = Where::new();
    let sql = count_query(&mut w, Engine::of(conn), f)?;
    Ok(sqlx::query_scalar_with(&sql, w.args)
        .fetch_one(conn)
        .await?)
}

/// [`count`] for each filter, in one statement (one scalar subquery per filter): the console's
/// queue navigation asks for eight counts on every page, and each statement is a round trip.
pub async fn count_many(
    conn: &mut AnyConnection,
    filters: &[CaseFilter],
) -> Result<Vec<i64>, StoreError> {
    if filters.is_empty() {
        return Ok(vec![]);
    }
    let engine = Engine::of(conn);
    let mut w = Where::new();
    let mut columns = Vec::with_capacity(filters.len());
    for f in filters {
        columns.push(format!(
            "COALESCE(({}), 0)",
            count_query(&mut w, engine, f)?
        ));
    }
    let sql = format!("SELECT {}", columns.join(", "));
    let row = sqlx::query_with(&sql, w.args).fetch_one(conn).await?;
    (0..filters.len())
        .map(|i| row.try_get::<i64, _>(i).map_err(StoreError::from))
        .collect()
}

/// A query answering [`count`] for `f`, its values bound in `w` after those already there.
fn count_query(w: &mut Where, engine: Engine, f: &CaseFilter) -> Result<String, StoreError> {
    if tallied(f) && f.due_after.is_none() {
        if let Some(before) = f.due_before {
            // Due before `before` ("overdue"): the cases with a due time, from the tallies, minus
            // those due at or after it, counted. For "now" the second are the active cases opened
            // within their resolution target (1,700 of a million seeded cases, where 23,000 are
            // overdue): the count no longer reads the whole overdue backlog.
            let rest = CaseFilter {
                due_before: None,
                ..f.clone()
            };
            add_conditions(w, engine, &rest, SearchForm::Subquery, Table::Tallies)?;
            let mut clauses = std::mem::take(&mut w.clauses);
            clauses.push("c.has_due = 1".into());
            let with_due = format!(
                "SELECT CAST(COALESCE(SUM(c.n), 0) AS BIGINT) FROM case_tallies c{}",
                where_of(&clauses)
            );
            let later = CaseFilter {
                due_after: Some(before),
                ..rest
            };
            let later = scanning_query(w, engine, &later)?;
            return Ok(format!("SELECT ({with_due}) - ({later})"));
        }
        let scope_only = f.statuses.is_empty()
            && f.branch.is_none()
            && f.unit_id.is_none()
            && f.assignee_id.is_none()
            && !f.unassigned;
        // Every case, or every case but the confidential ones: one row of `case_counts`.
        match (&f.scope, scope_only) {
            (CaseScope::All, true) => {
                return Ok(
                    "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM case_counts".to_string(),
                )
            }
            (CaseScope::NonConfidential, true) => {
                return Ok("SELECT n FROM case_counts WHERE confidential = 0".to_string())
            }
            _ => {}
        }
        add_conditions(w, engine, f, SearchForm::Subquery, Table::Tallies)?;
        let clauses = std::mem::take(&mut w.clauses);
        return Ok(format!(
            "SELECT CAST(COALESCE(SUM(c.n), 0) AS BIGINT) FROM case_tallies c{}",
            where_of(&clauses)
        ));
    }
    scanning_query(w, engine, f)
}

/// A query counting the cases that match `f`, its values bound in `w` after those already there.
fn scanning_query(w: &mut Where, engine: Engine, f: &CaseFilter) -> Result<String, StoreError> {
    add_conditions(w, engine, f, SearchForm::Subquery, Table::Cases)?;
    let mut clauses = std::mem::take(&mut w.clauses);
    if !f.search_tokens.is_empty() {
        dialect::search_count_clauses(engine, &mut clauses);
    }
    Ok(format!(
        "SELECT COUNT(*) FROM cases c{}",
        where_of(&clauses)
    ))
}

/// How many cases match the filter, counted from the cases themselves (never from the maintained
/// counts): what [`count`] falls back to, and what the tests compare it with.
pub async fn count_scanning(conn: &mut AnyConnection, f: &CaseFilter) -> Result<i64, StoreError> {
    let mut w = Where::new();
    let sql = scanning_query(&mut w, Engine::of(conn), f)?;
    Ok(sqlx::query_scalar_with(&sql, w.args)
        .fetch_one(conn)
        .await?)
}
