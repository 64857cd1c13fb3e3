//! The blob store: files kept by the SHA-256 of their content under a directory, so the same
//! file stored twice takes the space once and a stored file can never be silently swapped.
//! Writes go to a temporary file that is synced and then renamed into place. Uploads are
//! streamed into such a file as they arrive ([`BlobStore::stage`]), never held in memory.
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use sha2::{Digest, Sha256};

use crate::StoreError;

#[derive(Debug, Clone)]
pub struct BlobStore {
    root: PathBuf,
}

impl BlobStore {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn path_of(&self, sha: &str) -> Option<PathBuf> {
        if sha.len() != 64 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        Some(self.root.join(&sha[..2]).join(&sha[2..4]).join(sha))
    }

    /// Store `bytes`, returning their SHA-256 (hex).
    ///
    /// The whole write (hash, check, directory, temporary file, sync, rename) is one task on
    /// the blocking pool: done step by step through `tokio::fs`, each of the six steps was a
    /// hand-off to that pool and back, which cost mail intake more than the writing itself.
    pub async fn put(&self, bytes: &[u8]) -> Result<String, StoreError> {
        let root = self.root.clone();
        let bytes = bytes.to_vec();
        tokio::task::spawn_blocking(move || BlobStore { root }.put_blocking(&bytes))
            .await
            .map_err(|e| StoreError::Unavailable(format!("blob store: {e}")))?
    }

    fn put_blocking(&self, bytes: &[u8]) -> Result<String, StoreError> {
        use std::io::Write;
        let sha = hex::encode(Sha256::digest(bytes));
        let path = self
            .path_of(&sha)
            .ok_or_else(|| StoreError::Corrupt("blob hash".into()))?;
        if path.try_exists().unwrap_or(false) {
            return Ok(sha);
        }
        let dir = path
            .parent()
            .ok_or_else(|| StoreError::Corrupt("blob path".into()))?;
        let io = |e: std::io::Error| {
            StoreError::Unavailable(format!("blob store {}: {e}", dir.display()))
        };
        std::fs::create_dir_all(dir).map_err(io)?;
        let tmp = dir.join(format!(".{sha}.{}.tmp", std::process::id()));
        let mut f = std::fs::File::create(&tmp).map_err(io)?;
        f.write_all(bytes).map_err(io)?;
        f.sync_all().map_err(io)?;
        drop(f);
        std::fs::rename(&tmp, &path).map_err(io)?;
        Ok(sha)
    }

    /// Start receiving a file: its bytes go to a temporary file under `.staging/` (same file
    /// system, so that keeping it is a rename) while their hash is computed.
    pub async fn stage(&self) -> Result<StagingBlob, StoreError> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let dir = self.root.join(".staging");
        let io = |e: std::io::Error| {
            StoreError::Unavailable(format!("blob store {}: {e}", dir.display()))
        };
        tokio::fs::create_dir_all(&dir).await.map_err(io)?;
        let path = dir.join(format!(
            "{}-{}.part",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let file = tokio::fs::File::create(&path).await.map_err(io)?;
        Ok(StagingBlob {
            file,
            hasher: Sha256::new(),
            staged: StagedBlob {
                path,
                sha256: String::new(),
                size: 0,
            },
        })
    }

    /// Keep a staged file under its hash; the blob's SHA-256 (hex).
    pub async fn put_staged(&self, f: &StagedBlob) -> Result<String, StoreError> {
        let path = self
            .path_of(&f.sha256)
            .ok_or_else(|| StoreError::Corrupt("blob hash".into()))?;
        if tokio::fs::try_exists(&path).await.unwrap_or(false) {
            return Ok(f.sha256.clone());
        }
        let dir = path
            .parent()
            .ok_or_else(|| StoreError::Corrupt("blob path".into()))?;
        let io = |e: std::io::Error| {
            StoreError::Unavailable(format!("blob store {}: {e}", dir.display()))
        };
        tokio::fs::create_dir_all(dir).await.map_err(io)?;
        tokio::fs::rename(&f.path, &path).await.map_err(io)?;
        Ok(f.sha256.clone())
    }

    /// The bytes stored under `sha`, checked against it.
    pub async fn get(&self, sha: &str) -> Result<Vec<u8>, StoreError> {
        let path = self.path_of(sha).ok_or(StoreError::NotFound)?;
        let bytes = match tokio::fs::read(&path).await {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(StoreError::NotFound),
            Err(e) => return Err(StoreError::Unavailable(format!("blob store: {e}"))),
        };
        if hex::encode(Sha256::digest(&bytes)) != sha {
            return Err(StoreError::Corrupt(format!(
                "blob {sha} does not match its hash"
            )));
        }
        Ok(bytes)
    }
}

/// A file being received (see [`BlobStore::stage`]).
pub struct StagingBlob {
    file: tokio::fs::File,
    hasher: Sha256,
    staged: StagedBlob,
}

impl StagingBlob {
    pub async fn write(&mut self, chunk: &[u8]) -> Result<(), StoreError> {
        use tokio::io::AsyncWriteExt;
        self.hasher.update(chunk);
        self.staged.size += chunk.len() as u64;
        self.file
            .write_all(chunk)
            .await
            .map_err(|e| StoreError::Unavailable(format!("blob store: {e}")))
    }

    /// Bytes written so far.
    pub fn size(&self) -> u64 {
        self.staged.size
    }

    /// The whole file, on disk.
    pub async fn finish(mut self) -> Result<StagedBlob, StoreError> {
        use tokio::io::AsyncWriteExt;
        let io = |e: std::io::Error| StoreError::Unavailable(format!("blob store: {e}"));
        self.file.flush().await.map_err(io)?;
        self.file.sync_all().await.map_err(io)?;
        self.staged.sha256 = hex::encode(self.hasher.finalize());
        Ok(self.staged)
    }
}

/// A received file waiting to be kept with [`BlobStore::put_staged`]; removed when dropped
/// (the form it came with was refused, or it was kept and this is the leftover name).
#[derive(Debug)]
pub struct StagedBlob {
    path: PathBuf,
    pub sha256: String,
    pub size: u64,
}

impl StagedBlob {
    /// Where the bytes wait (for tests and diagnostics).
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for StagedBlob {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}
