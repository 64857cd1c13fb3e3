//! A mail filed to a sealed case (a new denunciation, or a reply threaded to one): its
//! attachments and its raw bytes reached the blob store in clear before the case was known (the
//! raw is kept before anything else, so that no mail is lost). Here they are sealed to the case
//! in the filing transaction, and the clear copies deleted after the commit.
use hqdesk_domain::Timestamp;
use hqdesk_store::blobs::{BlobStore, SealSource};
use hqdesk_store::cases::CaseRecord;
use hqdesk_store::mail::{self as mailstore, InboundMail};
use hqdesk_store::sealed::append::{self, CaseSeal};
use hqdesk_store::Connection;

use crate::cases::StoredFile;
use crate::sealing::files::{delete_after_commit, seal_stored_files};
use crate::{ServiceError, Services};

impl Services {
    /// The seal of `case` when it is sealed, with the blob store to seal its files in.
    async fn sealed_target(
        &self,
        tx: &mut Connection,
        case: &CaseRecord,
    ) -> Result<Option<(BlobStore, CaseSeal)>, ServiceError> {
        if !case.sealed {
            return Ok(None);
        }
        let seal = append::of_case(tx, case.id)
            .await?
            .ok_or_else(|| ServiceError::Internal("a sealed case has no seal".into()))?;
        let blobs = self
            .blobs()
            .ok_or_else(|| ServiceError::Unavailable("no blob store is configured".into()))?
            .clone();
        Ok(Some((blobs, seal)))
    }

    /// The attachments of a mail as `case` keeps them: sealed copies for a sealed case.
    pub(super) async fn parts_for_case(
        &self,
        tx: &mut Connection,
        case: &CaseRecord,
        stored: &[StoredFile],
        now: Timestamp,
    ) -> Result<Vec<StoredFile>, ServiceError> {
        let mut files = stored.to_vec();
        if files.is_empty() {
            return Ok(files);
        }
        if let Some((blobs, seal)) = self.sealed_target(tx, case).await? {
            let clear = seal_stored_files(&blobs, &seal, &mut files).await?;
            delete_after_commit(tx, clear, now).await?;
        }
        Ok(files)
    }

    /// File the raw bytes of mail `row` with `case`; the blob they are kept under. For a sealed
    /// case, a sealed copy (named by `mail_inbound.blob`, the row's clear hashes replaced by
    /// lookup hashes), the clear one deleted after the commit.
    pub(super) async fn file_raw(
        &self,
        tx: &mut Connection,
        row: &InboundMail,
        case: &CaseRecord,
        now: Timestamp,
    ) -> Result<String, ServiceError> {
        let Some((blobs, seal)) = self.sealed_target(tx, case).await? else {
            return Ok(row.sha256.clone());
        };
        let sealed = blobs
            .put_sealed(seal.public_key(), SealSource::Blob(row.sha256.clone()))
            .await?;
        mailstore::seal_inbound(tx, row.id, &sealed).await?;
        delete_after_commit(tx, vec![row.sha256.clone()], now).await?;
        Ok(sealed)
    }
}
