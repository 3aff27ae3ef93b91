//! Reads the store's files the way an attacker holding the key would: every page of the
//! database and every frame of the WAL decrypted, free pages included, so the personal-data
//! search sees what is really left on disk and not only what SQL still returns.
//!
//! SQLCipher 4 page format (defaults, which the store keeps): 4096-byte pages, each ending in
//! an 80-byte reserve of a 16-byte IV and a 64-byte HMAC-SHA512; the rest is AES-256-CBC under
//! the raw key; page 1 starts with the 16-byte salt in place of the "SQLite format 3" header.
//! The WAL is a 32-byte header then frames of a 24-byte header and one such page
//! (https://www.zetetic.net/sqlcipher/design/, https://www.sqlite.org/fileformat.html#walformat).

use aes::cipher::{BlockDecryptMut, KeyIvInit, block_padding::NoPadding};

const PAGE: usize = 4096;
const RESERVE: usize = 80;

type Decryptor = cbc::Decryptor<aes::Aes256>;

/// One decrypted page (the reserve dropped); page 1 without its salt.
fn decrypt_page(key: &[u8; 32], page: &[u8], first: bool) -> Vec<u8> {
    let start = if first { 16 } else { 0 };
    let iv = &page[PAGE - RESERVE..PAGE - RESERVE + 16];
    let mut data = page[start..PAGE - RESERVE].to_vec();
    Decryptor::new(key.into(), iv.into())
        .decrypt_padded_mut::<NoPadding>(&mut data)
        .expect("whole blocks");
    data
}

/// Every page of a database file, decrypted. Asserts page 1 decrypts to a SQLite header (so a
/// search that finds nothing cannot be a decryption that produced noise).
pub fn database(key: &[u8; 32], bytes: &[u8]) -> Vec<u8> {
    assert_eq!(bytes.len() % PAGE, 0, "whole pages");
    let mut out = Vec::new();
    for (i, page) in bytes.chunks(PAGE).enumerate() {
        let plain = decrypt_page(key, page, i == 0);
        if i == 0 {
            // Header bytes 16..18: the page size, big-endian.
            assert_eq!(
                &plain[..2],
                &[0x10, 0x00],
                "page 1 decrypts to a SQLite header"
            );
        }
        out.extend(plain);
    }
    out
}

/// Every frame of a WAL file, decrypted.
pub fn wal(key: &[u8; 32], bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    if bytes.len() < 32 {
        return out;
    }
    for frame in bytes[32..].chunks(24 + PAGE) {
        if frame.len() < 24 + PAGE {
            break;
        }
        let number = u32::from_be_bytes(frame[..4].try_into().expect("4 bytes"));
        out.extend(decrypt_page(key, &frame[24..], number == 1));
    }
    out
}
