//! Sealed cases given back with the escrow key (design note 006 §6):
//! - `hqdesk keys escrow-recover --user NAME` (`escrow_recover`): every case wrapped for the
//!   escrow key typed in is wrapped for NAME's current key pair. This is how a lost password
//!   loses nothing: an operator sets a new password (`hqdesk user password`: a new pair is
//!   made, the old one retired with its private half), then runs the recovery for that user;
//! - `hqdesk keys escrow-rewrap [--drop-old]` (`escrow_rewrap`): after `escrow-init --rotate`,
//!   every case wrapped for the old escrow key (typed in) is wrapped for the current one too.
//!
//! A custodian's recovery gives back, the same way, the reporters' identity keys (`identity_keys`,
//! the identity vault); a re-wrap re-wraps both the cases' keys and their identity keys.
//!
//! Only data keys pass through memory, one case at a time: no case content is re-encrypted. The
//! escrow's private key is the caller's for the length of the command, never stored. Both run
//! in batches of `BATCH` cases, one transaction and one audit entry (no key material) each, and
//! are idempotent: a case already wrapped for the target key is left as it is, so an
//! interrupted run is finished by running it again. A wrap that does not open (altered in the
//! database) is logged, left as it is, and named in the answer; the other cases go on.
use hqdesk_domain::user::Role;
use hqdesk_store::sealed::places;
use hqdesk_store::{case_keys, cases, identity, users, vault_keys, Connection, Store};
use hqdesk_vault::{EscrowKeyPair, WrappedKey};
use serde_json::json;

use super::escrow::cli_only;
use super::Recipient;
use crate::audit::record as audit;
use crate::{Actor, ServiceError, Services};

/// Cases re-wrapped per transaction: short write transactions (a few tens of milliseconds of
/// X25519 on one core), so that a recovery of thousands of cases does not hold the database's
/// write lock for long.
pub const BATCH: i64 = 200;

/// What a recovery or a re-wrap did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rewrapped {
    /// The escrow key typed in.
    pub escrow_key_id: String,
    /// The key the cases are wrapped for now (the user's, or the current escrow key).
    pub key_id: String,
    /// Cases wrapped for `key_id` by this run.
    pub rewrapped: u64,
    /// Cases that were wrapped for `key_id` already (a second run adds nothing).
    pub already: u64,
    /// Wraps deleted: the user's retired keys' (recovery), or the old escrow key's (`--drop-old`).
    pub dropped: u64,
    /// Cases left out because their report names the user, their unit or their chain of command
    /// (recovery only: conflict of interest).
    pub excluded: u64,
    /// The numbers of the cases whose escrow wrap did not open: left as they were.
    pub failed: Vec<String>,
    /// Cases wrapped for an escrow key that are still not wrapped for `key_id` (recovery only:
    /// cases wrapped for another escrow key only, or failed).
    pub still_missing: i64,
    /// The counts above are of reporters' identity keys, not of cases' keys (a custodian's
    /// recovery).
    pub identities: bool,
    /// A re-wrap after a rotation: the identity keys wrapped for the current escrow key too
    /// (the counts above are the cases' keys'; the identities' run has its own audit entries,
    /// object `escrow:identities`, and its failures are named in `failed` with the cases').
    pub identities_rewrapped: u64,
}

/// Which wraps a run re-wraps: cases' data keys (`case_keys`) or their reporters' identity keys
/// (`identity_keys`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wraps {
    Case,
    Identity,
}

impl Wraps {
    fn place(self, case_id: i64) -> Vec<u8> {
        match self {
            Wraps::Case => places::case_key(case_id),
            Wraps::Identity => places::identity_key(case_id),
        }
    }
    async fn page(
        self,
        conn: &mut Connection,
        key_id: &str,
        after: i64,
    ) -> Result<Vec<(i64, String)>, ServiceError> {
        Ok(match self {
            Wraps::Case => case_keys::page_for_key(conn, key_id, after, BATCH)
                .await?
                .into_iter()
                .map(|r| (r.case_id, r.wrapped))
                .collect(),
            Wraps::Identity => identity::keys_page_for_key(conn, key_id, after, BATCH)
                .await?
                .into_iter()
                .map(|r| (r.case_id, r.wrapped))
                .collect(),
        })
    }
    async fn exists(
        self,
        conn: &mut Connection,
        case_id: i64,
        key_id: &str,
    ) -> Result<bool, ServiceError> {
        Ok(match self {
            Wraps::Case => case_keys::exists(conn, case_id, key_id).await?,
            Wraps::Identity => identity::key_exists(conn, case_id, key_id).await?,
        })
    }
    async fn put(
        self,
        conn: &mut Connection,
        case_id: i64,
        key_id: &str,
        wrapped: &str,
        now: hqdesk_domain::Timestamp,
    ) -> Result<(), ServiceError> {
        match self {
            Wraps::Case => case_keys::put(conn, case_id, key_id, wrapped, now).await?,
            Wraps::Identity => identity::put_key(conn, case_id, key_id, wrapped, now).await?,
        }
        Ok(())
    }
    async fn delete(
        self,
        conn: &mut Connection,
        case_id: i64,
        key_id: &str,
    ) -> Result<bool, ServiceError> {
        Ok(match self {
            Wraps::Case => case_keys::delete(conn, case_id, key_id).await?,
            Wraps::Identity => identity::delete_key(conn, case_id, key_id).await?,
        })
    }
}

/// One run: unwrap each case's wrap for `from` with `escrow`, wrap it for `to`.
struct Run<'a> {
    wraps: Wraps,
    escrow: &'a EscrowKeyPair,
    to: &'a Recipient,
    /// Key ids whose wrap of a case is deleted once the case is wrapped for `to`.
    drop: Vec<String>,
    /// Cases never wrapped for `to`: reports that name its holder.
    skip: Vec<i64>,
    action: &'static str,
    object: String,
}

fn unknown_escrow(typed: &str, on_record: &[vault_keys::EscrowKey]) -> ServiceError {
    let current = on_record
        .iter()
        .find(|k| k.retired_at.is_none())
        .map_or("none".to_string(), |k| k.key_id.clone());
    ServiceError::invalid_field(
        "escrow_key",
        "escrow_key_unknown",
        format!(
            "this escrow key (id {typed}) is not one this installation has on record (the \
             current escrow key is {current}; `hqdesk keys status` lists them): nothing was \
             changed"
        ),
    )
}

/// The escrow key's row, current or retired, with its MAC verified and its public key the
/// typed key's.
async fn escrow_on_record(
    conn: &mut Connection,
    escrow: &EscrowKeyPair,
) -> Result<vault_keys::EscrowKey, ServiceError> {
    let id = escrow.key_id().to_string();
    let all = vault_keys::all_escrow(conn).await?;
    let Some(row) = all.iter().find(|k| k.key_id == id) else {
        return Err(unknown_escrow(&id, &all));
    };
    if !row.mac_ok || row.public_key != escrow.public().to_string() {
        tracing::error!(key.id = %id, "the escrow key's row fails its MAC: nothing is re-wrapped");
        return Err(ServiceError::Unavailable(format!(
            "the stored escrow key {id} fails its MAC check (the database was altered): \
             nothing was changed"
        )));
    }
    Ok(row.clone())
}

impl Services {
    /// `hqdesk keys escrow-recover --user NAME`: every case wrapped for `escrow` (the current or
    /// a retired escrow key) is wrapped for `username`'s current key pair, and the wraps of that
    /// user's retired key pairs (from password resets) are deleted from the cases so recovered.
    ///
    /// For a custodian, the same with the reporters' identity keys (`identity_keys`): every
    /// identity wrapped for `escrow` is wrapped for their current key pair.
    ///
    /// Refused, with nothing written: an unknown user (`NotFound`); a user who is not an active
    /// investigator or custodian, or has no key pair yet (`Conflict`); an escrow key not on
    /// record (`Invalid`); a key whose MAC fails (`Unavailable`).
    ///
    /// Every investigator is a recipient of every sealed case (design note 006 §3), so this
    /// gives the user every case the escrow holds but the reports that name them, their unit or
    /// their chain of command (conflict of interest, §10): those are left out, and counted.
    pub async fn escrow_recover(
        &self,
        actor: &Actor,
        escrow: &EscrowKeyPair,
        username: &str,
    ) -> Result<Rewrapped, ServiceError> {
        cli_only(actor)?;
        let mut conn = self.store().read().await?;
        let user = users::by_username(&mut conn, &username.trim().to_ascii_lowercase()).await?;
        let wraps = match user.role {
            Role::Investigator => Wraps::Case,
            Role::Custodian => Wraps::Identity,
            _ => {
                return Err(ServiceError::Conflict {
                    code: "not_an_investigator",
                    message: format!(
                        "{} has the role {}, not investigator or custodian: only investigators \
                         receive sealed reports, and custodians their reporters' identities \
                         (nothing was changed)",
                        user.username,
                        user.role.as_str()
                    ),
                })
            }
        };
        if !user.active {
            return Err(ServiceError::Conflict {
                code: "user_inactive",
                message: format!(
                    "{} is deactivated: reactivate the account first (nothing was changed)",
                    user.username
                ),
            });
        }
        let on_record = escrow_on_record(&mut conn, escrow).await?;
        let to = self
            .verified_public_key(&mut conn, user.id)
            .await?
            .ok_or_else(|| ServiceError::Conflict {
                code: "no_key_pair",
                message: format!(
                    "{} has no key pair yet: set their password with `hqdesk user password {}` \
                     (which makes one), then run this again (nothing was changed)",
                    user.username, user.username
                ),
            })?;
        let retired: Vec<String> = vault_keys::all_for_user(&mut conn, user.id)
            .await?
            .into_iter()
            .filter(|k| k.retired_at.is_some())
            .map(|k| k.key_id)
            .collect();
        let excluded = crate::conflict::excluded_cases(&mut conn, &user).await?;
        drop(conn);
        let mut done = self
            .rewrap_escrow_cases(
                actor,
                &on_record.key_id,
                Run {
                    wraps,
                    escrow,
                    to: &to,
                    drop: retired,
                    skip: excluded.clone(),
                    action: "keys.escrow_recover",
                    object: format!("user:{}", user.username),
                },
            )
            .await?;
        let mut conn = self.store().read().await?;
        let key_id = to.key_id.to_string();
        done.still_missing = match wraps {
            Wraps::Case => {
                case_keys::count_escrow_missing_for(&mut conn, &key_id, &excluded).await?
            }
            Wraps::Identity => identity::count_escrow_missing_for(&mut conn, &key_id).await?,
        };
        done.identities = wraps == Wraps::Identity;
        Ok(done)
    }

    /// `hqdesk keys escrow-rewrap [--drop-old]`: every case wrapped for `old` (a retired escrow
    /// key, typed in) is wrapped for the current escrow key too; with `drop_old`, the old wrap of
    /// each case so covered is deleted. Refused, with nothing written, when `old` is not on
    /// record or is the current key, or when a key's MAC fails.
    pub async fn escrow_rewrap(
        &self,
        actor: &Actor,
        old: &EscrowKeyPair,
        drop_old: bool,
    ) -> Result<Rewrapped, ServiceError> {
        cli_only(actor)?;
        let mut conn = self.store().read().await?;
        let on_record = escrow_on_record(&mut conn, old).await?;
        if on_record.retired_at.is_none() {
            return Err(ServiceError::Conflict {
                code: "escrow_key_current",
                message: format!(
                    "{} is the current escrow key: type the paper of the escrow key it replaced \
                     (nothing was changed)",
                    on_record.key_id
                ),
            });
        }
        let to = self.verified_escrow(&mut conn).await?;
        drop(conn);
        let drop = if drop_old {
            vec![on_record.key_id.clone()]
        } else {
            vec![]
        };
        let mut done = self
            .rewrap_escrow_cases(
                actor,
                &on_record.key_id,
                Run {
                    wraps: Wraps::Case,
                    escrow: old,
                    to: &to,
                    drop: drop.clone(),
                    skip: vec![],
                    action: "keys.escrow_rewrap",
                    object: "escrow".into(),
                },
            )
            .await?;
        // The reporters' identity keys, wrapped for the escrow too, the same way.
        let identities = self
            .rewrap_escrow_cases(
                actor,
                &on_record.key_id,
                Run {
                    wraps: Wraps::Identity,
                    escrow: old,
                    to: &to,
                    drop,
                    skip: vec![],
                    action: "keys.escrow_rewrap",
                    object: "escrow:identities".into(),
                },
            )
            .await?;
        done.identities_rewrapped = identities.rewrapped;
        done.failed.extend(identities.failed);
        Ok(done)
    }

    /// The batches of a run, each in its own transaction with its audit entry. A run that finds
    /// nothing to do still writes one entry: the escrow key was used.
    async fn rewrap_escrow_cases(
        &self,
        actor: &Actor,
        from: &str,
        run: Run<'_>,
    ) -> Result<Rewrapped, ServiceError> {
        let to_key_id = run.to.key_id.to_string();
        let mut out = Rewrapped {
            escrow_key_id: from.to_string(),
            key_id: to_key_id.clone(),
            ..Default::default()
        };
        let mut after = 0i64;
        let mut batches = 0u64;
        loop {
            let now = self.now();
            let mut tx = self.store().begin().await?;
            let page = run.wraps.page(&mut tx, from, after).await?;
            let (mut rewrapped, mut already, mut dropped, mut failed) = (0u64, 0u64, 0u64, 0u64);
            let mut excluded = 0u64;
            for (case_id, wrapped) in &page {
                let case_id = *case_id;
                after = case_id;
                if run.skip.contains(&case_id) {
                    excluded += 1;
                    continue;
                }
                if run.wraps.exists(&mut tx, case_id, &to_key_id).await? {
                    already += 1;
                } else {
                    let place = run.wraps.place(case_id);
                    let new = wrapped
                        .parse::<WrappedKey>()
                        .and_then(|w| run.escrow.recover(&w, &place, &run.to.public_key));
                    match new {
                        Ok(w) => {
                            run.wraps
                                .put(&mut tx, case_id, &to_key_id, &w.to_string(), now)
                                .await?;
                            rewrapped += 1;
                        }
                        Err(e) => {
                            tracing::error!(
                                case.id = case_id,
                                key.id = %from,
                                error = %e,
                                wraps = ?run.wraps,
                                "a case's escrow wrap does not open: it is left as it is"
                            );
                            let number = cases::by_id(&mut tx, case_id).await?.number;
                            out.failed.push(number.as_str().to_string());
                            failed += 1;
                            continue;
                        }
                    }
                }
                for key_id in &run.drop {
                    if run.wraps.delete(&mut tx, case_id, key_id).await? {
                        dropped += 1;
                    }
                }
            }
            let last = i64::try_from(page.len()).unwrap_or(BATCH) < BATCH;
            if !page.is_empty() || batches == 0 {
                audit(
                    &mut tx,
                    now,
                    actor,
                    run.action,
                    &run.object,
                    json!({ "escrow_key_id": from, "key_id": to_key_id, "cases": rewrapped,
                            "already": already, "dropped": dropped, "failed": failed,
                            "excluded": excluded }),
                )
                .await?;
                Store::commit(tx).await?;
                batches += 1;
            }
            out.rewrapped += rewrapped;
            out.already += already;
            out.dropped += dropped;
            out.excluded += excluded;
            if last {
                break;
            }
        }
        Ok(out)
    }
}
