//! Timeline entries: messages, notes, calls and events of a case.
use hqdesk_domain::case::timeline::{DeliveryState, EntryKind};
use hqdesk_domain::channel::Channel;
use hqdesk_domain::Timestamp;
use sqlx::any::AnyArguments;
use sqlx::AnyConnection;

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
    pub created_at: Timestamp,
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
            meta: r.meta,
            created_at: Timestamp(r.created_at),
        })
    }
}

const SELECT: &str = "SELECT e.id, e.case_id, e.kind, e.channel, e.author_user_id, \
    u.username AS author_username, e.body, e.delivery_state, e.meta, e.created_at \
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

pub async fn insert(
    conn: &mut AnyConnection,
    e: &NewEntry<'_>,
    now: Timestamp,
) -> Result<i64, StoreError> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO timeline_entries (case_id, kind, channel, author_user_id, body, delivery_state, meta, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(e.case_id)
    .bind(e.kind.as_str())
    .bind(e.channel.map(Channel::as_str))
    .bind(e.author_user_id)
    .bind(e.body)
    .bind(e.delivery_state.map(DeliveryState::as_str))
    .bind(e.meta.clone())
    .bind(now.millis())
    .fetch_one(conn)
    .await?;
    Ok(id)
}

/// Insert one entry for each of several cases (group commit); ids in the order of `entries`.
/// At most one entry per case: the ids are matched back by case.
pub async fn insert_many(
    conn: &mut AnyConnection,
    entries: &[NewEntry<'_>],
    now: Timestamp,
) -> Result<Vec<i64>, StoreError> {
    const COLS: usize = 8;
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
            multirow::add(&mut args, e.body.to_string())?;
            multirow::add(&mut args, e.delivery_state.map(DeliveryState::as_str))?;
            multirow::add(&mut args, e.meta.clone())?;
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

/// Set a message's delivery state; `error` (the server's words) is kept in the entry's meta as
/// `delivery_error`, and cleared when there is none.
pub async fn set_delivery(
    conn: &mut AnyConnection,
    id: i64,
    state: DeliveryState,
    error: Option<&str>,
) -> Result<(), StoreError> {
    let meta: Option<String> =
        sqlx::query_scalar("SELECT meta FROM timeline_entries WHERE id = $1")
            .bind(id)
            .fetch_one(&mut *conn)
            .await?;
    let mut obj = meta
        .as_deref()
        .and_then(|m| serde_json::from_str::<serde_json::Value>(m).ok())
        .filter(serde_json::Value::is_object)
        .unwrap_or_else(|| serde_json::json!({}));
    let had = obj.get("delivery_error").is_some();
    if let Some(map) = obj.as_object_mut() {
        match error {
            Some(e) => {
                map.insert(
                    "delivery_error".into(),
                    serde_json::Value::String(e.to_string()),
                );
            }
            None => {
                map.remove("delivery_error");
            }
        }
    }
    let new_meta = if error.is_some() || had {
        Some(obj.to_string())
    } else {
        meta
    };
    sqlx::query("UPDATE timeline_entries SET delivery_state = $1, meta = $2 WHERE id = $3")
        .bind(state.as_str())
        .bind(new_meta)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// The reason a message could not be delivered, from its meta.
pub fn delivery_error(meta: Option<&str>) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(meta?).ok()?;
    v.get("delivery_error")?.as_str().map(String::from)
}
