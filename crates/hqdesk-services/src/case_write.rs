//! The one write path of each case event, whatever the channel: a case is inserted
//! ([`insert_cases`]: the API, console and portal through group commit, a missed call, a mail)
//! and a case changes status ([`write_status_change`]: staff, a callback reached, a requester
//! writing again). Behaviour that later issues hook into these events goes here, once.
use std::collections::HashMap;

use hqdesk_domain::case::timeline::EntryKind;
use hqdesk_domain::case::transition::change_status;
use hqdesk_domain::case::{CaseNumber, Status};
use hqdesk_domain::Timestamp;
use hqdesk_store::audit::NewAuditEntry;
use hqdesk_store::blobs::BlobStore;
use hqdesk_store::cases::{CaseChanges, CaseRecord, ConfidentialReporter, NewCase, NewCaseNames};
use hqdesk_store::sealed::append;
use hqdesk_store::timeline::NewEntry;
use hqdesk_store::{attachments, audit, cases, search, timeline, Connection};
use rand::Rng;
use serde_json::json;

use crate::cases::StoredFile;
use crate::outbox::NotificationMail;
use crate::sealing::files::{delete_after_commit, seal_stored_files};
use crate::{Actor, ServiceError};

/// A case to insert, with what is written with it.
#[derive(Debug, Clone)]
pub(crate) struct CaseToInsert {
    /// The case. Its `number`, due times and `requester_id` are set when it is written.
    pub new: NewCase,
    /// First response and resolution targets, in minutes from the creation.
    pub due_in_minutes: (i64, i64),
    /// What it refers to, by name, for the record answered.
    pub names: NewCaseNames,
    /// A confidential case's reporter, kept apart from the directory.
    pub reporter: Option<ConfidentialReporter>,
    /// Searchable header text besides the case number (subject, requester's identifiers).
    pub header: String,
    pub opening: Opening,
    pub tracking_token_hash: Option<String>,
    /// The tracking token itself (memory only), to wrap a sealed case's key for its link.
    pub tracking_token: Option<String>,
    /// An anonymous tip's receipt keys (memory only): its lookup and the wrap of a sealed case's
    /// key go into `case_receipts` with the case.
    pub receipt: Option<std::sync::Arc<hqdesk_vault::ReceiptKeys>>,
    /// `{case}` in its subject and text becomes the case number.
    pub confirmation: Option<NotificationMail>,
    /// Who opens it, as the audit log names them.
    pub audit_actor: String,
    /// The officers and units a report names (conflict of interest): excluded before its key
    /// is wrapped.
    pub named: Option<crate::conflict::Named>,
}

/// The case's first message.
#[derive(Debug, Clone)]
pub(crate) enum Opening {
    /// None yet (a callback: its calls come next).
    Empty,
    /// From the requester through the case's channel, written here, with its files (bytes
    /// already in the blob store).
    Message {
        body: String,
        files: Vec<StoredFile>,
    },
    /// One message that the caller writes in the same transaction (a mail, a work item's).
    ByCaller,
}

impl Opening {
    fn message_count(&self) -> i64 {
        match self {
            Opening::Empty => 0,
            Opening::Message { .. } | Opening::ByCaller => 1,
        }
    }
}

/// Insert `cases` (each with the id of its requester, found or added in this transaction) in
/// the caller's transaction, table by table: case numbers, due times, confidential reporters,
/// first messages and their files, search documents, tracking links, confirmations and the
/// `case.create` audit entries (which are also the live feed's). The audit entries come last:
/// on PostgreSQL they take the audit chain's lock, held until the commit.
///
/// Hooks of later issues, each in one place: due times come from the case's service-level
/// clocks (`sla::clocks`), the per-priority minutes only without a policy; sealing is decided with the confidential reporter (before any text of
/// the case is indexed); triage and incident linking follow the search documents (the case ids
/// and numbers are known there).
///
/// `blobs` holds the files of the first messages: a sealed case's are sealed again here (they
/// reached the store in clear before the case was known to be sealed), and the clear copies
/// deleted after the commit.
pub(crate) async fn insert_cases(
    tx: &mut Connection,
    cases: &[(&CaseToInsert, Option<i64>)],
    blobs: Option<&BlobStore>,
    now: Timestamp,
) -> Result<Vec<CaseRecord>, ServiceError> {
    let message_counts: Vec<i64> = cases
        .iter()
        .map(|(c, _)| c.opening.message_count())
        .collect();
    // Service levels: the policy's clocks on its calendar, and legal deadlines, read once for
    // the group (`sla`); without a policy, the per-priority minutes of `due_in_minutes`.
    let rules = crate::sla::rules::Rules::load(tx).await?;
    let mut planned = Vec::with_capacity(cases.len());
    for (c, _) in cases {
        let facts = hqdesk_domain::sla::PolicyFacts {
            kind: c.new.kind,
            branch: Some(c.new.branch),
            channel: c.new.channel,
            category: c.names.category_code.as_deref(),
            priority: c.new.priority,
            unit: c.names.unit_code.as_deref(),
        };
        planned.push(crate::sla::clocks::plan_new(&rules, &facts, now)?);
    }
    let recipients = sealing_recipients(tx, cases).await?;
    let new: Vec<NewCase> = cases
        .iter()
        .zip(&planned)
        .map(|((c, requester_id), plan)| {
            let (first_response, resolution) = if plan.service {
                crate::sla::clocks::due_columns(&plan.clocks)
            } else {
                let (f, r) = c.due_in_minutes;
                (
                    Some(Some(now.plus_minutes(f))),
                    Some(Some(now.plus_minutes(r))),
                )
            };
            NewCase {
                requester_id: *requester_id,
                first_response_due_at: first_response.flatten(),
                resolution_due_at: resolution.flatten(),
                sealed: recipients.is_some() && c.new.kind.is_confidential(),
                ..c.new.clone()
            }
        })
        .collect();
    let (new, case_ids) = insert_with_fresh_numbers(tx, new, &message_counts, now).await?;
    let clocks: Vec<_> = planned
        .into_iter()
        .zip(&case_ids)
        .flat_map(|(plan, id)| {
            plan.clocks
                .into_iter()
                .map(move |c| hqdesk_store::case_clocks::CaseClock { case_id: *id, ..c })
        })
        .collect();
    crate::sla::clocks::write_new(tx, &clocks, now).await?;

    // Reports naming officers or units: their exclusions before any key is wrapped, so that
    // nobody named is a recipient.
    for ((c, _), case_id) in cases.iter().zip(&case_ids) {
        if let Some(named) = c.named.as_ref().filter(|n| !n.is_empty()) {
            crate::conflict::write_tags(tx, *case_id, named, now).await?;
        }
    }

    // Sealed cases: the key first, then the subject (inserted empty), sealed by the store like
    // every value written to them from here on.
    let mut tracking_wraps: Vec<(i64, String)> = Vec::new();
    // Case index → its first message's files, sealed.
    let mut sealed_files: HashMap<usize, Vec<StoredFile>> = HashMap::new();
    let mut clear_copies: Vec<String> = Vec::new();
    let mut receipt_keys: Vec<(i64, hqdesk_vault::DataKey)> = Vec::new();
    if let Some(recipients) = &recipients {
        for (i, ((c, _), (n, case_id))) in cases.iter().zip(new.iter().zip(&case_ids)).enumerate() {
            if !n.sealed {
                continue;
            }
            let data_key = crate::sealing::seal_new_case(tx, *case_id, recipients, now).await?;
            if let Opening::Message { files, .. } = &c.opening {
                if !files.is_empty() {
                    let blobs = blobs.ok_or_else(|| {
                        ServiceError::Unavailable("no blob store is configured for files".into())
                    })?;
                    let seal = append::of_case(tx, *case_id)
                        .await?
                        .ok_or_else(|| ServiceError::Internal("a new seal is missing".into()))?;
                    let mut files = files.clone();
                    clear_copies.extend(seal_stored_files(blobs, &seal, &mut files).await?);
                    sealed_files.insert(i, files);
                }
            }
            if let Some(token) = &c.tracking_token {
                tracking_wraps.push((
                    *case_id,
                    crate::sealing::wrap_for_tracking(token, *case_id, &data_key)?,
                ));
            }
            if c.receipt.is_some() {
                receipt_keys.push((*case_id, data_key));
            }
            cases::update(
                tx,
                *case_id,
                &CaseChanges {
                    subject: Some(n.subject.clone()),
                    ..Default::default()
                },
                now,
            )
            .await?;
        }
    }

    for ((c, _), case_id) in cases.iter().zip(&case_ids) {
        if let Some(r) = &c.reporter {
            cases::insert_confidential_reporter(tx, *case_id, r).await?;
        }
    }
    let with_message: Vec<(usize, &str, &[StoredFile])> = cases
        .iter()
        .enumerate()
        .filter_map(|(i, (c, _))| match &c.opening {
            Opening::Message { body, files } => Some((
                i,
                body.as_str(),
                sealed_files.get(&i).unwrap_or(files).as_slice(),
            )),
            _ => None,
        })
        .collect();
    let entries: Vec<NewEntry> = with_message
        .iter()
        .map(|(i, body, _)| NewEntry {
            case_id: case_ids[*i],
            kind: EntryKind::Inbound,
            channel: Some(new[*i].channel),
            author_user_id: new[*i].created_by,
            body,
            delivery_state: None,
            meta: None,
        })
        .collect();
    let entry_ids = timeline::insert_many(tx, &entries, now).await?;
    for ((i, _, files), entry_id) in with_message.iter().zip(&entry_ids) {
        for f in *files {
            attachments::insert(
                tx,
                case_ids[*i],
                *entry_id,
                &f.filename,
                &f.content_type,
                f.size,
                &f.sha256,
                now,
            )
            .await?;
        }
    }

    // The named list (sealed with the case), and the event saying a naming happened.
    let mut namings: Vec<(usize, serde_json::Value)> = Vec::new();
    for (i, ((c, _), case_id)) in cases.iter().zip(&case_ids).enumerate() {
        if let Some(named) = c.named.as_ref().filter(|n| !n.is_empty()) {
            let done = crate::conflict::finish_naming(tx, *case_id, named, now).await?;
            crate::conflict::write_naming_event(tx, new[i].created_by, *case_id, named, done, now)
                .await?;
            namings.push((i, crate::conflict::naming_audit_detail(named, done, true)));
        }
    }

    let headers: Vec<String> = cases
        .iter()
        .zip(&new)
        .map(|((c, _), n)| format!("{} {}", n.number.as_str(), c.header))
        .collect();
    let mut docs: Vec<(i64, &str)> = Vec::new();
    for (i, (c, _)) in cases.iter().enumerate() {
        if new[i].sealed {
            // Nothing of a sealed case reaches the index (investigators search their own).
            continue;
        }
        docs.push((case_ids[i], &headers[i]));
        if let Opening::Message { body, files } = &c.opening {
            docs.push((case_ids[i], body));
            docs.extend(files.iter().map(|f| (case_ids[i], f.filename.as_str())));
        }
    }
    search::index_many(tx, &docs).await?;
    delete_after_commit(tx, clear_copies, now).await?;

    for (i, (c, _)) in cases.iter().enumerate() {
        let number = new[i].number.as_str();
        if let Some(hash) = &c.tracking_token_hash {
            hqdesk_store::portal::set_tracking(tx, case_ids[i], hash, now).await?;
            if let Some((_, wrapped)) = tracking_wraps.iter().find(|(id, _)| *id == case_ids[i]) {
                hqdesk_store::portal::set_tracking_wrap(tx, case_ids[i], wrapped).await?;
            }
        }
        if let Some(keys) = &c.receipt {
            // Without an escrow key the tip is not sealed: its receipt only finds it.
            let data_key = receipt_keys
                .iter()
                .find(|(id, _)| *id == case_ids[i])
                .map(|(_, k)| k);
            crate::sealing::put_receipt(tx, keys, case_ids[i], data_key, now).await?;
        }
        if let Some(mail) = &c.confirmation {
            let mail = NotificationMail {
                subject: mail.subject.replace("{case}", number),
                text: mail.text.replace("{case}", number),
                case_id: Some(case_ids[i]),
                ..mail.clone()
            };
            crate::outbox::enqueue_notification(tx, &mail, number, now).await?;
        }
    }

    let mut audit_entries: Vec<NewAuditEntry> = Vec::with_capacity(cases.len() + namings.len());
    for (i, ((c, _), n)) in cases.iter().zip(&new).enumerate() {
        audit_entries.push(NewAuditEntry {
            actor: c.audit_actor.clone(),
            action: "case.create".into(),
            object: format!("case:{}", n.number),
            // Confidential details never go into the audit log's detail, only that it happened.
            detail: json!({ "kind": n.kind.as_str(), "branch": n.branch.number(), "channel": n.channel.as_str() }).to_string(),
        });
        // Whom the report names: how many, never who.
        if let Some((_, detail)) = namings.iter().find(|(j, _)| *j == i) {
            audit_entries.push(NewAuditEntry {
                actor: c.audit_actor.clone(),
                action: "case.name_involved".into(),
                object: format!("case:{}", n.number),
                detail: detail.to_string(),
            });
        }
    }
    audit::append_many(tx, now, &audit_entries).await?;

    Ok(new
        .iter()
        .zip(cases)
        .zip(case_ids.into_iter().zip(message_counts))
        .map(|((n, (c, _)), (id, messages))| n.inserted_record(id, messages, now, c.names.clone()))
        .collect())
}

/// Whom the confidential ones of `cases` are sealed for, when there are any. Before the
/// installation has an escrow key they are kept unsealed, as before sealing existed: a
/// denunciation is never refused for want of a key. The log says so.
async fn sealing_recipients(
    tx: &mut Connection,
    cases: &[(&CaseToInsert, Option<i64>)],
) -> Result<Option<crate::vault::Recipients>, ServiceError> {
    if !cases.iter().any(|(c, _)| c.new.kind.is_confidential()) {
        return Ok(None);
    }
    if hqdesk_store::vault_keys::current_escrow(tx)
        .await?
        .is_none()
    {
        tracing::warn!(
            "no escrow key yet (`hqdesk keys escrow-init`): a denunciation is kept unsealed"
        );
        return Ok(None);
    }
    // A key that fails its check refuses the intake loudly: sealing for it, or falling back to
    // clear text, is what whoever wrote it wants.
    crate::vault::task_force_recipients(tx).await.map(Some)
}

/// [`insert_cases`] for one case whose first message, if any, has no files (the caller writes it).
pub(crate) async fn insert_case(
    tx: &mut Connection,
    case: &CaseToInsert,
    requester_id: Option<i64>,
    now: Timestamp,
) -> Result<CaseRecord, ServiceError> {
    insert_cases(tx, &[(case, requester_id)], None, now)
        .await?
        .pop()
        .ok_or_else(|| ServiceError::Internal("case not inserted".into()))
}

/// Insert `new` (their `number`s are replaced), each under a case number of this month drawn at
/// random; a number that another case has already is drawn again, in the same transaction
/// (the insert skips it rather than failing, which PostgreSQL would not survive). With a
/// million numbers a month that is about one case in seventy at the end of a busy month
/// (14,000 cases); twenty draws keep even a month with half its numbers taken (a benchmark's)
/// from failing more than once in a million cases. The cases as inserted, and their ids;
/// `message_counts[i]` is case `i`'s first message count.
async fn insert_with_fresh_numbers(
    tx: &mut Connection,
    mut new: Vec<NewCase>,
    message_counts: &[i64],
    now: Timestamp,
) -> Result<(Vec<NewCase>, Vec<i64>), ServiceError> {
    let draw = |cases: &[NewCase]| loop {
        let candidate = CaseNumber::compose(now, rand::thread_rng().gen_range(0..1_000_000));
        if !cases.iter().any(|c| c.number == candidate) {
            return candidate;
        }
    };
    for i in 0..new.len() {
        new[i].number = draw(&new[..i]);
    }
    let mut ids: Vec<Option<i64>> = vec![None; new.len()];
    for _ in 0..20 {
        let missing: Vec<usize> = (0..ids.len()).filter(|i| ids[*i].is_none()).collect();
        if missing.is_empty() {
            break;
        }
        let rows: Vec<NewCase> = missing.iter().map(|i| new[*i].clone()).collect();
        let counts: Vec<i64> = missing.iter().map(|i| message_counts[*i]).collect();
        let inserted = cases::insert_many(tx, &rows, &counts, now).await?;
        for (i, id) in missing.into_iter().zip(inserted) {
            match id {
                Some(id) => ids[i] = Some(id),
                None => new[i].number = draw(&new),
            }
        }
    }
    let ids = ids
        .into_iter()
        .collect::<Option<Vec<i64>>>()
        .ok_or_else(|| ServiceError::Internal("could not draw a free case number".into()))?;
    Ok((new, ids))
}

/// Move `case` to `next` in the caller's transaction: the status and the times the move sets
/// or clears (decided by the domain's [`change_status`]), its timeline event and its
/// `case.status` audit entry (the live feed's). A move the state machine forbids is refused as
/// an invalid `status`.
///
/// Later behaviour that reacts to a status (service-level clocks pausing while a case waits, a
/// rating asked for on resolution) follows the update below.
pub(crate) async fn write_status_change(
    tx: &mut Connection,
    actor: &Actor,
    case: &CaseRecord,
    next: Status,
    now: Timestamp,
) -> Result<(), ServiceError> {
    let change =
        change_status(case.status, next, now).map_err(|e| ServiceError::invalid("status", e))?;
    cases::update(
        tx,
        case.id,
        &CaseChanges {
            status: Some(change.to),
            resolved_at: change.resolved_at,
            closed_at: change.closed_at,
            ..Default::default()
        },
        now,
    )
    .await?;
    crate::sla::events::on_status_change(tx, case, change.to, now).await?;
    let (body, meta) = &change.event;
    timeline::insert(
        tx,
        &NewEntry {
            case_id: case.id,
            kind: EntryKind::Event,
            channel: None,
            author_user_id: actor.user_id(),
            body,
            delivery_state: None,
            meta: Some(meta.to_string()),
        },
        now,
    )
    .await?;
    let (action, detail) = change.audit;
    crate::audit::record(
        tx,
        now,
        actor,
        action,
        &format!("case:{}", case.number),
        detail,
    )
    .await?;
    Ok(())
}
