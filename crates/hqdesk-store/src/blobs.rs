//! The blob store: files kept by the SHA-256 of their content under a directory, so the same
//! file stored twice takes the space once and a stored file can never be silently swapped.
//! Writes go to a temporary file that is synced and then renamed into place. Uploads are
//! streamed into such a file as they arrive ([`BlobStore::stage`]), never held in memory.
//!
//! A sealed case's files are kept **sealed** ([`BlobStore::put_sealed`]): a fresh key wrapped for
//! the case's append public key, then the file sealed in chunks under it (`hqdesk-vault`'s
//! STREAM), named by the hash of what is stored like any other blob. Only the holders of the
//! case's data key open it ([`BlobStore::get_sealed`]).
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use hqdesk_vault::{DataKey, PublicKey, StreamOpener, StreamSealer, WrappedKey, APPEND_OVERHEAD};
use sha2::{Digest, Sha256};

use crate::sealed::places;
use crate::StoreError;

/// Where the plain bytes of a file to seal are: nothing is held in memory but what the caller
/// already holds.
#[derive(Debug, Clone)]
pub enum SealSource {
    Bytes(Vec<u8>),
    /// A file on disk (a staged upload).
    File(PathBuf),
    /// A clear blob of this store, by its hash.
    Blob(String),
}

/// Read this much of a source at a time when sealing it.
const SEAL_READ_LEN: usize = 64 * 1024;

#[derive(Debug, Clone)]
pub struct BlobStore {
    root: PathBuf,
    /// How long a blob counts as just stored (see [`BlobStore::recently_stored`]).
    grace: std::time::Duration,
}

/// A request that stored a file names it in its transaction within seconds; two minutes leave
/// room for a slow one.
const DEFAULT_GRACE: std::time::Duration = std::time::Duration::from_secs(120);

impl BlobStore {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self {
            root: root.into(),
            grace: DEFAULT_GRACE,
        }
    }

    /// Count a blob as just stored for `grace` instead of two minutes (tests: zero).
    pub fn with_grace(mut self, grace: std::time::Duration) -> Self {
        self.grace = grace;
        self
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
        tokio::task::spawn_blocking(move || BlobStore::new(root).put_blocking(&bytes))
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
            touch(&path);
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
            touch(&path);
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

    /// Store `source` sealed to a case whose append public key is `case_public`; the sealed
    /// blob's SHA-256 (hex). The plaintext is read and sealed in chunks on the blocking pool;
    /// only the sealed bytes are written.
    pub async fn put_sealed(
        &self,
        case_public: &PublicKey,
        source: SealSource,
    ) -> Result<String, StoreError> {
        let root = self.root.clone();
        let public = *case_public;
        tokio::task::spawn_blocking(move || {
            BlobStore::new(root).put_sealed_blocking(&public, source)
        })
        .await
        .map_err(|e| StoreError::Unavailable(format!("blob store: {e}")))?
    }

    fn put_sealed_blocking(
        &self,
        case_public: &PublicKey,
        source: SealSource,
    ) -> Result<String, StoreError> {
        use std::io::{Read, Write};
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let vault =
            |e: hqdesk_vault::VaultError| StoreError::Secrets(format!("sealing a file: {e}"));
        let dir = self.root.join(".staging");
        let io = |e: std::io::Error| {
            StoreError::Unavailable(format!("blob store {}: {e}", dir.display()))
        };
        std::fs::create_dir_all(&dir).map_err(io)?;
        let mut reader: Box<dyn Read> = match source {
            SealSource::Bytes(b) => Box::new(std::io::Cursor::new(b)),
            SealSource::File(p) => Box::new(std::fs::File::open(p).map_err(io)?),
            SealSource::Blob(sha) => {
                let p = self.path_of(&sha).ok_or(StoreError::NotFound)?;
                Box::new(std::fs::File::open(p).map_err(|e| match e.kind() {
                    std::io::ErrorKind::NotFound => StoreError::NotFound,
                    _ => io(e),
                })?)
            }
        };
        let (key, wrapped) =
            hqdesk_vault::new_append_key(case_public, places::FILE).map_err(vault)?;
        let mut sealer = StreamSealer::new(&key, places::FILE);
        let tmp = dir.join(format!(
            "sealed-{}-{}.part",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        // Removed unless it was kept under its name.
        let guard = RemoveOnDrop(tmp.clone());
        let mut out = std::fs::File::create(&tmp).map_err(io)?;
        let mut hasher = Sha256::new();
        let mut emit = |bytes: &[u8]| -> Result<(), StoreError> {
            hasher.update(bytes);
            out.write_all(bytes).map_err(io)
        };
        emit(&wrapped.to_bytes())?;
        let mut buf = vec![0u8; SEAL_READ_LEN];
        loop {
            let n = reader.read(&mut buf).map_err(io)?;
            if n == 0 {
                break;
            }
            emit(&sealer.update(&buf[..n]).map_err(vault)?)?;
        }
        emit(&sealer.finish().map_err(vault)?)?;
        out.sync_all().map_err(io)?;
        drop(out);
        let sha = hex::encode(hasher.finalize());
        let path = self
            .path_of(&sha)
            .ok_or_else(|| StoreError::Corrupt("blob hash".into()))?;
        let parent = path
            .parent()
            .ok_or_else(|| StoreError::Corrupt("blob path".into()))?;
        std::fs::create_dir_all(parent).map_err(io)?;
        std::fs::rename(&tmp, &path).map_err(io)?;
        std::mem::forget(guard);
        Ok(sha)
    }

    /// The plain bytes of the sealed blob `sha`, with the data key of its case. `Secrets` when it
    /// does not open (another case's file, or tampered with), never its bytes.
    pub async fn get_sealed(&self, sha: &str, data_key: &DataKey) -> Result<Vec<u8>, StoreError> {
        let sealed = self.get(sha).await?;
        let tampered = || StoreError::Secrets(format!("the sealed file {sha} does not open"));
        if sealed.len() < APPEND_OVERHEAD {
            return Err(tampered());
        }
        let (wrapped, body) = sealed.split_at(APPEND_OVERHEAD);
        let wrapped = WrappedKey::from_bytes(wrapped).map_err(|_| tampered())?;
        let key = hqdesk_vault::open_append_key(data_key, places::FILE, &wrapped)
            .map_err(|_| tampered())?;
        let mut opener = StreamOpener::new(&key, places::FILE);
        let mut plain = opener.update(body).map_err(|_| tampered())?;
        plain.extend(opener.finish().map_err(|_| tampered())?);
        Ok(plain)
    }

    /// Delete the blob `sha` (the caller checked that no row names it). Absent is fine.
    pub async fn remove(&self, sha: &str) -> Result<(), StoreError> {
        let path = self.path_of(sha).ok_or(StoreError::NotFound)?;
        match tokio::fs::remove_file(&path).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(StoreError::Unavailable(format!("blob store: {e}"))),
        }
    }

    /// Whether the blob `sha` was stored (written, or found already there by a put) within the
    /// grace period, by the real clock of the file system: a collector leaves such a blob
    /// alone, since a transaction about to name it may be on its way.
    pub async fn recently_stored(&self, sha: &str) -> bool {
        let Some(path) = self.path_of(sha) else {
            return false;
        };
        match tokio::fs::metadata(&path).await.and_then(|m| m.modified()) {
            Ok(at) => at.elapsed().map_or(true, |age| age < self.grace),
            Err(_) => false,
        }
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

/// Mark a blob found already stored as stored now (see [`BlobStore::recently_stored`]). The
/// file system's own clock, not the services' (a parameter for the rest): it is compared only
/// with itself, by `recently_stored`.
#[allow(clippy::disallowed_methods)]
fn touch(path: &Path) {
    if let Ok(f) = std::fs::File::options().append(true).open(path) {
        let _ = f.set_modified(std::time::SystemTime::now());
    }
}

struct RemoveOnDrop(PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
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
