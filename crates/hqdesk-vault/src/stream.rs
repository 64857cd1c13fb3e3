//! Attachments and recordings, sealed in chunks while they stream, so that no plaintext file is
//! ever written and no whole file is held in memory.
//!
//! hqdesk takes files of at most 10 MiB each, 25 MiB per message (`MAX_ATTACHMENT_BYTES`,
//! `MAX_ATTACHMENTS_TOTAL_BYTES` in `hqdesk-services`), and streams uploads to a staging file
//! while it hashes them; the whole-buffer `seal` would undo that. This is the STREAM construction
//! (Hoang, Reyhanitabar, Rogaway, Vizár 2015) as RustCrypto's `aead::stream::EncryptorBE32`
//! implements it, the construction age uses for its payloads:
//!
//! ```text
//! header:  0x01 ‖ nonce prefix (19 random bytes)
//! chunk i: XChaCha20-Poly1305(stream key, prefix ‖ i (u32 BE) ‖ last?1:0, aad = header ‖ place,
//!                             64 KiB of the file, the last chunk 0..=64 KiB) ‖ tag (16)
//! ```
//!
//! The stream key is HKDF-SHA-256 of the case's data key with `info = "hqdesk-vault/v1/stream"`.
//! Chunks cannot be reordered (their index is in the nonce), dropped from the end (the last one is
//! marked) or moved to another file (the place, `case:42:attachment:9`, is in every chunk's AAD).
//!
//! An opener hands out the plaintext of each chunk once that chunk authenticates, before it has
//! seen the end: a caller streaming a download to a browser must treat an error from `update` or
//! `finish` as a failed download (abort the response), never as a short file.
use chacha20poly1305::aead::stream::{DecryptorBE32, EncryptorBE32};
use chacha20poly1305::aead::{KeyInit, Payload};
use chacha20poly1305::XChaCha20Poly1305;
use rand::rngs::OsRng;
use rand::RngCore;

use crate::aead::TAG_LEN;
use crate::{DataKey, VaultError};

const VERSION: u8 = 1;
const STREAM_INFO: &[u8] = b"hqdesk-vault/v1/stream";
const PREFIX_LEN: usize = 19;
/// Version byte and nonce prefix, written before the first chunk.
pub const STREAM_HEADER_LEN: usize = 1 + PREFIX_LEN;
/// Plaintext bytes per chunk.
pub const CHUNK_LEN: usize = 64 * 1024;
const SEALED_CHUNK_LEN: usize = CHUNK_LEN + TAG_LEN;

/// Size of the sealed form of a file of `len` bytes (for quotas and `Content-Length`).
pub fn sealed_len(len: u64) -> u64 {
    // The last chunk holds 0..=CHUNK_LEN bytes: an empty file is one empty chunk.
    let chunks = len.div_ceil(CHUNK_LEN as u64).max(1);
    STREAM_HEADER_LEN as u64 + len + chunks * TAG_LEN as u64
}

fn cipher(key: &DataKey) -> XChaCha20Poly1305 {
    XChaCha20Poly1305::new(key.subkey(STREAM_INFO).as_ref().into())
}

/// Seals a file given in pieces of any size. The concatenation of everything `update` and
/// `finish` return is the sealed file.
pub struct StreamSealer {
    encryptor: EncryptorBE32<XChaCha20Poly1305>,
    header: Option<[u8; STREAM_HEADER_LEN]>,
    aad: Vec<u8>,
    pending: Vec<u8>,
}

impl StreamSealer {
    /// A sealer for one file of the case, at the place `aad` names (`case:42:attachment:9`).
    pub fn new(key: &DataKey, aad: &[u8]) -> Self {
        let mut header = [0u8; STREAM_HEADER_LEN];
        header[0] = VERSION;
        OsRng.fill_bytes(&mut header[1..]);
        let encryptor = EncryptorBE32::from_aead(cipher(key), header[1..].into());
        Self {
            encryptor,
            header: Some(header),
            aad: [&header[..], aad].concat(),
            pending: Vec::with_capacity(CHUNK_LEN),
        }
    }

    /// Seal what completes a chunk; the rest waits for more (or for `finish`).
    pub fn update(&mut self, data: &[u8]) -> Result<Vec<u8>, VaultError> {
        let mut out = self.header.take().map(Vec::from).unwrap_or_default();
        self.pending.extend_from_slice(data);
        // A full chunk is sealed only once more follows: the last chunk is marked as such.
        let mut start = 0;
        while self.pending.len() - start > CHUNK_LEN {
            let chunk = &self.pending[start..start + CHUNK_LEN];
            let sealed = self
                .encryptor
                .encrypt_next(Payload {
                    msg: chunk,
                    aad: &self.aad,
                })
                .map_err(|_| VaultError::TooLarge)?;
            out.extend_from_slice(&sealed);
            start += CHUNK_LEN;
        }
        self.pending.drain(..start);
        Ok(out)
    }

    /// Seal the last chunk (empty for an empty file or one that ends on a chunk boundary).
    pub fn finish(mut self) -> Result<Vec<u8>, VaultError> {
        let mut out = self.header.take().map(Vec::from).unwrap_or_default();
        let sealed = self
            .encryptor
            .encrypt_last(Payload {
                msg: &self.pending,
                aad: &self.aad,
            })
            .map_err(|_| VaultError::TooLarge)?;
        out.extend_from_slice(&sealed);
        Ok(out)
    }
}

/// Opens a sealed file given in pieces of any size. After an error every call fails.
pub struct StreamOpener {
    cipher: Option<XChaCha20Poly1305>,
    decryptor: Option<DecryptorBE32<XChaCha20Poly1305>>,
    place: Vec<u8>,
    aad: Vec<u8>,
    pending: Vec<u8>,
    failed: bool,
}

impl StreamOpener {
    pub fn new(key: &DataKey, aad: &[u8]) -> Self {
        Self {
            cipher: Some(cipher(key)),
            decryptor: None,
            place: aad.to_vec(),
            aad: Vec::new(),
            pending: Vec::new(),
            failed: false,
        }
    }

    /// The plaintext of the chunks that are complete and authentic (see the module's note).
    pub fn update(&mut self, data: &[u8]) -> Result<Vec<u8>, VaultError> {
        if self.failed {
            return Err(VaultError::Tampered);
        }
        self.pending.extend_from_slice(data);
        let result = self.open_complete_chunks();
        self.failed = result.is_err();
        result
    }

    /// Open the last chunk: `Tampered` if the file was cut, even on a chunk boundary.
    pub fn finish(mut self) -> Result<Vec<u8>, VaultError> {
        if self.failed {
            return Err(VaultError::Tampered);
        }
        self.start()?;
        let decryptor = self.decryptor.take().ok_or(VaultError::Tampered)?;
        if self.pending.len() > SEALED_CHUNK_LEN {
            return Err(VaultError::Tampered);
        }
        decryptor
            .decrypt_last(Payload {
                msg: &self.pending,
                aad: &self.aad,
            })
            .map_err(|_| VaultError::Tampered)
    }

    /// Read the header once enough bytes are there.
    fn start(&mut self) -> Result<(), VaultError> {
        if self.decryptor.is_some() {
            return Ok(());
        }
        let Some(header) = self.pending.get(..STREAM_HEADER_LEN) else {
            return Err(VaultError::Tampered);
        };
        if header[0] != VERSION {
            return Err(VaultError::UnknownVersion(header[0]));
        }
        let cipher = self.cipher.take().ok_or(VaultError::Tampered)?;
        self.decryptor = Some(DecryptorBE32::from_aead(cipher, header[1..].into()));
        self.aad = [header, &self.place[..]].concat();
        self.pending.drain(..STREAM_HEADER_LEN);
        Ok(())
    }

    fn open_complete_chunks(&mut self) -> Result<Vec<u8>, VaultError> {
        let mut out = Vec::new();
        if self.decryptor.is_none() {
            if self.pending.len() < STREAM_HEADER_LEN {
                return Ok(out);
            }
            self.start()?;
        }
        let Some(decryptor) = self.decryptor.as_mut() else {
            return Err(VaultError::Tampered);
        };
        let mut start = 0;
        // A full sealed chunk may be the last one: open it only once more follows.
        while self.pending.len() - start > SEALED_CHUNK_LEN {
            let chunk = &self.pending[start..start + SEALED_CHUNK_LEN];
            let plain = decryptor
                .decrypt_next(Payload {
                    msg: chunk,
                    aad: &self.aad,
                })
                .map_err(|_| VaultError::Tampered)?;
            out.extend_from_slice(&plain);
            start += SEALED_CHUNK_LEN;
        }
        self.pending.drain(..start);
        Ok(out)
    }
}

/// A whole file in one call (tests, and files already in memory such as a mail's parts).
pub fn seal_stream(key: &DataKey, aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, VaultError> {
    let mut sealer = StreamSealer::new(key, aad);
    let mut out = sealer.update(plaintext)?;
    out.extend(sealer.finish()?);
    Ok(out)
}

/// Open a whole sealed file in one call.
pub fn open_stream(key: &DataKey, aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>, VaultError> {
    let mut opener = StreamOpener::new(key, aad);
    let mut out = opener.update(sealed)?;
    out.extend(opener.finish()?);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn file(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 31 % 251) as u8).collect()
    }

    #[test]
    fn files_round_trip_at_and_around_chunk_boundaries() {
        let key = DataKey::generate(&mut OsRng);
        for len in [
            0,
            1,
            CHUNK_LEN - 1,
            CHUNK_LEN,
            CHUNK_LEN + 1,
            3 * CHUNK_LEN,
            3 * CHUNK_LEN + 7,
        ] {
            let plain = file(len);
            let sealed = seal_stream(&key, b"case:1:attachment:1", &plain).unwrap();
            assert_eq!(sealed.len() as u64, sealed_len(len as u64), "len {len}");
            assert_eq!(
                open_stream(&key, b"case:1:attachment:1", &sealed).unwrap(),
                plain,
                "len {len}"
            );
        }
    }

    #[test]
    fn ten_mebibytes_fed_in_odd_pieces_come_back_in_odd_pieces() {
        let key = DataKey::generate(&mut OsRng);
        let plain = file(10 * 1024 * 1024);
        let mut sealer = StreamSealer::new(&key, b"a");
        let mut sealed = Vec::new();
        for piece in plain.chunks(8191) {
            sealed.extend(sealer.update(piece).unwrap());
        }
        sealed.extend(sealer.finish().unwrap());
        let mut opener = StreamOpener::new(&key, b"a");
        let mut back = Vec::new();
        for piece in sealed.chunks(12_345) {
            back.extend(opener.update(piece).unwrap());
        }
        back.extend(opener.finish().unwrap());
        assert!(back == plain);
    }

    #[test]
    fn a_file_cut_on_a_chunk_boundary_is_refused() {
        let key = DataKey::generate(&mut OsRng);
        let sealed = seal_stream(&key, b"a", &file(2 * CHUNK_LEN + 10)).unwrap();
        let cut = STREAM_HEADER_LEN + 2 * SEALED_CHUNK_LEN;
        assert_eq!(
            open_stream(&key, b"a", &sealed[..cut]),
            Err(VaultError::Tampered)
        );
        assert_eq!(
            open_stream(&key, b"a", &sealed[..STREAM_HEADER_LEN]),
            Err(VaultError::Tampered)
        );
        assert_eq!(open_stream(&key, b"a", &[]), Err(VaultError::Tampered));
    }

    #[test]
    fn swapped_chunks_another_place_or_key_are_refused() {
        let key = DataKey::generate(&mut OsRng);
        let sealed = seal_stream(&key, b"case:1:attachment:1", &file(3 * CHUNK_LEN)).unwrap();
        let (header, body) = sealed.split_at(STREAM_HEADER_LEN);
        let mut swapped = header.to_vec();
        swapped.extend_from_slice(&body[SEALED_CHUNK_LEN..2 * SEALED_CHUNK_LEN]);
        swapped.extend_from_slice(&body[..SEALED_CHUNK_LEN]);
        swapped.extend_from_slice(&body[2 * SEALED_CHUNK_LEN..]);
        assert!(open_stream(&key, b"case:1:attachment:1", &swapped).is_err());
        assert!(open_stream(&key, b"case:1:attachment:2", &sealed).is_err());
        let other = DataKey::generate(&mut OsRng);
        assert!(open_stream(&other, b"case:1:attachment:1", &sealed).is_err());
        // A value sealed with `seal` is not a stream, and a stream is not a value.
        assert!(crate::open(&key, b"case:1:attachment:1", &sealed).is_err());
    }

    #[test]
    fn an_opener_that_failed_stays_failed() {
        let key = DataKey::generate(&mut OsRng);
        let mut sealed = seal_stream(&key, b"a", &file(3 * CHUNK_LEN)).unwrap();
        sealed[STREAM_HEADER_LEN + 5] ^= 1;
        let mut opener = StreamOpener::new(&key, b"a");
        assert!(opener.update(&sealed).is_err());
        assert!(opener.update(b"").is_err());
        assert!(opener.finish().is_err());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn any_flipped_bit_is_refused(len in 0usize..(2 * CHUNK_LEN + 100),
                                      at in any::<prop::sample::Index>(), bit in 0u8..8) {
            let key = DataKey::generate(&mut OsRng);
            let mut sealed = seal_stream(&key, b"a", &file(len)).unwrap();
            let i = at.index(sealed.len());
            sealed[i] ^= 1 << bit;
            prop_assert!(open_stream(&key, b"a", &sealed).is_err());
        }
    }
}
