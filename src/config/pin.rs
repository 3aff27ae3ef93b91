//! The technician PIN: `kiosk.toml` keeps only its Argon2id hash (RFC 9106; the `argon2`
//! crate's default cost, 19 MiB and two passes) as a PHC string, against which the PIN typed
//! on the hidden screen is checked.

use argon2::password_hash::{PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Argon2, PasswordHash};

/// Hashes a technician PIN for `technician.pin_hash`.
pub fn hash_pin(pin: &str) -> Result<String, String> {
    // Version-4 UUIDs are 122 random bits from the OS generator: plenty for a salt.
    let salt =
        SaltString::encode_b64(uuid::Uuid::new_v4().as_bytes()).map_err(|e| e.to_string())?;
    Argon2::default()
        .hash_password(pin.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// Checks a PIN typed on the technician screen against the configured hash.
pub fn verify_pin(pin: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| {
        Argon2::default()
            .verify_password(pin.as_bytes(), &h)
            .is_ok()
    })
}

/// Whether `text` is a PHC hash string the check can use.
pub(super) fn is_hash(text: &str) -> bool {
    PasswordHash::new(text).is_ok()
}
