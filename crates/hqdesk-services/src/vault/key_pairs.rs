//! An investigator's key pair over its life (design note 006 §1, §6):
//! - made, sealed under the password, whenever the server sets that password (`user add`,
//!   `user role … investigator`, `user password`): a password set by someone else means the
//!   old one was lost, and with it the old private key, so the old pair is retired (its cases
//!   come back through the escrow, `keys escrow-recover`) and a new one made;
//! - sealed again, the same private key, when the investigator changes their own password: no
//!   case is touched;
//! - retired when the role is taken away, and the wraps of every case for any of the user's
//!   keys deleted in the same transaction.
//!
//! Argon2id runs before the transaction that stores its result, so that no write lock is held
//! for it.
use hqdesk_domain::Timestamp;
use hqdesk_store::{case_keys, vault_keys};
use hqdesk_vault::{KeyPair, SealedSecretKey, VaultError};
use rand::rngs::OsRng;
use serde_json::json;

use super::b64;
use crate::audit::record as audit;
use crate::{Actor, ServiceError, Services};

/// A new key pair and its private half sealed under a password: what is stored.
pub(crate) struct NewKeyPair {
    pub(crate) pair: KeyPair,
    sealed: SealedSecretKey,
}

fn vault_error(what: &str, e: VaultError) -> ServiceError {
    ServiceError::Internal(format!("{what}: {e}"))
}

/// A password the server sets (an operator, not its owner): the login hash, and for a role that
/// holds keys a new key pair sealed under it — the old password is lost, and the private key
/// sealed under it with it (the old pair is retired; `keys escrow-recover` gives its cases back).
pub(crate) struct ServerSetPassword {
    pub(crate) hash: String,
    pub(crate) key_pair: Option<NewKeyPair>,
}

impl Services {
    /// What storing a password the server sets for a user of `role` takes.
    pub(crate) fn server_set_password(
        &self,
        role: hqdesk_domain::user::Role,
        password: &str,
    ) -> Result<ServerSetPassword, ServiceError> {
        Ok(ServerSetPassword {
            hash: self.password_hash_for(role, password)?,
            key_pair: if super::holds_keys(role) {
                Some(self.new_key_pair(password)?)
            } else {
                None
            },
        })
    }

    /// Make a key pair and seal it under `password` (Argon2id at the investigators' cost).
    pub(crate) fn new_key_pair(&self, password: &str) -> Result<NewKeyPair, ServiceError> {
        let pair = KeyPair::generate(&mut OsRng);
        let sealed = SealedSecretKey::seal(&pair, password, self.investigator_kdf(), &mut OsRng)
            .map_err(|e| vault_error("sealing a new key pair", e))?;
        Ok(NewKeyPair { pair, sealed })
    }

    /// Store `new` as the user's current key pair, retiring the one before; audited.
    pub(crate) async fn store_key_pair(
        conn: &mut hqdesk_store::Connection,
        actor: &Actor,
        user: (i64, &str),
        new: &NewKeyPair,
        now: Timestamp,
    ) -> Result<(), ServiceError> {
        let (user_id, username) = user;
        let retired = vault_keys::retire_user_key(conn, user_id, now).await?;
        let key_id = new.pair.key_id().to_string();
        vault_keys::insert_user_key(
            conn,
            user_id,
            &key_id,
            &new.pair.public().to_string(),
            &b64(new.sealed.as_bytes()),
            now,
        )
        .await?;
        audit(
            conn,
            now,
            actor,
            "vault.key_created",
            &format!("user:{username}"),
            json!({ "key_id": key_id, "retired_key_id": retired }),
        )
        .await
    }

    /// The role that holds keys is taken away: retire the user's current key pair, if any, and
    /// delete the wraps of every case for any of their keys, current or retired; in the
    /// caller's transaction, audited.
    ///
    /// Only a role removal deletes wraps. A password reset (`store_key_pair`) retires the old
    /// pair but keeps its wraps: they cost nothing (nobody holds that private half any more)
    /// and say which cases the user held until `hqdesk keys escrow-recover` has wrapped those
    /// for the new pair, which deletes them then (`recovery.rs`). A demoted investigator's wraps
    /// are gone at once: if they are appointed again, their cases come back through the escrow.
    /// (They may have kept a data key they once opened; re-keying a case is later work, design
    /// note 006 §8.)
    pub(crate) async fn retire_on_role_removal(
        conn: &mut hqdesk_store::Connection,
        actor: &Actor,
        user: (i64, &str),
        now: Timestamp,
    ) -> Result<Option<String>, ServiceError> {
        let (user_id, username) = user;
        let retired = vault_keys::retire_user_key(conn, user_id, now).await?;
        let mut wraps_deleted = 0;
        for key in vault_keys::all_for_user(conn, user_id).await? {
            wraps_deleted += case_keys::delete_for_key(conn, &key.key_id).await?;
            // A custodian's wraps of reporters' identities go the same way.
            wraps_deleted += hqdesk_store::identity::delete_keys_for_key(conn, &key.key_id).await?;
        }
        // An investigator's openings of identities too: they were wrapped for a retired key.
        wraps_deleted += hqdesk_store::identity::delete_grants_for_user(conn, user_id).await?;
        if retired.is_some() {
            // Their sessions' seals go too: nothing is left to open the retired key with.
            hqdesk_store::sessions::forget_sealed_keys(conn, user_id).await?;
        }
        if retired.is_some() || wraps_deleted > 0 {
            audit(
                conn,
                now,
                actor,
                "vault.key_retired",
                &format!("user:{username}"),
                json!({ "key_id": retired, "role_removed": true, "wraps_deleted": wraps_deleted }),
            )
            .await?;
        }
        Ok(retired)
    }

    /// The user's current private key sealed again under `new` (their own password change).
    /// `None` when they have no key pair yet (one is made under `new` by the caller).
    pub(crate) async fn reseal_key_pair(
        &self,
        user_id: i64,
        current: &str,
        new: &str,
    ) -> Result<Option<(String, String)>, ServiceError> {
        let mut conn = self.store().read().await?;
        let row = vault_keys::current_for_user(&mut conn, user_id).await?;
        drop(conn);
        let Some(row) = row else { return Ok(None) };
        let sealed = stored_sealed_key(&row)?;
        let resealed = sealed
            .change_password(current, new, self.investigator_kdf(), &mut OsRng)
            .map_err(|e| match e {
                // The login hash took `current`, the seal does not: they were set apart.
                VaultError::WrongPassword => {
                    tracing::error!(
                        user.id = user_id,
                        key.id = %row.key_id,
                        "the password the login hash accepts does not open this investigator's \
                         private key; reset it with `hqdesk user password`"
                    );
                    ServiceError::Internal("the private key does not open".into())
                }
                e => vault_error("re-sealing a private key", e),
            })?;
        Ok(Some((row.key_id, b64(resealed.as_bytes()))))
    }
}

/// The password-sealed private key of a stored row.
pub(crate) fn stored_sealed_key(
    row: &vault_keys::UserKey,
) -> Result<SealedSecretKey, ServiceError> {
    row.sealed_secret_key
        .as_deref()
        .and_then(super::from_b64)
        .and_then(|bytes| SealedSecretKey::from_bytes(&bytes).ok())
        .ok_or_else(|| {
            tracing::error!(user.id = row.user_id, key.id = %row.key_id, "a stored private key is unreadable");
            ServiceError::Internal(format!("the private key {} is unreadable", row.key_id))
        })
}
