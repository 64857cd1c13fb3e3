//! The installation's secret key against its database (see `hqdesk_store::secrets` and
//! docs/design/005-secrets.md): the first start registers the key and starts the keyed audit
//! chain with a marked row; every start seals the secrets still stored in clear; a rotation
//! seals every secret again under the new current key.
use hqdesk_store::secrets::reseal::{self, Resealed, Which};
use hqdesk_store::secrets::{self, registered};
use hqdesk_store::{audit, dialect, Store};
use serde_json::json;

use crate::{Actor, ServiceError, Services};

/// The actor of the rows the start writes.
const STARTUP: Actor = Actor::System("secrets");

impl Services {
    /// After migrating, on every start: make sure the loaded keys belong to this database,
    /// registering the current key the first time (which marks where the keyed audit chain
    /// starts), and seal what is still stored in clear.
    pub(crate) async fn prepare_secrets(&self) -> Result<(), ServiceError> {
        let keyring = secrets::installed()?;
        let current = keyring.current().id().to_string();
        let now = self.now();
        let mut tx = self.store().begin().await?;
        // Two nodes starting at once on a new database must not register two keys.
        dialect::lock_audit_chain(&mut tx).await?;
        let known = registered::ids(&mut tx).await?;
        if known.is_empty() {
            registered::register(&mut tx, &current, now).await?;
            let unkeyed = audit::head_seq(&mut tx).await?;
            crate::audit::record(
                &mut tx,
                now,
                &STARTUP,
                "audit.keyed",
                "audit_log",
                json!({ "key": current, "unkeyed_rows": unkeyed }),
            )
            .await?;
        } else if !known.iter().any(|id| keyring.get(id).is_some()) {
            return Err(ServiceError::Internal(wrong_key(&known, &current)));
        } else if !known.contains(&current) {
            // A new key put first (HQDESK_SECRET_KEY, or the key file of `secrets rotate`).
            registered::register(&mut tx, &current, now).await?;
        }
        let sealed = reseal::reseal(&mut tx, &keyring, Which::Clear).await?;
        if sealed.total() > 0 {
            crate::audit::record(
                &mut tx,
                now,
                &STARTUP,
                "secrets.seal",
                "secrets",
                json!({ "key": current, "totp_secrets": sealed.totp_secrets,
                        "mailbox_passwords": sealed.mailbox_passwords }),
            )
            .await?;
        }
        Store::commit(tx).await?;
        Ok(())
    }

    /// `hqdesk secrets rotate`, after the new key was made current: seal every stored secret
    /// under it. Only the command line on the server may.
    pub async fn reseal_secrets(&self, actor: &Actor) -> Result<Resealed, ServiceError> {
        if !matches!(actor, Actor::Cli) {
            return Err(ServiceError::Forbidden(
                "secrets are rotated with `hqdesk secrets rotate` on the server".into(),
            ));
        }
        let keyring = secrets::installed()?;
        let current = keyring.current().id().to_string();
        let now = self.now();
        let mut tx = self.store().begin().await?;
        dialect::lock_audit_chain(&mut tx).await?;
        if !registered::ids(&mut tx).await?.contains(&current) {
            registered::register(&mut tx, &current, now).await?;
        }
        let sealed = reseal::reseal(&mut tx, &keyring, Which::NotCurrent).await?;
        crate::audit::record(
            &mut tx,
            now,
            actor,
            "secrets.rotate",
            "secrets",
            json!({ "key": current, "totp_secrets": sealed.totp_secrets,
                    "mailbox_passwords": sealed.mailbox_passwords }),
        )
        .await?;
        Store::commit(tx).await?;
        Ok(sealed)
    }
}

/// The error of a start with another installation's key.
pub fn wrong_key(known: &[String], loaded: &str) -> String {
    format!(
        "secret key: this database was set up with secret key {}, but the key loaded is {loaded}: \
         load this database's key file (or HQDESK_SECRET_KEY). hqdesk never makes a new key for a \
         database that has one",
        known.join(", ")
    )
}
