//! An investigator's private key, opened for one request from their session's seal.
use std::fmt;
use std::sync::Arc;

use hqdesk_vault::KeyPair;

/// The unlocked private key a console request carries (`Actor::unlocked_key`). Cheap to clone;
/// its Debug names the key id only. Never kept past the request: the next one opens the
/// session's seal again.
#[derive(Clone)]
pub struct UnlockedKey(Arc<KeyPair>);

impl UnlockedKey {
    pub(crate) fn new(pair: KeyPair) -> Self {
        Self(Arc::new(pair))
    }

    pub fn key_pair(&self) -> &KeyPair {
        &self.0
    }
}

impl fmt::Debug for UnlockedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "UnlockedKey({})", self.0.key_id())
    }
}
