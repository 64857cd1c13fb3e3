//! Console sign-in state: sessions, TOTP, recovery codes, presence (the counters of failed
//! attempts are in `sign_in_attempts`).
use hqdesk_domain::Timestamp;
use sqlx::AnyConnection;

use crate::{secrets, StoreError};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Session {
    pub id_hash: String,
    pub user_id: i64,
    pub csrf: String,
    pub stage: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
    /// An investigator's private key sealed for this session (base64 of
    /// `hqdesk_vault::SessionSealedKey`); none for other roles.
    pub sealed_key: Option<String>,
}

pub async fn insert(conn: &mut AnyConnection, s: &Session) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO sessions (id_hash, user_id, csrf, stage, created_at, last_seen_at, expires_at, sealed_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
        .bind(&s.id_hash)
        .bind(s.user_id)
        .bind(&s.csrf)
        .bind(&s.stage)
        .bind(s.created_at)
        .bind(s.last_seen_at)
        .bind(s.expires_at)
        .bind(&s.sealed_key)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn get(conn: &mut AnyConnection, id_hash: &str) -> Result<Option<Session>, StoreError> {
    Ok(sqlx::query_as("SELECT id_hash, user_id, csrf, stage, created_at, last_seen_at, expires_at, sealed_key FROM sessions WHERE id_hash = $1")
        .bind(id_hash)
        .fetch_optional(conn)
        .await?)
}

pub async fn touch(
    conn: &mut AnyConnection,
    id_hash: &str,
    now: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2")
        .bind(now.millis())
        .bind(id_hash)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_stage(
    conn: &mut AnyConnection,
    id_hash: &str,
    stage: &str,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE sessions SET stage = $1 WHERE id_hash = $2")
        .bind(stage)
        .bind(id_hash)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn delete(conn: &mut AnyConnection, id_hash: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
        .bind(id_hash)
        .execute(conn)
        .await?;
    Ok(())
}

/// Delete the sessions that ended (absolute or idle expiry) with their sealed keys: refusing
/// them is not enough, since a kept cookie and a copy of the database would open the key.
pub async fn delete_expired(
    conn: &mut AnyConnection,
    now: Timestamp,
    idle_ms: i64,
) -> Result<u64, StoreError> {
    Ok(
        sqlx::query("DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at <= $2")
            .bind(now.millis())
            .bind(now.millis() - idle_ms)
            .execute(conn)
            .await?
            .rows_affected(),
    )
}

/// Drop the sealed private keys of a user's sessions (their key pair was retired).
pub async fn forget_sealed_keys(conn: &mut AnyConnection, user_id: i64) -> Result<u64, StoreError> {
    Ok(
        sqlx::query("UPDATE sessions SET sealed_key = NULL WHERE user_id = $1")
            .bind(user_id)
            .execute(conn)
            .await?
            .rows_affected(),
    )
}

/// End every session of a user except `keep` (after a password change or deactivation).
pub async fn delete_for_user(
    conn: &mut AnyConnection,
    user_id: i64,
    keep: Option<&str>,
) -> Result<u64, StoreError> {
    Ok(
        sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2")
            .bind(user_id)
            .bind(keep.unwrap_or(""))
            .execute(conn)
            .await?
            .rows_affected(),
    )
}

/// End a user's sessions at one stage (e.g. those still waiting for the second factor).
pub async fn delete_at_stage(
    conn: &mut AnyConnection,
    user_id: i64,
    stage: &str,
) -> Result<u64, StoreError> {
    Ok(
        sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND stage = $2")
            .bind(user_id)
            .bind(stage)
            .execute(conn)
            .await?
            .rows_affected(),
    )
}

/// What sign-in needs to know about a user.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Credentials {
    pub id: i64,
    pub password_hash: Option<String>,
    pub totp_secret: Option<String>,
    pub totp_enabled: i64,
    pub totp_last_step: Option<i64>,
    pub active: i64,
}

impl Credentials {
    /// The TOTP secret is stored sealed (`secrets`): opened here, so callers see it as it is.
    fn opened(mut self) -> Result<Self, StoreError> {
        if let Some(stored) = &self.totp_secret {
            self.totp_secret = Some(secrets::open_value(
                &secrets::reseal::totp_context(self.id),
                stored,
            )?);
        }
        Ok(self)
    }
}

pub async fn credentials(
    conn: &mut AnyConnection,
    username: &str,
) -> Result<Option<Credentials>, StoreError> {
    let c: Option<Credentials> = sqlx::query_as("SELECT id, password_hash, totp_secret, totp_enabled, totp_last_step, active FROM users WHERE username = $1")
        .bind(username)
        .fetch_optional(conn)
        .await?;
    c.map(Credentials::opened).transpose()
}

pub async fn credentials_by_id(
    conn: &mut AnyConnection,
    id: i64,
) -> Result<Credentials, StoreError> {
    let c: Credentials = sqlx::query_as("SELECT id, password_hash, totp_secret, totp_enabled, totp_last_step, active FROM users WHERE id = $1")
        .bind(id)
        .fetch_one(conn)
        .await?;
    c.opened()
}

pub async fn set_totp(
    conn: &mut AnyConnection,
    user_id: i64,
    secret: Option<&str>,
    enabled: bool,
) -> Result<(), StoreError> {
    let sealed = secret
        .map(|s| secrets::seal_value(&secrets::reseal::totp_context(user_id), s))
        .transpose()?;
    sqlx::query(
        "UPDATE users SET totp_secret = $1, totp_enabled = $2, totp_last_step = NULL WHERE id = $3",
    )
    .bind(sealed)
    .bind(i64::from(enabled))
    .bind(user_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Accept a TOTP step only if it is newer than the last one accepted (a code works once).
pub async fn advance_totp_step(
    conn: &mut AnyConnection,
    user_id: i64,
    step: i64,
) -> Result<bool, StoreError> {
    Ok(sqlx::query("UPDATE users SET totp_last_step = $1 WHERE id = $2 AND (totp_last_step IS NULL OR totp_last_step < $1)")
        .bind(step)
        .bind(user_id)
        .execute(conn)
        .await?
        .rows_affected()
        == 1)
}

pub async fn replace_recovery_codes(
    conn: &mut AnyConnection,
    user_id: i64,
    hashes: &[String],
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    for h in hashes {
        sqlx::query("INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)")
            .bind(user_id)
            .bind(h)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Use a recovery code: true if it existed and was unused.
pub async fn use_recovery_code(
    conn: &mut AnyConnection,
    user_id: i64,
    hash: &str,
    now: Timestamp,
) -> Result<bool, StoreError> {
    Ok(sqlx::query("UPDATE recovery_codes SET used_at = $1 WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL")
        .bind(now.millis())
        .bind(user_id)
        .bind(hash)
        .execute(conn)
        .await?
        .rows_affected()
        == 1)
}

/// Note that a user is looking at (`viewing`) or writing on (`replying`) a case.
pub async fn set_presence(
    conn: &mut AnyConnection,
    case_id: i64,
    user_id: i64,
    activity: &str,
    now: Timestamp,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO presence (case_id, user_id, activity, at) VALUES ($1, $2, $3, $4) ON CONFLICT (case_id, user_id) DO UPDATE SET activity = $3, at = $4")
        .bind(case_id)
        .bind(user_id)
        .bind(activity)
        .bind(now.millis())
        .execute(conn)
        .await?;
    Ok(())
}

/// Others active on a case since `since`: (username, display name, activity).
pub async fn presence(
    conn: &mut AnyConnection,
    case_id: i64,
    except_user: i64,
    since: Timestamp,
) -> Result<Vec<(String, String, String)>, StoreError> {
    Ok(sqlx::query_as("SELECT u.username, u.display_name, p.activity FROM presence p JOIN users u ON u.id = p.user_id WHERE p.case_id = $1 AND p.user_id <> $2 AND p.at >= $3 ORDER BY u.username")
        .bind(case_id)
        .bind(except_user)
        .bind(since.millis())
        .fetch_all(conn)
        .await?)
}

/// How many distinct users of these roles were active in the console since `since`.
pub async fn active_users(
    conn: &mut AnyConnection,
    roles: &[&str],
    since: Timestamp,
) -> Result<i64, StoreError> {
    let list = roles
        .iter()
        .map(|r| format!("'{}'", r.replace('\'', "")))
        .collect::<Vec<_>>()
        .join(", ");
    Ok(sqlx::query_scalar(&format!(
        "SELECT COUNT(DISTINCT s.user_id) FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.stage = 'full' AND s.last_seen_at >= $1 AND u.active = 1 AND u.role IN ({list})"
    ))
    .bind(since.millis())
    .fetch_one(conn)
    .await?)
}
