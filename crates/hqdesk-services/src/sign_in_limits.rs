//! How many sign-in attempts are allowed, and against what.
//!
//! Four counters, each over a 15-minute window that starts with its first attempt:
//!
//! | counter | limit | when over it |
//! |---|---|---|
//! | an address: wrong or unknown user names, wrong passwords and codes | 20 failures | everything from the address is refused until the window ends |
//! | a user name from an address (known or not) | 5 wrong passwords | that name is refused from that address, even with the right password |
//! | a user name, from every address together | 20 wrong passwords | that name is refused from everywhere |
//! | a user's second factor (TOTP and recovery codes), from every address | 5 wrong codes | every code is refused and the half-signed sessions end |
//!
//! Why this shape: the lock after five wrong passwords is kept per address, so that someone
//! who does not know the password cannot lock a colleague out from their own desk; one address
//! reaches at most five failures per name before it is stopped, so only guesses from several
//! addresses (a distributed attack) can lock a user for everyone. The second factor is counted
//! per user from everywhere: whoever gets that far knows the password, and a correct password
//! does not give new guesses. A user name that does not exist is counted and refused exactly
//! like one that does, so the answers never tell which names exist.
use hqdesk_domain::Timestamp;
use hqdesk_store::sign_in_attempts::{self, Count};
use hqdesk_store::Connection;
use sha2::{Digest, Sha256};

use crate::ServiceError;

pub const WINDOW_MINUTES: i64 = 15;
pub const FAILURES_PER_ADDRESS: i64 = 20;
pub const PASSWORDS_PER_NAME_AND_ADDRESS: i64 = 5;
pub const PASSWORDS_PER_USER: i64 = 20;
pub const CODES_PER_USER: i64 = 5;

/// What a counted attempt may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// Check it; `last` when a failure now uses up the window (refused until `window_end`).
    Allowed { last: bool, window_end: Timestamp },
    /// Over the limit: refuse it unchecked until then.
    Refused { until: Timestamp },
}

/// One counter: what it counts, as stored (a SHA-256, so the table holds no addresses or
/// typed names), and its limit.
#[derive(Debug, Clone)]
pub struct Counter {
    key: String,
    limit: i64,
}

fn key(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    h.update(b"hqdesk sign-in");
    for p in parts {
        h.update([0u8]);
        h.update(p.as_bytes());
    }
    hex::encode(h.finalize())
}

impl Counter {
    pub fn address(source: &str) -> Counter {
        Counter {
            key: key(&["address", source]),
            limit: FAILURES_PER_ADDRESS,
        }
    }
    pub fn name_from_address(source: &str, typed_name: &str) -> Counter {
        Counter {
            key: key(&["name", source, typed_name]),
            limit: PASSWORDS_PER_NAME_AND_ADDRESS,
        }
    }
    /// Wrong passwords for a user name from every address (user names never change).
    pub fn user_passwords(username: &str) -> Counter {
        Counter {
            key: key(&["password", username]),
            limit: PASSWORDS_PER_USER,
        }
    }
    pub fn user_codes(user_id: i64) -> Counter {
        Counter {
            key: key(&["code", &user_id.to_string()]),
            limit: CODES_PER_USER,
        }
    }

    /// Count an attempt before checking it.
    pub async fn count(
        &self,
        conn: &mut Connection,
        now: Timestamp,
    ) -> Result<Attempt, ServiceError> {
        let Count {
            attempts,
            window_end,
        } = sign_in_attempts::count(conn, &self.key, now, WINDOW_MINUTES * 60_000).await?;
        let window_end = Timestamp(window_end);
        Ok(if attempts > self.limit {
            Attempt::Refused { until: window_end }
        } else {
            Attempt::Allowed {
                last: attempts == self.limit,
                window_end,
            }
        })
    }

    /// The attempt succeeded and does not count as a failure.
    pub async fn uncount(&self, conn: &mut Connection) -> Result<(), ServiceError> {
        Ok(sign_in_attempts::uncount(conn, &self.key).await?)
    }

    /// The attempt proved what this counter guards: start afresh.
    pub async fn forget(&self, conn: &mut Connection) -> Result<(), ServiceError> {
        Ok(sign_in_attempts::forget(conn, &self.key).await?)
    }
}

/// Drop counters whose window has ended.
pub async fn forget_ended(conn: &mut Connection, now: Timestamp) -> Result<(), ServiceError> {
    sign_in_attempts::forget_ended(conn, now).await?;
    Ok(())
}
