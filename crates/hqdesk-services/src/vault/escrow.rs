//! The escrow key (design note 006 §6): `hqdesk keys escrow-init` makes it, stores its public
//! half with a MAC and hands the private half back once, to be printed and kept offline;
//! `hqdesk keys status` says which keys are on record, whether their MACs verify, and how many
//! cases each holds or still needs (`recovery.rs` gives them).
use hqdesk_domain::Timestamp;
use hqdesk_store::{case_keys, users, vault_keys, Store};
use hqdesk_vault::EscrowKeyPair;
use rand::rngs::OsRng;
use serde_json::json;

use crate::audit::record as audit;
use crate::{Actor, ServiceError, Services};

/// A new escrow key: print `key.to_printable()` once, then drop it.
#[derive(Debug)]
pub struct EscrowInit {
    pub key: EscrowKeyPair,
    /// The escrow key it replaced (`--rotate`); `hqdesk keys escrow-rewrap` wraps its cases for
    /// the new one.
    pub retired: Option<String>,
}

/// One investigator's (or custodian's) key, as `keys status` shows it (no secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvestigatorKeyStatus {
    pub username: String,
    pub active: bool,
    /// A custodian: `cases` and `to_recover` count reporters' identities, not cases.
    pub custodian: bool,
    /// None: no key pair yet (made at their next sign-in or password set).
    pub key_id: Option<String>,
    pub created_at: Option<Timestamp>,
    pub mac_ok: bool,
    /// Cases wrapped for the current key.
    pub cases: i64,
    /// Cases wrapped for an escrow key but not for the current key: what
    /// `hqdesk keys escrow-recover` would give them.
    pub to_recover: i64,
}

/// A retired escrow key and the cases wrapped for it that the current one does not cover yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetiredEscrowStatus {
    pub key: vault_keys::EscrowKey,
    /// Cases wrapped for this key and not for the current escrow key: its paper is still
    /// needed (`hqdesk keys escrow-rewrap`) while this is above zero.
    pub not_rewrapped: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyStatus {
    pub escrow: Option<vault_keys::EscrowKey>,
    /// Cases wrapped for the current escrow key.
    pub escrow_cases: i64,
    pub retired_escrows: Vec<RetiredEscrowStatus>,
    pub investigators: Vec<InvestigatorKeyStatus>,
    /// Cases wrapped for an escrow key and for no active investigator's current key: nobody
    /// can read them until `hqdesk keys escrow-recover` has run.
    pub escrow_only: i64,
}

pub(super) fn cli_only(actor: &Actor) -> Result<(), ServiceError> {
    if matches!(actor, Actor::Cli) {
        Ok(())
    } else {
        Err(ServiceError::Forbidden(
            "the escrow key is managed with `hqdesk keys` on the server".into(),
        ))
    }
}

impl Services {
    /// Make the escrow key. Refused (`escrow_exists`) when one is on record, unless `rotate`:
    /// then the old one is retired.
    pub async fn escrow_init(
        &self,
        actor: &Actor,
        rotate: bool,
    ) -> Result<EscrowInit, ServiceError> {
        cli_only(actor)?;
        let key = EscrowKeyPair::generate(&mut OsRng);
        let now = self.now();
        let mut tx = self.store().begin().await?;
        if let Some(current) = vault_keys::current_escrow(&mut tx).await? {
            if !rotate {
                return Err(ServiceError::Conflict {
                    code: "escrow_exists",
                    message: format!(
                        "an escrow key exists ({}, made {}); `hqdesk keys escrow-init --rotate` \
                         replaces it (keep the old paper until every case is wrapped for the new \
                         key)",
                        current.key_id,
                        current.created_at.millis()
                    ),
                });
            }
        }
        let key_id = key.key_id().to_string();
        let retired =
            vault_keys::insert_escrow(&mut tx, &key_id, &key.public().to_string(), now).await?;
        audit(
            &mut tx,
            now,
            actor,
            "vault.escrow_created",
            "escrow",
            json!({ "key_id": key_id, "retired_key_id": retired }),
        )
        .await?;
        Store::commit(tx).await?;
        Ok(EscrowInit { key, retired })
    }

    /// The escrow key and every investigator's key on record, with whether their MACs verify.
    pub async fn key_status(&self, actor: &Actor) -> Result<KeyStatus, ServiceError> {
        cli_only(actor)?;
        let mut conn = self.store().read().await?;
        let mut escrow = None;
        let mut retired_escrows = vec![];
        for key in vault_keys::all_escrow(&mut conn).await? {
            if key.retired_at.is_none() {
                escrow = Some(key);
            } else {
                retired_escrows.push(RetiredEscrowStatus {
                    not_rewrapped: match &escrow {
                        Some(current) => {
                            case_keys::count_missing(&mut conn, &key.key_id, &current.key_id)
                                .await?
                        }
                        None => case_keys::count_for_key(&mut conn, &key.key_id).await?,
                    },
                    key,
                });
            }
        }
        let escrow_cases = match &escrow {
            Some(e) => case_keys::count_for_key(&mut conn, &e.key_id).await?,
            None => 0,
        };
        let mut investigators = vec![];
        for user in users::list(&mut conn).await? {
            if !super::holds_keys(user.role) {
                continue;
            }
            let key = vault_keys::current_for_user(&mut conn, user.id).await?;
            // Reports naming them are never given back (conflict of interest).
            let excluded = crate::conflict::excluded_cases(&mut conn, &user).await?;
            let custodian = user.role == hqdesk_domain::user::Role::Custodian;
            let (cases, to_recover) = match &key {
                Some(k) if custodian => (
                    hqdesk_store::identity::count_keys_for_key(&mut conn, &k.key_id).await?,
                    hqdesk_store::identity::count_escrow_missing_for(&mut conn, &k.key_id).await?,
                ),
                Some(k) => (
                    case_keys::count_for_key(&mut conn, &k.key_id).await?,
                    case_keys::count_escrow_missing_for(&mut conn, &k.key_id, &excluded).await?,
                ),
                None => (0, 0),
            };
            investigators.push(InvestigatorKeyStatus {
                username: user.username,
                active: user.active,
                custodian,
                mac_ok: key.as_ref().is_some_and(|k| k.mac_ok),
                created_at: key.as_ref().map(|k| k.created_at),
                key_id: key.map(|k| k.key_id),
                cases,
                to_recover,
            });
        }
        let escrow_only = case_keys::count_escrow_only(&mut conn).await?;
        Ok(KeyStatus {
            escrow,
            escrow_cases,
            retired_escrows,
            investigators,
            escrow_only,
        })
    }
}
