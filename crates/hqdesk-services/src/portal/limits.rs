//! Limits on anonymous traffic: accepted submissions per source address and hour.
use std::sync::OnceLock;

use hqdesk_store::{portal, Store};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::{ServiceError, Services};

/// Limits on anonymous traffic from one source, per hour. Only accepted submissions count:
/// refused forms (typos) must not lock out an office whose staff share one address.
pub const REQUESTS_PER_HOUR: i64 = 10;
pub const REPLIES_PER_HOUR: i64 = 30;
/// Requests and suggestions share one limit.
pub const REQUEST_LIMIT: &str = "portal.request";
pub const REPLY_LIMIT: &str = "portal.reply";
const WINDOW_MS: i64 = 3_600_000;

/// The salted hash a source address is counted under (the salt lives only in this process).
fn source_key(source: &str) -> String {
    static SALT: OnceLock<[u8; 16]> = OnceLock::new();
    let salt = SALT.get_or_init(|| {
        let mut s = [0u8; 16];
        rand::thread_rng().fill_bytes(&mut s);
        s
    });
    let mut h = Sha256::new();
    h.update(salt);
    h.update(source.as_bytes());
    hex::encode(&h.finalize()[..12])
}

impl Services {
    /// Refuse when `source` already made `limit` accepted submissions of `what` this hour.
    /// Counts nothing (see [`Services::portal_rate_count`]).
    pub async fn portal_rate_check(
        &self,
        what: &str,
        source: &str,
        limit: i64,
    ) -> Result<(), ServiceError> {
        let now = self.now().millis();
        let window = now - now.rem_euclid(WINDOW_MS);
        let mut conn = self.store().read().await?;
        let hits = portal::hits(&mut conn, &rate_bucket(what, source), window).await?;
        if hits >= limit {
            return Err(ServiceError::RateLimited {
                retry_after_secs: (window + WINDOW_MS - now + 999) / 1000,
            });
        }
        Ok(())
    }

    /// Count one accepted submission of `what` from `source` in this hour's window.
    pub async fn portal_rate_count(&self, what: &str, source: &str) -> Result<(), ServiceError> {
        let now = self.now().millis();
        let window = now - now.rem_euclid(WINDOW_MS);
        let mut tx = self.store().begin().await?;
        portal::hit(&mut tx, &rate_bucket(what, source), window).await?;
        portal::forget_windows_before(&mut tx, window - WINDOW_MS).await?;
        Store::commit(tx).await?;
        Ok(())
    }

    /// Count an accepted submission. It is committed already: a failure to count is logged,
    /// never reported to the visitor as if the submission had failed.
    pub(super) async fn count_accepted(&self, what: &str, source: &str) {
        if let Err(e) = self.portal_rate_count(what, source).await {
            tracing::warn!(error = %e, limit = what, "portal: an accepted submission was not counted");
        }
    }
}

/// The salted bucket one source's submissions of `what` are counted under.
pub(crate) fn rate_bucket(what: &str, source: &str) -> String {
    format!("{what}:{}", source_key(source))
}
