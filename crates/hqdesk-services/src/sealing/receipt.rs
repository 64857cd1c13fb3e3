//! Anonymous tips' receipts (design note 006 §5): a new tip's receipt keys, the wrap of its
//! case's data key in `case_receipts`, the receipt check in the order of the module note of
//! `hqdesk_vault::receipt`, and the reporter's short-lived access after a check.
//!
//! The pepper comes from the installation's secret key. A receipt is made under the current
//! key's pepper and checked under the pepper of every installed key (one Argon2id run each, the
//! same number whatever the receipt), so that `hqdesk secrets rotate` loses no receipt.
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hqdesk_domain::Timestamp;
use hqdesk_store::portal;
use hqdesk_store::sealed::places;
use hqdesk_store::Connection;
use hqdesk_vault::{DataKey, Receipt, ReceiptHasher, ReceiptKeys, SessionKey};
use rand::RngCore;
use serde::{Deserialize, Serialize};

use crate::ServiceError;

/// How long a reporter's page stays usable after a receipt check, without the receipt.
pub const ACCESS_MINUTES: i64 = 30;
/// The context the access is sealed for (installation key).
const ACCESS_CONTEXT: &str = "portal.receipt_access";

/// The keys of `receipt` under every installed pepper, current first: one Argon2id run each,
/// off the async threads.
async fn derive_all(receipt: &Receipt) -> Result<Vec<ReceiptKeys>, ServiceError> {
    let peppers = hqdesk_store::secrets::receipt_peppers()?;
    let receipt = receipt.clone();
    tokio::task::spawn_blocking(move || {
        peppers
            .iter()
            .map(|p| ReceiptHasher::new(p).derive(&receipt))
            .collect::<Result<Vec<_>, _>>()
    })
    .await
    .map_err(|e| ServiceError::Internal(format!("receipt derivation: {e}")))?
    .map_err(|e| ServiceError::Internal(format!("receipt derivation: {e}")))
}

/// A new tip's receipt (from the operating system's generator) and its keys under the current
/// pepper (the first; deriving under all of them costs what a check costs).
pub(crate) async fn new_receipt() -> Result<(Receipt, ReceiptKeys), ServiceError> {
    let receipt = Receipt::generate(&mut rand::rngs::OsRng);
    let keys = derive_all(&receipt)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| ServiceError::Internal("no secret key".into()))?;
    Ok((receipt, keys))
}

/// Keep a new tip's receipt in the creating transaction: its lookup, and the case's data key
/// wrapped under the receipt's key (none for a case that is not sealed: no escrow key yet).
pub(crate) async fn put_receipt(
    tx: &mut Connection,
    keys: &ReceiptKeys,
    case_id: i64,
    data_key: Option<&DataKey>,
    now: Timestamp,
) -> Result<(), ServiceError> {
    let wrapped = match data_key {
        Some(k) => STANDARD.encode(
            keys.wrap(k, &places::receipt(case_id))
                .map_err(|e| ServiceError::Internal(format!("receipt wrap: {e}")))?,
        ),
        None => String::new(),
    };
    portal::put_receipt(tx, &keys.lookup().to_string(), case_id, &wrapped, now).await?;
    Ok(())
}

/// What a receipt opened: its case, and the case's data key when it is sealed.
pub struct Opened {
    pub case_id: i64,
    pub data_key: Option<DataKey>,
}

/// Check a well-formed receipt: derive first (before any database access), one indexed query
/// per installed pepper (the same statements whatever the receipt), one unwrap either way (a
/// fixed dummy when nothing was found). `NotFound` for an unknown receipt and for a wrap that
/// does not open alike; the latter is logged with its case.
pub(crate) async fn check_receipt(
    conn: &mut Connection,
    receipt: &Receipt,
) -> Result<Opened, ServiceError> {
    let keys = derive_all(receipt).await?;
    let mut found: Option<(&ReceiptKeys, i64, String)> = None;
    for k in &keys {
        let row = portal::find_receipt(conn, &k.lookup().to_string()).await?;
        if found.is_none() {
            found = row.map(|(case_id, wrapped)| (k, case_id, wrapped));
        }
    }
    let Some(first) = keys.first() else {
        return Err(ServiceError::Internal("no secret key".into()));
    };
    match found {
        None => {
            let _ = first.unwrap(None, &places::receipt(0));
            Err(ServiceError::NotFound)
        }
        Some((k, case_id, wrapped)) if wrapped.is_empty() => {
            // A tip kept unsealed (no escrow key when it came): the receipt only finds it.
            let _ = k.unwrap(None, &places::receipt(case_id));
            Ok(Opened {
                case_id,
                data_key: None,
            })
        }
        Some((k, case_id, wrapped)) => {
            let bytes = STANDARD.decode(wrapped.as_bytes()).unwrap_or_default();
            match k.unwrap(Some(&bytes), &places::receipt(case_id)) {
                Ok(data_key) => Ok(Opened {
                    case_id,
                    data_key: Some(data_key),
                }),
                Err(e) => {
                    tracing::error!(case_id, error = %e, "a receipt wrap does not open");
                    Err(ServiceError::NotFound)
                }
            }
        }
    }
}

#[derive(Serialize, Deserialize)]
struct Access {
    /// The case.
    c: i64,
    /// Expires at (ms).
    e: i64,
    /// A random token the data key is wrapped under (with the server secret), hex.
    t: String,
    /// The wrap, base64; empty for a case that is not sealed.
    w: String,
}

/// The reporter's access to `opened` until `now` + [`ACCESS_MINUTES`]: opaque text for a hidden
/// field, sealed for the installation (nothing of it can be read or changed without the key).
pub(crate) fn access_token(opened: &Opened, now: Timestamp) -> Result<String, ServiceError> {
    let mut t = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut t);
    let t = hex::encode(t);
    let w = match &opened.data_key {
        Some(k) => {
            let secret = hqdesk_store::secrets::installed()?
                .current()
                .session_secret();
            let key = SessionKey::derive(t.as_bytes(), &*secret)
                .map_err(|e| ServiceError::Internal(format!("receipt access: {e}")))?;
            STANDARD.encode(
                key.wrap_data_key(k, &places::receipt_access(opened.case_id))
                    .map_err(|e| ServiceError::Internal(format!("receipt access: {e}")))?,
            )
        }
        None => String::new(),
    };
    let plain = serde_json::to_string(&Access {
        c: opened.case_id,
        e: now.plus_minutes(ACCESS_MINUTES).millis(),
        t,
        w,
    })
    .map_err(|e| ServiceError::Internal(format!("receipt access: {e}")))?;
    Ok(hqdesk_store::secrets::seal_value(ACCESS_CONTEXT, &plain)?)
}

/// What an access token opens, until it expires; `Unauthenticated` (enter the receipt again)
/// for an expired, altered or made-up one.
pub(crate) fn open_access(token: &str, now: Timestamp) -> Result<Opened, ServiceError> {
    let token = token.trim();
    // A value in clear would "open" as itself: only a sealed one is an access.
    if !hqdesk_store::secrets::is_sealed(token) {
        return Err(ServiceError::Unauthenticated);
    }
    let plain = hqdesk_store::secrets::open_value(ACCESS_CONTEXT, token)
        .map_err(|_| ServiceError::Unauthenticated)?;
    let a: Access = serde_json::from_str(&plain).map_err(|_| ServiceError::Unauthenticated)?;
    if a.e <= now.millis() {
        return Err(ServiceError::Unauthenticated);
    }
    if a.w.is_empty() {
        return Ok(Opened {
            case_id: a.c,
            data_key: None,
        });
    }
    let wrapped = STANDARD
        .decode(a.w.as_bytes())
        .map_err(|_| ServiceError::Unauthenticated)?;
    let secrets = hqdesk_store::secrets::session_secrets()?;
    secrets
        .iter()
        .find_map(|secret| {
            SessionKey::derive(a.t.as_bytes(), &**secret)
                .ok()?
                .unwrap_data_key(&wrapped, &places::receipt_access(a.c))
                .ok()
        })
        .map(|data_key| Opened {
            case_id: a.c,
            data_key: Some(data_key),
        })
        .ok_or(ServiceError::Unauthenticated)
}
