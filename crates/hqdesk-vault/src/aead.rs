//! The one AEAD of the crate (XChaCha20-Poly1305) and the one KDF (HKDF-SHA-256), so every
//! format seals and derives the same way. Internal: the formats are the public surface.
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hkdf::Hkdf;
use rand::rngs::OsRng;
use rand::RngCore;
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::VaultError;

pub(crate) const KEY_LEN: usize = 32;
pub(crate) const NONCE_LEN: usize = 24;
pub(crate) const TAG_LEN: usize = 16;

/// `nonce ‖ ciphertext ‖ tag` of `msg` under `key`, the nonce 192 random bits from the OS (never
/// from a caller's generator: a seeded generator reused across processes would repeat nonces).
pub(crate) fn seal(key: &[u8; KEY_LEN], aad: &[u8], msg: &[u8]) -> Result<Vec<u8>, VaultError> {
    let mut nonce = [0u8; NONCE_LEN];
    OsRng.fill_bytes(&mut nonce);
    let sealed = seal_with_nonce(key, &nonce, aad, msg)?;
    let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&sealed);
    Ok(out)
}

/// Open what `seal` made; `Tampered` for anything that does not authenticate.
pub(crate) fn open(key: &[u8; KEY_LEN], aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>, VaultError> {
    let (nonce, body) = sealed
        .split_first_chunk::<NONCE_LEN>()
        .ok_or(VaultError::Tampered)?;
    open_with_nonce(key, nonce, aad, body)
}

/// For keys used exactly once (wrapping keys derived from a fresh ephemeral X25519 key), where a
/// fixed nonce is safe and saves 24 bytes, as age does.
pub(crate) fn seal_with_nonce(
    key: &[u8; KEY_LEN],
    nonce: &[u8; NONCE_LEN],
    aad: &[u8],
    msg: &[u8],
) -> Result<Vec<u8>, VaultError> {
    XChaCha20Poly1305::new(key.into())
        .encrypt(XNonce::from_slice(nonce), Payload { msg, aad })
        .map_err(|_| VaultError::TooLarge)
}

pub(crate) fn open_with_nonce(
    key: &[u8; KEY_LEN],
    nonce: &[u8; NONCE_LEN],
    aad: &[u8],
    body: &[u8],
) -> Result<Vec<u8>, VaultError> {
    XChaCha20Poly1305::new(key.into())
        .decrypt(XNonce::from_slice(nonce), Payload { msg: body, aad })
        .map_err(|_| VaultError::Tampered)
}

/// A 32-byte key from HKDF-SHA-256; `info` is the concatenation of `info` parts (each purpose
/// names itself in the first part, so keys for different purposes never coincide).
pub(crate) fn derive(ikm: &[u8], salt: Option<&[u8]>, info: &[&[u8]]) -> Zeroizing<[u8; KEY_LEN]> {
    let mut out = Zeroizing::new([0u8; KEY_LEN]);
    // 32 bytes is far below HKDF-SHA-256's limit of 255 × 32: expand cannot fail.
    let _ = Hkdf::<Sha256>::new(salt, ikm).expand_multi_info(info, out.as_mut());
    out
}

/// 32 bytes into a zeroizing array, or `Tampered` when the length is wrong.
pub(crate) fn key_from_slice(bytes: &[u8]) -> Result<Zeroizing<[u8; KEY_LEN]>, VaultError> {
    let array: [u8; KEY_LEN] = bytes.try_into().map_err(|_| VaultError::Tampered)?;
    Ok(Zeroizing::new(array))
}
