//! Receipts of anonymous tips: 16 digits shown once to the reporter, who types them back to read
//! the answers and add to the report, with no account and no cookie.
//!
//! A receipt does two things: it **finds** the report (a lookup value the database indexes) and
//! it **opens** it (a key the case's data key is wrapped with, so the reporter's way in needs no
//! investigator). Both come from one slow, peppered derivation:
//!
//! ```text
//! input  = HMAC-SHA-256(pepper, "hqdesk-vault/v1/receipt" ‖ 16 digits)
//! master = Argon2id(input, salt = "hqdesk-vault/v1/receipt-salt", 19 MiB, t = 2, p = 1)
//! lookup = HKDF-SHA-256(master, info = "hqdesk-vault/v1/receipt-lookup")   stored, indexed, unique
//! key    = HKDF-SHA-256(master, info = "hqdesk-vault/v1/receipt-key")      never stored
//! wrap   = 0x01 ‖ nonce (24) ‖ XChaCha20-Poly1305(key, nonce, aad = 0x01 ‖ place, data key) (48)
//! ```
//!
//! The salt is fixed because the lookup must be found by equality; what makes it unique to the
//! installation is the **pepper**, 32 secret bytes kept outside the database (derived from the
//! secret key file). Without the pepper, a copy of the database cannot test a single guess; with
//! it (root on the server), each guess costs an Argon2id run, and 10^16 of them about 10 million
//! core-years.
//!
//! **Why 16 digits (53 bits) are enough** where ASVS 2.6.2 asks 112 bits of a lookup secret:
//! ASVS allows fewer bits when the secret is stored as a salted slow hash, which this is, and
//! online guessing is bounded twice. First by cost: each guess is an Argon2id run of about 30 ms
//! and 19 MiB, so the two cores of the server check at most ~60 guesses a second, 5 million a
//! day. Second by the portal's guess limit, far below that. A guess does not target one report:
//! with N live receipts it hits one of them with probability N / 10^16. With 10,000 live reports
//! and the server doing nothing but answering guesses for ten years (2 × 10^10 guesses), the
//! chance that any guess ever hits any report is 2 %; the portal's limit cuts that by orders of
//! magnitude. And 16 digits are what a frightened person can copy onto paper or into a phone
//! contact, as GlobaLeaks found.
//!
//! **Same answer, same time.** Whether a receipt exists must not show in the answer or in its
//! timing. The caller:
//! 1. refuses a malformed input (`Receipt::parse`) at once: the format is public, it says
//!    nothing about which receipts exist;
//! 2. counts the attempt against the guess limit (whatever comes next);
//! 3. calls `ReceiptHasher::derive` for every well-formed receipt, before any database access:
//!    the one expensive step, the same cost whether or not the receipt exists;
//! 4. runs one query by `keys.lookup()` (an indexed equality, the same statement either way);
//! 5. calls `keys.unwrap(found, place)` with what the query found or `None`: one AEAD opening
//!    either way (a fixed dummy when nothing was found), `UnknownReceipt` for none;
//! 6. answers "unknown or wrong receipt" for `UnknownReceipt` and `Tampered` alike, and pads
//!    the answer to a fixed minimum time (the web layer), which covers what differs after.
use std::fmt;

use hmac::{Hmac, Mac};
use rand::{CryptoRng, Rng, RngCore};
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::aead::{self, KEY_LEN, NONCE_LEN, TAG_LEN};
use crate::{DataKey, KdfParams, VaultError};

/// Digits of a receipt.
pub const RECEIPT_DIGITS: usize = 16;
const VERSION: u8 = 1;
const INPUT_INFO: &[u8] = b"hqdesk-vault/v1/receipt";
const SALT: &[u8] = b"hqdesk-vault/v1/receipt-salt";
const LOOKUP_INFO: &[u8] = b"hqdesk-vault/v1/receipt-lookup";
const KEY_INFO: &[u8] = b"hqdesk-vault/v1/receipt-key";
const WRAPPED_LEN: usize = 1 + NONCE_LEN + KEY_LEN + TAG_LEN;
/// Argon2id cost of one receipt check (OWASP's minimum; see the module's note).
pub const RECEIPT_PARAMS: KdfParams = KdfParams::MINIMUM;

/// 16 decimal digits. `Display` groups them by four; `Debug` hides them.
#[derive(Clone, PartialEq, Eq)]
pub struct Receipt(Zeroizing<[u8; RECEIPT_DIGITS]>);

impl Receipt {
    /// A new receipt, uniform over all 10^16 (leading zeros included), from a cryptographic
    /// generator (`&mut rand::rngs::OsRng` outside tests).
    pub fn generate(rng: &mut (impl RngCore + CryptoRng)) -> Self {
        let n: u64 = rng.gen_range(0..10u64.pow(RECEIPT_DIGITS as u32));
        let mut digits = Zeroizing::new([b'0'; RECEIPT_DIGITS]);
        let mut rest = n;
        for d in digits.iter_mut().rev() {
            *d = b'0' + (rest % 10) as u8;
            rest /= 10;
        }
        Self(digits)
    }

    /// What the reporter typed: 16 digits; spaces, dashes and dots between them are ignored.
    pub fn parse(input: &str) -> Result<Self, VaultError> {
        let mut digits = Zeroizing::new([0u8; RECEIPT_DIGITS]);
        let mut n = 0;
        for c in input.chars() {
            if c.is_whitespace() || c == '-' || c == '.' {
                continue;
            }
            if !c.is_ascii_digit() || n == RECEIPT_DIGITS {
                return Err(VaultError::MalformedReceipt);
            }
            digits[n] = c as u8;
            n += 1;
        }
        if n != RECEIPT_DIGITS {
            return Err(VaultError::MalformedReceipt);
        }
        Ok(Self(digits))
    }

    /// The 16 digits without spaces.
    pub fn digits(&self) -> &str {
        // Only ASCII digits are ever stored.
        std::str::from_utf8(self.0.as_ref()).unwrap_or_default()
    }
}

/// `1234 5678 9012 3456`, for the page that shows it once.
impl fmt::Display for Receipt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, group) in self.digits().as_bytes().chunks(4).enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            f.write_str(std::str::from_utf8(group).unwrap_or_default())?;
        }
        Ok(())
    }
}

impl fmt::Debug for Receipt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Receipt(…)")
    }
}

/// Derives a receipt's keys with the installation's pepper.
pub struct ReceiptHasher {
    pepper: Zeroizing<[u8; KEY_LEN]>,
}

impl ReceiptHasher {
    pub fn new(pepper: &[u8; KEY_LEN]) -> Self {
        Self {
            pepper: Zeroizing::new(*pepper),
        }
    }

    /// The lookup value and the key of `receipt`: one Argon2id run (about 30 ms, 19 MiB),
    /// whatever the receipt. See the module's note for the order of the steps.
    pub fn derive(&self, receipt: &Receipt) -> Result<ReceiptKeys, VaultError> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(self.pepper.as_ref())
            .map_err(|_| VaultError::BadParameters)?;
        mac.update(INPUT_INFO);
        mac.update(receipt.0.as_ref());
        let input = Zeroizing::new(<[u8; 32]>::from(mac.finalize().into_bytes()));
        let master = RECEIPT_PARAMS.derive(input.as_ref(), SALT)?;
        let lookup = aead::derive(master.as_ref(), None, &[LOOKUP_INFO]);
        Ok(ReceiptKeys {
            lookup: ReceiptLookup(*lookup),
            key: aead::derive(master.as_ref(), None, &[KEY_INFO]),
        })
    }
}

impl fmt::Debug for ReceiptHasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ReceiptHasher(…)")
    }
}

/// What the database stores of a receipt (unique, indexed): it neither gives the receipt back
/// nor opens the report.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ReceiptLookup([u8; 32]);

impl ReceiptLookup {
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }
}

impl fmt::Display for ReceiptLookup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for ReceiptLookup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ReceiptLookup({self})")
    }
}

/// A receipt's lookup value and key, for one request. The key is wiped on drop.
pub struct ReceiptKeys {
    lookup: ReceiptLookup,
    key: Zeroizing<[u8; KEY_LEN]>,
}

impl ReceiptKeys {
    pub fn lookup(&self) -> &ReceiptLookup {
        &self.lookup
    }

    /// At submission: the case's data key wrapped for the reporter (73 bytes), bound to
    /// `place` (`case:42:receipt`).
    pub fn wrap(&self, data_key: &DataKey, place: &[u8]) -> Result<Vec<u8>, VaultError> {
        let aad = [&[VERSION][..], place].concat();
        let body = aead::seal(&self.key, &aad, data_key.as_bytes())?;
        Ok([&[VERSION][..], &body].concat())
    }

    /// On the reporter's return: the data key from what the lookup found, or `UnknownReceipt`
    /// after the same work when it found nothing (`found = None`). `Tampered` when a wrap was
    /// found and does not open (the caller answers as for an unknown receipt and logs it).
    pub fn unwrap(&self, found: Option<&[u8]>, place: &[u8]) -> Result<DataKey, VaultError> {
        const DUMMY: [u8; WRAPPED_LEN] = {
            let mut d = [0u8; WRAPPED_LEN];
            d[0] = VERSION;
            d
        };
        let wrapped = found.unwrap_or(&DUMMY);
        let aad = [&[VERSION][..], place].concat();
        let opened = match wrapped.split_first() {
            Some((&VERSION, body)) if wrapped.len() == WRAPPED_LEN => {
                aead::open(&self.key, &aad, body)
            }
            Some((&VERSION, _)) | None => Err(VaultError::Tampered),
            Some((&v, _)) => Err(VaultError::UnknownVersion(v)),
        };
        match (found, opened) {
            (None, _) => Err(VaultError::UnknownReceipt),
            (Some(_), Ok(key)) => {
                let key = Zeroizing::new(key);
                Ok(DataKey::from_bytes(&*aead::key_from_slice(&key)?))
            }
            (Some(_), Err(e)) => Err(e),
        }
    }
}

impl fmt::Debug for ReceiptKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ReceiptKeys({:?}, key: …)", self.lookup)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::{OsRng, StdRng};
    use rand::SeedableRng;

    const PEPPER: [u8; 32] = [7; 32];

    #[test]
    fn a_receipt_is_sixteen_digits_shown_in_groups_of_four() {
        let receipt = Receipt::generate(&mut OsRng);
        assert_eq!(receipt.digits().len(), 16);
        assert!(receipt.digits().bytes().all(|b| b.is_ascii_digit()));
        let shown = receipt.to_string();
        assert_eq!(shown.len(), 19);
        assert_eq!(shown.split(' ').count(), 4);
        assert_eq!(Receipt::parse(&shown).unwrap(), receipt);
        assert_eq!(format!("{receipt:?}"), "Receipt(…)");
    }

    #[test]
    fn typed_receipts_parse_with_separators_and_refuse_anything_else() {
        let r = Receipt::parse(" 0123-4567.8901 2345\n").unwrap();
        assert_eq!(r.digits(), "0123456789012345");
        assert_eq!(r.to_string(), "0123 4567 8901 2345");
        for bad in [
            "",
            "123456789012345",
            "12345678901234567",
            "1234 5678 9012 345a",
            "１２３４５６７８９０１２３４５６",
            "1234567890123456; drop",
        ] {
            assert_eq!(
                Receipt::parse(bad).err(),
                Some(VaultError::MalformedReceipt),
                "{bad}"
            );
        }
    }

    /// Every position takes every digit about as often: chi-square over 10 digits (9 degrees of
    /// freedom) under 41, which a uniform source exceeds once in a million runs; seeded, so the
    /// test is the same every time.
    #[test]
    fn digits_are_uniform_at_every_position() {
        let mut rng = StdRng::seed_from_u64(18);
        let n = 20_000;
        let mut counts = [[0u32; 10]; RECEIPT_DIGITS];
        let mut leading_zero = 0;
        for _ in 0..n {
            let r = Receipt::generate(&mut rng);
            for (pos, b) in r.digits().bytes().enumerate() {
                counts[pos][usize::from(b - b'0')] += 1;
            }
            leading_zero += u32::from(r.digits().starts_with('0'));
        }
        let expected = f64::from(n) / 10.0;
        for (pos, row) in counts.iter().enumerate() {
            let chi2: f64 = row
                .iter()
                .map(|&c| (f64::from(c) - expected).powi(2) / expected)
                .sum();
            assert!(chi2 < 41.0, "position {pos}: chi-square {chi2}, {row:?}");
        }
        assert!(leading_zero > 1_500, "{leading_zero}");
    }

    #[test]
    fn a_receipt_finds_and_opens_its_report_and_nothing_else() {
        let hasher = ReceiptHasher::new(&PEPPER);
        let receipt = Receipt::generate(&mut OsRng);
        let data_key = DataKey::generate(&mut OsRng);
        let body = crate::seal(&data_key, b"case:5:body", b"marker-5").unwrap();

        // Submission.
        let keys = hasher.derive(&receipt).unwrap();
        let wrapped = keys.wrap(&data_key, b"case:5:receipt").unwrap();
        assert_eq!(wrapped.len(), 73);
        let stored_lookup = *keys.lookup();
        drop(keys);

        // Return, typed back.
        let typed = Receipt::parse(&receipt.to_string()).unwrap();
        let keys = hasher.derive(&typed).unwrap();
        assert_eq!(keys.lookup(), &stored_lookup);
        let key = keys.unwrap(Some(&wrapped), b"case:5:receipt").unwrap();
        assert_eq!(
            crate::open(&key, b"case:5:body", &body).unwrap(),
            b"marker-5"
        );

        // Nothing found: the same work, `UnknownReceipt`.
        assert_eq!(
            keys.unwrap(None, b"case:5:receipt").err(),
            Some(VaultError::UnknownReceipt)
        );
        // Another receipt's wrap, another place, a cut or changed wrap.
        let other = hasher.derive(&Receipt::generate(&mut OsRng)).unwrap();
        assert_ne!(other.lookup(), &stored_lookup);
        assert_eq!(
            other.unwrap(Some(&wrapped), b"case:5:receipt").err(),
            Some(VaultError::Tampered)
        );
        assert_eq!(
            keys.unwrap(Some(&wrapped), b"case:6:receipt").err(),
            Some(VaultError::Tampered)
        );
        assert!(keys
            .unwrap(Some(&wrapped[..72]), b"case:5:receipt")
            .is_err());
        assert!(keys.unwrap(Some(&[]), b"case:5:receipt").is_err());
        for i in 0..wrapped.len() {
            let mut bad = wrapped.clone();
            bad[i] ^= 0x20;
            assert!(
                keys.unwrap(Some(&bad), b"case:5:receipt").is_err(),
                "byte {i}"
            );
        }
    }

    #[test]
    fn the_lookup_depends_on_the_pepper_and_is_not_the_key() {
        let receipt = Receipt::parse("0000 0000 0000 0001").unwrap();
        let a = ReceiptHasher::new(&PEPPER).derive(&receipt).unwrap();
        let b = ReceiptHasher::new(&[8; 32]).derive(&receipt).unwrap();
        assert_ne!(a.lookup(), b.lookup());
        assert_ne!(a.lookup().as_bytes(), &*a.key);
        assert_eq!(a.lookup().to_string().len(), 64);
        assert!(!format!("{a:?}").contains(&hex::encode(*a.key)));
    }
}
