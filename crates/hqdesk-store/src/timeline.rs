//! Timeline entries: messages, notes, calls and events of a case.
use hqdesk_domain::case::timeline::{DeliveryState, EntryKind};
use hqdesk_domain::channel::Channel;
use hqdesk_domain::Timestamp;
use sqlx::any::AnyArguments;
use sqlx::AnyConnection;

use crate::sealed::{append, places, CaseSeal};
use crate::{multirow, StoreError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub id: i64,
    pub case_id: i64,
    pub kind: EntryKind,
    pub channel: Option<Channel>,
    pub author_user_id: Option<i64>,
    pub author_username: Option<String>,
    pub body: String,
    pub delivery_state: Option<DeliveryState>,
    /// JSON: what an event changed, a call's details, a message's headers.
    pub meta: Option<String>,
    /// Why a message could not be delivered (the server's words).
    pub delivery_error: Option<String>,
    /// The case the entry was written in, when a merge moved it here: its sealed values are
    /// bound to that case (`sealed::places::entry`).
    pub origin_case_id: Option<i64>,
    pub created_at: Timestamp,
}

impl Entry {
    /// The case whose places this entry's sealed values are bound to.
    pub fn place_case_id(&self) -> i64 {
        self.origin_case_id.unwrap_or(self.case_id)
    }
}

#[derive(sqlx::FromRow)]
struct Raw {
    id: i64,
    case_id: i64,
    kind: String,
    channel: Option<String>,
    author_user_id: Option<i64>,
    author_username: Option<String>,
    body: String,
    delivery_state: Option<String>,
    meta: Option<String>,
    delivery_error: Option<String>,
    origin_case_id: Option<i64>,
    created_at: i64,
}

impl TryFrom<Raw> for Entry {
    type Error = StoreError;
    fn try_from(r: Raw) -> Result<Self, StoreError> {
        Ok(Entry {
            id: r.id,
            case_id: r.case_id,
            kind: EntryKind::parse(&r.kind)?,
            channel: r.channel.as_deref().map(Channel::parse).transpose()?,
            author_user_id: r.author_user_id,
            author_username: r.author_username,
            body: r.body,
            delivery_state: r
                .delivery_state
                .as_deref()
                .map(DeliveryState::parse)
                .transpose()?,
            // Entries written before the column kept the error in their meta (if still failed).
            delivery_error: r.delivery_error.or_else(|| {
                (r.delivery_state.as_deref() == Some("failed"))
                    .then(|| delivery_error(r.meta.as_deref()))
                    .flatten()
            }),
            meta: r.meta,
            origin_case_id: r.origin_case_id,
            created_at: Timestamp(r.created_at),
        })
    }
}

const SELECT: &str = "SELECT e.id, e.case_id, e.kind, e.channel, e.author_user_id, \
    u.username AS author_username, e.body, e.delivery_state, e.meta, e.delivery_error, \
    e.origin_case_id, e.created_at \
    FROM timeline_entries e LEFT JOIN users u ON u.id = e.author_user_id";

#[derive(Debug, Clone)]
pub struct NewEntry<'a> {
    pub case_id: i64,
    pub kind: EntryKind,
    pub channel: Option<Channel>,
    pub author_user_id: Option<i64>,
    pub body: &'a str,
    pub delivery_state: Option<DeliveryState>,
    pub meta: Option<String>,
}

/// Insert an entry. On a sealed case its body and meta are sealed (`sealed::append`): the row
/// is inserted empty and its values written once its id, part of their place, exists.
pub async fn insert(
    conn: &mut AnyConnection,
    e: &NewEntry<'_>,
    now: Timestamp,
) -> Result<i64, StoreError> {
    let seal = append::of_case(&mut *conn, e.case_id).await?;
    let (body, meta) = match seal {
        Some(_) => ("", None),
        None => (e.body, e.meta.clone()),
    };
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO timeline_entries (case_id, kind, channel, author_user_id, body, delivery_state, meta, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(e.case_id)
    .bind(e.kind.as_str())
    .bind(e.channel.map(Channel::as_str))
    .bind(e.author_user_id)
    .bind(body)
    .bind(e.delivery_state.map(DeliveryState::as_str))
    .bind(meta)
    .bind(now.millis())
    .fetch_one(&mut *conn)
    .await?;
    if let Some(seal) = seal {
        write_sealed(conn, &seal, id, e).await?;
    }
    Ok(id)
}

/// Write an entry's sealed body and meta, once its id exists.
async fn write_sealed(
    conn: &mut AnyConnection,
    seal: &CaseSeal,
    id: i64,
    e: &NewEntry<'_>,
) -> Result<(), StoreError> {
    let body = seal.seal(
        &places::entry(e.case_id, id, places::EntryPart::Body),
        e.body,
    )?;
    let meta = seal.seal_opt(
        &places::entry(e.case_id, id, places::EntryPart::Meta),
        e.meta.as_deref(),
    )?;
    sqlx::query("UPDATE timeline_entries SET body = $1, meta = $2 WHERE id = $3")
        .bind(body)
        .bind(meta)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Insert one entry for each of several cases (group commit); ids in the order of `entries`.
/// At most one entry per case: the ids are matched back by case.
pub async fn insert_many(
    conn: &mut AnyConnection,
    entries: &[NewEntry<'_>],
    now: Timestamp,
) -> Result<Vec<i64>, StoreError> {
    const COLS: usize = 8;
    let case_ids: Vec<i64> = entries.iter().map(|e| e.case_id).collect();
    let seals = append::of_cases(&mut *conn, &case_ids).await?;
    let mut ids = Vec::with_capacity(entries.len());
    let mut start = 0;
    for size in multirow::chunk_sizes(entries.len(), COLS) {
        let rows = &entries[start..start + size];
        start += size;
        let mut args = AnyArguments::default();
        for e in rows {
            multirow::add(&mut args, e.case_id)?;
            multirow::add(&mut args, e.kind.as_str())?;
            multirow::add(&mut args, e.channel.map(Channel::as_str))?;
            multirow::add(&mut args, e.author_user_id)?;
            let sealed = seals.contains_key(&e.case_id);
            multirow::add(&mut args, if sealed { "" } else { e.body }.to_string())?;
            multirow::add(&mut args, e.delivery_state.map(DeliveryState::as_str))?;
            multirow::add(&mut args, if sealed { None } else { e.meta.clone() })?;
            multirow::add(&mut args, now.millis())?;
        }
        let sql = format!(
            "INSERT INTO timeline_entries (case_id, kind, channel, author_user_id, body, delivery_state, meta, created_at) \
             VALUES {} RETURNING id, case_id",
            multirow::values(size, COLS)
        );
        let returned: Vec<(i64, i64)> = sqlx::query_as_with(&sql, args)
            .fetch_all(&mut *conn)
            .await?;
        for e in rows {
            let mut found = returned.iter().filter(|(_, c)| *c == e.case_id);
            match (found.next(), found.next()) {
                (Some((id, _)), None) => ids.push(*id),
                _ => {
                    return Err(StoreError::Corrupt(format!(
                        "insert_many: expected one entry for case {}",
                        e.case_id
                    )))
                }
            }
        }
    }
    for (e, id) in entries.iter().zip(&ids) {
        if let Some(seal) = seals.get(&e.case_id) {
            write_sealed(&mut *conn, seal, *id, e).await?;
        }
    }
    Ok(ids)
}

pub async fn get(conn: &mut AnyConnection, id: i64) -> Result<Entry, StoreError> {
    let r: Raw = sqlx::query_as(&format!("{SELECT} WHERE e.id = $1"))
        .bind(id)
        .fetch_one(conn)
        .await?;
    r.try_into()
}

/// A case's entries of the given kinds in order, after entry `after_id`, at most `limit`.
pub async fn list(
    conn: &mut AnyConnection,
    case_id: i64,
    kinds: &[EntryKind],
    after_id: Option<i64>,
    limit: i64,
) -> Result<Vec<Entry>, StoreError> {
    let kinds_sql = if kinds.is_empty() {
        String::new()
    } else {
        format!(
            " AND e.kind IN ({})",
            kinds
                .iter()
                .map(|k| format!("'{}'", k.as_str()))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let rows: Vec<Raw> = sqlx::query_as(&format!(
        "{SELECT} WHERE e.case_id = $1 AND e.id > $2{kinds_sql} ORDER BY e.id LIMIT $3"
    ))
    .bind(case_id)
    .bind(after_id.unwrap_or(0))
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.into_iter().map(Entry::try_from).collect()
}

/// The entries of several cases, each case's in order: a search over sealed cases opens them
/// all in the request. Ids are integers from the database: inlined, a few hundred at a time.
pub async fn list_for_cases(
    conn: &mut AnyConnection,
    case_ids: &[i64],
) -> Result<Vec<Entry>, StoreError> {
    let mut out = Vec::new();
    for chunk in case_ids.chunks(500) {
        let ids = chunk
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        let rows: Vec<Raw> = sqlx::query_as(&format!(
            "{SELECT} WHERE e.case_id IN ({ids}) ORDER BY e.case_id, e.id"
        ))
        .fetch_all(&mut *conn)
        .await?;
        for r in rows {
            out.push(Entry::try_from(r)?);
        }
    }
    Ok(out)
}

/// The messages exchanged with the requester of `case_id`, in order, at most `limit`: those
/// written on it and still there, and those a merge moved from it onto another case. Never the
/// messages another case brought in by a merge: they were exchanged with someone else.
pub async fn requester_conversation(
    conn: &mut AnyConnection,
    case_id: i64,
    limit: i64,
) -> Result<Vec<Entry>, StoreError> {
    let rows: Vec<Raw> = sqlx::query_as(&format!(
        "{SELECT} WHERE ((e.case_id = $1 AND e.origin_case_id IS NULL) OR e.origin_case_id = $1) \
         AND e.kind IN ('inbound', 'outbound') ORDER BY e.id LIMIT $2"
    ))
    .bind(case_id)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.into_iter().map(Entry::try_from).collect()
}

pub async fn set_delivery_state(
    conn: &mut AnyConnection,
    id: i64,
    state: DeliveryState,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE timeline_entries SET delivery_state = $1 WHERE id = $2")
        .bind(state.as_str())
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Set a message's delivery state and why it failed (the server's words, cleared when there is
/// none); sealed for a sealed case: an SMTP answer quotes the address.
pub async fn set_delivery(
    conn: &mut AnyConnection,
    id: i64,
    state: DeliveryState,
    error: Option<&str>,
) -> Result<(), StoreError> {
    let (case_id, origin): (i64, Option<i64>) =
        sqlx::query_as("SELECT case_id, origin_case_id FROM timeline_entries WHERE id = $1")
            .bind(id)
            .fetch_one(&mut *conn)
            .await?;
    let error = match append::of_case(&mut *conn, case_id).await? {
        Some(seal) => seal.seal_opt(
            &places::entry(
                origin.unwrap_or(case_id),
                id,
                places::EntryPart::DeliveryError,
            ),
            error,
        )?,
        None => error.map(str::to_string),
    };
    sqlx::query(
        "UPDATE timeline_entries SET delivery_state = $1, delivery_error = $2 WHERE id = $3",
    )
    .bind(state.as_str())
    .bind(error)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

/// The reason a message could not be delivered, from the meta of an entry written before the
/// `delivery_error` column.
pub fn delivery_error(meta: Option<&str>) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(meta?).ok()?;
    v.get("delivery_error")?.as_str().map(String::from)
}
