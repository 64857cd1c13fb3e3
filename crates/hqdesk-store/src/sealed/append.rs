//! What anyone writes to a sealed case is sealed here, in the store, to the case's append public
//! key (design note 006 §9.2): every write path of a sealed case's text goes through
//! [`CaseSeal::seal`], whoever calls it (an investigator, a hotline officer, a mail, a job), so
//! that none can forget. Only the holders of the case's data key can open what it seals.
//!
//! The append public key is stored in `case_seals` with a MAC under the installation's secret
//! key: a key written by whoever can write the database but holds no key file fails it, and
//! nothing is sealed for it (the write fails instead).
use std::collections::HashMap;

use hqdesk_domain::Timestamp;
use hqdesk_vault::PublicKey;
use sqlx::AnyConnection;

use super::SealedText;
use crate::secrets::public_keys::{self, Binding};
use crate::StoreError;

/// A sealed case's append key, its MAC checked: what its values are sealed to. A case sealed
/// since the identity vault (migration 0032) also has an identity public key, its MAC checked
/// too: its reporter's identity is sealed to that one instead.
#[derive(Debug, Clone)]
pub struct CaseSeal {
    pub case_id: i64,
    public: PublicKey,
    identity: Option<PublicKey>,
}

impl CaseSeal {
    /// `text` sealed to this case at `place`, as column text (`hqsa1.…`).
    pub fn seal(&self, place: &[u8], text: &str) -> Result<String, StoreError> {
        let bytes = hqdesk_vault::seal_append(&self.public, place, text.as_bytes())
            .map_err(|e| StoreError::Secrets(format!("sealing a value: {e}")))?;
        Ok(SealedText::Appended(bytes).encode())
    }

    /// [`Self::seal`] for an optional value; nothing and an empty text stay as they are.
    pub fn seal_opt(&self, place: &[u8], text: Option<&str>) -> Result<Option<String>, StoreError> {
        match text {
            Some(t) if !t.is_empty() => self.seal(place, t).map(Some),
            other => Ok(other.map(str::to_string)),
        }
    }

    /// The append public key (for sealing a file as a stream).
    pub fn public_key(&self) -> &PublicKey {
        &self.public
    }

    /// The identity public key: the reporter's fields are sealed to it (design note 006 §8).
    /// `None` for a case sealed before the identity vault.
    pub fn identity_key(&self) -> Option<&PublicKey> {
        self.identity.as_ref()
    }

    /// `text` sealed to this case's identity key at `place`; `None` without an identity key.
    pub fn seal_identity(&self, place: &[u8], text: &str) -> Result<Option<String>, StoreError> {
        let Some(identity) = &self.identity else {
            return Ok(None);
        };
        let bytes = hqdesk_vault::seal_append(identity, place, text.as_bytes())
            .map_err(|e| StoreError::Secrets(format!("sealing an identity: {e}")))?;
        Ok(Some(SealedText::Appended(bytes).encode()))
    }
}

fn binding<'a>(owner: &'a str, public_key: &'a str) -> Binding<'a> {
    Binding {
        table: "case_seals",
        owner,
        key_id: "append",
        public_key,
    }
}

fn identity_binding<'a>(owner: &'a str, public_key: &'a str) -> Binding<'a> {
    Binding {
        table: "case_seals",
        owner,
        key_id: "identity",
        public_key,
    }
}

/// Store the identity public key of a newly sealed case (after [`put`]), with its MAC.
pub async fn put_identity(
    conn: &mut AnyConnection,
    case_id: i64,
    public: &PublicKey,
) -> Result<(), StoreError> {
    let hex = public.to_string();
    let owner = case_id.to_string();
    let mac = public_keys::mac(&identity_binding(&owner, &hex))?;
    sqlx::query(
        "UPDATE case_seals SET identity_public_key = $1, identity_mac = $2 WHERE case_id = $3",
    )
    .bind(hex)
    .bind(mac)
    .bind(case_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Store the append public key of a newly sealed case, with its MAC.
pub async fn put(
    conn: &mut AnyConnection,
    case_id: i64,
    public: &PublicKey,
    now: Timestamp,
) -> Result<(), StoreError> {
    let hex = public.to_string();
    let owner = case_id.to_string();
    let mac = public_keys::mac(&binding(&owner, &hex))?;
    sqlx::query(
        "INSERT INTO case_seals (case_id, append_public_key, mac, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(case_id)
    .bind(hex)
    .bind(mac)
    .bind(now.millis())
    .execute(conn)
    .await?;
    Ok(())
}

type SealRow = (String, String, Option<String>, Option<String>);

fn checked(case_id: i64, row: SealRow) -> Result<CaseSeal, StoreError> {
    let (hex, mac, identity_hex, identity_mac) = row;
    let (hex, mac) = (hex.as_str(), mac.as_str());
    let owner = case_id.to_string();
    if !public_keys::verify(&binding(&owner, hex), mac)? {
        tracing::error!(
            case_id,
            "a sealed case's append key fails its MAC: nothing is written to it"
        );
        return Err(StoreError::Secrets(format!(
            "the append key of case {case_id} fails its MAC"
        )));
    }
    let public = hex
        .parse::<PublicKey>()
        .map_err(|_| StoreError::Corrupt(format!("append key of case {case_id}")))?;
    let identity = match (identity_hex, identity_mac) {
        (Some(hex), Some(mac)) => {
            if !public_keys::verify(&identity_binding(&owner, &hex), &mac)? {
                tracing::error!(
                    case_id,
                    "a sealed case's identity key fails its MAC: nothing is written to it"
                );
                return Err(StoreError::Secrets(format!(
                    "the identity key of case {case_id} fails its MAC"
                )));
            }
            Some(
                hex.parse::<PublicKey>()
                    .map_err(|_| StoreError::Corrupt(format!("identity key of case {case_id}")))?,
            )
        }
        (None, None) => None,
        _ => {
            return Err(StoreError::Corrupt(format!(
                "identity key of case {case_id} without its MAC"
            )))
        }
    };
    Ok(CaseSeal {
        case_id,
        public,
        identity,
    })
}

/// The seal of `case_id`; `None` for a case that is not sealed.
pub async fn of_case(
    conn: &mut AnyConnection,
    case_id: i64,
) -> Result<Option<CaseSeal>, StoreError> {
    let row: Option<SealRow> = sqlx::query_as(
        "SELECT append_public_key, mac, identity_public_key, identity_mac FROM case_seals \
         WHERE case_id = $1",
    )
    .bind(case_id)
    .fetch_optional(conn)
    .await?;
    row.map(|row| checked(case_id, row)).transpose()
}

/// The seals of those of `case_ids` that are sealed (one statement, for group writes).
pub async fn of_cases(
    conn: &mut AnyConnection,
    case_ids: &[i64],
) -> Result<HashMap<i64, CaseSeal>, StoreError> {
    let mut out = HashMap::new();
    if case_ids.is_empty() {
        return Ok(out);
    }
    let mut ids = case_ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    // Ids are integers: listed inline, no binding limit to mind.
    let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    #[allow(clippy::type_complexity)]
    let rows: Vec<(i64, String, String, Option<String>, Option<String>)> =
        sqlx::query_as(&format!(
            "SELECT case_id, append_public_key, mac, identity_public_key, identity_mac \
             FROM case_seals WHERE case_id IN ({list})"
        ))
        .fetch_all(conn)
        .await?;
    for (case_id, hex, mac, identity_hex, identity_mac) in rows {
        out.insert(
            case_id,
            checked(case_id, (hex, mac, identity_hex, identity_mac))?,
        );
    }
    Ok(out)
}
