//! Setting a user's password as someone who manages users: the way back in for a user who lost
//! it, or for the demo's users, whose passwords are printed only when they are set (they are
//! kept as argon2 hashes, never in a form that could be printed again).
use hqdesk_domain::access::Action;
use hqdesk_domain::user::check_password;
use hqdesk_store::{sessions, users, Store};
use rand::distributions::Alphanumeric;
use rand::Rng;
use serde_json::json;

use crate::audit::record as audit;
use crate::sign_in_limits::Counter;
use crate::{Actor, ServiceError, Services};

/// Length of a generated password: about 119 bits from 62 symbols.
const GENERATED_LEN: usize = 20;

fn generate() -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(GENERATED_LEN)
        .map(char::from)
        .collect()
}

impl Services {
    /// Set `username`'s password to `password`, or to a generated one when `None`; returns the
    /// password set. The user's sessions end (whoever knew the old password is signed out) and a
    /// lock-out after wrong passwords is lifted. Audited, without the password.
    pub async fn set_user_password(
        &self,
        actor: &Actor,
        username: &str,
        password: Option<String>,
    ) -> Result<String, ServiceError> {
        self.set_password_audited(actor, username, password, None)
            .await
    }

    /// [`Services::set_user_password`] with the reason written into the audit entry.
    pub(crate) async fn set_password_audited(
        &self,
        actor: &Actor,
        username: &str,
        password: Option<String>,
        reason: Option<String>,
    ) -> Result<String, ServiceError> {
        actor.require(Action::ManageUsers, None)?;
        let generated = password.is_none();
        let password = password.unwrap_or_else(generate);
        check_password(&password).map_err(|e| ServiceError::invalid("password", e))?;
        let mut conn = self.store().read().await?;
        let user = users::by_username(&mut conn, &username.trim().to_ascii_lowercase()).await?;
        drop(conn);
        // Whoever sets an investigator's password could sign in as them: only the command line.
        if user.role.appointed_on_server_only() {
            actor.require(Action::ManageConfidentialAccounts, None)?;
        }
        let set = self.server_set_password(user.role, &password)?;
        let now = self.now();
        let mut tx = self.store().begin().await?;
        users::set_password_hash(&mut tx, user.id, &set.hash).await?;
        if let Some(new) = &set.key_pair {
            Self::store_key_pair(&mut tx, actor, (user.id, &user.username), new, now).await?;
        }
        let ended = sessions::delete_for_user(&mut tx, user.id, None).await?;
        Counter::user_passwords(&user.username)
            .forget(&mut tx)
            .await?;
        Counter::user_codes(user.id).forget(&mut tx).await?;
        audit(
            &mut tx,
            now,
            actor,
            "user.password_set",
            &format!("user:{}", user.username),
            json!({ "generated": generated, "sessions_ended": ended, "reason": reason }),
        )
        .await?;
        Store::commit(tx).await?;
        Ok(password)
    }
}
