//! `SignatureVerifier` with HMAC-SHA256: the scheme of Stripe's webhooks
//! (and of Zonmart's own, `webhooks::sender::signature`).

use hmac::Mac;
use zonmart_ports::SignatureVerifier;

use crate::digest::{from_hex, hmac_sha256};

/// Checks HMAC-SHA256 signatures made with one secret.
#[derive(Clone)]
pub struct HmacSha256Verifier {
    secret: Vec<u8>,
}

impl HmacSha256Verifier {
    pub fn new(secret: &str) -> Self {
        Self { secret: secret.as_bytes().to_vec() }
    }
}

impl std::fmt::Debug for HmacSha256Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HmacSha256Verifier { secret: <redacted> }")
    }
}

impl SignatureVerifier for HmacSha256Verifier {
    fn verify(&self, payload: &[u8], signature_hex: &str) -> bool {
        let Some(signature) = from_hex(signature_hex) else { return false };
        let mut mac = hmac_sha256(&self.secret);
        mac.update(payload);
        // `verify_slice` compares in constant time.
        mac.verify_slice(&signature).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::webhooks::sender::signature;

    #[test]
    fn it_accepts_exactly_the_signature_of_the_payload_with_its_secret() {
        let header = signature("whsec_test", 1_700_000_000, b"{\"id\":\"evt_1\"}");
        let v1 = header.split_once(",v1=").map(|(_, sig)| sig).unwrap();
        let verifier = HmacSha256Verifier::new("whsec_test");
        assert!(verifier.verify(b"1700000000.{\"id\":\"evt_1\"}", v1));
        assert!(verifier.verify(b"1700000000.{\"id\":\"evt_1\"}", &v1.to_uppercase()));
        assert!(!verifier.verify(b"1700000001.{\"id\":\"evt_1\"}", v1), "another time");
        assert!(!verifier.verify(b"1700000000.{\"id\":\"evt_2\"}", v1), "another body");
        assert!(!HmacSha256Verifier::new("whsec_other").verify(b"1700000000.{\"id\":\"evt_1\"}", v1));
        assert!(!verifier.verify(b"1700000000.{\"id\":\"evt_1\"}", &v1[..62]), "truncated");
        assert!(!verifier.verify(b"1700000000.{\"id\":\"evt_1\"}", "not hex"));
    }
}
