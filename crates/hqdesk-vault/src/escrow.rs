//! The escrow key: an X25519 key pair whose public half every sealed case is wrapped for, and
//! whose private half is printed once and kept offline, so that a lost password loses nothing.
//!
//! The printed form is for paper and for typing back:
//!
//! ```text
//! HQDESK-ESCROW-1-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX
//! ```
//!
//! 64 characters of Crockford base32 (digits and capitals without I, L, O, U; read back in
//! either case, with I and L read as 1 and O as 0) of 40 bytes: the 32-byte private key and
//! 8 bytes of SHA-256("hqdesk-vault/v1/escrow-checksum" ‖ key), so a mistyped character is caught
//! (`EscrowChecksum`) before any case is tried. Dashes and spaces are ignored when reading.
//! The caller also compares the parsed key's id with the escrow key id the server has on record.
//!
//! Recovery of a case, for an investigator who lost their password (who has a new key pair):
//! unwrap the case's escrow wrap with the escrow key, wrap the same data key for the new public
//! key (`recover`). No case content is re-encrypted.
use rand::{CryptoRng, RngCore};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::aead::KEY_LEN;
use crate::{DataKey, KeyId, KeyPair, PublicKey, VaultError, WrappedKey};

const PREFIX: &str = "HQDESK-ESCROW-1-";
const CHECKSUM_INFO: &[u8] = b"hqdesk-vault/v1/escrow-checksum";
const CHECKSUM_LEN: usize = 8;
const GROUP: usize = 4;
/// Characters of base32 after the prefix, dashes not counted.
const BODY_CHARS: usize = (KEY_LEN + CHECKSUM_LEN) * 8 / 5;

/// The escrow key pair. Only `hqdesk keys escrow-init` (which prints it once) and a recovery
/// (which reads it back) ever hold the private half.
#[derive(Debug)]
pub struct EscrowKeyPair(KeyPair);

impl EscrowKeyPair {
    pub fn generate(rng: &mut (impl RngCore + CryptoRng)) -> Self {
        Self(KeyPair::generate(rng))
    }

    /// The half the server keeps: every sealed case is wrapped for it.
    pub fn public(&self) -> &PublicKey {
        self.0.public()
    }

    pub fn key_id(&self) -> KeyId {
        self.0.key_id()
    }

    /// The private half for paper: `HQDESK-ESCROW-1-` and 16 groups of 4 characters.
    pub fn to_printable(&self) -> Zeroizing<String> {
        let secret = self.0.secret_bytes();
        let mut bytes = Zeroizing::new(Vec::with_capacity(KEY_LEN + CHECKSUM_LEN));
        bytes.extend_from_slice(secret.as_ref());
        bytes.extend_from_slice(&checksum(&secret));
        let body = Zeroizing::new(base32::encode(base32::Alphabet::Crockford, &bytes));
        let mut out = Zeroizing::new(String::with_capacity(PREFIX.len() + BODY_CHARS * 5 / 4));
        out.push_str(PREFIX);
        for (i, c) in body.chars().enumerate() {
            if i > 0 && i % GROUP == 0 {
                out.push('-');
            }
            out.push(c);
        }
        out
    }

    /// Read a printed escrow key back (any case; dashes, spaces and line breaks ignored).
    pub fn from_printable(text: &str) -> Result<Self, VaultError> {
        let compact: Zeroizing<String> = Zeroizing::new(
            text.chars()
                .filter(|c| !c.is_whitespace() && *c != '-')
                .map(|c| c.to_ascii_uppercase())
                .collect(),
        );
        let prefix = PREFIX.replace('-', "");
        let body = compact
            .strip_prefix(&prefix)
            .ok_or(VaultError::MalformedEscrowKey)?;
        if body.len() != BODY_CHARS {
            return Err(VaultError::MalformedEscrowKey);
        }
        let bytes = Zeroizing::new(
            base32::decode(base32::Alphabet::Crockford, body)
                .ok_or(VaultError::MalformedEscrowKey)?,
        );
        let (secret, sum) = bytes
            .split_first_chunk::<KEY_LEN>()
            .ok_or(VaultError::MalformedEscrowKey)?;
        if sum != checksum(secret).as_slice() {
            return Err(VaultError::EscrowChecksum);
        }
        Ok(Self(KeyPair::from_secret_bytes(secret)))
    }

    /// A case's data key from its escrow wrap (a restore drill: decrypt a sample case).
    pub fn unwrap(&self, wrapped: &WrappedKey, place: &[u8]) -> Result<DataKey, VaultError> {
        wrapped.unwrap_with(&self.0, place)
    }

    /// Recovery: the case's escrow wrap, re-wrapped for `new_recipient` (an investigator's new
    /// key after a lost password, or a successor's).
    pub fn recover(
        &self,
        escrow_wrap: &WrappedKey,
        place: &[u8],
        new_recipient: &PublicKey,
    ) -> Result<WrappedKey, VaultError> {
        escrow_wrap.rewrap(&self.0, place, new_recipient)
    }
}

fn checksum(secret: &[u8; KEY_LEN]) -> [u8; CHECKSUM_LEN] {
    let digest = Sha256::new()
        .chain_update(CHECKSUM_INFO)
        .chain_update(secret)
        .finalize();
    let mut sum = [0u8; CHECKSUM_LEN];
    sum.copy_from_slice(&digest[..CHECKSUM_LEN]);
    sum
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{KdfParams, SealedSecretKey};
    use rand::rngs::OsRng;

    #[test]
    fn the_printed_key_reads_back_to_the_same_key() {
        let escrow = EscrowKeyPair::generate(&mut OsRng);
        let printed = escrow.to_printable();
        assert!(printed.starts_with(PREFIX));
        let groups: Vec<&str> = printed[PREFIX.len()..].split('-').collect();
        assert_eq!(groups.len(), 16);
        assert!(groups.iter().all(|g| g.len() == 4));
        assert!(printed[PREFIX.len()..]
            .chars()
            .all(|c| c == '-' || "0123456789ABCDEFGHJKMNPQRSTVWXYZ".contains(c)));

        let back = EscrowKeyPair::from_printable(&printed).unwrap();
        assert_eq!(back.public(), escrow.public());
        // Typed back in lower case, with spaces instead of dashes, over two lines.
        let typed = printed.to_lowercase().replace('-', " ");
        let typed = format!("{}\n{}", &typed[..40], &typed[40..]);
        assert_eq!(
            EscrowKeyPair::from_printable(&typed).unwrap().public(),
            escrow.public()
        );
    }

    #[test]
    fn a_mistyped_character_is_caught_by_the_checksum() {
        let escrow = EscrowKeyPair::generate(&mut OsRng);
        let printed = escrow.to_printable();
        for at in PREFIX.len()..printed.len() {
            let c = printed.as_bytes()[at];
            if c == b'-' {
                continue;
            }
            let other = if c == b'7' { '8' } else { '7' };
            let mut typo = printed[..at].to_string();
            typo.push(other);
            typo.push_str(&printed[at + 1..]);
            // 64 characters carry exactly the 320 bits: every change changes the bytes.
            assert_eq!(
                EscrowKeyPair::from_printable(&typo).err(),
                Some(VaultError::EscrowChecksum),
                "at {at}"
            );
        }
        assert_eq!(
            EscrowKeyPair::from_printable("HQDESK-ESCROW-1-ABCD").err(),
            Some(VaultError::MalformedEscrowKey)
        );
        assert_eq!(
            EscrowKeyPair::from_printable(&printed.replace("HQDESK-ESCROW-1-", "HQDESK-ESCROW-2-"))
                .err(),
            Some(VaultError::MalformedEscrowKey)
        );
        let with_u = format!(
            "{}U{}",
            &printed[..PREFIX.len()],
            &printed[PREFIX.len() + 1..]
        );
        assert_eq!(
            EscrowKeyPair::from_printable(&with_u).err(),
            Some(VaultError::MalformedEscrowKey)
        );
    }

    /// The issue's promise: losing an investigator's password loses nothing.
    #[test]
    fn a_lost_password_loses_nothing() {
        let escrow = EscrowKeyPair::generate(&mut OsRng);
        let paper = escrow.to_printable();
        let escrow_public = *escrow.public();
        drop(escrow);

        // Intake: public keys only.
        let lan = KeyPair::generate(&mut OsRng);
        let lan_sealed =
            SealedSecretKey::seal(&lan, "forgotten", KdfParams::MINIMUM, &mut OsRng).unwrap();
        let data_key = DataKey::generate(&mut OsRng);
        let body = crate::seal(&data_key, b"case:9:body", b"marker-9").unwrap();
        let for_lan = WrappedKey::wrap_for(&data_key, lan.public(), b"case:9").unwrap();
        let for_escrow = WrappedKey::wrap_for(&data_key, &escrow_public, b"case:9").unwrap();
        drop((data_key, lan));
        assert_eq!(
            lan_sealed.open("a guess").err(),
            Some(VaultError::WrongPassword)
        );
        let _ = for_lan;

        // Recovery: the paper key, a new key pair for Lan, one re-wrap per case.
        let escrow = EscrowKeyPair::from_printable(&paper).unwrap();
        assert_eq!(escrow.public(), &escrow_public);
        let lan_new = KeyPair::generate(&mut OsRng);
        let recovered = escrow
            .recover(&for_escrow, b"case:9", lan_new.public())
            .unwrap();
        assert_eq!(recovered.recipient(), &lan_new.key_id());
        let key = recovered.unwrap_with(&lan_new, b"case:9").unwrap();
        assert_eq!(
            crate::open(&key, b"case:9:body", &body).unwrap(),
            b"marker-9"
        );

        // A restore drill reads the case with the escrow key directly.
        let key = escrow.unwrap(&for_escrow, b"case:9").unwrap();
        assert_eq!(
            crate::open(&key, b"case:9:body", &body).unwrap(),
            b"marker-9"
        );

        // The escrow key opens only its own wraps.
        let other = EscrowKeyPair::generate(&mut OsRng);
        assert_eq!(
            other
                .recover(&for_escrow, b"case:9", lan_new.public())
                .err(),
            Some(VaultError::NotRecipient)
        );
    }

    #[test]
    fn debug_does_not_print_the_private_key() {
        let escrow = EscrowKeyPair::generate(&mut OsRng);
        let printed = escrow.to_printable();
        let debug = format!("{escrow:?}");
        assert!(!debug.contains(&printed[PREFIX.len()..PREFIX.len() + 8]));
    }
}
