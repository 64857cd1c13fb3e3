//! Investigators' key pairs and the escrow's public key (migration 0028; design note 006).
//! Every public key is written with its MAC (`secrets::public_keys`) and read back with the
//! MAC checked: callers see `mac_ok`, and must never wrap for a key whose MAC fails.
//! The key material is text here (hex public keys, base64 sealed keys): `hqdesk-vault` reads it.
use hqdesk_domain::Timestamp;
use sqlx::AnyConnection;

use crate::secrets::public_keys::{self, Binding};
use crate::StoreError;

pub const USER_KEYS: &str = "user_keys";
pub const ESCROW_KEYS: &str = "escrow_keys";
const ESCROW_OWNER: &str = "escrow";

fn user_owner(user_id: i64) -> String {
    format!("users:{user_id}")
}

/// One investigator's key pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserKey {
    pub key_id: String,
    pub user_id: i64,
    pub public_key: String,
    /// Base64 of the password-sealed private key; none once retired.
    pub sealed_secret_key: Option<String>,
    pub created_at: Timestamp,
    pub retired_at: Option<Timestamp>,
    /// Whether the stored MAC verifies under the installation's keys.
    pub mac_ok: bool,
}

#[derive(sqlx::FromRow)]
struct UserKeyRaw {
    key_id: String,
    user_id: i64,
    public_key: String,
    sealed_secret_key: Option<String>,
    mac: String,
    created_at: i64,
    retired_at: Option<i64>,
}

impl UserKeyRaw {
    fn checked(self) -> Result<UserKey, StoreError> {
        let mac_ok = public_keys::verify(
            &Binding {
                table: USER_KEYS,
                owner: &user_owner(self.user_id),
                key_id: &self.key_id,
                public_key: &self.public_key,
            },
            &self.mac,
        )?;
        Ok(UserKey {
            key_id: self.key_id,
            user_id: self.user_id,
            public_key: self.public_key,
            sealed_secret_key: self.sealed_secret_key,
            created_at: Timestamp(self.created_at),
            retired_at: self.retired_at.map(Timestamp),
            mac_ok,
        })
    }
}

const USER_COLS: &str =
    "key_id, user_id, public_key, sealed_secret_key, mac, created_at, retired_at";

/// A new current key pair for `user_id`: whatever was current before is retired first.
pub async fn insert_user_key(
    conn: &mut AnyConnection,
    user_id: i64,
    key_id: &str,
    public_key: &str,
    sealed_secret_key: &str,
    now: Timestamp,
) -> Result<(), StoreError> {
    retire_user_key(conn, user_id, now).await?;
    let mac = public_keys::mac(&Binding {
        table: USER_KEYS,
        owner: &user_owner(user_id),
        key_id,
        public_key,
    })?;
    sqlx::query(
        "INSERT INTO user_keys (key_id, user_id, public_key, sealed_secret_key, mac, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(key_id)
    .bind(user_id)
    .bind(public_key)
    .bind(sealed_secret_key)
    .bind(mac)
    .bind(now.millis())
    .execute(conn)
    .await?;
    Ok(())
}

/// The user's current key pair, if any.
pub async fn current_for_user(
    conn: &mut AnyConnection,
    user_id: i64,
) -> Result<Option<UserKey>, StoreError> {
    let raw: Option<UserKeyRaw> = sqlx::query_as(&format!(
        "SELECT {USER_COLS} FROM user_keys WHERE user_id = $1 AND retired_at IS NULL"
    ))
    .bind(user_id)
    .fetch_optional(conn)
    .await?;
    raw.map(UserKeyRaw::checked).transpose()
}

/// Every key pair of a user, current and retired, newest first.
pub async fn all_for_user(
    conn: &mut AnyConnection,
    user_id: i64,
) -> Result<Vec<UserKey>, StoreError> {
    let raw: Vec<UserKeyRaw> = sqlx::query_as(&format!(
        "SELECT {USER_COLS} FROM user_keys WHERE user_id = $1 ORDER BY created_at DESC, key_id"
    ))
    .bind(user_id)
    .fetch_all(conn)
    .await?;
    raw.into_iter().map(UserKeyRaw::checked).collect()
}

/// The current key pairs of every active investigator, by user id.
pub async fn current_of_active_investigators(
    conn: &mut AnyConnection,
) -> Result<Vec<UserKey>, StoreError> {
    let raw: Vec<UserKeyRaw> = sqlx::query_as(
        "SELECT k.key_id, k.user_id, k.public_key, k.sealed_secret_key, k.mac, k.created_at, \
         k.retired_at FROM user_keys k JOIN users u ON u.id = k.user_id \
         WHERE k.retired_at IS NULL AND u.active = 1 AND u.role = 'investigator' \
         ORDER BY k.user_id",
    )
    .fetch_all(conn)
    .await?;
    raw.into_iter().map(UserKeyRaw::checked).collect()
}

/// The current key pairs of every active custodian, by user id: the identity vault's recipients.
pub async fn current_of_active_custodians(
    conn: &mut AnyConnection,
) -> Result<Vec<UserKey>, StoreError> {
    let raw: Vec<UserKeyRaw> = sqlx::query_as(
        "SELECT k.key_id, k.user_id, k.public_key, k.sealed_secret_key, k.mac, k.created_at, \
         k.retired_at FROM user_keys k JOIN users u ON u.id = k.user_id \
         WHERE k.retired_at IS NULL AND u.active = 1 AND u.role = 'custodian' \
         ORDER BY k.user_id",
    )
    .fetch_all(conn)
    .await?;
    raw.into_iter().map(UserKeyRaw::checked).collect()
}

/// The same private key sealed again (a password change): the key id and the MAC stay.
pub async fn reseal_user_key(
    conn: &mut AnyConnection,
    key_id: &str,
    sealed_secret_key: &str,
) -> Result<(), StoreError> {
    let n = sqlx::query(
        "UPDATE user_keys SET sealed_secret_key = $1 WHERE key_id = $2 AND retired_at IS NULL",
    )
    .bind(sealed_secret_key)
    .bind(key_id)
    .execute(conn)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// Retire the user's current key pair (its sealed private key is dropped); returns its key id.
pub async fn retire_user_key(
    conn: &mut AnyConnection,
    user_id: i64,
    now: Timestamp,
) -> Result<Option<String>, StoreError> {
    Ok(sqlx::query_scalar(
        "UPDATE user_keys SET retired_at = $1, sealed_secret_key = NULL \
         WHERE user_id = $2 AND retired_at IS NULL RETURNING key_id",
    )
    .bind(now.millis())
    .bind(user_id)
    .fetch_optional(conn)
    .await?)
}

/// The escrow's public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EscrowKey {
    pub key_id: String,
    pub public_key: String,
    pub created_at: Timestamp,
    pub retired_at: Option<Timestamp>,
    pub mac_ok: bool,
}

#[derive(sqlx::FromRow)]
struct EscrowRaw {
    key_id: String,
    public_key: String,
    mac: String,
    created_at: i64,
    retired_at: Option<i64>,
}

impl EscrowRaw {
    fn checked(self) -> Result<EscrowKey, StoreError> {
        let mac_ok = public_keys::verify(
            &Binding {
                table: ESCROW_KEYS,
                owner: ESCROW_OWNER,
                key_id: &self.key_id,
                public_key: &self.public_key,
            },
            &self.mac,
        )?;
        Ok(EscrowKey {
            key_id: self.key_id,
            public_key: self.public_key,
            created_at: Timestamp(self.created_at),
            retired_at: self.retired_at.map(Timestamp),
            mac_ok,
        })
    }
}

/// The current escrow key, if one was made.
pub async fn current_escrow(conn: &mut AnyConnection) -> Result<Option<EscrowKey>, StoreError> {
    let raw: Option<EscrowRaw> = sqlx::query_as(
        "SELECT key_id, public_key, mac, created_at, retired_at FROM escrow_keys \
         WHERE retired_at IS NULL",
    )
    .fetch_optional(conn)
    .await?;
    raw.map(EscrowRaw::checked).transpose()
}

/// Every escrow key ever made, the current one first, then the retired ones, newest first.
pub async fn all_escrow(conn: &mut AnyConnection) -> Result<Vec<EscrowKey>, StoreError> {
    let raw: Vec<EscrowRaw> = sqlx::query_as(
        "SELECT key_id, public_key, mac, created_at, retired_at FROM escrow_keys \
         ORDER BY CASE WHEN retired_at IS NULL THEN 0 ELSE 1 END, created_at DESC, key_id",
    )
    .fetch_all(conn)
    .await?;
    raw.into_iter().map(EscrowRaw::checked).collect()
}

/// A new current escrow key; the one before (if any) is retired. Returns the retired key id.
pub async fn insert_escrow(
    conn: &mut AnyConnection,
    key_id: &str,
    public_key: &str,
    now: Timestamp,
) -> Result<Option<String>, StoreError> {
    let retired: Option<String> = sqlx::query_scalar(
        "UPDATE escrow_keys SET retired_at = $1 WHERE retired_at IS NULL RETURNING key_id",
    )
    .bind(now.millis())
    .fetch_optional(&mut *conn)
    .await?;
    let mac = public_keys::mac(&Binding {
        table: ESCROW_KEYS,
        owner: ESCROW_OWNER,
        key_id,
        public_key,
    })?;
    sqlx::query(
        "INSERT INTO escrow_keys (key_id, public_key, mac, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(key_id)
    .bind(public_key)
    .bind(mac)
    .bind(now.millis())
    .execute(conn)
    .await?;
    Ok(retired)
}
