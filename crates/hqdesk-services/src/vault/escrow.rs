//! The escrow key (design note 006 §6): `hqdesk keys escrow-init` makes it, stores its public
//! half with a MAC and hands the private half back once, to be printed and kept offline;
//! `hqdesk keys status` says which keys are on record and whether their MACs verify.
use hqdesk_domain::Timestamp;
use hqdesk_store::{users, vault_keys, Store};
use hqdesk_vault::EscrowKeyPair;
use rand::rngs::OsRng;
use serde_json::json;

use crate::audit::record as audit;
use crate::{Actor, ServiceError, Services};

/// A new escrow key: print `key.to_printable()` once, then drop it.
#[derive(Debug)]
pub struct EscrowInit {
    pub key: EscrowKeyPair,
    /// The escrow key it replaced (`--rotate`); its cases are re-wrapped by a later command.
    pub retired: Option<String>,
}

/// One investigator's key, as `keys status` shows it (no secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvestigatorKeyStatus {
    pub username: String,
    pub active: bool,
    /// None: no key pair yet (made at their next sign-in or password set).
    pub key_id: Option<String>,
    pub created_at: Option<Timestamp>,
    pub mac_ok: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyStatus {
    pub escrow: Option<vault_keys::EscrowKey>,
    pub investigators: Vec<InvestigatorKeyStatus>,
}

fn cli_only(actor: &Actor) -> Result<(), ServiceError> {
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
        let escrow = vault_keys::current_escrow(&mut conn).await?;
        let mut investigators = vec![];
        for user in users::list(&mut conn).await? {
            if !super::holds_keys(user.role) {
                continue;
            }
            let key = vault_keys::current_for_user(&mut conn, user.id).await?;
            investigators.push(InvestigatorKeyStatus {
                username: user.username,
                active: user.active,
                mac_ok: key.as_ref().is_some_and(|k| k.mac_ok),
                created_at: key.as_ref().map(|k| k.created_at),
                key_id: key.map(|k| k.key_id),
            });
        }
        Ok(KeyStatus {
            escrow,
            investigators,
        })
    }
}
