//! Reading cases: one case, a page of a list or search, counts.
use hqdesk_domain::access::Action;
use hqdesk_domain::case::{Branch, CaseKind, Status};
use hqdesk_domain::channel::Channel;
use hqdesk_domain::requester::PhoneE164;
use hqdesk_domain::requester::{Email, TaxCode};
use hqdesk_domain::{text, ValidationErrors};
use hqdesk_store::cases::{CaseFilter, CaseOrder, Cursor, SortKey};
use hqdesk_store::{cases, categories, users, Connection, Store, StoreError};
use serde_json::json;

use super::{actor_username, non_empty, CasePage, CaseView, ListCases, DEFAULT_PAGE, MAX_PAGE};
use crate::audit::record as audit;
use crate::lookup::unit_named;
use crate::{Actor, ServiceError, Services};

/// A list request in the store's terms.
struct ListQuery {
    filter: CaseFilter,
    order: CaseOrder,
    after: Option<Cursor>,
    limit: i64,
    searching: bool,
}
/// A search token as the filter takes it: a phone number typed nationally (`0987654321`) also
/// in the form the index holds requesters' numbers (`84987654321`), either matching.
fn search_token(token: &str) -> String {
    match PhoneE164::indexed_token(token) {
        Some(indexed) => format!("{token}|{indexed}"),
        None => token.to_string(),
    }
}
impl Services {
    /// Read one case. Reading a confidential case is itself recorded in the audit log.
    pub async fn get_case(&self, actor: &Actor, number: &str) -> Result<CaseView, ServiceError> {
        let mut conn = self.store().read().await?;
        let case = self
            .load_case(&mut conn, actor, number, Action::ReadCase)
            .await?;
        if case.confidential {
            let mut tx = self.store().begin().await?;
            audit(
                &mut tx,
                self.now(),
                actor,
                "case.read_confidential",
                &format!("case:{}", case.number),
                json!({}),
            )
            .await?;
            Store::commit(tx).await?;
        }
        self.view(&mut conn, actor, case).await
    }

    /// List and search cases the actor may see. Listing a confidential case is a read of it,
    /// and audited as one.
    pub async fn list_cases(&self, actor: &Actor, q: ListCases) -> Result<CasePage, ServiceError> {
        let via = if non_empty(&q.q).is_some() {
            "search"
        } else {
            "list"
        };
        let mut page = self.cases_page(actor, q, true).await?;
        self.record_confidential_reads(actor, page.items.iter().chain(&page.sealed.items), via)
            .await?;
        if page.items.iter().any(|c| c.sealed) {
            let mut conn = self.store().read().await?;
            crate::sealing::CaseKeys::for_actor(actor)
                .open_cases(&mut conn, &mut page.items)
                .await?;
        }
        Ok(page)
    }

    /// How many cases `q` matches (validated as by `list_cases`), without reading a page of
    /// them.
    pub async fn count_cases(&self, actor: &Actor, q: ListCases) -> Result<i64, ServiceError> {
        Ok(self.cases_page(actor, q, false).await?.total)
    }

    /// [`Services::count_cases`] for each of `qs`, on one connection and, but for searches, in
    /// one statement: the console's queue navigation needs eight counts on every page.
    pub async fn count_cases_many(
        &self,
        actor: &Actor,
        qs: Vec<ListCases>,
    ) -> Result<Vec<i64>, ServiceError> {
        let mut conn = self.store().read().await?;
        let mut queries = Vec::with_capacity(qs.len());
        for q in qs {
            queries.push(self.list_query(&mut conn, actor, q).await?);
        }
        let plain: Vec<CaseFilter> = queries
            .iter()
            .filter(|q| !q.searching)
            .map(|q| q.filter.clone())
            .collect();
        let mut plain_counts = cases::count_many(&mut conn, &plain).await?.into_iter();
        let mut counts = Vec::with_capacity(queries.len());
        for q in &queries {
            counts.push(if q.searching {
                cases::count_capped(&mut conn, &q.filter, cases::SEARCH_COUNT_CAP)
                    .await?
                    .0
            } else {
                plain_counts
                    .next()
                    .ok_or_else(|| ServiceError::Internal("a count is missing".into()))?
            });
        }
        Ok(counts)
    }

    async fn cases_page(
        &self,
        actor: &Actor,
        q: ListCases,
        with_items: bool,
    ) -> Result<CasePage, ServiceError> {
        let mut conn = self.store().read().await?;
        let ListQuery {
            filter,
            order,
            after,
            limit,
            searching,
        } = self.list_query(&mut conn, actor, q).await?;
        let sealed = if with_items && searching && after.is_none() {
            crate::sealing::search::sealed_matches(&mut conn, actor, &filter).await?
        } else {
            Default::default()
        };
        if with_items && searching && order == CaseOrder::LatestMatch && after.is_none() {
            // The first page and its total from one walk over the newest matches.
            let page = cases::search_first_page(&mut conn, &filter, limit, cases::SEARCH_COUNT_CAP)
                .await?;
            return Ok(CasePage {
                items: page.items,
                next_cursor: page.next.map(|c| format!("{}.{}", c.key, c.id)),
                total: page.total,
                total_exact: page.total_exact,
                sealed,
            });
        }
        let (items, next) = if with_items {
            cases::list(&mut conn, &filter, order, after, limit).await?
        } else {
            (vec![], None)
        };
        let (total, total_exact) = if searching {
            cases::count_capped(&mut conn, &filter, cases::SEARCH_COUNT_CAP).await?
        } else {
            (cases::count(&mut conn, &filter).await?, true)
        };
        Ok(CasePage {
            items,
            next_cursor: next.map(|c| format!("{}.{}", c.key, c.id)),
            total,
            total_exact,
            sealed,
        })
    }

    /// A list request checked and put in the store's terms (units and users looked up on `conn`).
    async fn list_query(
        &self,
        conn: &mut Connection,
        actor: &Actor,
        q: ListCases,
    ) -> Result<ListQuery, ServiceError> {
        let mut errors = ValidationErrors::new();
        let mut filter = CaseFilter::new(actor.case_scope());
        for k in &q.kind {
            if let Some(k) = errors.check("kind", CaseKind::parse(k)) {
                filter.kinds.push(k);
            }
        }
        for s in &q.status {
            if let Some(s) = errors.check("status", Status::parse(s)) {
                filter.statuses.push(s);
            }
        }
        filter.branch = q
            .branch
            .and_then(|b| errors.check("branch", Branch::from_number(b)));
        filter.channel =
            non_empty(&q.channel).and_then(|c| errors.check("channel", Channel::parse(c)));
        filter.unassigned = q.unassigned;
        filter.requester_id = q.requester_id;
        filter.due_before = q.due_before;
        filter.due_after = q.due_after;
        filter.created_from = q.created_from;
        filter.created_before = q.created_before;
        filter.requester_text = non_empty(&q.requester).map(requester_text);
        filter.legal_clock = match non_empty(&q.legal) {
            None => None,
            Some("acceptance") => Some(cases::LegalClockFilter {
                clock: Some(hqdesk_domain::sla::ClockKind::LegalAcceptance),
                due_before: q.legal_due_before,
            }),
            Some("any") => Some(cases::LegalClockFilter {
                clock: None,
                due_before: q.legal_due_before,
            }),
            Some(other) => {
                errors.push(hqdesk_domain::FieldError {
                    field: "legal".into(),
                    code: "legal_unknown",
                    message: format!(
                        "unknown legal deadline filter {other:?}; expected acceptance or any"
                    ),
                });
                None
            }
        };
        if let Some(code) = non_empty(&q.category) {
            match categories::by_code(conn, code).await {
                Ok(c) => filter.category_id = Some(c.id),
                Err(StoreError::NotFound) => errors.push(hqdesk_domain::FieldError {
                    field: "category".into(),
                    code: "category_unknown",
                    message: format!("there is no category {code:?}"),
                }),
                Err(e) => return Err(e.into()),
            }
        }
        if let Some(text) = non_empty(&q.q) {
            filter.search_tokens = text::search_tokens(text)
                .split(' ')
                .filter(|t| !t.is_empty())
                .map(search_token)
                .take(16)
                .collect();
            if filter.search_tokens.is_empty() {
                errors.push(hqdesk_domain::FieldError {
                    field: "q".into(),
                    code: "query_empty",
                    message: "the search has no letters or digits to look for".into(),
                });
            }
        }
        let searching = !filter.search_tokens.is_empty();
        let order = match q.sort.as_deref() {
            // A search without a sort: the most recent matching texts first (a page without
            // sorting every match; the same as newest cases first unless old cases got new
            // matching messages).
            None if searching => CaseOrder::LatestMatch,
            None | Some("created") | Some("-created") => CaseOrder::CreatedDesc,
            Some("due") => CaseOrder::DueAsc,
            Some("-updated") | Some("updated") => CaseOrder::UpdatedDesc,
            Some(key) if sort_key(key).is_some() => {
                let (k, desc) = sort_key(key).unwrap_or((SortKey::Created, true));
                CaseOrder::By(k, desc)
            }
            Some(other) => {
                errors.push(hqdesk_domain::FieldError {
                    field: "sort".into(),
                    code: "sort_unknown",
                    message: format!("unknown sort {other:?}; expected created, due, updated, number, age, nearest_due, priority or status (- before one but created and updated: descending)"),
                });
                CaseOrder::CreatedDesc
            }
        };
        let after = match non_empty(&q.cursor) {
            Some(c) => errors.check("cursor", parse_cursor(c)),
            None => None,
        };
        let limit = q.limit.unwrap_or(DEFAULT_PAGE);
        if !(1..=MAX_PAGE).contains(&limit) {
            errors.push(hqdesk_domain::FieldError {
                field: "limit".into(),
                code: "limit_range",
                message: format!("limit must be between 1 and {MAX_PAGE}"),
            });
        }
        if let Some(code) = non_empty(&q.unit) {
            let code = code.to_ascii_uppercase();
            if let Some(u) = unit_named(conn, "unit", &code, &mut errors).await? {
                filter.unit_id = Some(u.id);
            }
        }
        if let (Some("me"), Some(id)) = (non_empty(&q.assignee), actor.user_id()) {
            // The actor's own id: no need to look the name up.
            filter.assignee_id = Some(id);
        } else if let Some(name) = non_empty(&q.assignee) {
            let name = if name == "me" {
                actor_username(actor)
            } else {
                name.to_ascii_lowercase()
            };
            match users::by_username(conn, &name).await {
                Ok(u) => filter.assignee_id = Some(u.id),
                Err(StoreError::NotFound) => errors.push(hqdesk_domain::FieldError {
                    field: "assignee".into(),
                    code: "user_unknown",
                    message: format!("there is no user {name:?}"),
                }),
                Err(e) => return Err(e.into()),
            }
        }
        errors.into_result()?;
        Ok(ListQuery {
            filter,
            order,
            after,
            limit,
            searching,
        })
    }
}

/// A requester filter as stored: an e-mail address, phone number or tax code in the form the
/// directory keeps it, else the words as typed (matched within names).
fn requester_text(text: &str) -> String {
    if let Ok(p) = PhoneE164::parse(text) {
        return p.as_str().to_string();
    }
    if let Ok(e) = Email::parse(text) {
        return e.as_str().to_string();
    }
    if let Ok(t) = TaxCode::parse(text) {
        return t.as_str().to_string();
    }
    text.to_string()
}

/// A sort the console asks for: a column and its direction (`-` first: descending). `age`
/// ascending is the youngest first.
fn sort_key(s: &str) -> Option<(SortKey, bool)> {
    let (name, desc) = match s.strip_prefix('-') {
        Some(n) => (n, true),
        None => (s, false),
    };
    let key = match name {
        "number" => SortKey::Number,
        "age" => return Some((SortKey::Created, !desc)),
        "nearest_due" => SortKey::NearestDue,
        "priority" => SortKey::Priority,
        "status" => SortKey::Status,
        _ => return None,
    };
    Some((key, desc))
}

fn parse_cursor(s: &str) -> Result<Cursor, hqdesk_domain::InvalidValue> {
    let bad = || {
        hqdesk_domain::InvalidValue::new(
            "cursor_invalid",
            "this cursor was not made by this server; start from the first page",
        )
    };
    let (k, i) = s.split_once('.').ok_or_else(bad)?;
    Ok(Cursor {
        key: k.parse().map_err(|_| bad())?,
        id: i.parse().map_err(|_| bad())?,
    })
}
