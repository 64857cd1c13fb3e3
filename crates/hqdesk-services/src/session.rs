//! Console sign-in: password (argon2id), TOTP second factor (a code works once), recovery codes,
//! server-side sessions with idle and absolute expiry. How many attempts are allowed, from
//! where, is in [`crate::sign_in_limits`].
use hqdesk_domain::user::{check_password, parse_username, Role};
use hqdesk_domain::Timestamp;
use hqdesk_store::sessions::{self, Session};
use hqdesk_store::{users, Store};
use rand::RngCore;
use serde_json::json;
use sha2::{Digest, Sha256};
use totp_rs::{Builder, Secret};

use crate::audit::record as audit;
use crate::auth::verify_password;
use crate::sign_in_limits::{self, Attempt, Counter};
use crate::{Actor, ServiceError, Services};

/// Sessions end after 30 minutes without activity or 12 hours in all (OWASP ASVS 3.3.2).
pub const IDLE_MINUTES: i64 = 30;
pub const ABSOLUTE_HOURS: i64 = 12;
const RECOVERY_CODES: usize = 10;

/// Where a session stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// The password was right; the second factor is still due.
    SecondFactor,
    /// Signed in, but this role must enrol a second factor before anything else.
    MustEnrol,
    Full,
}

impl Stage {
    fn as_str(self) -> &'static str {
        match self {
            Stage::SecondFactor => "password",
            Stage::MustEnrol => "enrol",
            Stage::Full => "full",
        }
    }
    pub(crate) fn parse(s: &str) -> Stage {
        match s {
            "full" => Stage::Full,
            "enrol" => Stage::MustEnrol,
            _ => Stage::SecondFactor,
        }
    }
}

/// A live session: the token for the cookie (only at sign-in), its CSRF token, stage, actor.
#[derive(Debug, Clone)]
pub struct SessionInfo {
    pub id_hash: String,
    pub csrf: String,
    pub stage: Stage,
    pub actor: Actor,
}

/// What a cookie's token leads to.
#[derive(Debug, Clone)]
pub enum Lookup {
    Alive(Box<SessionInfo>),
    /// No such session, or it ended (expired, signed out, user deactivated).
    Ended,
    /// An investigator's session whose sealed key is missing or does not open: it has ended,
    /// and they must sign in again (their password opens the key).
    KeyLost,
}

#[derive(Debug, Clone)]
pub struct SignIn {
    /// Goes into the cookie; never stored.
    pub token: String,
    pub stage: Stage,
}

/// Why a sign-in failed, as much as may be told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInError {
    /// Unknown user name, wrong password, or a name locked after too many wrong passwords: one
    /// answer for all, so that it never tells which names exist or are locked.
    BadCredentials,
    /// Too many failures from this address: everything from it is refused until this time.
    AddressThrottled(Timestamp),
    BadCode,
    /// Too many wrong codes: the half-signed sessions have ended and every code is refused
    /// until this time.
    CodesLocked(Timestamp),
}

fn random_hex(bytes: usize) -> String {
    let mut b = vec![0u8; bytes];
    rand::thread_rng().fill_bytes(&mut b);
    hex::encode(b)
}

fn sha(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// Roles that may not work without a second factor (ASVS 4.3.1: admin and task-force interfaces).
pub fn requires_second_factor(role: Role) -> bool {
    matches!(
        role,
        Role::Admin | Role::Investigator | Role::Supervisor | Role::Custodian
    )
}

fn totp_for(secret_b32: &str, username: &str) -> Result<totp_rs::Totp, ServiceError> {
    let secret = Secret::try_from_base32(secret_b32)
        .map_err(|e| ServiceError::Internal(format!("totp secret: {e:?}")))?;
    Builder::new()
        .with_secret(secret)
        .with_account_name(username.to_string())
        .with_issuer(Some("hqdesk"))
        .build()
        .map_err(|e| ServiceError::Internal(format!("totp: {e:?}")))
}

/// The current TOTP code for a base32 secret at `now` (tests and demo tooling use it).
pub fn totp_code(secret_b32: &str, now: Timestamp) -> Result<String, ServiceError> {
    Ok(totp_for(secret_b32, "x")?
        .generate(u64::try_from(now.millis() / 1000).unwrap_or(0))
        .to_string())
}

impl Services {
    /// Check the password of a sign-in from `source` (the client's address). Every attempt is
    /// counted before it is checked (see [`crate::sign_in_limits`]); an unknown user, a wrong
    /// password and a locked name get the same answer after the same work.
    pub async fn sign_in(
        &self,
        source: &str,
        username: &str,
        password: &str,
    ) -> Result<Result<SignIn, SignInError>, ServiceError> {
        let now = self.now();
        let username = parse_username(username).unwrap_or_default();
        let mut conn = self.store().read().await?;
        let creds = sessions::credentials(&mut conn, &username)
            .await?
            .filter(|c| c.active != 0);
        drop(conn);
        let address = Counter::address(source);
        let name = Counter::name_from_address(source, &username);
        // Counted by name, so that an unknown name costs the same work as a known one.
        let user = Counter::user_passwords(&username);
        // Each counter is asked only when the one before let the attempt through, so that an
        // address that is stopped adds nothing to the counters of the user it aims at.
        let mut tx = self.store().begin().await?;
        sign_in_limits::forget_ended(&mut tx, now).await?;
        if let Attempt::Refused { until } = address.count(&mut tx, now).await? {
            Store::commit(tx).await?;
            return Ok(Err(SignInError::AddressThrottled(until)));
        }
        let admitted = matches!(name.count(&mut tx, now).await?, Attempt::Allowed { .. })
            && matches!(user.count(&mut tx, now).await?, Attempt::Allowed { .. });
        Store::commit(tx).await?;
        // The password is checked even when the attempt is refused: the answer takes as long.
        let stored = creds.as_ref().and_then(|c| c.password_hash.as_deref());
        let right = verify_password(password, stored.unwrap_or(DUMMY_HASH)) && stored.is_some();
        let (Some(c), true) = (&creds, admitted && right) else {
            // Written for unknown names too (without the name, which may be a mistyped
            // password), so that a failure costs the same whether the name exists or not.
            let target = match &creds {
                Some(_) => format!("user:{username}"),
                None => "user:(unknown)".to_string(),
            };
            let mut tx = self.store().begin().await?;
            audit(
                &mut tx,
                now,
                &Actor::System("sign-in"),
                "auth.sign_in_failed",
                &target,
                json!({ "refused_unchecked": !admitted }),
            )
            .await?;
            Store::commit(tx).await?;
            return Ok(Err(SignInError::BadCredentials));
        };
        let mut conn = self.store().read().await?;
        let account = users::get(&mut conn, c.id).await?;
        drop(conn);
        let token = random_hex(32);
        let id_hash = sha(&token);
        // An investigator's private key opens with the password and is sealed for this session
        // (design note 006 §4); their login hash is raised to the key's cost if it was cheaper.
        let sealed_key = if crate::vault::holds_keys(account.role) {
            let Ok(pair) = self
                .unlock_at_sign_in(c.id, &account.username, password)
                .await?
            else {
                // Logged by `unlock_at_sign_in`; the answer is a wrong password's.
                return Ok(Err(SignInError::BadCredentials));
            };
            if stored.is_some_and(|h| crate::auth::hash_costs_less(h, self.investigator_kdf())) {
                let hash = self.password_hash_for(account.role, password)?;
                let mut tx = self.store().begin().await?;
                users::set_password_hash(&mut tx, c.id, &hash).await?;
                Store::commit(tx).await?;
            }
            Some(crate::vault::seal_for_session(&token, &id_hash, &pair)?)
        } else {
            None
        };
        let mut tx = self.store().begin().await?;
        address.uncount(&mut tx).await?;
        name.forget(&mut tx).await?;
        user.uncount(&mut tx).await?;
        // Ended sessions go, with their sealed keys (also every few minutes: `jobs`).
        sessions::delete_expired(&mut tx, now, IDLE_MINUTES * 60_000).await?;
        let stage = if c.totp_enabled != 0 {
            Stage::SecondFactor
        } else if requires_second_factor(account.role) {
            Stage::MustEnrol
        } else {
            Stage::Full
        };
        sessions::insert(
            &mut tx,
            &Session {
                id_hash,
                user_id: c.id,
                csrf: random_hex(32),
                stage: stage.as_str().into(),
                created_at: now.millis(),
                last_seen_at: now.millis(),
                expires_at: now.plus_minutes(ABSOLUTE_HOURS * 60).millis(),
                sealed_key,
            },
        )
        .await?;
        audit(
            &mut tx,
            now,
            &Actor::System("sign-in"),
            "auth.sign_in",
            &format!("user:{username}"),
            json!({ "stage": stage.as_str() }),
        )
        .await?;
        Store::commit(tx).await?;
        Ok(Ok(SignIn { token, stage }))
    }

    /// The session behind a cookie token, if it is alive; refreshes its idle timer.
    pub async fn session(&self, token: &str) -> Result<Option<SessionInfo>, ServiceError> {
        Ok(match self.session_lookup(token).await? {
            Lookup::Alive(s) => Some(*s),
            Lookup::Ended | Lookup::KeyLost => None,
        })
    }

    /// The session behind a cookie token, and if not alive, why. A fully signed-in
    /// investigator's session carries their private key, opened from its seal; a seal that is
    /// missing or does not open ends the session (`KeyLost`: they sign in again).
    pub async fn session_lookup(&self, token: &str) -> Result<Lookup, ServiceError> {
        let now = self.now();
        let id_hash = sha(token);
        let mut conn = self.store().read().await?;
        let Some(s) = sessions::get(&mut conn, &id_hash).await? else {
            return Ok(Lookup::Ended);
        };
        drop(conn);
        if s.expires_at <= now.millis() || s.last_seen_at + IDLE_MINUTES * 60_000 <= now.millis() {
            let mut tx = self.store().begin().await?;
            sessions::delete(&mut tx, &id_hash).await?;
            Store::commit(tx).await?;
            return Ok(Lookup::Ended);
        }
        let mut actor = match self.actor_for_user(s.user_id).await {
            Ok(a) => a,
            Err(ServiceError::Unauthenticated) => return Ok(Lookup::Ended),
            Err(e) => return Err(e),
        };
        let stage = Stage::parse(&s.stage);
        if let Actor::User { user, unlocked, .. } = &mut actor {
            // Honoured only once fully signed in: before that the seal waits on the row.
            if crate::vault::holds_keys(user.role) && stage == Stage::Full {
                match self
                    .unlock_for_request(user.id, token, &id_hash, s.sealed_key.as_deref())
                    .await?
                {
                    Ok(pair) => *unlocked = Some(crate::vault::UnlockedKey::new(pair)),
                    Err(why) => {
                        tracing::warn!(
                            user.id = user.id,
                            reason = ?why,
                            "an investigator's session key did not open: the session ends"
                        );
                        let mut tx = self.store().begin().await?;
                        sessions::delete(&mut tx, &id_hash).await?;
                        Store::commit(tx).await?;
                        return Ok(Lookup::KeyLost);
                    }
                }
            }
        }
        // Refresh at most once a minute: reads stay reads.
        if now.millis() - s.last_seen_at > 60_000 {
            let mut tx = self.store().begin().await?;
            sessions::touch(&mut tx, &id_hash, now).await?;
            Store::commit(tx).await?;
        }
        Ok(Lookup::Alive(Box::new(SessionInfo {
            id_hash,
            csrf: s.csrf,
            stage,
            actor,
        })))
    }

    /// Whether a session (by its stored hash) is still signed in, without counting as activity:
    /// long-lived responses ask this to end when their session ends.
    pub async fn session_alive(&self, id_hash: &str) -> Result<bool, ServiceError> {
        let now = self.now().millis();
        let mut conn = self.store().read().await?;
        let Some(s) = sessions::get(&mut conn, id_hash).await? else {
            return Ok(false);
        };
        drop(conn);
        if s.expires_at <= now || s.last_seen_at + IDLE_MINUTES * 60_000 <= now {
            return Ok(false);
        }
        // A deactivated user's sessions end too.
        match self.actor_for_user(s.user_id).await {
            Ok(_) => Ok(true),
            Err(ServiceError::Unauthenticated) => Ok(false),
            Err(e) => Err(e),
        }
    }

    pub async fn sign_out(&self, session: &SessionInfo) -> Result<(), ServiceError> {
        let mut tx = self.store().begin().await?;
        sessions::delete(&mut tx, &session.id_hash).await?;
        audit(
            &mut tx,
            self.now(),
            &session.actor,
            "auth.sign_out",
            &session.actor.audit_name(),
            json!({}),
        )
        .await?;
        Store::commit(tx).await?;
        Ok(())
    }

    /// The second factor from `source`: a TOTP code (each accepted once) or an unused recovery
    /// code. Every code is counted before it is checked; after the fifth wrong one in a window
    /// the user's half-signed sessions end and codes are refused until the window ends, however
    /// often the password is given again.
    pub async fn second_factor(
        &self,
        source: &str,
        session: &SessionInfo,
        code: &str,
    ) -> Result<Result<(), SignInError>, ServiceError> {
        let now = self.now();
        let Some(user_id) = session.actor.user_id() else {
            return Err(ServiceError::Unauthenticated);
        };
        let address = Counter::address(source);
        let codes = Counter::user_codes(user_id);
        let mut tx = self.store().begin().await?;
        if let Attempt::Refused { until } = address.count(&mut tx, now).await? {
            Store::commit(tx).await?;
            return Ok(Err(SignInError::AddressThrottled(until)));
        }
        let (last_allowed, window_end) = match codes.count(&mut tx, now).await? {
            Attempt::Allowed { last, window_end } => (last, window_end),
            Attempt::Refused { until } => {
                sessions::delete_at_stage(&mut tx, user_id, Stage::SecondFactor.as_str()).await?;
                Store::commit(tx).await?;
                return Ok(Err(SignInError::CodesLocked(until)));
            }
        };
        Store::commit(tx).await?;
        let mut conn = self.store().read().await?;
        let c = sessions::credentials_by_id(&mut conn, user_id).await?;
        let user = users::get(&mut conn, user_id).await?;
        drop(conn);
        let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        let mut tx = self.store().begin().await?;
        let accepted = match (&c.totp_secret, c.totp_enabled != 0) {
            (Some(secret), true) if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) => {
                match totp_for(secret, &user.username)?
                    .check(&code, u64::try_from(now.millis() / 1000).unwrap_or(0))
                {
                    Some(step) => {
                        sessions::advance_totp_step(
                            &mut tx,
                            user_id,
                            i64::try_from(step).unwrap_or(i64::MAX),
                        )
                        .await?
                    }
                    None => false,
                }
            }
            _ => {
                sessions::use_recovery_code(
                    &mut tx,
                    user_id,
                    &sha(&code.to_ascii_lowercase().replace('-', "")),
                    now,
                )
                .await?
            }
        };
        if !accepted {
            audit(
                &mut tx,
                now,
                &session.actor,
                "auth.second_factor_failed",
                &session.actor.audit_name(),
                json!({ "locked": last_allowed }),
            )
            .await?;
            if last_allowed {
                sessions::delete_at_stage(&mut tx, user_id, Stage::SecondFactor.as_str()).await?;
            }
            Store::commit(tx).await?;
            return Ok(Err(if last_allowed {
                SignInError::CodesLocked(window_end)
            } else {
                SignInError::BadCode
            }));
        }
        address.uncount(&mut tx).await?;
        codes.forget(&mut tx).await?;
        sessions::set_stage(&mut tx, &session.id_hash, Stage::Full.as_str()).await?;
        audit(
            &mut tx,
            now,
            &session.actor,
            "auth.second_factor",
            &session.actor.audit_name(),
            json!({}),
        )
        .await?;
        Store::commit(tx).await?;
        Ok(Ok(()))
    }

    /// Start enrolling an authenticator: a new pending secret; returns (otpauth URL, base32 secret).
    pub async fn begin_totp_enrolment(
        &self,
        actor: &Actor,
    ) -> Result<(String, String), ServiceError> {
        let Actor::User { user, .. } = actor else {
            return Err(ServiceError::Unauthenticated);
        };
        let mut conn = self.store().read().await?;
        let c = sessions::credentials_by_id(&mut conn, user.id).await?;
        drop(conn);
        if c.totp_enabled != 0 {
            return Err(ServiceError::Conflict {
                code: "totp_already_enabled",
                message: "two-factor sign-in is already set up".into(),
            });
        }
        let secret = match c.totp_secret {
            Some(s) => s,
            None => {
                let s = Secret::generate().to_base32();
                let mut tx = self.store().begin().await?;
                sessions::set_totp(&mut tx, user.id, Some(&s), false).await?;
                Store::commit(tx).await?;
                s
            }
        };
        let url = totp_for(&secret, &user.username)?
            .to_url()
            .map_err(|e| ServiceError::Internal(format!("{e:?}")))?;
        Ok((url, secret))
    }

    /// Confirm enrolment with a first code; returns the recovery codes, shown once.
    pub async fn confirm_totp_enrolment(
        &self,
        session: &SessionInfo,
        code: &str,
    ) -> Result<Result<Vec<String>, SignInError>, ServiceError> {
        let now = self.now();
        let Actor::User { user, .. } = &session.actor else {
            return Err(ServiceError::Unauthenticated);
        };
        let mut conn = self.store().read().await?;
        let c = sessions::credentials_by_id(&mut conn, user.id).await?;
        drop(conn);
        let Some(secret) = c.totp_secret.filter(|_| c.totp_enabled == 0) else {
            return Err(ServiceError::Conflict {
                code: "totp_not_pending",
                message: "start the set-up again".into(),
            });
        };
        let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        let Some(step) = totp_for(&secret, &user.username)?
            .check(&code, u64::try_from(now.millis() / 1000).unwrap_or(0))
        else {
            return Ok(Err(SignInError::BadCode));
        };
        let codes: Vec<String> = (0..RECOVERY_CODES)
            .map(|_| {
                let h = random_hex(5);
                format!("{}-{}", &h[..5], &h[5..])
            })
            .collect();
        let hashes: Vec<String> = codes.iter().map(|c| sha(&c.replace('-', ""))).collect();
        let mut tx = self.store().begin().await?;
        sessions::set_totp(&mut tx, user.id, Some(&secret), true).await?;
        sessions::advance_totp_step(&mut tx, user.id, i64::try_from(step).unwrap_or(i64::MAX))
            .await?;
        sessions::replace_recovery_codes(&mut tx, user.id, &hashes).await?;
        sessions::set_stage(&mut tx, &session.id_hash, Stage::Full.as_str()).await?;
        audit(
            &mut tx,
            now,
            &session.actor,
            "auth.totp_enrolled",
            &session.actor.audit_name(),
            json!({}),
        )
        .await?;
        Store::commit(tx).await?;
        Ok(Ok(codes))
    }

    /// Change one's own password; every other session of the user ends.
    pub async fn change_password(
        &self,
        session: &SessionInfo,
        current: &str,
        new: &str,
    ) -> Result<(), ServiceError> {
        let Actor::User { user, .. } = &session.actor else {
            return Err(ServiceError::Unauthenticated);
        };
        let mut conn = self.store().read().await?;
        let c = sessions::credentials_by_id(&mut conn, user.id).await?;
        drop(conn);
        if !c
            .password_hash
            .as_deref()
            .is_some_and(|h| verify_password(current, h))
        {
            return Err(ServiceError::invalid_field(
                "current_password",
                "password_wrong",
                "the current password is not right",
            ));
        }
        check_password(new).map_err(|e| ServiceError::invalid("new_password", e))?;
        let hash = self.password_hash_for(user.role, new)?;
        // An investigator's private key is sealed again under the new password: the same key,
        // so no case is touched (one with no key pair yet gets it now).
        let (resealed, key_pair) = if crate::vault::holds_keys(user.role) {
            match self.reseal_key_pair(user.id, current, new).await? {
                Some(r) => (Some(r), None),
                None => (None, Some(self.new_key_pair(new)?)),
            }
        } else {
            (None, None)
        };
        let now = self.now();
        let mut tx = self.store().begin().await?;
        users::set_password_hash(&mut tx, user.id, &hash).await?;
        if let Some((key_id, sealed)) = &resealed {
            hqdesk_store::vault_keys::reseal_user_key(&mut tx, key_id, sealed).await?;
        }
        if let Some(new) = &key_pair {
            Self::store_key_pair(&mut tx, &session.actor, (user.id, &user.username), new, now)
                .await?;
        }
        sessions::delete_for_user(&mut tx, user.id, Some(&session.id_hash)).await?;
        audit(
            &mut tx,
            now,
            &session.actor,
            "auth.password_changed",
            &session.actor.audit_name(),
            json!({}),
        )
        .await?;
        Store::commit(tx).await?;
        Ok(())
    }

    /// Set the console language of the signed-in user (`vi` or `en`).
    pub async fn set_locale(&self, actor: &Actor, locale: &str) -> Result<(), ServiceError> {
        let Some(uid) = actor.user_id() else {
            return Err(ServiceError::Unauthenticated);
        };
        if !matches!(locale, "vi" | "en") {
            return Err(ServiceError::invalid_field(
                "locale",
                "locale_unknown",
                "the language must be vi or en",
            ));
        }
        let mut tx = self.store().begin().await?;
        users::set_locale(&mut tx, uid, locale).await?;
        Store::commit(tx).await?;
        Ok(())
    }

    /// The base32 TOTP secret of a user (for tests and the operator's reset tooling).
    pub async fn totp_secret_of(&self, username: &str) -> Result<Option<String>, ServiceError> {
        let mut conn = self.store().read().await?;
        Ok(sessions::credentials(&mut conn, username)
            .await?
            .and_then(|c| c.totp_secret))
    }

    /// Note what the user is doing on a case and list who else is on it.
    pub async fn presence(
        &self,
        actor: &Actor,
        case_id: i64,
        activity: Option<&str>,
    ) -> Result<Vec<(String, String, String)>, ServiceError> {
        let Some(uid) = actor.user_id() else {
            return Ok(vec![]);
        };
        let now = self.now();
        if let Some(a) = activity {
            let mut tx = self.store().begin().await?;
            sessions::set_presence(&mut tx, case_id, uid, a, now).await?;
            Store::commit(tx).await?;
        }
        let mut conn = self.store().read().await?;
        Ok(sessions::presence(&mut conn, case_id, uid, Timestamp(now.millis() - 45_000)).await?)
    }
}

/// An argon2id hash of a random string, verified when the user does not exist so that the
/// answer takes as long as for a real user.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$9Qmx0GJ0c0oQ2X1m3ZbH8oVYg2dQq3pTq4j1FQvW0aE";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::hash_password;

    /// The stand-in hash must be one argon2 really computes (a malformed one would be refused
    /// at once, and the quick answer would tell that the name does not exist), at the cost of
    /// the hashes `hash_password` makes.
    #[test]
    fn the_stand_in_hash_costs_what_a_real_one_does() {
        let dummy = argon2::PasswordHash::new(DUMMY_HASH).unwrap();
        let real_hash = hash_password("mật khẩu thật dài 2026").unwrap();
        let real = argon2::PasswordHash::new(&real_hash).unwrap();
        assert_eq!(dummy.algorithm, real.algorithm);
        assert_eq!(dummy.params, real.params);
        assert_eq!(dummy.hash.map(|h| h.len()), real.hash.map(|h| h.len()));
        assert!(!verify_password("mật khẩu thật dài 2026", DUMMY_HASH));
    }
}
