//! Email intake records: raw inbound mails (bytes in the blob store), the Message-ID index used
//! to thread replies and bounces, and "merge into case …" suggestions.
use hqdesk_domain::access::CaseFacts;
use hqdesk_domain::Timestamp;
use sqlx::AnyConnection;

use crate::secrets::lookup::{lookup_hash, lookup_hashes};
use crate::StoreError;

/// Which way a mail went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Received from a requester (or anyone writing to a support mailbox).
    In,
    /// Sent by hqdesk (a reply or a notification).
    Out,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::In => "in",
            Direction::Out => "out",
        }
    }
    fn parse(s: &str) -> Result<Self, StoreError> {
        match s {
            "in" => Ok(Direction::In),
            "out" => Ok(Direction::Out),
            other => Err(StoreError::Corrupt(format!("mail direction {other:?}"))),
        }
    }
}

/// Where a Message-ID lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageRef {
    pub message_id: String,
    pub case_id: i64,
    pub entry_id: Option<i64>,
    pub direction: Direction,
}

#[derive(sqlx::FromRow)]
struct RawRef {
    message_id: String,
    case_id: i64,
    entry_id: Option<i64>,
    direction: String,
}

impl TryFrom<RawRef> for MessageRef {
    type Error = StoreError;
    fn try_from(r: RawRef) -> Result<Self, StoreError> {
        Ok(MessageRef {
            message_id: r.message_id,
            case_id: r.case_id,
            entry_id: r.entry_id,
            direction: Direction::parse(&r.direction)?,
        })
    }
}

/// Record that `message_id` (without angle brackets) belongs to a case (and entry).
pub async fn record_message_id(
    conn: &mut AnyConnection,
    message_id: &str,
    case_id: i64,
    entry_id: Option<i64>,
    direction: Direction,
    now: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO mail_message_ids (message_id, case_id, entry_id, direction, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(message_id)
        .bind(case_id)
        .bind(entry_id)
        .bind(direction.as_str())
        .bind(now.millis())
        .execute(conn)
        .await?;
    Ok(())
}

/// The latest record of `message_id`, if any.
pub async fn find_message_id(
    conn: &mut AnyConnection,
    message_id: &str,
) -> Result<Option<MessageRef>, StoreError> {
    let r: Option<RawRef> = sqlx::query_as("SELECT message_id, case_id, entry_id, direction FROM mail_message_ids WHERE message_id = $1 ORDER BY id DESC LIMIT 1")
        .bind(message_id)
        .fetch_optional(conn)
        .await?;
    r.map(MessageRef::try_from).transpose()
}

/// Every Message-ID of a case, oldest first (Thread-Index keys, `ti:…`, left out): the material
/// for an outbound mail's `References`.
pub async fn case_message_ids(
    conn: &mut AnyConnection,
    case_id: i64,
) -> Result<Vec<MessageRef>, StoreError> {
    let rows: Vec<RawRef> = sqlx::query_as("SELECT message_id, case_id, entry_id, direction FROM mail_message_ids WHERE case_id = $1 AND message_id NOT LIKE 'ti:%' ORDER BY id")
        .bind(case_id)
        .fetch_all(conn)
        .await?;
    rows.into_iter().map(MessageRef::try_from).collect()
}

/// The Message-ID of the requester's last mail on a case (for an outbound `In-Reply-To`).
pub async fn last_inbound_message_id(
    conn: &mut AnyConnection,
    case_id: i64,
) -> Result<Option<String>, StoreError> {
    Ok(sqlx::query_scalar("SELECT message_id FROM mail_message_ids WHERE case_id = $1 AND direction = 'in' AND message_id NOT LIKE 'ti:%' ORDER BY id DESC LIMIT 1")
        .bind(case_id)
        .fetch_optional(conn)
        .await?)
}

/// Processing state of a raw inbound mail.
pub mod state {
    /// Stored, not processed yet (or processing was interrupted).
    pub const RECEIVED: &str = "received";
    pub const INGESTED: &str = "ingested";
    /// The same mail as an earlier one (see `duplicate_of`).
    pub const DUPLICATE: &str = "duplicate";
    /// Could not be parsed: turned into a work item with the raw mail attached.
    pub const FAILED: &str = "failed";
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct InboundMail {
    pub id: i64,
    pub mailbox_id: i64,
    pub uidvalidity: Option<i64>,
    pub uid: Option<i64>,
    pub message_id: Option<String>,
    pub sha256: String,
    pub content_hash: String,
    pub size: i64,
    pub state: String,
    pub classification: Option<String>,
    pub case_id: Option<i64>,
    pub entry_id: Option<i64>,
    pub created_case: i64,
    pub duplicate_of: Option<i64>,
    pub error: Option<String>,
    pub received_at: i64,
    pub processed_at: Option<i64>,
}

const INBOUND_COLS: &str = "id, mailbox_id, uidvalidity, uid, message_id, sha256, content_hash, size, state, classification, case_id, entry_id, created_case, duplicate_of, error, received_at, processed_at";

#[derive(Debug, Clone)]
pub struct NewInbound<'a> {
    pub mailbox_id: i64,
    pub uidvalidity: Option<i64>,
    pub uid: Option<i64>,
    pub message_id: Option<&'a str>,
    pub sha256: &'a str,
    pub content_hash: &'a str,
    pub size: i64,
}

/// Record a raw mail as received. When the same (mailbox, UIDVALIDITY, UID) was recorded
/// before, nothing is written and the earlier row is returned (`false`).
pub async fn insert_inbound(
    conn: &mut AnyConnection,
    m: &NewInbound<'_>,
    now: Timestamp,
) -> Result<(InboundMail, bool), StoreError> {
    let row: Option<InboundMail> = sqlx::query_as(&format!(
        "INSERT INTO mail_inbound (mailbox_id, uidvalidity, uid, message_id, sha256, content_hash, size, state, created_case, received_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'received', 0, $8) \
         ON CONFLICT (mailbox_id, uidvalidity, uid) DO NOTHING RETURNING {INBOUND_COLS}"
    ))
    .bind(m.mailbox_id)
    .bind(m.uidvalidity)
    .bind(m.uid)
    .bind(m.message_id)
    .bind(m.sha256)
    .bind(m.content_hash)
    .bind(m.size)
    .bind(now.millis())
    .fetch_optional(&mut *conn)
    .await?;
    match row {
        Some(row) => Ok((row, true)),
        None => {
            let existing = inbound_by_source(conn, m.mailbox_id, m.uidvalidity, m.uid)
                .await?
                .ok_or(StoreError::NotFound)?;
            Ok((existing, false))
        }
    }
}

pub async fn inbound(conn: &mut AnyConnection, id: i64) -> Result<InboundMail, StoreError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {INBOUND_COLS} FROM mail_inbound WHERE id = $1"
    ))
    .bind(id)
    .fetch_one(conn)
    .await?)
}

/// The row of a mail fetched from (mailbox, UIDVALIDITY, UID), when both are known.
pub async fn inbound_by_source(
    conn: &mut AnyConnection,
    mailbox_id: i64,
    uidvalidity: Option<i64>,
    uid: Option<i64>,
) -> Result<Option<InboundMail>, StoreError> {
    let (Some(v), Some(u)) = (uidvalidity, uid) else {
        return Ok(None);
    };
    Ok(sqlx::query_as(&format!(
        "SELECT {INBOUND_COLS} FROM mail_inbound WHERE mailbox_id = $1 AND uidvalidity = $2 AND uid = $3"
    ))
    .bind(mailbox_id)
    .bind(v)
    .bind(u)
    .fetch_optional(conn)
    .await?)
}

/// An earlier, processed mail that is the same as this one: same Message-ID and body hash, or,
/// without a Message-ID, the very same bytes. A mail filed to a sealed case keeps its hashes as
/// lookup hashes ([`seal_inbound`]): both forms are looked for.
pub async fn processed_twin(
    conn: &mut AnyConnection,
    message_id: Option<&str>,
    sha256: &str,
    content_hash: &str,
    exclude_id: i64,
) -> Result<Option<InboundMail>, StoreError> {
    let forms = |domain: &str, clear: &str| -> Vec<String> {
        let mut v = vec![clear.to_string()];
        // Without a key file nothing was sealed: the clear form is all there is.
        v.extend(lookup_hashes(domain, clear).unwrap_or_default());
        v
    };
    let contents = forms(CONTENT_DOMAIN, content_hash);
    let (first, firsts) = match message_id {
        Some(mid) => ("message_id", vec![mid.to_string()]),
        None => ("sha256", forms(RAW_DOMAIN, sha256)),
    };
    let list = |from: usize, n: usize| {
        (from..from + n)
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let no_mid = if message_id.is_none() {
        "message_id IS NULL AND "
    } else {
        ""
    };
    let q = format!(
        "SELECT {INBOUND_COLS} FROM mail_inbound WHERE {no_mid}{first} IN ({}) AND content_hash IN ({}) \
         AND id <> ${} AND state IN ('ingested', 'failed') ORDER BY id LIMIT 1",
        list(1, firsts.len()),
        list(1 + firsts.len(), contents.len()),
        1 + firsts.len() + contents.len(),
    );
    let mut query = sqlx::query_as(&q);
    for v in firsts.iter().chain(&contents) {
        query = query.bind(v);
    }
    Ok(query.bind(exclude_id).fetch_optional(conn).await?)
}

/// Lookup-hash domains of a sealed raw mail's hashes.
const RAW_DOMAIN: &str = "mail-raw";
const CONTENT_DOMAIN: &str = "mail-content";

/// The raw of mail `id` was filed to a sealed case: it is kept sealed as blob `sealed_blob`, and
/// its clear hashes (a fingerprint of the mail) become lookup hashes, still found by
/// [`processed_twin`].
pub async fn seal_inbound(
    conn: &mut AnyConnection,
    id: i64,
    sealed_blob: &str,
) -> Result<(), StoreError> {
    let row = inbound(conn, id).await?;
    sqlx::query("UPDATE mail_inbound SET blob = $1, sha256 = $2, content_hash = $3 WHERE id = $4")
        .bind(sealed_blob)
        .bind(lookup_hash(RAW_DOMAIN, &row.sha256)?)
        .bind(lookup_hash(CONTENT_DOMAIN, &row.content_hash)?)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// The outcome of processing a raw mail.
#[derive(Debug, Clone, Default)]
pub struct Processed<'a> {
    pub state: &'a str,
    pub message_id: Option<&'a str>,
    pub classification: Option<&'a str>,
    pub case_id: Option<i64>,
    pub entry_id: Option<i64>,
    pub created_case: bool,
    pub duplicate_of: Option<i64>,
    pub error: Option<String>,
}

pub async fn finish_inbound(
    conn: &mut AnyConnection,
    id: i64,
    p: &Processed<'_>,
    now: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE mail_inbound SET state = $1, classification = $2, case_id = $3, entry_id = $4, created_case = $5, duplicate_of = $6, error = $7, processed_at = $8, message_id = $10 WHERE id = $9")
        .bind(p.state)
        .bind(p.classification)
        .bind(p.case_id)
        .bind(p.entry_id)
        .bind(i64::from(p.created_case))
        .bind(p.duplicate_of)
        .bind(p.error.clone())
        .bind(now.millis())
        .bind(id)
        .bind(p.message_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Raw mails stored but never processed (a crash between storing and processing), oldest first.
pub async fn unprocessed(
    conn: &mut AnyConnection,
    limit: i64,
) -> Result<Vec<InboundMail>, StoreError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {INBOUND_COLS} FROM mail_inbound WHERE state = 'received' ORDER BY id LIMIT $1"
    ))
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// What intake needs of a mailbox: its address and the defaults of the cases it opens.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct MailboxDefaults {
    pub id: i64,
    pub name: String,
    pub address: String,
    pub default_branch: Option<i64>,
    pub default_category: Option<String>,
}

pub async fn mailbox_defaults(
    conn: &mut AnyConnection,
    id: i64,
) -> Result<MailboxDefaults, StoreError> {
    Ok(sqlx::query_as(
        "SELECT id, name, address, default_branch, default_category FROM mailboxes WHERE id = $1",
    )
    .bind(id)
    .fetch_one(conn)
    .await?)
}

/// A "merge into case …" suggestion, with the target's number for display and what decides
/// who may see the target.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct MergeSuggestion {
    pub id: i64,
    pub case_id: i64,
    pub target_case_id: i64,
    pub target_number: String,
    pub target_subject: String,
    pub reason: String,
    pub created_at: i64,
    pub target_confidential: i64,
    pub target_unit_id: Option<i64>,
    pub target_assignee_id: Option<i64>,
}

impl MergeSuggestion {
    /// The suggested target as the access policy sees it.
    pub fn target_facts(&self) -> CaseFacts {
        CaseFacts {
            id: Some(self.target_case_id),
            confidential: self.target_confidential != 0,
            unit_id: self.target_unit_id,
            assignee_id: self.target_assignee_id,
        }
    }
}

pub async fn suggest_merge(
    conn: &mut AnyConnection,
    case_id: i64,
    target_case_id: i64,
    reason: &str,
    now: Timestamp,
) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar("INSERT INTO mail_merge_suggestions (case_id, target_case_id, reason, created_at) VALUES ($1, $2, $3, $4) RETURNING id")
        .bind(case_id)
        .bind(target_case_id)
        .bind(reason)
        .bind(now.millis())
        .fetch_one(conn)
        .await?)
}

/// Open suggestions of a case, newest first.
pub async fn merge_suggestions(
    conn: &mut AnyConnection,
    case_id: i64,
) -> Result<Vec<MergeSuggestion>, StoreError> {
    Ok(sqlx::query_as("SELECT s.id, s.case_id, s.target_case_id, c.number AS target_number, c.subject AS target_subject, s.reason, s.created_at, c.confidential AS target_confidential, c.unit_id AS target_unit_id, c.assignee_id AS target_assignee_id FROM mail_merge_suggestions s JOIN cases c ON c.id = s.target_case_id WHERE s.case_id = $1 AND s.dismissed_at IS NULL ORDER BY s.id DESC")
        .bind(case_id)
        .fetch_all(conn)
        .await?)
}

pub async fn dismiss_merge_suggestion(
    conn: &mut AnyConnection,
    id: i64,
    now: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE mail_merge_suggestions SET dismissed_at = $1 WHERE id = $2")
        .bind(now.millis())
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}
