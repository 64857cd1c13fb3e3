//! What administrators do to accounts from the console: edit a user, deactivate or reactivate
//! them, reset their password or their second factor. Every change carries a reason, written
//! with it into the audit entry; supervisors may only look. The rules of the directory
//! ([`Services::update_user`]) apply unchanged: nobody but the server's command line appoints or
//! hands credentials to someone who sees denunciations, and nobody locks themselves out.
use hqdesk_domain::access::Action;
use hqdesk_domain::audit::AuditEntry;
use hqdesk_domain::{input, text, ValidationErrors};
use hqdesk_store::users::User;
use hqdesk_store::{sessions, users, Store};
use serde_json::json;

use crate::audit::record as audit;
use crate::directory::UpdateUser;
use crate::sign_in_limits::Counter;
use crate::{Actor, ServiceError, Services};

/// The longest reason kept.
pub const MAX_REASON_CHARS: usize = 500;

/// Why an account was changed: one line, required, at most [`MAX_REASON_CHARS`] characters.
pub fn parse_reason(reason: &str) -> Result<String, ServiceError> {
    let r = text::normalize_input(reason.trim());
    if r.is_empty() {
        return Err(ServiceError::invalid_field(
            "reason",
            "reason_required",
            "give the reason for this change (it is kept in the audit log)",
        ));
    }
    if r.chars().count() > MAX_REASON_CHARS {
        return Err(ServiceError::invalid_field(
            "reason",
            "reason_too_long",
            format!("a reason has at most {MAX_REASON_CHARS} characters"),
        ));
    }
    input::check_field("reason", &r)
        .map_err(|e| ServiceError::Invalid(ValidationErrors::single(e)))?;
    Ok(r)
}

/// A change of a user's name, role or unit.
#[derive(Debug, Clone, Default)]
pub struct EditUser {
    pub display_name: Option<String>,
    pub role: Option<String>,
    /// `Some(None)` takes the user out of any unit.
    pub unit: Option<Option<String>>,
    /// `Some(None)` removes the notification address.
    pub email: Option<Option<String>>,
}

impl Services {
    async fn target_user(&self, actor: &Actor, username: &str) -> Result<User, ServiceError> {
        actor.require(Action::ManageUsers, None)?;
        let mut conn = self.store().read().await?;
        Ok(users::by_username(&mut conn, &username.trim().to_ascii_lowercase()).await?)
    }

    fn not_on_yourself(actor: &Actor, user: &User) -> Result<(), ServiceError> {
        if actor.user_id() == Some(user.id) {
            return Err(ServiceError::Conflict {
                code: "self_credentials",
                message: "change your own password or second factor on your account page".into(),
            });
        }
        Ok(())
    }

    /// Change a user's display name, role or unit, with the reason (administrators).
    pub async fn edit_user(
        &self,
        actor: &Actor,
        username: &str,
        edit: EditUser,
        reason: &str,
    ) -> Result<User, ServiceError> {
        actor.require(Action::ManageUsers, None)?;
        let reason = parse_reason(reason)?;
        self.update_user(
            actor,
            username,
            UpdateUser {
                display_name: edit.display_name,
                role: edit.role,
                unit: edit.unit,
                email: edit.email,
                reason: Some(reason),
                ..Default::default()
            },
        )
        .await
    }

    /// Deactivate (their sessions and tokens end) or reactivate a user, with the reason.
    pub async fn set_user_active(
        &self,
        actor: &Actor,
        username: &str,
        active: bool,
        reason: &str,
    ) -> Result<User, ServiceError> {
        actor.require(Action::ManageUsers, None)?;
        let reason = parse_reason(reason)?;
        let user = self
            .update_user(
                actor,
                username,
                UpdateUser {
                    active: Some(active),
                    reason: Some(reason),
                    ..Default::default()
                },
            )
            .await?;
        if !active {
            let mut tx = self.store().begin().await?;
            sessions::delete_for_user(&mut tx, user.id, None).await?;
            Store::commit(tx).await?;
        }
        Ok(user)
    }

    /// Reset a user's password: to `password`, or to a generated temporary one (returned, to be
    /// shown once and handed over). The user's sessions end. With the reason.
    pub async fn reset_user_password(
        &self,
        actor: &Actor,
        username: &str,
        password: Option<String>,
        reason: &str,
    ) -> Result<String, ServiceError> {
        let user = self.target_user(actor, username).await?;
        Self::not_on_yourself(actor, &user)?;
        let reason = parse_reason(reason)?;
        self.set_password_audited(actor, &user.username, password, Some(reason))
            .await
    }

    /// Remove a user's second factor (authenticator and recovery codes), e.g. after a lost
    /// phone: their sessions end and, if their role needs one, they enrol again at the next
    /// sign-in. With the reason. Not for users who see denunciations (the command line only).
    pub async fn reset_user_second_factor(
        &self,
        actor: &Actor,
        username: &str,
        reason: &str,
    ) -> Result<(), ServiceError> {
        let user = self.target_user(actor, username).await?;
        Self::not_on_yourself(actor, &user)?;
        let reason = parse_reason(reason)?;
        if user.role.appointed_on_server_only() {
            actor.require(Action::ManageConfidentialAccounts, None)?;
        }
        let now = self.now();
        let mut tx = self.store().begin().await?;
        sessions::set_totp(&mut tx, user.id, None, false).await?;
        sessions::replace_recovery_codes(&mut tx, user.id, &[]).await?;
        let ended = sessions::delete_for_user(&mut tx, user.id, None).await?;
        Counter::user_codes(user.id).forget(&mut tx).await?;
        audit(
            &mut tx,
            now,
            actor,
            "user.second_factor_reset",
            &format!("user:{}", user.username),
            json!({ "sessions_ended": ended, "reason": reason }),
        )
        .await?;
        Store::commit(tx).await?;
        Ok(())
    }

    /// Whether a user has an enrolled second factor (administrators).
    pub async fn user_has_second_factor(
        &self,
        actor: &Actor,
        username: &str,
    ) -> Result<bool, ServiceError> {
        let user = self.target_user(actor, username).await?;
        let mut conn = self.store().read().await?;
        Ok(sessions::credentials_by_id(&mut conn, user.id)
            .await?
            .totp_enabled
            != 0)
    }

    /// The audit entries about one user, newest first (administrators).
    pub async fn user_history(
        &self,
        actor: &Actor,
        username: &str,
        limit: i64,
    ) -> Result<Vec<AuditEntry>, ServiceError> {
        let user = self.target_user(actor, username).await?;
        let mut conn = self.store().read().await?;
        Ok(
            hqdesk_store::audit::for_object(&mut conn, &format!("user:{}", user.username), limit)
                .await?,
        )
    }
}
