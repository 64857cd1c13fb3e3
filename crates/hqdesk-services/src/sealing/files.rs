//! A sealed case's files (attachments, the raw mail it came from) are kept sealed to the case's
//! append key (`BlobStore::put_sealed`). A file that reached the blob store in clear before its
//! case was known to be sealed (an upload with a new denunciation, a mail threaded to a sealed
//! case) is sealed again in the transaction that files it; the clear copy is deleted after the
//! commit by the `blob.delete` job, once no row names it (the store is content-addressed: the
//! same file may be an ordinary case's too).
use hqdesk_domain::Timestamp;
use hqdesk_store::blobs::{BlobStore, SealSource};
use hqdesk_store::jobs::{self as jobstore, Job, NewJob};
use hqdesk_store::sealed::append::CaseSeal;
use hqdesk_store::{blob_refs, Connection};
use serde::{Deserialize, Serialize};

use crate::cases::StoredFile;
use crate::jobs::{JobOutcome, Registry};
use crate::{ServiceError, Services};

/// Deletes clear blobs that sealed copies replaced.
pub const BLOB_DELETE: &str = "blob.delete";
/// The job's payload names files of a sealed case: sealed for the installation.
const PAYLOAD_CONTEXT: &str = "jobs.payload.blob.delete";
/// When to look again at blobs stored too recently to delete (`BlobStore::recently_stored`).
const RETRY_MINUTES: i64 = 2;

#[derive(Serialize, Deserialize)]
struct Payload {
    blobs: Vec<String>,
}

pub(crate) fn register(r: &mut Registry) {
    r.register(
        BLOB_DELETE,
        std::sync::Arc::new(|s, job| Box::pin(async move { delete_clear_copies(s, job).await })),
    );
}

/// Seal the clear blobs of `files` to the case of `seal`: `files` then name the sealed copies.
/// The clear names are returned, for [`delete_after_commit`].
pub(crate) async fn seal_stored_files(
    blobs: &BlobStore,
    seal: &CaseSeal,
    files: &mut [StoredFile],
) -> Result<Vec<String>, ServiceError> {
    let mut clear = Vec::with_capacity(files.len());
    for f in files {
        let sealed = blobs
            .put_sealed(seal.public_key(), SealSource::Blob(f.sha256.clone()))
            .await?;
        clear.push(std::mem::replace(&mut f.sha256, sealed));
    }
    Ok(clear)
}

/// Queue the deletion of the clear blobs `shas`, in the transaction that stops naming them.
pub(crate) async fn delete_after_commit(
    tx: &mut Connection,
    shas: Vec<String>,
    now: Timestamp,
) -> Result<(), ServiceError> {
    if shas.is_empty() {
        return Ok(());
    }
    let payload = serde_json::to_string(&Payload { blobs: shas })
        .map_err(|e| ServiceError::Internal(e.to_string()))?;
    jobstore::enqueue(
        tx,
        &NewJob {
            kind: BLOB_DELETE,
            payload: hqdesk_store::secrets::seal_value(PAYLOAD_CONTEXT, &payload)?,
            dedup_key: None,
            run_at: now,
            max_attempts: 20,
        },
        now,
    )
    .await?;
    Ok(())
}

async fn delete_clear_copies(s: Services, job: Job) -> Result<JobOutcome, String> {
    let payload = hqdesk_store::secrets::open_value(PAYLOAD_CONTEXT, &job.payload)
        .map_err(|e| e.to_string())?;
    let Payload { blobs: shas } = serde_json::from_str(&payload).map_err(|e| e.to_string())?;
    let Some(blobs) = s.blobs() else {
        return Err("no blob store is configured".into());
    };
    let now = s.now();
    let (mut removed, mut named, mut recent) = (0, 0, 0);
    for sha in &shas {
        let mut conn = s.store().read().await.map_err(|e| e.to_string())?;
        if blob_refs::is_referenced(&mut conn, sha)
            .await
            .map_err(|e| e.to_string())?
        {
            named += 1;
            continue;
        }
        drop(conn);
        if blobs.recently_stored(sha).await {
            recent += 1;
            continue;
        }
        blobs.remove(sha).await.map_err(|e| e.to_string())?;
        removed += 1;
    }
    if recent > 0 {
        // Those removed or still named are checked again at no cost.
        return Ok(JobOutcome::RunAgainAt(now.plus_minutes(RETRY_MINUTES)));
    }
    // Counts only: the names are the files' fingerprints.
    Ok(JobOutcome::Done(format!(
        "{removed} clear copies deleted, {named} still named by other rows"
    )))
}
