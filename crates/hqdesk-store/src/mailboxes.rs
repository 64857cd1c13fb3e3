//! Mailboxes of the email channel: settings (URLs with their credentials, defaults for new
//! cases), sync state (UIDVALIDITY, the highest UID ingested, the last error) and the lease
//! that makes one node at a time fetch a mailbox.
//!
//! The URLs are stored without their passwords; each password is sealed in a column of its own
//! (`imap_password`, `smtp_password`, see `secrets`) and put back into the URL when read.
use hqdesk_domain::Timestamp;
use sqlx::AnyConnection;

use crate::{rows, secrets, StoreError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mailbox {
    pub id: i64,
    pub name: String,
    pub address: String,
    /// With credentials: never show it as it is (see `hqdesk_services::mail::transport::redact`).
    pub imap_url: String,
    pub smtp_url: String,
    pub insecure_plain: bool,
    pub default_branch: Option<i64>,
    pub default_category: Option<String>,
    pub enabled: bool,
    pub uidvalidity: Option<i64>,
    pub last_uid: i64,
    pub last_error: Option<String>,
    pub last_sync_at: Option<Timestamp>,
    pub lease_owner: Option<String>,
    pub lease_until: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(sqlx::FromRow)]
struct Raw {
    id: i64,
    name: String,
    address: String,
    imap_url: String,
    smtp_url: String,
    imap_password: Option<String>,
    smtp_password: Option<String>,
    insecure_plain: i64,
    default_branch: Option<i64>,
    default_category: Option<String>,
    enabled: i64,
    uidvalidity: Option<i64>,
    last_uid: i64,
    last_error: Option<String>,
    last_sync_at: Option<i64>,
    lease_owner: Option<String>,
    lease_until: Option<i64>,
    created_at: i64,
    updated_at: i64,
}

impl TryFrom<Raw> for Mailbox {
    type Error = StoreError;
    fn try_from(r: Raw) -> Result<Self, StoreError> {
        Ok(Mailbox {
            id: r.id,
            name: r.name,
            address: r.address,
            imap_url: open_url(Side::Imap, r.id, &r.imap_url, r.imap_password.as_deref())?,
            smtp_url: open_url(Side::Smtp, r.id, &r.smtp_url, r.smtp_password.as_deref())?,
            insecure_plain: r.insecure_plain != 0,
            default_branch: r.default_branch,
            default_category: r.default_category,
            enabled: r.enabled != 0,
            uidvalidity: r.uidvalidity,
            last_uid: r.last_uid,
            last_error: r.last_error,
            last_sync_at: r.last_sync_at.map(Timestamp),
            lease_owner: r.lease_owner,
            lease_until: r.lease_until.map(Timestamp),
            created_at: Timestamp(r.created_at),
            updated_at: Timestamp(r.updated_at),
        })
    }
}

/// The two servers of a mailbox, each with its own password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    Imap,
    Smtp,
}

/// What a sealed password is bound to: its column and its mailbox.
pub(crate) fn password_context(side: Side, mailbox_id: i64) -> String {
    match side {
        Side::Imap => format!("mailboxes.imap_password:{mailbox_id}"),
        Side::Smtp => format!("mailboxes.smtp_password:{mailbox_id}"),
    }
}

/// A URL without its password, and the password (still percent-encoded, as in the URL).
pub(crate) fn split_password(url: &str) -> Result<(String, Option<String>), StoreError> {
    if !url.contains('@') {
        return Ok((url.to_string(), None));
    }
    let mut parsed = url::Url::parse(url)
        .map_err(|e| StoreError::Corrupt(format!("a mailbox URL that does not parse: {e}")))?;
    let Some(password) = parsed.password().map(str::to_string) else {
        return Ok((url.to_string(), None));
    };
    parsed
        .set_password(None)
        .map_err(|()| StoreError::Corrupt("a mailbox URL without a host".into()))?;
    Ok((parsed.to_string(), Some(password)))
}

/// The URL with its password opened and put back (a URL that still holds its password in clear,
/// from before the key, is returned as it is until the next start seals it).
fn open_url(side: Side, id: i64, url: &str, sealed: Option<&str>) -> Result<String, StoreError> {
    let Some(sealed) = sealed else {
        return Ok(url.to_string());
    };
    let password = secrets::open_value(&password_context(side, id), sealed)?;
    let mut parsed = url::Url::parse(url)
        .map_err(|e| StoreError::Corrupt(format!("a mailbox URL that does not parse: {e}")))?;
    parsed
        .set_password(Some(&password))
        .map_err(|()| StoreError::Corrupt("a mailbox URL without a host".into()))?;
    Ok(parsed.to_string())
}

/// Seal the passwords of `m`'s URLs for mailbox `id`: the URLs to store and the sealed passwords.
fn seal_urls(id: i64, m: &MailboxSettings) -> Result<[(String, Option<String>); 2], StoreError> {
    let seal = |side: Side, url: &str| -> Result<(String, Option<String>), StoreError> {
        let (url, password) = split_password(url)?;
        let sealed = password
            .map(|p| secrets::seal_value(&password_context(side, id), &p))
            .transpose()?;
        Ok((url, sealed))
    };
    Ok([
        seal(Side::Imap, &m.imap_url)?,
        seal(Side::Smtp, &m.smtp_url)?,
    ])
}

const SELECT: &str =
    "SELECT id, name, address, imap_url, smtp_url, imap_password, smtp_password, insecure_plain, default_branch, \
    default_category, enabled, uidvalidity, last_uid, last_error, last_sync_at, lease_owner, \
    lease_until, created_at, updated_at FROM mailboxes";

/// The settings an administrator writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailboxSettings {
    pub name: String,
    pub address: String,
    pub imap_url: String,
    pub smtp_url: String,
    pub insecure_plain: bool,
    pub default_branch: Option<i64>,
    pub default_category: Option<String>,
    pub enabled: bool,
}

/// Add a mailbox; a taken name is a [`StoreError::Conflict`].
pub async fn insert(
    conn: &mut AnyConnection,
    m: &MailboxSettings,
    now: Timestamp,
) -> Result<i64, StoreError> {
    // The row first, without passwords: they are sealed bound to its id.
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO mailboxes (name, address, imap_url, smtp_url, insecure_plain, default_branch, \
         default_category, enabled, last_uid, created_at, updated_at) \
         VALUES ($1, $2, '', '', $3, $4, $5, $6, 0, $7, $7) RETURNING id",
    )
    .bind(&m.name)
    .bind(&m.address)
    .bind(i64::from(m.insecure_plain))
    .bind(m.default_branch)
    .bind(m.default_category.as_deref())
    .bind(i64::from(m.enabled))
    .bind(now.millis())
    .fetch_one(&mut *conn)
    .await?;
    let [(imap_url, imap_password), (smtp_url, smtp_password)] = seal_urls(id, m)?;
    sqlx::query(
        "UPDATE mailboxes SET imap_url = $2, smtp_url = $3, imap_password = $4, smtp_password = $5 \
         WHERE id = $1",
    )
    .bind(id)
    .bind(imap_url)
    .bind(smtp_url)
    .bind(imap_password)
    .bind(smtp_password)
    .execute(conn)
    .await?;
    Ok(id)
}

/// Replace a mailbox's settings. When the IMAP URL changes (another server, user or folder) the
/// sync state starts over: UIDs of one folder mean nothing in another (intake is idempotent by
/// Message-ID and content, so nothing is ingested twice). A new password alone does not.
pub async fn update(
    conn: &mut AnyConnection,
    id: i64,
    m: &MailboxSettings,
    now: Timestamp,
) -> Result<(), StoreError> {
    let [(imap_url, imap_password), (smtp_url, smtp_password)] = seal_urls(id, m)?;
    let write = sqlx::query(
        "UPDATE mailboxes SET \
           uidvalidity = CASE WHEN imap_url = $4 THEN uidvalidity ELSE NULL END, \
           last_uid = CASE WHEN imap_url = $4 THEN last_uid ELSE 0 END, \
           name = $2, address = $3, imap_url = $4, smtp_url = $5, insecure_plain = $6, \
           default_branch = $7, default_category = $8, enabled = $9, last_error = NULL, \
           updated_at = $10, imap_password = $11, smtp_password = $12 \
         WHERE id = $1",
    )
    .bind(id)
    .bind(&m.name)
    .bind(&m.address)
    .bind(imap_url)
    .bind(smtp_url)
    .bind(i64::from(m.insecure_plain))
    .bind(m.default_branch)
    .bind(m.default_category.as_deref())
    .bind(i64::from(m.enabled))
    .bind(now.millis())
    .bind(imap_password)
    .bind(smtp_password);
    rows::execute_found(write, conn).await
}

pub async fn set_enabled(
    conn: &mut AnyConnection,
    id: i64,
    enabled: bool,
    now: Timestamp,
) -> Result<(), StoreError> {
    let write = sqlx::query("UPDATE mailboxes SET enabled = $2, updated_at = $3 WHERE id = $1")
        .bind(id)
        .bind(i64::from(enabled))
        .bind(now.millis());
    rows::execute_found(write, conn).await
}

pub async fn get(conn: &mut AnyConnection, id: i64) -> Result<Mailbox, StoreError> {
    rows::one::<Raw, _, _>(conn, &format!("{SELECT} WHERE id = $1"), id).await
}

pub async fn by_name(conn: &mut AnyConnection, name: &str) -> Result<Mailbox, StoreError> {
    rows::one::<Raw, _, _>(conn, &format!("{SELECT} WHERE name = $1"), name).await
}

/// All mailboxes by name.
pub async fn list(conn: &mut AnyConnection) -> Result<Vec<Mailbox>, StoreError> {
    rows::all::<Raw, _>(conn, &format!("{SELECT} ORDER BY name")).await
}

/// The mailbox replies go out from when a case did not come in through one: the first enabled
/// mailbox (lowest id), else the first at all.
pub async fn default_sender(conn: &mut AnyConnection) -> Result<Option<Mailbox>, StoreError> {
    let r: Option<Raw> = sqlx::query_as(&format!("{SELECT} ORDER BY enabled DESC, id LIMIT 1"))
        .fetch_optional(conn)
        .await?;
    r.map(Mailbox::try_from).transpose()
}

/// The folder was selected with this UIDVALIDITY. A different one than stored (or none stored)
/// resets `last_uid` to 0: the server renumbered, sync starts over. Returns the `last_uid` to
/// continue from.
pub async fn begin_sync(
    conn: &mut AnyConnection,
    id: i64,
    uidvalidity: i64,
    now: Timestamp,
) -> Result<i64, StoreError> {
    sqlx::query(
        "UPDATE mailboxes SET \
           last_uid = CASE WHEN uidvalidity = $2 THEN last_uid ELSE 0 END, \
           uidvalidity = $2, last_error = NULL, last_sync_at = $3 \
         WHERE id = $1",
    )
    .bind(id)
    .bind(uidvalidity)
    .bind(now.millis())
    .execute(&mut *conn)
    .await?;
    let last: i64 = sqlx::query_scalar("SELECT last_uid FROM mailboxes WHERE id = $1")
        .bind(id)
        .fetch_one(conn)
        .await?;
    Ok(last)
}

/// Message `uid` of `uidvalidity` is committed: move `last_uid` forward (never back, and only
/// while the UIDVALIDITY is still the one synced).
pub async fn advance(
    conn: &mut AnyConnection,
    id: i64,
    uidvalidity: i64,
    uid: i64,
    now: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE mailboxes SET last_uid = $3, last_sync_at = $4 \
         WHERE id = $1 AND uidvalidity = $2 AND last_uid < $3",
    )
    .bind(id)
    .bind(uidvalidity)
    .bind(uid)
    .bind(now.millis())
    .execute(conn)
    .await?;
    Ok(())
}

/// Record the outcome of a sync round for the console: `None` clears the error.
pub async fn record_sync(
    conn: &mut AnyConnection,
    id: i64,
    error: Option<&str>,
    now: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE mailboxes SET last_error = $2, last_sync_at = $3 WHERE id = $1")
        .bind(id)
        .bind(error)
        .bind(now.millis())
        .execute(conn)
        .await?;
    Ok(())
}

/// Take or renew the fetch lease of mailbox `id` for `owner` until `until`. Succeeds when nobody
/// holds it, `owner` already does, or the holder's lease ran out. One UPDATE: atomic on both
/// engines.
pub async fn try_lease(
    conn: &mut AnyConnection,
    id: i64,
    owner: &str,
    now: Timestamp,
    until: Timestamp,
) -> Result<bool, StoreError> {
    let n = sqlx::query(
        "UPDATE mailboxes SET lease_owner = $2, lease_until = $4 \
         WHERE id = $1 AND enabled = 1 \
           AND (lease_owner IS NULL OR lease_owner = $2 OR lease_until IS NULL OR lease_until < $3)",
    )
    .bind(id)
    .bind(owner)
    .bind(now.millis())
    .bind(until.millis())
    .execute(conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Give the lease back (on shutdown or when the mailbox was disabled).
pub async fn release_lease(
    conn: &mut AnyConnection,
    id: i64,
    owner: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE mailboxes SET lease_owner = NULL, lease_until = NULL \
         WHERE id = $1 AND lease_owner = $2",
    )
    .bind(id)
    .bind(owner)
    .execute(conn)
    .await?;
    Ok(())
}

/// The mailbox a case's mail came in through most recently, if any.
pub async fn of_case(
    conn: &mut AnyConnection,
    case_id: i64,
) -> Result<Option<Mailbox>, StoreError> {
    let id: Option<i64> = sqlx::query_scalar(
        "SELECT mailbox_id FROM mail_inbound WHERE case_id = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind(case_id)
    .fetch_optional(&mut *conn)
    .await?;
    match id {
        Some(id) => Ok(Some(get(conn, id).await?)),
        None => Ok(None),
    }
}

/// Note the Message-ID of a mail we send (once, however often the send is retried).
pub async fn record_outbound_message_id(
    conn: &mut AnyConnection,
    message_id: &str,
    case_id: i64,
    entry_id: Option<i64>,
    now: Timestamp,
) -> Result<(), StoreError> {
    let known: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM mail_message_ids WHERE message_id = $1 AND direction = 'out' LIMIT 1",
    )
    .bind(message_id)
    .fetch_optional(&mut *conn)
    .await?;
    if known.is_none() {
        sqlx::query(
            "INSERT INTO mail_message_ids (message_id, case_id, entry_id, direction, created_at) \
             VALUES ($1, $2, $3, 'out', $4)",
        )
        .bind(message_id)
        .bind(case_id)
        .bind(entry_id)
        .bind(now.millis())
        .execute(conn)
        .await?;
    }
    Ok(())
}
