//! SHA-256 digests, HMAC-SHA256 and lower-case hex, shared by the password
//! pre-hash, the refresh-token lookup hash, webhook signing and payment
//! signature checks.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// HMAC-SHA256 keyed by `key`, ready for `update`.
pub(crate) fn hmac_sha256(key: &[u8]) -> Hmac<Sha256> {
    // HMAC takes a key of any length: this cannot fail.
    Hmac::<Sha256>::new_from_slice(key).unwrap_or_else(|_| unreachable!())
}

/// Lower- or upper-case hex as bytes; `None` for anything else.
pub(crate) fn from_hex(text: &str) -> Option<Vec<u8>> {
    // from_str_radix alone would take a sign ("+1").
    if !text.len().is_multiple_of(2) || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok()).collect()
}

/// The SHA-256 of `bytes`, in lower-case hex (64 characters).
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// `bytes` in lower-case hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_reads_back_what_it_writes_and_nothing_else() {
        assert_eq!(from_hex(&hex(&[0, 1, 0xab, 0xff])), Some(vec![0, 1, 0xab, 0xff]));
        assert_eq!(from_hex("ABff"), Some(vec![0xab, 0xff]));
        for bad in ["a", "zz", "+1", "é1"] {
            assert_eq!(from_hex(bad), None, "{bad}");
        }
    }

    #[test]
    fn sha256_of_the_empty_string_is_the_known_value() {
        assert_eq!(sha256_hex(b""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }
}
