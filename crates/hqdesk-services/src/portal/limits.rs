//! Limits on anonymous traffic: accepted submissions per source address and hour; anonymous
//! tips and receipt checks for everyone together, never per address (their senders share
//! addresses, Tor's among them, and nothing of their address is kept, not even hashed).
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
pub(crate) const WINDOW_MS: i64 = 3_600_000;
const MINUTE_MS: i64 = 60_000;

/// Anonymous tips accepted per hour, from everyone together.
pub const TIPS_PER_HOUR: i64 = 100;
/// Receipt checks per minute and per hour, from everyone together (the guess limit, design
/// note 006 §5): well-formed receipts count, whatever comes of them.
pub const RECEIPT_CHECKS_PER_MINUTE: i64 = 20;
pub const RECEIPT_CHECKS_PER_HOUR: i64 = 200;
/// Replies through a receipt per case and hour.
pub const TIP_REPLIES_PER_HOUR: i64 = 30;
/// The fixed buckets of those limits in `rate_limits`.
pub const TIP_BUCKET: &str = "portal.tip";
pub const RECEIPT_MINUTE_BUCKET: &str = "portal.receipt:minute";
pub const RECEIPT_HOUR_BUCKET: &str = "portal.receipt:hour";

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

    /// Refuse when `bucket` (counted for everyone, no address) holds `limit` hits already in
    /// this window of `window_ms`. Counts nothing.
    pub(crate) async fn global_rate_check(
        &self,
        bucket: &str,
        window_ms: i64,
        limit: i64,
    ) -> Result<(), ServiceError> {
        let now = self.now().millis();
        let window = now - now.rem_euclid(window_ms);
        let mut conn = self.store().read().await?;
        if portal::hits(&mut conn, bucket, window).await? >= limit {
            return Err(ServiceError::RateLimited {
                retry_after_secs: (window + window_ms - now + 999) / 1000,
            });
        }
        Ok(())
    }

    /// Count one hit in each of `buckets` (bucket, window) and refuse when any is over its
    /// limit (this hit included): the attempt is counted either way.
    pub(crate) async fn global_rate_hit(
        &self,
        buckets: &[(&str, i64, i64)],
    ) -> Result<(), ServiceError> {
        let now = self.now().millis();
        let mut tx = self.store().begin().await?;
        let mut refused = None;
        for (bucket, window_ms, limit) in buckets {
            let window = now - now.rem_euclid(*window_ms);
            if portal::hit(&mut tx, bucket, window).await? > *limit {
                let after = (window + window_ms - now + 999) / 1000;
                refused = Some(refused.map_or(after, |a: i64| a.max(after)));
            }
        }
        let hour = now - now.rem_euclid(WINDOW_MS);
        portal::forget_windows_before(&mut tx, hour - WINDOW_MS).await?;
        Store::commit(tx).await?;
        match refused {
            Some(retry_after_secs) => Err(ServiceError::RateLimited { retry_after_secs }),
            None => Ok(()),
        }
    }

    /// The receipt checks' guess limit: count this check, refuse past the minute's or the
    /// hour's limit.
    pub(crate) async fn count_receipt_check(&self) -> Result<(), ServiceError> {
        self.global_rate_hit(&[
            (RECEIPT_MINUTE_BUCKET, MINUTE_MS, RECEIPT_CHECKS_PER_MINUTE),
            (RECEIPT_HOUR_BUCKET, WINDOW_MS, RECEIPT_CHECKS_PER_HOUR),
        ])
        .await
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
