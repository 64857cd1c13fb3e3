//! An investigator's private key, sealed under a key derived from their password.
//!
//! ```text
//! header = 0x01 ‖ m KiB (u32 BE) ‖ t (u32 BE) ‖ p (u32 BE) ‖ salt (16 random bytes) ‖ public key (32)
//! KEK    = Argon2id(password, salt, m, t, p) → 32 bytes
//! blob   = header ‖ nonce (24) ‖ XChaCha20-Poly1305(KEK, nonce, aad = header, private key) (48)
//! ```
//!
//! 133 bytes. The parameters and the salt travel in the blob, so they can be raised later for new
//! blobs while the old ones still open (`needs_upgrade` says when to re-seal at sign-in). The
//! public key is in the header, in clear and authenticated, so the blob says whose it is
//! without the password. A changed password re-seals the same private key: no case is touched.
//!
//! **Parameters** (`KdfParams::INVESTIGATOR`): Argon2id, 64 MiB, 3 passes, 1 lane — RFC 9106's
//! second recommended setting (64 MiB, t = 3) with one lane, since the `argon2` crate computes
//! lanes one after the other (no threads): more lanes would take us the same time for the same
//! memory and buy nothing, and a sign-in should not take both cores. Measured: 170 ms and 64 MiB
//! on one core of the 2-core server, once per sign-in (and per password change); well above
//! OWASP's minimum for login hashes (19 MiB, t = 2), since this key guards every case the
//! investigator can read.
//! Parameters read from a blob must lie in `KdfParams::new`'s range, so a tampered blob cannot ask
//! for 4 TiB of memory.
use argon2::{Algorithm, Argon2, Params, Version};
use rand::{CryptoRng, RngCore};
use zeroize::Zeroizing;

use crate::aead::{self, KEY_LEN, NONCE_LEN, TAG_LEN};
use crate::{KeyPair, PublicKey, VaultError};

const VERSION: u8 = 1;
const SALT_LEN: usize = 16;
const HEADER_LEN: usize = 1 + 12 + SALT_LEN + KEY_LEN;
const SEALED_LEN: usize = HEADER_LEN + NONCE_LEN + KEY_LEN + TAG_LEN;

/// Argon2id cost: memory in KiB, passes, lanes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KdfParams {
    m_kib: u32,
    t: u32,
    p: u32,
}

impl KdfParams {
    /// For investigators' and custodians' private keys (see the module's note).
    pub const INVESTIGATOR: KdfParams = KdfParams {
        m_kib: 64 * 1024,
        t: 3,
        p: 1,
    };

    /// The lowest accepted: OWASP's minimum for Argon2id (19 MiB, 2 passes).
    pub const MINIMUM: KdfParams = KdfParams {
        m_kib: 19 * 1024,
        t: 2,
        p: 1,
    };

    /// Parameters in the accepted range: memory 19 MiB to 1 GiB, 1 to 16 passes (at least 2
    /// below 46 MiB, OWASP's pairs), 1 to 16 lanes.
    pub fn new(m_kib: u32, t: u32, p: u32) -> Result<Self, VaultError> {
        let memory_ok = (Self::MINIMUM.m_kib..=1024 * 1024).contains(&m_kib);
        let passes_ok = (1..=16).contains(&t) && (t >= 2 || m_kib >= 46 * 1024);
        let lanes_ok = (1..=16).contains(&p) && m_kib >= 8 * p;
        if memory_ok && passes_ok && lanes_ok {
            Ok(Self { m_kib, t, p })
        } else {
            Err(VaultError::BadParameters)
        }
    }

    pub fn memory_kib(&self) -> u32 {
        self.m_kib
    }

    pub fn passes(&self) -> u32 {
        self.t
    }

    pub fn lanes(&self) -> u32 {
        self.p
    }

    /// 32 bytes from Argon2id of `secret` with `salt`.
    pub(crate) fn derive(
        &self,
        secret: &[u8],
        salt: &[u8],
    ) -> Result<Zeroizing<[u8; KEY_LEN]>, VaultError> {
        let params = Params::new(self.m_kib, self.t, self.p, Some(KEY_LEN))
            .map_err(|_| VaultError::BadParameters)?;
        let mut out = Zeroizing::new([0u8; KEY_LEN]);
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
            .hash_password_into(secret, salt, out.as_mut())
            .map_err(|_| VaultError::BadParameters)?;
        Ok(out)
    }
}

/// A private key sealed under its owner's password, as stored with the user.
#[derive(Clone, PartialEq, Eq)]
pub struct SealedSecretKey(Vec<u8>);

impl SealedSecretKey {
    /// Seal `key` under `password` with `params` and a new random salt.
    pub fn seal(
        key: &KeyPair,
        password: &str,
        params: KdfParams,
        rng: &mut (impl RngCore + CryptoRng),
    ) -> Result<Self, VaultError> {
        let mut salt = [0u8; SALT_LEN];
        rng.fill_bytes(&mut salt);
        let mut out = Vec::with_capacity(SEALED_LEN);
        out.push(VERSION);
        out.extend_from_slice(&params.m_kib.to_be_bytes());
        out.extend_from_slice(&params.t.to_be_bytes());
        out.extend_from_slice(&params.p.to_be_bytes());
        out.extend_from_slice(&salt);
        out.extend_from_slice(key.public().as_bytes());
        let kek = params.derive(password.as_bytes(), &salt)?;
        let body = aead::seal(&kek, &out, key.secret_bytes().as_ref())?;
        out.extend_from_slice(&body);
        Ok(Self(out))
    }

    /// The key pair, if `password` is the one it was sealed with (`WrongPassword` otherwise; a
    /// blob altered after the header reads as a wrong password too, since the AEAD cannot tell).
    pub fn open(&self, password: &str) -> Result<KeyPair, VaultError> {
        let header = self.parse()?;
        let kek = header.params.derive(password.as_bytes(), &header.salt)?;
        let (head, body) = self.0.split_at(HEADER_LEN);
        let secret =
            Zeroizing::new(aead::open(&kek, head, body).map_err(|_| VaultError::WrongPassword)?);
        let pair = KeyPair::from_secret_bytes(&*aead::key_from_slice(&secret)?);
        if pair.public() != &header.public {
            return Err(VaultError::Tampered);
        }
        Ok(pair)
    }

    /// Re-seal under `new` (with `params`, a new salt): the private key stays the same, so every
    /// case wrapped for it stays readable. `WrongPassword` if `old` is wrong.
    pub fn change_password(
        &self,
        old: &str,
        new: &str,
        params: KdfParams,
        rng: &mut (impl RngCore + CryptoRng),
    ) -> Result<Self, VaultError> {
        let pair = self.open(old)?;
        Self::seal(&pair, new, params, rng)
    }

    /// Whose key this is, without the password.
    pub fn public_key(&self) -> Result<PublicKey, VaultError> {
        Ok(self.parse()?.public)
    }

    pub fn params(&self) -> Result<KdfParams, VaultError> {
        Ok(self.parse()?.params)
    }

    /// Whether the blob was sealed with other parameters than `current`: after a successful
    /// `open` at sign-in, seal again with `current` and the same password.
    pub fn needs_upgrade(&self, current: KdfParams) -> bool {
        self.params() != Ok(current)
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Read a stored blob; its header is checked here (version, parameters, length).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, VaultError> {
        let sealed = Self(bytes.to_vec());
        sealed.parse()?;
        Ok(sealed)
    }

    fn parse(&self) -> Result<Header, VaultError> {
        let (&version, rest) = self.0.split_first().ok_or(VaultError::Tampered)?;
        if version != VERSION {
            return Err(VaultError::UnknownVersion(version));
        }
        if self.0.len() != SEALED_LEN {
            return Err(VaultError::Tampered);
        }
        let (m, rest) = rest.split_first_chunk::<4>().ok_or(VaultError::Tampered)?;
        let (t, rest) = rest.split_first_chunk::<4>().ok_or(VaultError::Tampered)?;
        let (p, rest) = rest.split_first_chunk::<4>().ok_or(VaultError::Tampered)?;
        let (salt, rest) = rest
            .split_first_chunk::<SALT_LEN>()
            .ok_or(VaultError::Tampered)?;
        let (public, _) = rest
            .split_first_chunk::<KEY_LEN>()
            .ok_or(VaultError::Tampered)?;
        Ok(Header {
            params: KdfParams::new(
                u32::from_be_bytes(*m),
                u32::from_be_bytes(*t),
                u32::from_be_bytes(*p),
            )?,
            salt: *salt,
            public: PublicKey::from_bytes(*public),
        })
    }
}

impl std::fmt::Debug for SealedSecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.public_key() {
            Ok(public) => write!(f, "SealedSecretKey(for {})", public.key_id()),
            Err(e) => write!(f, "SealedSecretKey({e})"),
        }
    }
}

struct Header {
    params: KdfParams,
    salt: [u8; SALT_LEN],
    public: PublicKey,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{DataKey, WrappedKey};
    use rand::rngs::OsRng;

    /// The cheapest accepted parameters keep the tests quick; one test uses the real ones.
    const FAST: KdfParams = KdfParams::MINIMUM;

    #[test]
    fn a_private_key_opens_with_its_password_only() {
        let pair = KeyPair::generate(&mut OsRng);
        let sealed = SealedSecretKey::seal(&pair, "đúng mật khẩu", FAST, &mut OsRng).unwrap();
        assert_eq!(sealed.as_bytes().len(), 133);
        assert_eq!(sealed.public_key().unwrap(), *pair.public());
        let opened = sealed.open("đúng mật khẩu").unwrap();
        assert_eq!(opened.public(), pair.public());
        assert_eq!(
            sealed.open("sai mật khẩu").err(),
            Some(VaultError::WrongPassword)
        );
        assert_eq!(sealed.open("").err(), Some(VaultError::WrongPassword));
    }

    #[test]
    fn a_changed_password_keeps_every_case_readable() {
        let pair = KeyPair::generate(&mut OsRng);
        let data_key = DataKey::generate(&mut OsRng);
        let wrapped = WrappedKey::wrap_for(&data_key, pair.public(), b"case:1").unwrap();
        let sealed = SealedSecretKey::seal(&pair, "old password", FAST, &mut OsRng).unwrap();

        assert_eq!(
            sealed
                .change_password("not it", "new password", FAST, &mut OsRng)
                .err(),
            Some(VaultError::WrongPassword)
        );
        let changed = sealed
            .change_password("old password", "new password", FAST, &mut OsRng)
            .unwrap();
        assert_eq!(
            changed.open("old password").err(),
            Some(VaultError::WrongPassword)
        );
        let opened = changed.open("new password").unwrap();
        let back = wrapped.unwrap_with(&opened, b"case:1").unwrap();
        assert_eq!(back.as_bytes(), data_key.as_bytes());
    }

    #[test]
    fn the_real_parameters_work_and_old_blobs_ask_for_an_upgrade() {
        let pair = KeyPair::generate(&mut OsRng);
        let old = SealedSecretKey::seal(&pair, "pw", FAST, &mut OsRng).unwrap();
        assert!(old.needs_upgrade(KdfParams::INVESTIGATOR));
        let new = SealedSecretKey::seal(&pair, "pw", KdfParams::INVESTIGATOR, &mut OsRng).unwrap();
        assert!(!new.needs_upgrade(KdfParams::INVESTIGATOR));
        assert_eq!(new.params().unwrap(), KdfParams::INVESTIGATOR);
        assert_eq!(new.open("pw").unwrap().public(), pair.public());
    }

    #[test]
    fn parameters_out_of_range_are_refused_even_from_a_stored_blob() {
        assert!(KdfParams::new(19 * 1024, 2, 1).is_ok());
        assert!(KdfParams::new(46 * 1024, 1, 1).is_ok());
        assert_eq!(
            KdfParams::new(19 * 1024, 1, 1),
            Err(VaultError::BadParameters)
        );
        assert_eq!(KdfParams::new(1024, 3, 1), Err(VaultError::BadParameters));
        assert_eq!(
            KdfParams::new(u32::MAX, 3, 1),
            Err(VaultError::BadParameters)
        );
        assert_eq!(
            KdfParams::new(64 * 1024, 0, 1),
            Err(VaultError::BadParameters)
        );
        assert_eq!(
            KdfParams::new(64 * 1024, 3, 0),
            Err(VaultError::BadParameters)
        );

        let pair = KeyPair::generate(&mut OsRng);
        let mut bytes = SealedSecretKey::seal(&pair, "pw", FAST, &mut OsRng)
            .unwrap()
            .as_bytes()
            .to_vec();
        bytes[1..5].copy_from_slice(&u32::MAX.to_be_bytes());
        assert_eq!(
            SealedSecretKey::from_bytes(&bytes).err(),
            Some(VaultError::BadParameters)
        );
    }

    #[test]
    fn every_altered_byte_is_refused() {
        let pair = KeyPair::generate(&mut OsRng);
        let sealed = SealedSecretKey::seal(&pair, "pw", FAST, &mut OsRng).unwrap();
        // Argon2 runs once per byte: flip one bit of every byte, a different bit each time.
        for i in 0..SEALED_LEN {
            let mut bytes = sealed.as_bytes().to_vec();
            bytes[i] ^= 1 << (i % 8);
            let opened = SealedSecretKey::from_bytes(&bytes).and_then(|s| s.open("pw"));
            assert!(opened.is_err(), "byte {i}");
        }
        for len in [0, 1, HEADER_LEN, SEALED_LEN - 1] {
            assert!(SealedSecretKey::from_bytes(&sealed.as_bytes()[..len]).is_err());
        }
        let mut bytes = sealed.as_bytes().to_vec();
        bytes[0] = 9;
        assert_eq!(
            SealedSecretKey::from_bytes(&bytes).err(),
            Some(VaultError::UnknownVersion(9))
        );
    }
}
