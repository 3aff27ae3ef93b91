//! Mainland mobile numbers: the applicant's contact number and an EMS recipient's.

/// Mainland mobile numbers (docs/DOMAIN.md, "Mobile numbers"; after VincentSit's MIT regex):
/// `^1(3\d|4[579]|5[0-35-9]|6[2567]|7[0-35-8]|8\d|9[0-35-9])\d{8}$`.
pub fn valid_mobile(phone: &str) -> bool {
    let b = phone.as_bytes();
    if b.len() != 11 || !b.iter().all(u8::is_ascii_digit) || b[0] != b'1' {
        return false;
    }
    let second = b[2];
    let ok = |set: &[u8]| set.contains(&second);
    match b[1] {
        b'3' | b'8' => true,
        b'4' => ok(b"579"),
        b'5' => ok(b"012356789"),
        b'6' => ok(b"2567"),
        b'7' => ok(b"01235678"),
        b'9' => ok(b"012356789"),
        _ => false,
    }
}
