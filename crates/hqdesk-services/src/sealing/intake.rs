//! Sealing a case at its creation, in the creating transaction, and the wrap of its key for the
//! requester's tracking link.
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hqdesk_domain::Timestamp;
use hqdesk_store::sealed::{append, places};
use hqdesk_store::{case_exclusions, case_keys, Connection};
use hqdesk_vault::{append_keypair, identity_keypair, DataKey, SessionKey, WrappedKey};
use rand::rngs::OsRng;

use crate::vault::Recipients;
use crate::ServiceError;

/// Give the new case `case_id` a fresh data key, store its append public key and wrap the data
/// key for every recipient. The data key is returned for the caller to wrap for a tracking link,
/// then dropped (and wiped): from here on, the case's values are sealed to its append key, and
/// read by those the key was wrapped for.
pub(crate) async fn seal_new_case(
    tx: &mut Connection,
    case_id: i64,
    recipients: &Recipients,
    now: Timestamp,
) -> Result<DataKey, ServiceError> {
    let data_key = DataKey::generate(&mut OsRng);
    seal_with_key(tx, case_id, &data_key, recipients, now).await?;
    Ok(data_key)
}

/// Store the append public key of `data_key` for `case_id` and wrap the data key for every
/// recipient. The case also gets its own identity key (the identity vault, design note 006 §8):
/// the reporter's fields are sealed to it by the store, and it is wrapped for the escrow and the
/// custodians only, then dropped; no investigator's key opens it.
pub(crate) async fn seal_with_key(
    tx: &mut Connection,
    case_id: i64,
    data_key: &DataKey,
    recipients: &Recipients,
    now: Timestamp,
) -> Result<(), ServiceError> {
    append::put(tx, case_id, append_keypair(data_key).public(), now).await?;
    // Nobody the report names holds its keys (conflict of interest), not even a custodian: its
    // exclusions are written before its keys are wrapped.
    let excluded: Vec<i64> = if case_exclusions::any_for_case(tx, case_id).await? {
        crate::conflict::covered_users(tx, case_id)
            .await?
            .iter()
            .map(|u| u.id)
            .collect()
    } else {
        vec![]
    };
    let named = |r: &&crate::vault::Recipient| r.user_id.is_some_and(|u| excluded.contains(&u));
    let identity_key = DataKey::generate(&mut OsRng);
    append::put_identity(tx, case_id, identity_keypair(&identity_key).public()).await?;
    let place = places::identity_key(case_id);
    for r in recipients.identity_holders().filter(|r| !named(r)) {
        let wrapped = WrappedKey::wrap_for(&identity_key, &r.public_key, &place)
            .map_err(|e| ServiceError::Internal(format!("wrapping an identity key: {e}")))?;
        hqdesk_store::identity::put_key(
            tx,
            case_id,
            &r.key_id.to_string(),
            &wrapped.to_string(),
            now,
        )
        .await?;
    }
    drop(identity_key);
    let place = places::case_key(case_id);
    for r in recipients.all().filter(|r| !named(r)) {
        let wrapped = WrappedKey::wrap_for(data_key, &r.public_key, &place)
            .map_err(|e| ServiceError::Internal(format!("wrapping a case key: {e}")))?;
        case_keys::put(
            tx,
            case_id,
            &r.key_id.to_string(),
            &wrapped.to_string(),
            now,
        )
        .await?;
    }
    Ok(())
}

/// The data key of `case_id` wrapped for its tracking link `token` (with the server's secret:
/// the stored hash of the token alone opens nothing), as stored in `tracking_tokens.wrapped`.
pub(crate) fn wrap_for_tracking(
    token: &str,
    case_id: i64,
    data_key: &DataKey,
) -> Result<String, ServiceError> {
    let secret = hqdesk_store::secrets::installed()?
        .current()
        .session_secret();
    let key = SessionKey::derive(token.as_bytes(), &*secret)
        .map_err(|e| ServiceError::Internal(format!("tracking key: {e}")))?;
    let wrapped = key
        .wrap_data_key(data_key, &places::tracking(case_id))
        .map_err(|e| ServiceError::Internal(format!("tracking wrap: {e}")))?;
    Ok(STANDARD.encode(wrapped))
}

/// The data key a tracking link opens, trying the server secret of every installed key (the
/// link may predate `hqdesk secrets rotate`); `None` when none opens it.
pub(crate) fn open_for_tracking(token: &str, case_id: i64, wrapped: &str) -> Option<DataKey> {
    let bytes = STANDARD.decode(wrapped).ok()?;
    let secrets = hqdesk_store::secrets::session_secrets().ok()?;
    secrets.iter().find_map(|secret| {
        SessionKey::derive(token.as_bytes(), &**secret)
            .ok()?
            .unwrap_data_key(&bytes, &places::tracking(case_id))
            .ok()
    })
}
