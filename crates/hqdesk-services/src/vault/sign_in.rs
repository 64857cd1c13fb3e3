//! The private key at sign-in and on each request (design note 006 §4). At the password step
//! the password opens the investigator's private key (or makes their first key pair, for one
//! appointed before keys existed), and the key is sealed again for the session: under
//! HKDF(the cookie's token, the server's secret), bound to the session row. The seal is kept on
//! the row from the password step (it is useless without the cookie) and honoured only once
//! the session is fully signed in. Each request that carries the cookie opens it again.
use hqdesk_store::{secrets, vault_keys, Store};
use hqdesk_vault::{KeyPair, SessionKey, SessionSealedKey, VaultError};
use rand::rngs::OsRng;

use super::key_pairs::stored_sealed_key;
use super::{b64, from_b64};
use crate::{Actor, ServiceError, Services};

/// Why a signed-in investigator's key did not open for a request: they must sign in again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyLost {
    /// The session has no seal (made before keys existed, or the key pair was retired since).
    Missing,
    /// The seal does not open with this cookie and the server's secrets, or is not the
    /// investigator's current key.
    Tampered,
}

fn place(id_hash: &str) -> Vec<u8> {
    format!("session:{id_hash}").into_bytes()
}

/// Seal `pair` for the session whose cookie holds `token` (its row is named by `id_hash`).
pub(crate) fn seal_for_session(
    token: &str,
    id_hash: &str,
    pair: &KeyPair,
) -> Result<String, ServiceError> {
    let secrets = secrets::session_secrets()?;
    let current = secrets
        .first()
        .ok_or_else(|| ServiceError::Internal("no secret key".into()))?;
    let sealed = SessionKey::derive(token.as_bytes(), &current[..])
        .and_then(|k| k.seal(pair, &place(id_hash)))
        .map_err(|e| ServiceError::Internal(format!("sealing a key for a session: {e}")))?;
    Ok(b64(sealed.as_bytes()))
}

/// Open the session's seal with the cookie's `token`; it must hold the key `expected_key_id`.
pub(crate) fn open_for_session(
    token: &str,
    id_hash: &str,
    stored: Option<&str>,
    expected_key_id: &str,
) -> Result<KeyPair, KeyLost> {
    let stored = stored.ok_or(KeyLost::Missing)?;
    let sealed = from_b64(stored)
        .and_then(|b| SessionSealedKey::from_bytes(&b).ok())
        .ok_or(KeyLost::Tampered)?;
    let secrets = secrets::session_secrets().map_err(|_| KeyLost::Tampered)?;
    // Current key first; an older one opens a session sealed before `secrets rotate`.
    let pair = secrets
        .iter()
        .find_map(|secret| {
            SessionKey::derive(token.as_bytes(), &secret[..])
                .and_then(|k| k.open(&sealed, &place(id_hash)))
                .ok()
        })
        .ok_or(KeyLost::Tampered)?;
    if pair.key_id().to_string() != expected_key_id {
        return Err(KeyLost::Tampered);
    }
    Ok(pair)
}

impl Services {
    /// At the password step of an investigator's sign-in (the password is right): their
    /// private key, opened with it. One appointed before keys existed gets their first key pair
    /// now, sealed under it; a key sealed at a lower cost than today's is sealed again.
    /// `WrongPassword` when the login hash took a password the key's seal refuses (they were set
    /// apart: logged, and the sign-in refused like a wrong password).
    pub(crate) async fn unlock_at_sign_in(
        &self,
        user_id: i64,
        username: &str,
        password: &str,
    ) -> Result<Result<KeyPair, VaultError>, ServiceError> {
        let mut conn = self.store().read().await?;
        let row = vault_keys::current_for_user(&mut conn, user_id).await?;
        drop(conn);
        let now = self.now();
        let Some(row) = row else {
            let new = self.new_key_pair(password)?;
            let mut tx = self.store().begin().await?;
            Self::store_key_pair(
                &mut tx,
                &Actor::System("sign-in"),
                (user_id, username),
                &new,
                now,
            )
            .await?;
            Store::commit(tx).await?;
            return Ok(Ok(new.pair));
        };
        let sealed = stored_sealed_key(&row)?;
        let pair = match sealed.open(password) {
            Ok(pair) => pair,
            Err(e) => {
                tracing::error!(
                    user.id = user_id,
                    key.id = %row.key_id,
                    error = %e,
                    "the password the login hash accepts does not open this investigator's \
                     private key; reset it with `hqdesk user password`"
                );
                return Ok(Err(e));
            }
        };
        if sealed.needs_upgrade(self.investigator_kdf()) {
            let again = hqdesk_vault::SealedSecretKey::seal(
                &pair,
                password,
                self.investigator_kdf(),
                &mut OsRng,
            )
            .map_err(|e| ServiceError::Internal(format!("re-sealing a private key: {e}")))?;
            let mut tx = self.store().begin().await?;
            vault_keys::reseal_user_key(&mut tx, &row.key_id, &b64(again.as_bytes())).await?;
            Store::commit(tx).await?;
        }
        Ok(Ok(pair))
    }

    /// The key a fully signed-in investigator's request carries, from the session's seal.
    pub(crate) async fn unlock_for_request(
        &self,
        user_id: i64,
        token: &str,
        id_hash: &str,
        stored: Option<&str>,
    ) -> Result<Result<KeyPair, KeyLost>, ServiceError> {
        let mut conn = self.store().read().await?;
        let row = vault_keys::current_for_user(&mut conn, user_id).await?;
        drop(conn);
        let Some(row) = row else {
            return Ok(Err(KeyLost::Missing));
        };
        Ok(open_for_session(token, id_hash, stored, &row.key_id))
    }
}
