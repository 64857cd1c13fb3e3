//! The key file: the installation's secret keys, one base64 key a line, the current one first.
//! Created on the first start with mode 0600 (readable by its owner only), refused when others
//! may read it, replaced atomically by `hqdesk secrets rotate`.
use std::io::Write;
use std::path::Path;

use super::{KeySource, Keyring};
use crate::StoreError;

const HEADER: &str = "\
# hqdesk secret keys. Keep this file: without it the sealed secrets cannot be read and the audit
# log cannot be verified. Back it up apart from the database; never put it beside its backups.
# The first key is current; the keys after it open and verify what was written before a rotation.
";

fn io<'a>(path: &'a Path, what: &'a str) -> impl Fn(std::io::Error) -> StoreError + 'a {
    move |e| StoreError::Secrets(format!("{what} the key file {}: {e}", path.display()))
}

/// Read the key file; refuse it when its mode lets others read it.
pub fn read(path: &Path) -> Result<Keyring, StoreError> {
    let text = std::fs::read_to_string(path).map_err(io(path, "reading"))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .map_err(io(path, "reading"))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            return Err(StoreError::Secrets(format!(
                "the key file {} may be read by others (mode {:o}): chmod 600 {}",
                path.display(),
                mode & 0o777,
                path.display()
            )));
        }
    }
    Keyring::parse(&text, KeySource::File(path.to_path_buf()))
}

fn render(keyring: &Keyring) -> zeroize::Zeroizing<String> {
    let mut text = zeroize::Zeroizing::new(HEADER.to_string());
    for k in keyring.keys() {
        text.push_str(&k.to_base64());
        text.push('\n');
    }
    text
}

/// Write `keyring` to a new file at `path` (mode 0600); never overwrites one.
fn write_new(path: &Path, keyring: &Keyring) -> Result<(), StoreError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut f = options.open(path).map_err(io(path, "creating"))?;
    f.write_all(render(keyring).as_bytes())
        .and_then(|()| f.sync_all())
        .map_err(io(path, "writing"))
}

/// Create the key file with `keyring` (its directory too); an existing file is an error.
pub fn create(path: &Path, keyring: &Keyring) -> Result<(), StoreError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io(path, "creating the directory of"))?;
    }
    write_new(path, keyring)
}

/// Replace the key file with `keyring`: written beside it, then renamed over it, so a crash
/// leaves the old file or the new one, never half of one.
pub fn replace(path: &Path, keyring: &Keyring) -> Result<(), StoreError> {
    let tmp = path.with_extension(format!("new.{}", std::process::id()));
    let _ = std::fs::remove_file(&tmp);
    write_new(&tmp, keyring)?;
    std::fs::rename(&tmp, path).map_err(io(path, "replacing"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::SecretKey;

    #[test]
    fn a_created_key_file_is_private_reads_back_and_is_never_overwritten() {
        let dir = std::env::temp_dir().join(format!("hqdesk-keyfile-{}", std::process::id()));
        let path = dir.join("sub").join("secret.key");
        let ring = Keyring::new(vec![SecretKey::generate()], KeySource::Given).unwrap();
        create(&path, &ring).unwrap();
        let back = read(&path).unwrap();
        assert_eq!(back.current().id(), ring.current().id());
        assert_eq!(back.source(), &KeySource::File(path.clone()));
        assert!(
            create(&path, &ring).is_err(),
            "an existing key file is never overwritten"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
            let err = read(&path).unwrap_err().to_string();
            assert!(err.contains("chmod 600"), "{err}");
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        let rotated = back.with_current(SecretKey::generate()).unwrap();
        replace(&path, &rotated).unwrap();
        let again = read(&path).unwrap();
        assert_eq!(again.keys().len(), 2);
        assert_eq!(again.current().id(), rotated.current().id());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
