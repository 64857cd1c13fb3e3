//! Unsealing a case that is not a denunciation after all (a business's complaint sealed by
//! mistake): an investigator, signed in to the console with their key, says what the case is
//! and why; every value is opened with their key and written back in clear, the case's keys
//! and seal are deleted, it is indexed again and returns to the ordinary queues. Its reporter
//! is copied into the contact directory only if the investigator chooses to. Design note 006
//! §9.6.
use hqdesk_domain::access::Action;
use hqdesk_domain::case::timeline::EntryKind;
use hqdesk_domain::case::CaseKind;
use hqdesk_store::cases::{self, CaseChanges};
use hqdesk_store::requesters::{self, RequesterFields};
use hqdesk_store::sealed::places::{self, AttachmentPart, EntryPart};
use hqdesk_store::sealed::{reseal, SealedText};
use hqdesk_store::timeline::{self, NewEntry};
use hqdesk_store::Store;
use hqdesk_vault::DataKey;
use serde_json::json;

use super::files::delete_after_commit;
use super::CaseKeys;
use crate::audit::record as audit;
use crate::{Actor, ServiceError, Services};

/// What an investigator says when unsealing a case.
#[derive(Debug, Clone, Default)]
pub struct Unseal {
    /// What the case really is: any kind but `denunciation`.
    pub kind: String,
    /// Why it is not a denunciation (kept in the case's timeline).
    pub reason: String,
    /// Copy the reporter into the contact directory as the case's requester.
    pub copy_reporter: bool,
}

/// The timeline event's body.
pub const UNSEALED_EVENT: &str = "unsealed";

/// `stored` opened at `place`, or a refusal: unsealing writes back what it opened, so a value
/// that does not open must stop it rather than be written back empty.
fn open_strict(key: &DataKey, place: &[u8], stored: &str) -> Result<String, ServiceError> {
    let Some(sealed) = SealedText::decode(stored) else {
        return Ok(stored.to_string());
    };
    let opened = match sealed {
        SealedText::Value(b) => hqdesk_vault::open(key, place, &b),
        SealedText::Appended(b) => hqdesk_vault::open_append(key, place, &b),
    };
    opened
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| {
            tracing::error!(place = %String::from_utf8_lossy(place), "a sealed value does not open");
            ServiceError::Conflict {
                code: "sealed_value_damaged",
                message: "a value of this case does not open; it stays sealed".into(),
            }
        })
}

fn open_opt(
    key: &DataKey,
    place: &[u8],
    v: &Option<String>,
) -> Result<Option<String>, ServiceError> {
    v.as_deref().map(|v| open_strict(key, place, v)).transpose()
}

impl Services {
    /// Unseal case `number` (see the module's note). Only an investigator whose key opens the
    /// case may: anyone else does not see it, or holds no key (an API token).
    pub async fn unseal_case(
        &self,
        actor: &Actor,
        number: &str,
        cmd: Unseal,
    ) -> Result<String, ServiceError> {
        let kind =
            CaseKind::parse(cmd.kind.trim()).map_err(|e| ServiceError::invalid("kind", e))?;
        if kind.is_confidential() {
            return Err(ServiceError::invalid_field(
                "kind",
                "unseal_denunciation",
                "a denunciation stays sealed: choose what the case really is",
            ));
        }
        let reason = cmd.reason.trim();
        if reason.is_empty() {
            return Err(ServiceError::invalid_field(
                "reason",
                "unseal_reason_required",
                "say why this case is not a denunciation",
            ));
        }
        let mut conn = self.store().read().await?;
        let case = self
            .load_case(&mut conn, actor, number, Action::UpdateCase)
            .await?;
        if !case.sealed {
            return Err(ServiceError::Conflict {
                code: "case_not_sealed",
                message: "this case is not sealed".into(),
            });
        }
        if reseal::foreign_entries(&mut conn, case.id).await? > 0 {
            return Err(ServiceError::Conflict {
                code: "case_has_merged_messages",
                message: "this case holds messages merged from other cases".into(),
            });
        }
        let mut keys = CaseKeys::for_actor(actor);
        if keys.data_key(&mut conn, case.id).await?.is_none() {
            return Err(super::open::sealed_key_required());
        }
        // The reporter goes back in clear (or into the directory): only with their identity open
        // to this investigator, through a custodian's approval (409 `identity_sealed` otherwise).
        let reporter = self
            .reporter_for_unsealing(&mut conn, actor, &case, &mut keys)
            .await?;
        let Some(key) = keys.data_key(&mut conn, case.id).await? else {
            return Err(super::open::sealed_key_required());
        };
        let blobs = self
            .blobs()
            .ok_or_else(|| ServiceError::Unavailable("no blob store is configured".into()))?;
        let id = case.id;

        // Everything opened before the transaction; the files written back in clear.
        let subject = open_strict(key, &places::subject(id), &case.subject)?;
        let mut rows = reseal::sealed_rows(&mut conn, id).await?;
        for (e, body, meta, delivery_error) in &mut rows.entries {
            let place = |part| places::entry(id, *e, part);
            *body = open_strict(key, &place(EntryPart::Body), body)?;
            *meta = open_opt(key, &place(EntryPart::Meta), meta)?;
            *delivery_error = open_opt(key, &place(EntryPart::DeliveryError), delivery_error)?;
        }
        let mut sealed_blobs = Vec::new();
        for (a, filename, content_type, blob) in &mut rows.attachments {
            let place = |part| places::attachment(id, *a, blob, part);
            *filename = open_strict(key, &place(AttachmentPart::Filename), filename)?;
            *content_type = open_strict(key, &place(AttachmentPart::ContentType), content_type)?;
            let bytes = blobs
                .get_sealed(blob, key)
                .await
                .map_err(|_| ServiceError::Conflict {
                    code: "sealed_value_damaged",
                    message: "a file of this case does not open; it stays sealed".into(),
                })?;
            sealed_blobs.push(std::mem::replace(blob, blobs.put(&bytes).await?));
        }
        for (attempt, note) in &mut rows.notes {
            *note = open_strict(key, &places::callback_note(id, *attempt), note)?;
        }
        rows.comment = open_opt(key, &places::rating_comment(id), &rows.comment)?;
        let mut raws = Vec::new();
        for (raw_id, blob) in reseal::sealed_raw_mails(&mut conn, id).await? {
            let bytes = blobs
                .get_sealed(&blob, key)
                .await
                .map_err(|_| ServiceError::Conflict {
                    code: "sealed_value_damaged",
                    message: "a mail of this case does not open; it stays sealed".into(),
                })?;
            let sha = blobs.put(&bytes).await?;
            raws.push((raw_id, sha, hqdesk_mail::content_hash(&bytes)));
            sealed_blobs.push(blob);
        }
        drop(keys);
        drop(conn);

        let now = self.now();
        let mut tx = self.store().begin().await?;
        reseal::unseal_case_rows(&mut tx, id, &subject, &rows).await?;
        for (raw_id, sha, content_hash) in &raws {
            reseal::unseal_raw_mail(&mut tx, *raw_id, sha, content_hash).await?;
        }
        reseal::forget_reporter(&mut tx, id).await?;
        let requester_id = match reporter.filter(|_| cmd.copy_reporter) {
            Some(r) if r.name.is_some() || r.email.is_some() || r.phone.is_some() => Some(
                requesters::insert(
                    &mut tx,
                    &RequesterFields {
                        name: r.name.unwrap_or_default(),
                        business_name: None,
                        email: r.email,
                        phone: r.phone,
                        tax_code: r.tax_code,
                    },
                    now,
                )
                .await?,
            ),
            _ => None,
        };
        cases::update(
            &mut tx,
            id,
            &CaseChanges {
                kind: Some(kind),
                branch: Some(kind.default_branch()),
                requester_id: Some(requester_id),
                ..Default::default()
            },
            now,
        )
        .await?;
        timeline::insert(
            &mut tx,
            &NewEntry {
                case_id: id,
                kind: EntryKind::Event,
                channel: None,
                author_user_id: actor.user_id(),
                body: UNSEALED_EVENT,
                delivery_state: None,
                meta: Some(json!({ "event": UNSEALED_EVENT, "reason": reason }).to_string()),
            },
            now,
        )
        .await?;
        self.reindex(&mut tx, id).await?;
        audit(
            &mut tx,
            now,
            actor,
            "case.unseal",
            &format!("case:{}", case.number),
            json!({ "kind": kind.as_str() }),
        )
        .await?;
        delete_after_commit(&mut tx, sealed_blobs, now).await?;
        Store::commit(tx).await?;
        Ok(case.number.to_string())
    }
}
