//! Attachments: the limits, storing the bytes, recording them, and reading them back.
use hqdesk_domain::access::Action;
use hqdesk_domain::case::attachment::clean_filename;
use hqdesk_domain::Timestamp;
use hqdesk_store::blobs::SealSource;
use hqdesk_store::sealed::append::CaseSeal;
use hqdesk_store::{cases, search, Connection, Store};
use serde_json::json;

use super::{FileContent, NewAttachment};
use crate::audit::record as audit;
use crate::sealing::CaseKeys;
use crate::{Actor, ServiceError, Services};

/// At most this many files per message, each at most `MAX_ATTACHMENT_BYTES`.
pub const MAX_ATTACHMENTS: usize = 10;
pub const MAX_ATTACHMENT_BYTES: usize = 10 * 1024 * 1024;
/// All files of one message together.
pub const MAX_ATTACHMENTS_TOTAL_BYTES: usize = 25 * 1024 * 1024;

pub(crate) fn check_attachments(files: &[NewAttachment]) -> Result<(), ServiceError> {
    if files.len() > MAX_ATTACHMENTS {
        return Err(ServiceError::invalid_field(
            "attachments",
            "attachments_too_many",
            format!("at most {MAX_ATTACHMENTS} files per message"),
        ));
    }
    if files.iter().map(|f| f.content.len()).sum::<usize>() > MAX_ATTACHMENTS_TOTAL_BYTES {
        return Err(ServiceError::invalid_field(
            "attachments",
            "attachments_too_large",
            format!(
                "the files of one message may add up to {} MB",
                MAX_ATTACHMENTS_TOTAL_BYTES / 1024 / 1024
            ),
        ));
    }
    for (i, f) in files.iter().enumerate() {
        if f.content.len() > MAX_ATTACHMENT_BYTES {
            return Err(ServiceError::invalid_field(
                &format!("attachments[{i}]"),
                "attachment_too_large",
                format!(
                    "{} is larger than {} MB",
                    clean_filename(&f.filename),
                    MAX_ATTACHMENT_BYTES / 1024 / 1024
                ),
            ));
        }
        if f.content.is_empty() {
            return Err(ServiceError::invalid_field(
                &format!("attachments[{i}]"),
                "attachment_empty",
                format!("{} is empty", clean_filename(&f.filename)),
            ));
        }
    }
    Ok(())
}

/// An attachment whose bytes are in the blob store, ready to be recorded.
#[derive(Debug, Clone)]
pub(crate) struct StoredFile {
    pub(crate) filename: String,
    pub(crate) content_type: String,
    pub(crate) size: i64,
    pub(crate) sha256: String,
}

impl Services {
    /// Bytes first (content-addressed, so a retry stores nothing twice), then the records in the
    /// caller's transaction: a committed attachment always has its bytes. Files of a sealed
    /// case (`seal`) are stored sealed to it, never in clear.
    pub(super) async fn store_attachment_bytes(
        &self,
        files: &[NewAttachment],
        seal: Option<&CaseSeal>,
    ) -> Result<Vec<StoredFile>, ServiceError> {
        if files.is_empty() {
            return Ok(Vec::new());
        }
        let blobs = self.blobs().ok_or_else(|| {
            ServiceError::Unavailable("no blob store is configured for attachments".into())
        })?;
        let mut stored = Vec::with_capacity(files.len());
        for f in files {
            let sha256 = match (&f.content, seal) {
                (FileContent::Bytes(b), None) => blobs.put(b).await?,
                (FileContent::Staged(staged), None) => blobs.put_staged(staged).await?,
                (FileContent::Bytes(b), Some(seal)) => {
                    blobs
                        .put_sealed(seal.public_key(), SealSource::Bytes(b.clone()))
                        .await?
                }
                (FileContent::Staged(staged), Some(seal)) => {
                    blobs
                        .put_sealed(
                            seal.public_key(),
                            SealSource::File(staged.path().to_path_buf()),
                        )
                        .await?
                }
            };
            let content_type = if f.content_type.trim().is_empty() {
                "application/octet-stream".to_string()
            } else {
                f.content_type.trim().to_ascii_lowercase()
            };
            stored.push(StoredFile {
                filename: clean_filename(&f.filename),
                content_type,
                size: i64::try_from(f.content.len()).unwrap_or(i64::MAX),
                sha256,
            });
        }
        Ok(stored)
    }
}

pub(super) async fn record_attachments(
    tx: &mut Connection,
    case_id: i64,
    entry_id: i64,
    files: &[StoredFile],
    now: Timestamp,
) -> Result<(), ServiceError> {
    for f in files {
        hqdesk_store::attachments::insert(
            tx,
            case_id,
            entry_id,
            &f.filename,
            &f.content_type,
            f.size,
            &f.sha256,
            now,
        )
        .await?;
        search::index(tx, case_id, &f.filename).await?;
    }
    Ok(())
}

impl Services {
    /// The attachments of a case the actor may see.
    pub async fn case_attachments(
        &self,
        actor: &Actor,
        number: &str,
    ) -> Result<Vec<hqdesk_store::attachments::Attachment>, ServiceError> {
        let mut conn = self.store().read().await?;
        let case = self
            .load_case(&mut conn, actor, number, Action::ReadCase)
            .await?;
        let mut files = hqdesk_store::attachments::for_case(&mut conn, case.id).await?;
        if case.sealed {
            CaseKeys::for_actor(actor)
                .open_attachments(&mut conn, &mut files)
                .await?;
        }
        drop(conn);
        self.record_confidential_reads(actor, [&case], "attachments")
            .await?;
        Ok(files)
    }

    /// One attachment and its bytes, if the actor may see its case.
    pub async fn attachment(
        &self,
        actor: &Actor,
        id: i64,
    ) -> Result<(hqdesk_store::attachments::Attachment, Vec<u8>), ServiceError> {
        self.attachment_opened_with(actor, id, &mut CaseKeys::for_actor(actor))
            .await
    }

    /// [`Self::attachment`] with the keys given (a tracking link's): a sealed case's file is
    /// opened with them, or not found without them (never its sealed bytes).
    pub(crate) async fn attachment_opened_with(
        &self,
        actor: &Actor,
        id: i64,
        keys: &mut CaseKeys<'_>,
    ) -> Result<(hqdesk_store::attachments::Attachment, Vec<u8>), ServiceError> {
        let mut conn = self.store().read().await?;
        let mut a = hqdesk_store::attachments::get(&mut conn, id).await?;
        let case = cases::by_id(&mut conn, a.case_id).await?;
        actor.require(Action::ReadCase, Some(&case.facts()))?;
        let blobs = self
            .blobs()
            .ok_or_else(|| ServiceError::Unavailable("no blob store is configured".into()))?;
        let bytes = if case.sealed {
            keys.open_attachments(&mut conn, std::slice::from_mut(&mut a))
                .await?;
            let key = keys
                .data_key(&mut conn, a.case_id)
                .await?
                .ok_or(ServiceError::NotFound)?;
            blobs.get_sealed(&a.sha256, key).await.map_err(|e| {
                tracing::error!(attachment = id, error = %e, "a sealed file does not open");
                ServiceError::NotFound
            })?
        } else {
            blobs.get(&a.sha256).await?
        };
        drop(conn);
        if case.confidential {
            let mut tx = self.store().begin().await?;
            audit(
                &mut tx,
                self.now(),
                actor,
                "case.read_confidential",
                &format!("case:{}", case.number),
                json!({ "attachment": id }),
            )
            .await?;
            Store::commit(tx).await?;
        }
        Ok((a, bytes))
    }
}
