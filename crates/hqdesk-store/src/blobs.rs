//! The blob store: files kept by the SHA-256 of their content under a directory, so the same
//! file stored twice takes the space once and a stored file can never be silently swapped.
//! Writes go to a temporary file that is synced and then renamed into place.
use std::path::{Path, PathBuf};

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
