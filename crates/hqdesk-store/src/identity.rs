//! The identity vault (migration 0032; design note 006 §8): a sealed case's reporter is sealed to
//! the case's identity key, which is wrapped for the custodians and the escrow
//! (`identity_keys`), never for investigators. An investigator asks for it with a reason
//! (`identity_requests`); a custodian's approval wraps the identity key for the investigator's
//! key until a given time (`identity_grants`), after which the grant is deleted.
//!
//! Reasons and refusals are sealed for the installation here: the custodian reads them through
//! the server, a copy of the database does not.
use hqdesk_domain::Timestamp;
use sqlx::AnyConnection;

use crate::StoreError;

/// The installation-sealing context of requests' reasons and refusals.
const REASON_CONTEXT: &str = "identity_requests.reason";

// ---- the identity key's wraps ---------------------------------------------------------------

/// One wrap of a case's identity key (for a custodian's key or the escrow's).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct IdentityKey {
    pub case_id: i64,
    pub key_id: String,
    pub wrapped: String,
    pub created_at: i64,
}

/// Add or replace the wrap of `case_id`'s identity key for `key_id`.
pub async fn put_key(
    conn: &mut AnyConnection,
    case_id: i64,
    key_id: &str,
    wrapped: &str,
    now: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO identity_keys (case_id, key_id, wrapped, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (case_id, key_id) DO UPDATE SET wrapped = excluded.wrapped, \
         created_at = excluded.created_at",
    )
    .bind(case_id)
    .bind(key_id)
    .bind(wrapped)
    .bind(now.millis())
    .execute(conn)
    .await?;
    Ok(())
}

/// The wrap of a case's identity key for one key id.
pub async fn get_key(
    conn: &mut AnyConnection,
    case_id: i64,
    key_id: &str,
) -> Result<Option<IdentityKey>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT case_id, key_id, wrapped, created_at FROM identity_keys \
         WHERE case_id = $1 AND key_id = $2",
    )
    .bind(case_id)
    .bind(key_id)
    .fetch_optional(conn)
    .await?)
}

/// Whether `case_id`'s identity key is wrapped for `key_id`.
pub async fn key_exists(
    conn: &mut AnyConnection,
    case_id: i64,
    key_id: &str,
) -> Result<bool, StoreError> {
    Ok(get_key(conn, case_id, key_id).await?.is_some())
}

/// Up to `limit` wraps for `key_id` of cases after `after_case_id`, in case order (one batch of
/// an escrow recovery or re-wrap).
pub async fn keys_page_for_key(
    conn: &mut AnyConnection,
    key_id: &str,
    after_case_id: i64,
    limit: i64,
) -> Result<Vec<IdentityKey>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT case_id, key_id, wrapped, created_at FROM identity_keys \
         WHERE key_id = $1 AND case_id > $2 ORDER BY case_id LIMIT $3",
    )
    .bind(key_id)
    .bind(after_case_id)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// Delete the wrap of one case's identity key for one key id; whether there was one.
pub async fn delete_key(
    conn: &mut AnyConnection,
    case_id: i64,
    key_id: &str,
) -> Result<bool, StoreError> {
    Ok(
        sqlx::query("DELETE FROM identity_keys WHERE case_id = $1 AND key_id = $2")
            .bind(case_id)
            .bind(key_id)
            .execute(conn)
            .await?
            .rows_affected()
            > 0,
    )
}

/// Delete every identity wrap for `key_id` (a custodian removed).
pub async fn delete_keys_for_key(
    conn: &mut AnyConnection,
    key_id: &str,
) -> Result<u64, StoreError> {
    Ok(sqlx::query("DELETE FROM identity_keys WHERE key_id = $1")
        .bind(key_id)
        .execute(conn)
        .await?
        .rows_affected())
}

/// How many identities are wrapped for `key_id`.
pub async fn count_keys_for_key(conn: &mut AnyConnection, key_id: &str) -> Result<i64, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM identity_keys WHERE key_id = $1")
            .bind(key_id)
            .fetch_one(conn)
            .await?,
    )
}

/// How many identities wrapped for an escrow key (current or retired) are not wrapped for
/// `key_id`: what `hqdesk keys escrow-recover` would give a custodian.
pub async fn count_escrow_missing_for(
    conn: &mut AnyConnection,
    key_id: &str,
) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(DISTINCT e.case_id) FROM identity_keys e \
         JOIN escrow_keys k ON k.key_id = e.key_id \
         WHERE NOT EXISTS (SELECT 1 FROM identity_keys t WHERE t.case_id = e.case_id AND t.key_id = $1)",
    )
    .bind(key_id)
    .fetch_one(conn)
    .await?)
}

// ---- requests -------------------------------------------------------------------------------

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestStatus {
    Pending,
    Approved,
    Refused,
}

impl RequestStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RequestStatus::Pending => "pending",
            RequestStatus::Approved => "approved",
            RequestStatus::Refused => "refused",
        }
    }
    fn parse(s: &str) -> Result<Self, StoreError> {
        match s {
            "pending" => Ok(RequestStatus::Pending),
            "approved" => Ok(RequestStatus::Approved),
            "refused" => Ok(RequestStatus::Refused),
            other => Err(StoreError::Corrupt(format!(
                "identity request status {other:?}"
            ))),
        }
    }
}

/// An identity request, its reason and refusal opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityRequest {
    pub id: i64,
    pub case_id: i64,
    pub case_number: String,
    pub requester_id: i64,
    pub requester_username: String,
    pub requester_display_name: String,
    pub reason: String,
    pub status: RequestStatus,
    pub created_at: Timestamp,
    pub decided_by: Option<i64>,
    pub decided_at: Option<Timestamp>,
    pub hours: Option<i64>,
    pub refusal: Option<String>,
}

#[derive(sqlx::FromRow)]
struct RequestRow {
    id: i64,
    case_id: i64,
    case_number: String,
    requester_id: i64,
    requester_username: String,
    requester_display_name: String,
    reason: String,
    status: String,
    created_at: i64,
    decided_by: Option<i64>,
    decided_at: Option<i64>,
    hours: Option<i64>,
    refusal: Option<String>,
}

impl RequestRow {
    fn opened(self) -> Result<IdentityRequest, StoreError> {
        Ok(IdentityRequest {
            id: self.id,
            case_id: self.case_id,
            case_number: self.case_number,
            requester_id: self.requester_id,
            requester_username: self.requester_username,
            requester_display_name: self.requester_display_name,
            reason: crate::secrets::open_value(REASON_CONTEXT, &self.reason)?,
            status: RequestStatus::parse(&self.status)?,
            created_at: Timestamp(self.created_at),
            decided_by: self.decided_by,
            decided_at: self.decided_at.map(Timestamp),
            hours: self.hours,
            refusal: self
                .refusal
                .as_deref()
                .map(|r| crate::secrets::open_value(REASON_CONTEXT, r))
                .transpose()?,
        })
    }
}

const REQUEST_SELECT: &str = "SELECT r.id, r.case_id, c.number AS case_number, r.requester_id, \
     u.username AS requester_username, u.display_name AS requester_display_name, r.reason, \
     r.status, r.created_at, r.decided_by, r.decided_at, r.hours, r.refusal \
     FROM identity_requests r JOIN cases c ON c.id = r.case_id JOIN users u ON u.id = r.requester_id";

/// Record a pending request; its id. `Conflict` when the requester has one pending on the case.
pub async fn insert_request(
    conn: &mut AnyConnection,
    case_id: i64,
    requester_id: i64,
    reason: &str,
    now: Timestamp,
) -> Result<i64, StoreError> {
    let sealed = crate::secrets::seal_value(REASON_CONTEXT, reason)?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO identity_requests (case_id, requester_id, reason, status, created_at) \
         VALUES ($1, $2, $3, 'pending', $4) RETURNING id",
    )
    .bind(case_id)
    .bind(requester_id)
    .bind(sealed)
    .bind(now.millis())
    .fetch_one(conn)
    .await?;
    Ok(id)
}

/// One request.
pub async fn request(conn: &mut AnyConnection, id: i64) -> Result<IdentityRequest, StoreError> {
    let row: Option<RequestRow> = sqlx::query_as(&format!("{REQUEST_SELECT} WHERE r.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.ok_or(StoreError::NotFound)?.opened()
}

/// How many requests wait for a custodian (the custodian's header).
pub async fn count_pending(conn: &mut AnyConnection) -> Result<i64, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM identity_requests WHERE status = 'pending'")
            .fetch_one(conn)
            .await?,
    )
}

/// The pending requests, oldest first.
pub async fn pending(
    conn: &mut AnyConnection,
    limit: i64,
) -> Result<Vec<IdentityRequest>, StoreError> {
    let rows: Vec<RequestRow> = sqlx::query_as(&format!(
        "{REQUEST_SELECT} WHERE r.status = 'pending' ORDER BY r.created_at, r.id LIMIT $1"
    ))
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.into_iter().map(RequestRow::opened).collect()
}

/// The requests decided most recently (what a custodian's page shows below the pending ones).
pub async fn recently_decided(
    conn: &mut AnyConnection,
    limit: i64,
) -> Result<Vec<IdentityRequest>, StoreError> {
    let rows: Vec<RequestRow> = sqlx::query_as(&format!(
        "{REQUEST_SELECT} WHERE r.status <> 'pending' ORDER BY r.decided_at DESC, r.id DESC LIMIT $1"
    ))
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.into_iter().map(RequestRow::opened).collect()
}

/// The latest request of `requester_id` on `case_id`, if any.
pub async fn latest_request(
    conn: &mut AnyConnection,
    case_id: i64,
    requester_id: i64,
) -> Result<Option<IdentityRequest>, StoreError> {
    let row: Option<RequestRow> = sqlx::query_as(&format!(
        "{REQUEST_SELECT} WHERE r.case_id = $1 AND r.requester_id = $2 \
         ORDER BY r.created_at DESC, r.id DESC LIMIT 1"
    ))
    .bind(case_id)
    .bind(requester_id)
    .fetch_optional(conn)
    .await?;
    row.map(RequestRow::opened).transpose()
}

/// Decide a pending request: approved for `hours`, or refused with `refusal`. False when it was
/// no longer pending (decided meanwhile): nothing is written then.
pub async fn decide(
    conn: &mut AnyConnection,
    id: i64,
    decided_by: i64,
    approved: Option<i64>,
    refusal: Option<&str>,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let status = if approved.is_some() {
        RequestStatus::Approved
    } else {
        RequestStatus::Refused
    };
    let refusal = refusal
        .map(|r| crate::secrets::seal_value(REASON_CONTEXT, r))
        .transpose()?;
    let n = sqlx::query(
        "UPDATE identity_requests SET status = $1, decided_by = $2, decided_at = $3, hours = $4, \
         refusal = $5 WHERE id = $6 AND status = 'pending'",
    )
    .bind(status.as_str())
    .bind(decided_by)
    .bind(now.millis())
    .bind(approved)
    .bind(refusal)
    .bind(id)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

// ---- grants ---------------------------------------------------------------------------------

/// An approved opening of a case's identity for one investigator, until `expires_at`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityGrant {
    pub request_id: i64,
    pub case_id: i64,
    pub user_id: i64,
    /// The investigator's key id the identity key is wrapped for, and the wrap; `None` for a
    /// case whose reporter is not under an identity key.
    pub key_id: Option<String>,
    pub wrapped: Option<String>,
    pub expires_at: Timestamp,
}

#[derive(sqlx::FromRow)]
struct GrantRow {
    request_id: i64,
    case_id: i64,
    user_id: i64,
    key_id: Option<String>,
    wrapped: Option<String>,
    expires_at: i64,
}

impl From<GrantRow> for IdentityGrant {
    fn from(r: GrantRow) -> Self {
        IdentityGrant {
            request_id: r.request_id,
            case_id: r.case_id,
            user_id: r.user_id,
            key_id: r.key_id,
            wrapped: r.wrapped,
            expires_at: Timestamp(r.expires_at),
        }
    }
}

/// Record an approval's grant.
pub async fn insert_grant(
    conn: &mut AnyConnection,
    grant: &IdentityGrant,
    now: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO identity_grants (request_id, case_id, user_id, key_id, wrapped, expires_at, \
         created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(grant.request_id)
    .bind(grant.case_id)
    .bind(grant.user_id)
    .bind(grant.key_id.as_deref())
    .bind(grant.wrapped.as_deref())
    .bind(grant.expires_at.millis())
    .bind(now.millis())
    .execute(conn)
    .await?;
    Ok(())
}

/// The grant of `user_id` on `case_id` that is still running at `now` (the latest to expire).
pub async fn live_grant(
    conn: &mut AnyConnection,
    case_id: i64,
    user_id: i64,
    now: Timestamp,
) -> Result<Option<IdentityGrant>, StoreError> {
    let row: Option<GrantRow> = sqlx::query_as(
        "SELECT request_id, case_id, user_id, key_id, wrapped, expires_at FROM identity_grants \
         WHERE case_id = $1 AND user_id = $2 AND expires_at > $3 \
         ORDER BY expires_at DESC LIMIT 1",
    )
    .bind(case_id)
    .bind(user_id)
    .bind(now.millis())
    .fetch_optional(conn)
    .await?;
    Ok(row.map(IdentityGrant::from))
}

/// Delete the grants that ended at or before `now`; how many.
pub async fn delete_expired_grants(
    conn: &mut AnyConnection,
    now: Timestamp,
) -> Result<u64, StoreError> {
    Ok(
        sqlx::query("DELETE FROM identity_grants WHERE expires_at <= $1")
            .bind(now.millis())
            .execute(conn)
            .await?
            .rows_affected(),
    )
}

/// Delete every grant of `user_id` (their key retired: a grant wrapped for it opens nothing).
pub async fn delete_grants_for_user(
    conn: &mut AnyConnection,
    user_id: i64,
) -> Result<u64, StoreError> {
    Ok(
        sqlx::query("DELETE FROM identity_grants WHERE user_id = $1")
            .bind(user_id)
            .execute(conn)
            .await?
            .rows_affected(),
    )
}
