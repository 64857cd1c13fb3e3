//! The append-only, hash-chained audit log. New rows are chained with the audit key of the
//! current secret key (`secrets`), named in their `key_id`.
use hqdesk_domain::audit::{
    keyed_entry_hash, AuditEntry, AuditKeys, ChainBreak, ChainVerifier, GENESIS_HASH,
};
use hqdesk_domain::Timestamp;
use sqlx::any::AnyArguments;
use sqlx::AnyConnection;

use crate::{dialect, multirow, secrets, StoreError};

/// Append one entry, linked to the current head. Call inside the transaction that made the
/// change, so the change and its record commit together.
pub async fn append(
    conn: &mut AnyConnection,
    at: Timestamp,
    actor: &str,
    action: &str,
    object: &str,
    detail: &str,
) -> Result<i64, StoreError> {
    let key = secrets::installed()?.current().audit_key();
    dialect::lock_audit_chain(conn).await?;
    let head: Option<(i64, String)> =
        sqlx::query_as("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&mut *conn)
            .await?;
    let (seq, prev_hash) = match head {
        Some((s, h)) => (s + 1, h),
        None => (1, GENESIS_HASH.to_string()),
    };
    let hash = keyed_entry_hash(&key, &prev_hash, seq, at, actor, action, object, detail);
    sqlx::query(
        "INSERT INTO audit_log (seq, at, actor, action, object, detail, prev_hash, hash, key_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(seq)
    .bind(at.millis())
    .bind(actor)
    .bind(action)
    .bind(object)
    .bind(detail)
    .bind(prev_hash)
    .bind(hash)
    .bind(key.id())
    .execute(conn)
    .await?;
    Ok(seq)
}

/// One entry to append with [`append_many`].
#[derive(Debug, Clone)]
pub struct NewAuditEntry {
    pub actor: String,
    pub action: String,
    pub object: String,
    pub detail: String,
}

/// Append several entries at `at`, in order, linked to the current head and to each other
/// (group commit: one read of the head and one multi-row insert instead of two statements each).
pub async fn append_many(
    conn: &mut AnyConnection,
    at: Timestamp,
    entries: &[NewAuditEntry],
) -> Result<(), StoreError> {
    if entries.is_empty() {
        return Ok(());
    }
    let key = secrets::installed()?.current().audit_key();
    dialect::lock_audit_chain(conn).await?;
    let head: Option<(i64, String)> =
        sqlx::query_as("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&mut *conn)
            .await?;
    let (mut seq, mut prev_hash) = match head {
        Some((s, h)) => (s + 1, h),
        None => (1, GENESIS_HASH.to_string()),
    };
    const COLS: usize = 9;
    let mut start = 0;
    for size in multirow::chunk_sizes(entries.len(), COLS) {
        let mut args = AnyArguments::default();
        for e in &entries[start..start + size] {
            let hash = keyed_entry_hash(
                &key, &prev_hash, seq, at, &e.actor, &e.action, &e.object, &e.detail,
            );
            multirow::add(&mut args, seq)?;
            multirow::add(&mut args, at.millis())?;
            multirow::add(&mut args, e.actor.clone())?;
            multirow::add(&mut args, e.action.clone())?;
            multirow::add(&mut args, e.object.clone())?;
            multirow::add(&mut args, e.detail.clone())?;
            multirow::add(&mut args, std::mem::replace(&mut prev_hash, hash.clone()))?;
            multirow::add(&mut args, hash)?;
            multirow::add(&mut args, key.id().to_string())?;
            seq += 1;
        }
        start += size;
        let sql = format!(
            "INSERT INTO audit_log (seq, at, actor, action, object, detail, prev_hash, hash, key_id) VALUES {}",
            multirow::values(size, COLS)
        );
        sqlx::query_with(&sql, args).execute(&mut *conn).await?;
    }
    Ok(())
}

#[derive(sqlx::FromRow)]
struct Raw {
    seq: i64,
    at: i64,
    actor: String,
    action: String,
    object: String,
    detail: String,
    key_id: Option<String>,
    prev_hash: String,
    hash: String,
}

impl From<Raw> for AuditEntry {
    fn from(r: Raw) -> Self {
        AuditEntry {
            seq: r.seq,
            at: Timestamp(r.at),
            actor: r.actor,
            action: r.action,
            object: r.object,
            detail: r.detail,
            key_id: r.key_id,
            prev_hash: r.prev_hash,
            hash: r.hash,
        }
    }
}

/// Entries with `seq > after`, in order, at most `limit`.
pub async fn page(
    conn: &mut AnyConnection,
    after: i64,
    limit: i64,
) -> Result<Vec<AuditEntry>, StoreError> {
    let rows: Vec<Raw> = sqlx::query_as(
        "SELECT seq, at, actor, action, object, detail, key_id, prev_hash, hash FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2",
    )
    .bind(after)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(AuditEntry::from).collect())
}

/// The sequence number of the newest entry (0 when the log is empty).
pub async fn head_seq(conn: &mut AnyConnection) -> Result<i64, StoreError> {
    Ok(
        sqlx::query_scalar::<_, Option<i64>>("SELECT MAX(seq) FROM audit_log")
            .fetch_one(conn)
            .await?
            .unwrap_or(0),
    )
}

/// Entries about one object, newest first.
pub async fn for_object(
    conn: &mut AnyConnection,
    object: &str,
    limit: i64,
) -> Result<Vec<AuditEntry>, StoreError> {
    let rows: Vec<Raw> = sqlx::query_as(
        "SELECT seq, at, actor, action, object, detail, key_id, prev_hash, hash FROM audit_log WHERE object = $1 ORDER BY seq DESC LIMIT $2",
    )
    .bind(object)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(AuditEntry::from).collect())
}

/// The hash of row `seq`, if there is one.
pub async fn hash_at(conn: &mut AnyConnection, seq: i64) -> Result<Option<String>, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT hash FROM audit_log WHERE seq = $1")
            .bind(seq)
            .fetch_optional(conn)
            .await?,
    )
}

/// The outcome of walking the whole chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verification {
    Intact {
        entries: u64,
        /// Rows from before the secret key (plain SHA-256 links), all at the start.
        unkeyed: u64,
        head_seq: i64,
        head: String,
    },
    Broken(ChainBreak),
}

/// Walk the chain from the first entry, in pages, and report the first broken link. `keys`
/// must hold every key the rows were chained with.
pub async fn verify(
    conn: &mut AnyConnection,
    keys: &AuditKeys,
) -> Result<Verification, StoreError> {
    let mut v = ChainVerifier::new(keys);
    let mut after = 0;
    let mut head = GENESIS_HASH.to_string();
    loop {
        let batch = page(conn, after, 5_000).await?;
        let Some(last) = batch.last() else { break };
        after = last.seq;
        for e in &batch {
            if let Err(b) = v.feed(e) {
                return Ok(Verification::Broken(b));
            }
            head.clone_from(&e.hash);
        }
    }
    Ok(Verification::Intact {
        entries: v.checked,
        unkeyed: v.unkeyed,
        head_seq: after,
        head,
    })
}
