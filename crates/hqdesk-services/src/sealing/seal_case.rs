//! Sealing a case that turns out to be a denunciation (a mail that was one, a report mistyped
//! as an inquiry): any staff member who sees it may seal it, and from that moment it is the task
//! force's alone — encrypted at rest, out of every ordinary queue, count, index and live stream.
//! Design note 006 §9.6.
use std::collections::HashMap;

use hqdesk_domain::access::Action;
use hqdesk_domain::case::timeline::EntryKind;
use hqdesk_domain::case::CaseKind;
use hqdesk_store::blobs::SealSource;
use hqdesk_store::cases::{self, CaseChanges, ConfidentialReporter};
use hqdesk_store::mail as mailstore;
use hqdesk_store::sealed::{append, reseal};
use hqdesk_store::timeline::{self, NewEntry};
use hqdesk_store::{attachments, requesters, Store};
use hqdesk_vault::{append_keypair, DataKey};
use rand::rngs::OsRng;
use serde_json::json;

use super::files::delete_after_commit;
use crate::audit::record as audit;
use crate::{Actor, ServiceError, Services};

/// What sealing did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    pub number: String,
    /// False before the installation has an escrow key: the case is then the task force's
    /// (confidential, out of every ordinary view) but kept unencrypted, as new denunciations are.
    pub encrypted: bool,
}

/// The timeline event's body.
pub const SEALED_EVENT: &str = "sealed";

impl Services {
    /// Seal case `number`: see the module's note. A case already with the task force is a
    /// conflict; a case holding messages merged from other cases is refused (they are sealed
    /// under their own case, which this cannot reach): seal it before merging.
    pub async fn seal_case(&self, actor: &Actor, number: &str) -> Result<Sealed, ServiceError> {
        let mut conn = self.store().read().await?;
        let case = self
            .load_case(&mut conn, actor, number, Action::SealCase)
            .await?;
        if case.confidential {
            return Err(ServiceError::Conflict {
                code: "case_already_sealed",
                message: "this case is already with the task force".into(),
            });
        }
        if reseal::foreign_entries(&mut conn, case.id).await? > 0 {
            return Err(ServiceError::Conflict {
                code: "case_has_merged_messages",
                message: "this case holds messages merged from other cases and cannot be sealed"
                    .into(),
            });
        }
        let escrow = hqdesk_store::vault_keys::current_escrow(&mut conn)
            .await?
            .is_some();
        let files = attachments::for_case(&mut conn, case.id).await?;
        let raws = reseal::clear_raw_mails(&mut conn, case.id).await?;
        drop(conn);

        // Before the transaction: the case's key, and sealed copies of its files and raw mail
        // (the clear ones are deleted after the commit).
        let data_key = escrow.then(|| DataKey::generate(&mut OsRng));
        let mut sealed_blobs: HashMap<String, String> = HashMap::new();
        if let Some(key) = &data_key {
            let public = *append_keypair(key).public();
            let blobs = self.blobs();
            for sha in files
                .iter()
                .map(|f| &f.sha256)
                .chain(raws.iter().map(|(_, sha)| sha))
            {
                if sealed_blobs.contains_key(sha) {
                    continue;
                }
                let blobs = blobs.ok_or_else(|| {
                    ServiceError::Unavailable("no blob store is configured".into())
                })?;
                let sealed = blobs
                    .put_sealed(&public, SealSource::Blob(sha.clone()))
                    .await?;
                sealed_blobs.insert(sha.clone(), sealed);
            }
        }

        let now = self.now();
        let mut tx = self.store().begin().await?;
        let current = cases::by_id(&mut tx, case.id).await?;
        if current.confidential {
            return Err(ServiceError::Conflict {
                code: "case_already_sealed",
                message: "this case is already with the task force".into(),
            });
        }
        if let Some(key) = &data_key {
            let recipients = crate::vault::task_force_recipients(&mut tx).await?;
            super::seal_with_key(&mut tx, case.id, key, &recipients, now).await?;
        }
        // The requester becomes the case's reporter, kept apart from the directory (sealed by
        // the store when the case is).
        let reporter = match current.requester_id {
            Some(id) => {
                let r = requesters::get(&mut tx, id).await?;
                ConfidentialReporter {
                    anonymous: false,
                    name: Some(r.name).filter(|n| !n.is_empty()),
                    email: r.email,
                    phone: r.phone,
                    tax_code: r.tax_code,
                }
            }
            None => ConfidentialReporter {
                anonymous: true,
                ..Default::default()
            },
        };
        cases::insert_confidential_reporter(&mut tx, case.id, &reporter).await?;
        if let Some(seal) = append::of_case(&mut tx, case.id).await? {
            reseal::seal_case_rows(&mut tx, &seal, &sealed_blobs).await?;
            for (id, sha) in &raws {
                let sealed = sealed_blobs
                    .get(sha)
                    .ok_or_else(|| ServiceError::Internal("a raw mail was not sealed".into()))?;
                mailstore::seal_inbound(&mut tx, *id, sealed).await?;
            }
        } else {
            hqdesk_store::search::remove_case(&mut tx, case.id).await?;
        }
        reseal::detach_from_ordinary(&mut tx, case.id).await?;
        crate::outbox::seal_case_notifications(&mut tx, case.id).await?;
        cases::update(
            &mut tx,
            case.id,
            &CaseChanges {
                // Sealed by the store now that the case has its seal.
                subject: Some(current.subject.clone()),
                kind: Some(CaseKind::Denunciation),
                branch: Some(CaseKind::Denunciation.default_branch()),
                category_id: Some(None),
                unit_id: Some(None),
                assignee_id: Some(None),
                requester_id: Some(None),
                ..Default::default()
            },
            now,
        )
        .await?;
        if data_key.is_some() {
            reseal::mark_sealed(&mut tx, case.id).await?;
        }
        timeline::insert(
            &mut tx,
            &NewEntry {
                case_id: case.id,
                kind: EntryKind::Event,
                channel: None,
                author_user_id: actor.user_id(),
                body: SEALED_EVENT,
                delivery_state: None,
                meta: Some(json!({ "event": SEALED_EVENT }).to_string()),
            },
            now,
        )
        .await?;
        // Who saw it before, for the live streams that must take it off their screens; no text.
        audit(
            &mut tx,
            now,
            actor,
            "case.seal",
            &format!("case:{}", current.number),
            json!({ "before": { "unit_id": current.unit_id, "assignee_id": current.assignee_id }, "encrypted": data_key.is_some() }),
        )
        .await?;
        delete_after_commit(&mut tx, sealed_blobs.into_keys().collect(), now).await?;
        Store::commit(tx).await?;
        if data_key.is_none() {
            tracing::warn!(
                "no escrow key yet (`hqdesk keys escrow-init`): a sealed case is kept unencrypted"
            );
        }
        Ok(Sealed {
            number: current.number.to_string(),
            encrypted: data_key.is_some(),
        })
    }
}
