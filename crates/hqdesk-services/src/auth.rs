//! Credentials: API tokens and passwords.
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::SaltString;
use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier};
use hqdesk_domain::access::{Action, ActorFacts};
use hqdesk_domain::user::parse_username;
use hqdesk_domain::Timestamp;
use hqdesk_store::tokens::{self, TokenRow};
use hqdesk_store::{users, Store};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::{Actor, ServiceError, Services};

/// Tokens look like `hqd_` + 64 hex characters (256 random bits); only their SHA-256 is stored.
pub const TOKEN_PREFIX: &str = "hqd_";

/// How long a token lives unless told otherwise. A year: most tokens sit in a telephone
/// system's configuration, where an expiry nobody planned for stops call intake; a year bounds
/// how long a token copied from an old log, backup or configuration keeps working, and
/// `hqdesk token list` shows what expires next.
pub const DEFAULT_TOKEN_DAYS: i64 = 365;
/// The longest lifetime a token may be given.
pub const MAX_TOKEN_DAYS: i64 = 730;

/// A token's lifetime as an operator writes it: `90d`, `12w` (days or weeks, at most two years).
pub fn parse_lifetime_days(s: &str) -> Result<i64, ServiceError> {
    let s = s.trim();
    let bad = || {
        ServiceError::invalid_field(
            "expires",
            "token_lifetime",
            format!(
                "a token lifetime is a number of days or weeks, e.g. 90d or 12w, at most \
                 {MAX_TOKEN_DAYS}d; not {s:?}"
            ),
        )
    };
    let (n, unit) = s.split_at(s.len().saturating_sub(1));
    let n: i64 = n.parse().map_err(|_| bad())?;
    let days = match unit {
        "d" => n,
        "w" => n.checked_mul(7).ok_or_else(bad)?,
        _ => return Err(bad()),
    };
    if (1..=MAX_TOKEN_DAYS).contains(&days) {
        Ok(days)
    } else {
        Err(bad())
    }
}

/// A token just issued: shown once.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    pub id: i64,
    pub token: String,
    pub expires_at: Timestamp,
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub fn hash_password(password: &str) -> Result<String, ServiceError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ServiceError::Internal(format!("password hashing: {e}")))
}

/// A login hash at an Argon2id cost of `params`. Investigators' login hashes cost what their
/// private key's seal costs (design note 006 §8): with the default cost, a copy of the database
/// would let the password be guessed cheaply and then open the seal at once.
pub fn hash_password_with(
    password: &str,
    params: hqdesk_vault::KdfParams,
) -> Result<String, ServiceError> {
    let salt = SaltString::generate(&mut OsRng);
    let params = argon2::Params::new(params.memory_kib(), params.passes(), params.lanes(), None)
        .map_err(|e| ServiceError::Internal(format!("password hashing: {e}")))?;
    Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ServiceError::Internal(format!("password hashing: {e}")))
}

/// Whether a stored login hash costs less than `params` (made before the cost was raised).
pub fn hash_costs_less(hash: &str, params: hqdesk_vault::KdfParams) -> bool {
    PasswordHash::new(hash)
        .ok()
        .and_then(|h| argon2::Params::try_from(&h).ok())
        .is_none_or(|p| p.m_cost() < params.memory_kib() || p.t_cost() < params.passes())
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

impl Services {
    /// The login hash of a user of `role`: at the investigators' cost for those who hold keys.
    pub(crate) fn password_hash_for(
        &self,
        role: hqdesk_domain::user::Role,
        password: &str,
    ) -> Result<String, ServiceError> {
        if crate::vault::holds_keys(role) {
            hash_password_with(password, self.investigator_kdf())
        } else {
            hash_password(password)
        }
    }

    /// Issue a new API token for `username`, valid for `days`. The token is shown once and
    /// never stored. A token of a user who sees confidential cases is issued only on the
    /// server's command line.
    pub async fn issue_token(
        &self,
        actor: &Actor,
        username: &str,
        label: &str,
        days: i64,
    ) -> Result<IssuedToken, ServiceError> {
        actor.require(Action::ManageUsers, None)?;
        let username =
            parse_username(username).map_err(|e| ServiceError::invalid("username", e))?;
        if !(1..=MAX_TOKEN_DAYS).contains(&days) {
            return Err(ServiceError::invalid_field(
                "expires",
                "token_lifetime",
                format!("a token lives 1 to {MAX_TOKEN_DAYS} days"),
            ));
        }
        let now = self.now();
        let expires_at = now.plus_minutes(days * 24 * 60);
        let mut raw = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut raw);
        let token = format!("{TOKEN_PREFIX}{}", hex::encode(raw));
        let mut tx = self.store().begin().await?;
        let user = users::by_username(&mut tx, &username).await?;
        if user.role.appointed_on_server_only() {
            actor.require(Action::ManageConfidentialAccounts, None)?;
        }
        let id = tokens::insert(
            &mut tx,
            user.id,
            &token_hash(&token),
            label,
            now,
            expires_at,
        )
        .await?;
        crate::audit::record(
            &mut tx,
            now,
            actor,
            "token.issue",
            &format!("user:{}", user.username),
            serde_json::json!({ "token": id, "label": label, "expires_at": expires_at.millis() }),
        )
        .await?;
        Store::commit(tx).await?;
        Ok(IssuedToken {
            id,
            token,
            expires_at,
        })
    }

    /// Every API token (never the token itself), newest first.
    pub async fn list_tokens(&self, actor: &Actor) -> Result<Vec<TokenRow>, ServiceError> {
        actor.require(Action::ManageUsers, None)?;
        let mut conn = self.store().read().await?;
        Ok(tokens::list(&mut conn).await?)
    }

    /// Revoke one token; it stops working at once. Revoking a revoked token is a conflict.
    pub async fn revoke_token(&self, actor: &Actor, id: i64) -> Result<TokenRow, ServiceError> {
        actor.require(Action::ManageUsers, None)?;
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let row = tokens::get(&mut tx, id).await?;
        if !tokens::revoke(&mut tx, id, now).await? {
            return Err(ServiceError::Conflict {
                code: "token_revoked",
                message: format!("token {id} was already revoked"),
            });
        }
        crate::audit::record(
            &mut tx,
            now,
            actor,
            "token.revoke",
            &format!("user:{}", row.username),
            serde_json::json!({ "token": id, "label": row.label }),
        )
        .await?;
        Store::commit(tx).await?;
        let mut conn = self.store().read().await?;
        Ok(tokens::get(&mut conn, id).await?)
    }

    /// The actor behind an API token that is neither revoked nor expired.
    pub async fn authenticate_token(&self, token: &str) -> Result<Actor, ServiceError> {
        if !token.starts_with(TOKEN_PREFIX) {
            return Err(ServiceError::Unauthenticated);
        }
        let now = self.now();
        let hash = token_hash(token);
        match self
            .actor_for(users::Who::TokenHash { hash: &hash, now })
            .await
        {
            Err(ServiceError::Unauthenticated) => {
                // Say in the log which known token was refused, so that an integration that
                // stops working points at its cause (the caller learns nothing more).
                let mut conn = self.store().read().await?;
                if let Some(t) = tokens::by_hash(&mut conn, &hash).await? {
                    tracing::warn!(
                        token.id = t.id,
                        token.label = %t.label,
                        user = %t.username,
                        expired = t.expires_at <= now.millis(),
                        revoked = t.revoked_at.is_some(),
                        "an expired or revoked API token was refused"
                    );
                }
                Err(ServiceError::Unauthenticated)
            }
            other => other,
        }
    }

    /// Build the actor for a user: their role and the units they answer for.
    pub async fn actor_for_user(&self, user_id: i64) -> Result<Actor, ServiceError> {
        self.actor_for(users::Who::UserId(user_id)).await
    }

    async fn actor_for(&self, who: users::Who<'_>) -> Result<Actor, ServiceError> {
        let mut conn = self.store().read().await?;
        let Some((user, unit_scope)) = users::active_with_unit_scope(&mut conn, who).await? else {
            return Err(ServiceError::Unauthenticated);
        };
        // The reports that name this investigator (or their unit, or their chain of command).
        let excluded_cases = crate::conflict::excluded_cases(&mut conn, &user).await?;
        let facts = ActorFacts {
            user_id: user.id,
            role: user.role,
            unit_scope,
            excluded_cases,
        };
        Ok(Actor::User {
            user,
            facts,
            unlocked: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_themselves() {
        let h = hash_password("mật khẩu rất dài 123").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("mật khẩu rất dài 123", &h));
        assert!(!verify_password("mật khẩu rất dài 124", &h));
        assert!(!verify_password("x", "not a hash"));
    }
}
