//! Loading the secret keys before the database is used: `HQDESK_SECRET_KEY` if set, else the key
//! file, else (only for a database that has no key yet) a new key in a new key file. A database
//! that has a key never gets a new one: its start stops and says which key it needs.
use std::path::Path;

use anyhow::{bail, Context};
use hqdesk_services::{Actor, Services};
use hqdesk_store::secrets::{self, key_file, registered, KeySource, Keyring, SecretKey};
use hqdesk_store::Store;

/// Find the keys for the database behind `store` (migrated) and install them for the process.
pub async fn load(store: &Store, key_file_path: &Path) -> anyhow::Result<()> {
    let known = {
        let mut conn = store.read().await?;
        registered::ids(&mut conn).await?
    };
    let env = std::env::var("HQDESK_SECRET_KEY")
        .ok()
        .filter(|v| !v.trim().is_empty());
    let keyring = if let Some(text) = env {
        Keyring::parse(&text, KeySource::Environment).context("HQDESK_SECRET_KEY")?
    } else if key_file_path.exists() {
        key_file::read(key_file_path)?
    } else if known.is_empty() {
        let keyring = Keyring::new(
            vec![SecretKey::generate()],
            KeySource::File(key_file_path.to_path_buf()),
        )?;
        key_file::create(key_file_path, &keyring)?;
        eprintln!(
            "hqdesk: created the secret key file {} (key {}): keep it, and back it up apart from \
             the database; without it the stored secrets and the audit log cannot be read",
            key_file_path.display(),
            keyring.current().id()
        );
        keyring
    } else {
        bail!(
            "secret key: this database was set up with secret key {}, but no key was found: \
             neither HQDESK_SECRET_KEY nor the key file {} (--secret-key-file). Restore the key \
             file from its backup; hqdesk never makes a new key for a database that has one",
            known.join(", "),
            key_file_path.display()
        );
    };
    if !known.is_empty() && !known.iter().any(|id| keyring.get(id).is_some()) {
        bail!(hqdesk_services::secrets::wrong_key(
            &known,
            keyring.current().id()
        ));
    }
    secrets::install(keyring);
    Ok(())
}

/// `hqdesk secrets rotate`.
#[allow(clippy::print_stdout)] // the command line's output
pub async fn rotate(services: &Services) -> anyhow::Result<()> {
    let keyring = secrets::installed()?;
    let rotated = match keyring.source() {
        KeySource::File(path) => {
            // The new key file first: should sealing fail half-way, every value is still under a
            // key the file holds.
            let rotated = keyring.with_current(SecretKey::generate())?;
            key_file::replace(path, &rotated)?;
            println!(
                "new secret key {} written first to {} (the {} older key(s) kept after it)",
                rotated.current().id(),
                path.display(),
                keyring.keys().len()
            );
            rotated
        }
        _ => {
            println!(
                "keys from HQDESK_SECRET_KEY: sealing every secret under its first key {}",
                keyring.current().id()
            );
            (*keyring).clone()
        }
    };
    let current = rotated.current().id().to_string();
    secrets::install(rotated);
    let sealed = services
        .reseal_secrets(&Actor::Cli)
        .await
        .map_err(|e| anyhow::anyhow!(e.to_string()))?;
    println!(
        "sealed again under {current}: {} TOTP secret(s), {} mailbox password(s). Restart every \
         `hqdesk serve` (with this key file) so that new audit rows are keyed with the new key.",
        sealed.totp_secrets, sealed.mailbox_passwords
    );
    Ok(())
}
