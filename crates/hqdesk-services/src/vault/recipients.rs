//! Whom a sealed case's data key is wrapped for at intake (design note 006 §3): the escrow and
//! every active investigator, by their public keys alone; and its reporter's identity key: the
//! escrow and every active custodian (§8). Each key's MAC is checked here, and a
//! key that fails it is never returned: intake refuses loudly rather than seal for a key an
//! attacker wrote into the database.
use hqdesk_store::{users, vault_keys, Connection};
use hqdesk_vault::{KeyId, PublicKey};

use crate::{ServiceError, Services};

/// A verified public key to wrap for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    /// None for the escrow.
    pub user_id: Option<i64>,
    pub key_id: KeyId,
    pub public_key: PublicKey,
}

/// The escrow and the task force's investigators, every key verified; and the custodians, who
/// receive the reporter's identity key instead of the case's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipients {
    pub escrow: Recipient,
    /// Active investigators with a key pair (one without a key yet gets one at their next
    /// sign-in, and the case through the escrow).
    pub investigators: Vec<Recipient>,
    /// Active custodians with a key pair (the identity vault, design note 006 §8).
    pub custodians: Vec<Recipient>,
}

impl Recipients {
    /// Every recipient of the case's data key, the escrow first.
    pub fn all(&self) -> impl Iterator<Item = &Recipient> {
        std::iter::once(&self.escrow).chain(&self.investigators)
    }

    /// Every recipient of the case's identity key, the escrow first: never an investigator.
    pub fn identity_holders(&self) -> impl Iterator<Item = &Recipient> {
        std::iter::once(&self.escrow).chain(&self.custodians)
    }
}

fn unverified(message: String) -> ServiceError {
    tracing::error!(%message, "a public key failed its check: nothing is sealed for it");
    ServiceError::Unavailable(message)
}

fn parse(
    user_id: Option<i64>,
    key_id: &str,
    public_key: &str,
    owner: &str,
) -> Result<Recipient, ServiceError> {
    let public: PublicKey = public_key
        .parse()
        .map_err(|_| unverified(format!("the public key of {owner} is malformed")))?;
    if public.key_id().to_string() != key_id {
        return Err(unverified(format!(
            "the public key of {owner} does not match its key id {key_id}"
        )));
    }
    Ok(Recipient {
        user_id,
        key_id: public.key_id(),
        public_key: public,
    })
}

impl Services {
    /// The verified public keys intake wraps a new sealed case's data key for. Refused
    /// (`Unavailable`, logged, naming the user) when the escrow key is missing or any stored
    /// public key fails its MAC.
    pub async fn task_force_recipients(
        &self,
        conn: &mut Connection,
    ) -> Result<Recipients, ServiceError> {
        task_force_recipients(conn).await
    }

    /// The current escrow key, verified. Refused (`Unavailable`, logged) when there is none or
    /// its MAC fails.
    pub async fn verified_escrow(&self, conn: &mut Connection) -> Result<Recipient, ServiceError> {
        verified_escrow(conn).await
    }

    /// One user's verified public key (sharing a case with them; recovery onto their key).
    pub async fn verified_public_key(
        &self,
        conn: &mut Connection,
        user_id: i64,
    ) -> Result<Option<Recipient>, ServiceError> {
        let Some(key) = vault_keys::current_for_user(conn, user_id).await? else {
            return Ok(None);
        };
        let name = users::get(conn, user_id).await?.username;
        if !key.mac_ok {
            return Err(unverified(format!(
                "the public key {} of {name} fails its MAC",
                key.key_id
            )));
        }
        parse(Some(user_id), &key.key_id, &key.public_key, &name).map(Some)
    }
}

/// [`Services::task_force_recipients`], in the caller's transaction (intake).
pub(crate) async fn task_force_recipients(
    conn: &mut Connection,
) -> Result<Recipients, ServiceError> {
    let escrow = verified_escrow(conn).await?;
    let mut investigators = vec![];
    for key in vault_keys::current_of_active_investigators(conn).await? {
        let name = users::get(conn, key.user_id).await?.username;
        if !key.mac_ok {
            return Err(unverified(format!(
                "the public key {} of investigator {name} fails its MAC",
                key.key_id
            )));
        }
        investigators.push(parse(
            Some(key.user_id),
            &key.key_id,
            &key.public_key,
            &format!("investigator {name}"),
        )?);
    }
    let mut custodians = vec![];
    for key in vault_keys::current_of_active_custodians(conn).await? {
        let name = users::get(conn, key.user_id).await?.username;
        if !key.mac_ok {
            return Err(unverified(format!(
                "the public key {} of custodian {name} fails its MAC",
                key.key_id
            )));
        }
        custodians.push(parse(
            Some(key.user_id),
            &key.key_id,
            &key.public_key,
            &format!("custodian {name}"),
        )?);
    }
    Ok(Recipients {
        escrow,
        investigators,
        custodians,
    })
}

/// [`Services::verified_escrow`], in the caller's transaction.
async fn verified_escrow(conn: &mut Connection) -> Result<Recipient, ServiceError> {
    let escrow = vault_keys::current_escrow(conn)
        .await?
        .ok_or_else(|| unverified("no escrow key: run `hqdesk keys escrow-init` first".into()))?;
    if !escrow.mac_ok {
        return Err(unverified(format!(
            "the escrow public key {} fails its MAC",
            escrow.key_id
        )));
    }
    parse(None, &escrow.key_id, &escrow.public_key, "the escrow")
}
