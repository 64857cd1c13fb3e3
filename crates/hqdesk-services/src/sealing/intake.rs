//! Sealing a case at its creation, in the creating transaction.
use hqdesk_domain::Timestamp;
use hqdesk_store::sealed::{append, places};
use hqdesk_store::{case_keys, Connection};
use hqdesk_vault::{append_keypair, DataKey, WrappedKey};
use rand::rngs::OsRng;

use crate::vault::Recipients;
use crate::ServiceError;

/// Give the new case `case_id` a fresh data key, store its append public key and wrap the data
/// key for every recipient. The data key itself is dropped (and wiped) on return: from here on,
/// the case's values are sealed to its append key, and read by those the key was wrapped for.
pub(crate) async fn seal_new_case(
    tx: &mut Connection,
    case_id: i64,
    recipients: &Recipients,
    now: Timestamp,
) -> Result<(), ServiceError> {
    let data_key = DataKey::generate(&mut OsRng);
    append::put(tx, case_id, append_keypair(&data_key).public(), now).await?;
    let place = places::case_key(case_id);
    for r in recipients.all() {
        let wrapped = WrappedKey::wrap_for(&data_key, &r.public_key, &place)
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
