//! Sealing stored secrets again: at every start, the values still in clear (written before the
//! installation had a key, or by hand); after `hqdesk secrets rotate`, every value not under the
//! current key. Each value is opened and sealed in the caller's transaction.
use sqlx::AnyConnection;

use super::{is_sealed, key_id_of, open, seal, Keyring};
use crate::mailboxes::{password_context, split_password, Side};
use crate::StoreError;

/// Which values to seal again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    /// Values in clear only.
    Clear,
    /// Every value not sealed under the current key (clear ones included).
    NotCurrent,
}

/// How many values were sealed again.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Resealed {
    pub totp_secrets: u64,
    pub mailbox_passwords: u64,
}

impl Resealed {
    pub fn total(&self) -> u64 {
        self.totp_secrets + self.mailbox_passwords
    }
}

fn needs_work(keyring: &Keyring, stored: &str, which: Which) -> bool {
    match which {
        Which::Clear => !is_sealed(stored),
        Which::NotCurrent => key_id_of(stored) != Some(keyring.current().id()),
    }
}

pub async fn reseal(
    conn: &mut AnyConnection,
    keyring: &Keyring,
    which: Which,
) -> Result<Resealed, StoreError> {
    Ok(Resealed {
        totp_secrets: totp_secrets(conn, keyring, which).await?,
        mailbox_passwords: mailbox_passwords(conn, keyring, which).await?,
    })
}

/// The context of a user's TOTP secret (sealed values are bound to their row).
pub fn totp_context(user_id: i64) -> String {
    format!("users.totp_secret:{user_id}")
}

async fn totp_secrets(
    conn: &mut AnyConnection,
    keyring: &Keyring,
    which: Which,
) -> Result<u64, StoreError> {
    let rows: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, totp_secret FROM users WHERE totp_secret IS NOT NULL")
            .fetch_all(&mut *conn)
            .await?;
    let mut n = 0;
    for (id, stored) in rows {
        if !needs_work(keyring, &stored, which) {
            continue;
        }
        let context = totp_context(id);
        let sealed = seal(keyring, &context, &open(keyring, &context, &stored)?)?;
        sqlx::query("UPDATE users SET totp_secret = $1 WHERE id = $2")
            .bind(sealed)
            .bind(id)
            .execute(&mut *conn)
            .await?;
        n += 1;
    }
    Ok(n)
}

async fn mailbox_passwords(
    conn: &mut AnyConnection,
    keyring: &Keyring,
    which: Which,
) -> Result<u64, StoreError> {
    type Row = (i64, String, String, Option<String>, Option<String>);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT id, imap_url, smtp_url, imap_password, smtp_password FROM mailboxes ORDER BY id",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut n = 0;
    for (id, imap_url, smtp_url, imap_password, smtp_password) in rows {
        let mut sides = Vec::new();
        for (side, url, stored) in [
            (Side::Imap, imap_url, imap_password),
            (Side::Smtp, smtp_url, smtp_password),
        ] {
            let context = password_context(side, id);
            // A password still inside the URL (stored before the key) moves to its own column.
            let (url, in_url) = split_password(&url)?;
            let plain = match (in_url, stored) {
                (Some(p), _) => Some(p),
                (None, Some(s)) if needs_work(keyring, &s, which) => {
                    Some(open(keyring, &context, &s)?)
                }
                (None, _) => None,
            };
            if let Some(p) = plain {
                sides.push((side, url, seal(keyring, &context, &p)?));
            }
        }
        for (side, url, sealed) in sides {
            let sql = match side {
                Side::Imap => {
                    "UPDATE mailboxes SET imap_url = $1, imap_password = $2 WHERE id = $3"
                }
                Side::Smtp => {
                    "UPDATE mailboxes SET smtp_url = $1, smtp_password = $2 WHERE id = $3"
                }
            };
            sqlx::query(sql)
                .bind(url)
                .bind(sealed)
                .bind(id)
                .execute(&mut *conn)
                .await?;
            n += 1;
        }
    }
    Ok(n)
}
