//! The store's encryption key: 32 random bytes that SQLCipher uses as the raw AES-256 key.
//!
//! A raw key rather than a passphrase: SQLCipher would otherwise run 256,000 PBKDF2 rounds at
//! every open (SQLCipher API, `PRAGMA key` and `kdf_iter`: over 100 ms per open against a
//! quarter of a millisecond; docs/SYNC.md, "The store key"), and a machine-made key has all the
//! entropy a passphrase lacks. The key comes from a systemd credential
//! (`LoadCredentialEncrypted=kiosk-store-key:…`, systemd.exec(5) "Credentials": decrypted by
//! systemd with the host key or the TPM into a directory only the service can read) or from a
//! key file. Either must be readable by its owner only: a key that other local users can read
//! protects nothing.

use std::io::Write;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

pub const KEY_LEN: usize = 32;

/// The name under which systemd hands the key to the service (`$CREDENTIALS_DIRECTORY/<name>`).
pub const CREDENTIAL_NAME: &str = "kiosk-store-key";

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error(
        "the store key file {0} does not exist: restore this kiosk's key file, or provision a new \
         one for a new, empty store (see README, \"The store key\")"
    )]
    Missing(PathBuf),
    #[error(
        "the store key file {path} can be read by other users (mode {mode:o}): chmod 600 {path}"
    )]
    Loose { path: PathBuf, mode: u32 },
    #[error(
        "the store key file {path} belongs to user {owner}, not to the kiosk's user {me}: \
         chown it to the kiosk's user"
    )]
    Owner { path: PathBuf, owner: u32, me: u32 },
    #[error(
        "the store key file {path} holds {len} bytes; a store key is exactly {KEY_LEN} random bytes"
    )]
    Length { path: PathBuf, len: usize },
    #[error("the store key file {path} cannot be read or written: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "no store key is configured: set store.key_file, or give the service the systemd credential {CREDENTIAL_NAME}"
    )]
    NotConfigured,
}

/// The key, wiped from memory when dropped.
pub struct StoreKey(Zeroizing<[u8; KEY_LEN]>);

impl std::fmt::Debug for StoreKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StoreKey(…)")
    }
}

impl StoreKey {
    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> StoreKey {
        StoreKey(Zeroizing::new(bytes))
    }

    /// Reads a key file, refusing one that others can read or that another user owns.
    pub fn read(path: &Path) -> Result<StoreKey, KeyError> {
        let io = |source| KeyError::Io {
            path: path.to_path_buf(),
            source,
        };
        let meta = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(KeyError::Missing(path.to_path_buf()));
            }
            Err(e) => return Err(io(e)),
        };
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(KeyError::Loose {
                path: path.to_path_buf(),
                mode,
            });
        }
        // SAFETY: geteuid has no preconditions and cannot fail.
        let me = unsafe { libc::geteuid() };
        if meta.uid() != me {
            return Err(KeyError::Owner {
                path: path.to_path_buf(),
                owner: meta.uid(),
                me,
            });
        }
        let bytes = Zeroizing::new(std::fs::read(path).map_err(io)?);
        let key: [u8; KEY_LEN] = bytes.as_slice().try_into().map_err(|_| KeyError::Length {
            path: path.to_path_buf(),
            len: bytes.len(),
        })?;
        Ok(StoreKey::from_bytes(key))
    }

    /// Makes a new random key file, owner-only from the first byte; never overwrites one (a
    /// replaced key would make the existing store unreadable).
    pub fn create(path: &Path) -> Result<StoreKey, KeyError> {
        let io = |source| KeyError::Io {
            path: path.to_path_buf(),
            source,
        };
        let mut key = Zeroizing::new([0u8; KEY_LEN]);
        rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, key.as_mut());
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
            .map_err(io)?;
        file.write_all(key.as_ref()).map_err(io)?;
        file.sync_all().map_err(io)?;
        Ok(StoreKey(key))
    }

    /// Finds the key: the systemd credential if the service was given one, else `key_file`;
    /// `create_missing` (demo mode only) makes the key file on first start.
    pub fn locate(key_file: Option<&Path>, create_missing: bool) -> Result<StoreKey, KeyError> {
        if let Some(dir) = std::env::var_os("CREDENTIALS_DIRECTORY") {
            let credential = PathBuf::from(dir).join(CREDENTIAL_NAME);
            if credential.exists() {
                return StoreKey::read(&credential);
            }
        }
        let path = key_file.ok_or(KeyError::NotConfigured)?;
        match StoreKey::read(path) {
            Err(KeyError::Missing(_)) if create_missing => {
                tracing::info!(path = %path.display(), "store: new key file created (demo mode)");
                StoreKey::create(path)
            }
            other => other,
        }
    }

    /// The raw key bytes, for the key check value.
    pub(super) fn bytes(&self) -> &[u8; KEY_LEN] {
        &self.0
    }

    /// The `PRAGMA key` value: SQLCipher's raw-key form `x'<64 hex digits>'`.
    pub(super) fn pragma_value(&self) -> Zeroizing<String> {
        let mut s = Zeroizing::new(String::with_capacity(3 + 2 * KEY_LEN));
        s.push_str("x'");
        for b in self.0.iter() {
            s.push(char::from_digit(u32::from(b >> 4), 16).unwrap_or('0'));
            s.push(char::from_digit(u32::from(b & 0xF), 16).unwrap_or('0'));
        }
        s.push('\'');
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_key_is_owner_only_and_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/store.key");
        let made = StoreKey::create(&path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let read = StoreKey::read(&path).unwrap();
        assert_eq!(*made.pragma_value(), *read.pragma_value());
        assert!(matches!(StoreKey::create(&path), Err(KeyError::Io { .. })));
    }

    #[test]
    fn loose_short_and_missing_keys_are_refused_with_the_fix() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.key");
        std::fs::write(&path, [7u8; KEY_LEN]).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let e = StoreKey::read(&path).unwrap_err();
        assert!(matches!(e, KeyError::Loose { mode: 0o644, .. }));
        assert!(e.to_string().contains("chmod 600"), "{e}");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o400)).unwrap();
        assert!(StoreKey::read(&path).is_ok());
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        std::fs::write(&path, b"correct horse battery staple\n").unwrap();
        assert!(matches!(
            StoreKey::read(&path),
            Err(KeyError::Length { len: 29, .. })
        ));
        let missing = dir.path().join("none.key");
        assert!(matches!(
            StoreKey::locate(Some(&missing), false),
            Err(KeyError::Missing(_))
        ));
        assert!(!missing.exists());
        StoreKey::locate(Some(&missing), true).unwrap();
        assert!(missing.exists(), "demo mode creates its key");
        assert!(matches!(
            StoreKey::locate(None, true),
            Err(KeyError::NotConfigured)
        ));
    }

    #[test]
    fn pragma_value_is_the_raw_key_form() {
        let mut bytes = [0u8; KEY_LEN];
        bytes[0] = 0xAB;
        bytes[31] = 0x01;
        let v = StoreKey::from_bytes(bytes).pragma_value();
        assert_eq!(v.len(), 67);
        assert!(v.starts_with("x'ab00"));
        assert!(v.ends_with("01'"));
    }
}
