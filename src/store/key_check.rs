//! The store key's check value, kept in a small file beside the store (`kiosk.db.kcv`), so a
//! store that cannot be opened tells staff which of two very different things happened: the
//! wrong key (find this kiosk's key file) or a damaged file (restore the store). SQLCipher
//! cannot tell them apart: either way page 1 does not decrypt ("file is not a database").
//!
//! The check value is the usual one for a symmetric key (as in ANSI X9.24 and payment key
//! ceremonies): the key encrypts a block of zeros and the first three bytes of the result are
//! kept, here as six hex digits. It identifies the key without revealing it; a wrong key
//! matches by chance once in 16.7 million.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use aes::Aes256;
use aes::cipher::{BlockEncrypt, KeyInit, generic_array::GenericArray};

use super::key::StoreKey;

/// The check-value file of the store at `db`.
pub fn path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".kcv");
    PathBuf::from(name)
}

/// Six hex digits: AES-256 of a zero block under the key, first three bytes.
pub fn value(key: &StoreKey) -> String {
    let cipher = Aes256::new(GenericArray::from_slice(key.bytes()));
    let mut block = GenericArray::clone_from_slice(&[0u8; 16]);
    cipher.encrypt_block(&mut block);
    block[..3].iter().map(|b| format!("{b:02X}")).collect()
}

/// Whether `key` matches the check value kept beside `db`; `None` when there is none (a store
/// from before check values, or the file was lost).
pub fn matches(db: &Path, key: &StoreKey) -> Option<bool> {
    let kept = std::fs::read_to_string(path(db)).ok()?;
    Some(kept.trim().eq_ignore_ascii_case(&value(key)))
}

/// Writes the check value beside `db` (owner-only, like the key), unless the right one is
/// there already.
pub fn keep(db: &Path, key: &StoreKey) -> std::io::Result<()> {
    if matches(db, key) == Some(true) {
        return Ok(());
    }
    let tmp = path(db).with_extension("kcv.tmp");
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)?;
    writeln!(file, "{}", value(key))?;
    file.sync_all()?;
    std::fs::rename(&tmp, path(db))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_check_value_is_aes_of_zeros() {
        // FIPS-197 has no all-zero AES-256 vector; this one is from NIST's AESAVS known-answer
        // tests (VarTxt/GFSbox family): key 0^256, plaintext 0^128 → DC95C078A2408989AD48A21492842087.
        assert_eq!(value(&StoreKey::from_bytes([0; 32])), "DC95C0");
        let other = value(&StoreKey::from_bytes([1; 32]));
        assert_eq!(other.len(), 6);
        assert_ne!(other, "DC95C0");
    }

    #[test]
    fn kept_beside_the_store_and_compared() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("kiosk.db");
        let key = StoreKey::from_bytes([7; 32]);
        assert_eq!(matches(&db, &key), None);
        keep(&db, &key).unwrap();
        assert_eq!(path(&db), dir.path().join("kiosk.db.kcv"));
        assert_eq!(matches(&db, &key), Some(true));
        assert_eq!(matches(&db, &StoreKey::from_bytes([8; 32])), Some(false));
    }
}
