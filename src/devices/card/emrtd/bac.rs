//! Basic Access Control cryptography (ICAO Doc 9303 Part 11 §4.3, checked against the worked
//! example of its Appendix D): key derivation from the MRZ information, two-key 3DES in CBC mode
//! with a zero IV, and the ISO/IEC 9797-1 MAC algorithm 3 ("retail MAC") with padding method 2.
//! The APDU exchange (`chip::authenticate`) and secure messaging (`sm`) build on these.

use des::TdesEde2;
use des::cipher::{BlockDecrypt, BlockEncrypt, KeyInit, generic_array::GenericArray};
use sha1::{Digest, Sha1};

/// KDF(K, c) = SHA-1(K ‖ c as 4 bytes big-endian), first 16 bytes, each byte adjusted to odd
/// parity as DES keys are written (DES ignores the parity bits; Appendix D lists adjusted keys).
pub fn kdf(seed: &[u8], counter: u32) -> [u8; 16] {
    let mut h = Sha1::new();
    h.update(seed);
    h.update(counter.to_be_bytes());
    let digest = h.finalize();
    let mut key = [0u8; 16];
    for (k, d) in key.iter_mut().zip(digest.iter()) {
        let high = d & 0xFE;
        *k = if high.count_ones().is_multiple_of(2) {
            high | 1
        } else {
            high
        };
    }
    key
}

/// The document access keys (K_enc, K_mac) from the MRZ information (`mrz::Mrz::bac_input`).
pub fn access_keys(mrz_information: &str) -> ([u8; 16], [u8; 16]) {
    let digest = Sha1::digest(mrz_information.as_bytes());
    let seed = &digest[..16];
    (kdf(seed, 1), kdf(seed, 2))
}

/// Padding method 2: `80`, then zeros to a multiple of 8 bytes.
pub fn pad(data: &[u8]) -> Vec<u8> {
    let mut out = data.to_vec();
    out.push(0x80);
    while !out.len().is_multiple_of(8) {
        out.push(0);
    }
    out
}

/// Removes padding method 2; `None` if it is malformed.
pub fn unpad(data: &[u8]) -> Option<&[u8]> {
    let end = data.iter().rposition(|&b| b != 0)?;
    (data[end] == 0x80).then(|| &data[..end])
}

/// 3DES-CBC encryption with a zero IV of data already a multiple of 8 bytes.
pub fn encrypt(key: &[u8; 16], data: &[u8]) -> Vec<u8> {
    let cipher = TdesEde2::new(GenericArray::from_slice(key));
    let mut prev = [0u8; 8];
    let mut out = Vec::with_capacity(data.len());
    for chunk in data.chunks(8) {
        let mut block = [0u8; 8];
        for i in 0..8 {
            block[i] = chunk.get(i).copied().unwrap_or(0) ^ prev[i];
        }
        let mut b = GenericArray::clone_from_slice(&block);
        cipher.encrypt_block(&mut b);
        prev.copy_from_slice(&b);
        out.extend_from_slice(&b);
    }
    out
}

/// 3DES-CBC decryption with a zero IV.
pub fn decrypt(key: &[u8; 16], data: &[u8]) -> Vec<u8> {
    let cipher = TdesEde2::new(GenericArray::from_slice(key));
    let mut prev = [0u8; 8];
    let mut out = Vec::with_capacity(data.len());
    for chunk in data.chunks_exact(8) {
        let mut b = GenericArray::clone_from_slice(chunk);
        cipher.decrypt_block(&mut b);
        for i in 0..8 {
            out.push(b[i] ^ prev[i]);
        }
        prev.copy_from_slice(chunk);
    }
    out
}

/// ISO/IEC 9797-1 MAC algorithm 3 over data already padded to a multiple of 8 bytes: single DES
/// CBC with the key's first half, then the last block decrypted with the second half and
/// encrypted with the first.
pub fn retail_mac(key: &[u8; 16], data: &[u8]) -> [u8; 8] {
    let ka = des::Des::new(GenericArray::from_slice(&key[..8]));
    let kb = des::Des::new(GenericArray::from_slice(&key[8..]));
    let mut state = GenericArray::clone_from_slice(&[0u8; 8]);
    for chunk in data.chunks(8) {
        for i in 0..8 {
            state[i] ^= chunk.get(i).copied().unwrap_or(0);
        }
        ka.encrypt_block(&mut state);
    }
    kb.decrypt_block(&mut state);
    ka.encrypt_block(&mut state);
    let mut mac = [0u8; 8];
    mac.copy_from_slice(&state);
    mac
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn appendix_d_key_derivation() {
        let digest = Sha1::digest(b"L898902C<369080619406236");
        assert_eq!(
            &digest[..16],
            hex("239AB9CB282DAF66231DC5A4DF6BFBAE").as_slice()
        );
        let (enc, mac) = access_keys("L898902C<369080619406236");
        assert_eq!(enc.to_vec(), hex("AB94FDECF2674FDFB9B391F85D7F76F2"));
        assert_eq!(mac.to_vec(), hex("7962D9ECE03D1ACD4C76089DCE131543"));
    }

    #[test]
    fn iso_9797_1_retail_mac_vector() {
        let key: [u8; 16] = hex("0123456789ABCDEFFEDCBA9876543210").try_into().unwrap();
        assert_eq!(
            retail_mac(&key, b"Now is the time for all ").to_vec(),
            hex("A1C72E74EA3FA9B6")
        );
    }

    #[test]
    fn cbc_round_trip_and_padding() {
        let (enc, _) = access_keys("L898902C<369080619406236");
        let data = pad(b"0123456789abcdef-secure messaging");
        assert_eq!(data.len() % 8, 0);
        let c = encrypt(&enc, &data);
        assert_ne!(c, data);
        assert_eq!(decrypt(&enc, &c), data);
        assert_eq!(
            unpad(&data),
            Some(&b"0123456789abcdef-secure messaging"[..])
        );
        assert_eq!(unpad(&[1, 2, 0, 0]), None, "no 80 marker");
        assert_eq!(
            pad(&[0u8; 8]).len(),
            16,
            "a full block gets a whole padding block"
        );
    }
}
