//! Credentials: API tokens and passwords.
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::SaltString;
use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier};
use hqdesk_domain::access::ActorFacts;
use hqdesk_domain::user::parse_username;
use hqdesk_store::{tokens, users, Store};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::{Actor, ServiceError, Services};

/// Tokens look like `hqd_` + 64 hex characters (256 random bits); only their SHA-256 is stored.
pub const TOKEN_PREFIX: &str = "hqd_";

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
    /// Issue a new API token for `username`. The token is shown once and never stored.
    pub async fn issue_token(
        &self,
        actor: &Actor,
        username: &str,
        label: &str,
    ) -> Result<String, ServiceError> {
        actor.require(hqdesk_domain::access::Action::ManageUsers, None)?;
        let username =
            parse_username(username).map_err(|e| ServiceError::invalid("username", e))?;
        let now = self.now();
        let mut raw = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut raw);
        let token = format!("{TOKEN_PREFIX}{}", hex::encode(raw));
        let mut tx = self.store().begin().await?;
        let user = users::by_username(&mut tx, &username).await?;
        tokens::insert(&mut tx, user.id, &token_hash(&token), label, now).await?;
        crate::audit::record(
            &mut tx,
            now,
            actor,
            "token.issue",
            &format!("user:{}", user.username),
            serde_json::json!({ "label": label }),
        )
        .await?;
        Store::commit(tx).await?;
        Ok(token)
    }

    /// The actor behind a bearer token.
    pub async fn authenticate_token(&self, token: &str) -> Result<Actor, ServiceError> {
        if !token.starts_with(TOKEN_PREFIX) {
            return Err(ServiceError::Unauthenticated);
        }
        self.actor_for(users::Who::TokenHash(&token_hash(token)))
            .await
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
        let facts = ActorFacts {
            user_id: user.id,
            role: user.role,
            unit_scope,
        };
        Ok(Actor::User { user, facts })
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
