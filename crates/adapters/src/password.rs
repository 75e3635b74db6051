//! Password hashing with bcrypt, off the async workers.
//!
//! bcrypt reads at most 72 bytes, and our passwords may be 128 characters
//! (up to 512 bytes). So every password is first reduced to the SHA-256 of
//! its bytes in lower-case hex (64 bytes), and that is what bcrypt sees; the
//! stored hash says so with a `bcrypt_sha256$` prefix (Django's scheme of
//! the same name). Every byte of every password counts, and since every
//! candidate is reduced the same way, no other string (a digest of the
//! password included) logs in.
//!
//! Hashes of the scheme before it (plain `$2b$`, with only passwords over
//! 71 bytes reduced) still verify, and [`PasswordHasher::needs_rehash`] asks
//! for their replacement on the next successful login, as for a hash of
//! another cost. Verifying a hash of a lower cost than the configured one
//! also does the configured cost's work, so its user cannot be told apart
//! by the time a login takes.

use std::borrow::Cow;

use async_trait::async_trait;
use zonmart_domain::{Password, PasswordHash};
use zonmart_ports::{HashError, PasswordHasher};

use crate::digest::{hex, sha256_hex};

/// The prefix of a hash of the current scheme (see the module docs).
const SCHEME_PREFIX: &str = "bcrypt_sha256$";

/// The longest input bcrypt 0.19 takes without truncating (the older scheme
/// passed passwords up to this length as they were).
const BCRYPT_MAX_INPUT: usize = 71;

/// Hashes with bcrypt at a fixed cost.
#[derive(Debug, Clone)]
pub struct BcryptHasher {
    cost: u32,
    dummy: PasswordHash,
}

impl BcryptHasher {
    /// A hasher at `cost` (4..=31). Blocks while it computes its dummy hash
    /// (one real hash at that cost): build it at start-up, not per request.
    pub fn new(cost: u32) -> Result<Self, HashError> {
        // A random secret nobody knows: nothing ever verifies against it.
        let secret: [u8; 32] = rand::random();
        let dummy = hash_current(hex(&secret).as_bytes(), cost)?;
        Ok(Self { cost, dummy })
    }

    pub fn cost(&self) -> u32 {
        self.cost
    }
}

#[async_trait]
impl PasswordHasher for BcryptHasher {
    async fn hash(&self, password: &Password) -> Result<PasswordHash, HashError> {
        let password = password.expose().to_owned();
        let cost = self.cost;
        tokio::task::spawn_blocking(move || hash_current(password.as_bytes(), cost))
            .await
            .map_err(|e| HashError(format!("hashing task failed: {e}")))?
    }

    async fn verify(&self, candidate: &str, hash: &PasswordHash) -> Result<bool, HashError> {
        let candidate = candidate.to_owned();
        let hash = hash.as_str().to_owned();
        let (cost, dummy) = (self.cost, self.dummy.as_str().to_owned());
        tokio::task::spawn_blocking(move || {
            let matches = verify_any_scheme(candidate.as_bytes(), &hash);
            if stored_cost(&hash).is_none_or(|stored| stored < cost) {
                // The configured cost's work, whose answer does not matter.
                let _ = verify_any_scheme(candidate.as_bytes(), &dummy);
            }
            matches
        })
        .await
        .map_err(|e| HashError(format!("verifying task failed: {e}")))?
    }

    fn needs_rehash(&self, hash: &PasswordHash) -> bool {
        !hash.as_str().starts_with(SCHEME_PREFIX) || stored_cost(hash.as_str()) != Some(self.cost)
    }

    fn dummy_hash(&self) -> PasswordHash {
        self.dummy.clone()
    }
}

/// A hash of the current scheme.
fn hash_current(password: &[u8], cost: u32) -> Result<PasswordHash, HashError> {
    bcrypt::non_truncating_hash(sha256_hex(password), cost)
        .map(|bcrypt| PasswordHash::new(format!("{SCHEME_PREFIX}{bcrypt}")))
        .map_err(|e| HashError(e.to_string()))
}

/// Verifies against a hash of the current or of the older scheme.
fn verify_any_scheme(candidate: &[u8], stored: &str) -> Result<bool, HashError> {
    let outcome = match stored.strip_prefix(SCHEME_PREFIX) {
        Some(bcrypt) => bcrypt::non_truncating_verify(sha256_hex(candidate), bcrypt),
        None => bcrypt::non_truncating_verify(older_scheme_input(candidate), stored),
    };
    outcome.map_err(|e| HashError(e.to_string()))
}

/// What the older scheme gave bcrypt: short passwords as they were.
fn older_scheme_input(password: &[u8]) -> Cow<'_, [u8]> {
    if password.len() <= BCRYPT_MAX_INPUT {
        Cow::Borrowed(password)
    } else {
        Cow::Owned(sha256_hex(password).into_bytes())
    }
}

/// The cost of a stored bcrypt hash (`$2b$12$…` → 12), of either scheme.
fn stored_cost(stored: &str) -> Option<u32> {
    let bcrypt = stored.strip_prefix(SCHEME_PREFIX).unwrap_or(stored);
    bcrypt.split('$').nth(2)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEST_COST: u32 = 4;

    fn hasher() -> BcryptHasher {
        BcryptHasher::new(TEST_COST).unwrap()
    }

    fn password(s: &str) -> Password {
        Password::parse(s).unwrap()
    }

    #[tokio::test]
    async fn the_right_password_verifies_and_a_wrong_one_does_not() {
        let hasher = hasher();
        let hash = hasher.hash(&password("correct horse battery")).await.unwrap();
        assert!(hash.as_str().starts_with("bcrypt_sha256$$2b$04$"));
        assert!(hasher.verify("correct horse battery", &hash).await.unwrap());
        assert!(!hasher.verify("correct horse battery!", &hash).await.unwrap());
    }

    #[tokio::test]
    async fn long_passwords_differing_only_after_byte_72_are_different_passwords() {
        let hasher = hasher();
        let common = "x".repeat(72);
        let (first, second) = (format!("{common}first"), format!("{common}second"));
        let hash = hasher.hash(&password(&first)).await.unwrap();
        assert!(hasher.verify(&first, &hash).await.unwrap());
        assert!(!hasher.verify(&second, &hash).await.unwrap());
    }

    #[tokio::test]
    async fn a_128_character_multibyte_password_round_trips() {
        let hasher = hasher();
        let long = "é".repeat(127) + "!";
        let hash = hasher.hash(&password(&long)).await.unwrap();
        assert!(hasher.verify(&long, &hash).await.unwrap());
        assert!(!hasher.verify(&"é".repeat(128), &hash).await.unwrap());
    }

    #[tokio::test]
    async fn passwords_at_the_71_and_72_byte_boundary_both_count_every_byte() {
        let hasher = hasher();
        for len in [71, 72] {
            let pw = "y".repeat(len - 1) + "a";
            let hash = hasher.hash(&password(&pw)).await.unwrap();
            assert!(hasher.verify(&pw, &hash).await.unwrap(), "{len}");
            assert!(!hasher.verify(&("y".repeat(len - 1) + "b"), &hash).await.unwrap(), "{len}");
        }
    }

    #[tokio::test]
    async fn the_dummy_hash_is_a_real_hash_at_the_configured_cost_that_nothing_matches() {
        let hasher = hasher();
        let dummy = hasher.dummy_hash();
        assert!(dummy.as_str().starts_with("bcrypt_sha256$$2b$04$"));
        assert!(!hasher.verify("", &dummy).await.unwrap());
        assert!(!hasher.verify("password", &dummy).await.unwrap());
    }

    #[test]
    fn an_impossible_cost_is_refused() {
        assert!(BcryptHasher::new(3).is_err());
        assert!(BcryptHasher::new(32).is_err());
    }

    #[tokio::test]
    async fn the_digest_of_a_long_password_is_not_that_password() {
        let hasher = hasher();
        let long = "z".repeat(100);
        let hash = hasher.hash(&password(&long)).await.unwrap();
        assert!(hasher.verify(&long, &hash).await.unwrap());
        assert!(!hasher.verify(&sha256_hex(long.as_bytes()), &hash).await.unwrap());
    }

    #[tokio::test]
    async fn hashes_of_the_older_scheme_still_verify_and_ask_to_be_replaced() {
        let hasher = hasher();
        let older = PasswordHash::new(bcrypt::non_truncating_hash("correct horse", TEST_COST).unwrap());
        assert!(hasher.verify("correct horse", &older).await.unwrap());
        assert!(!hasher.verify("correct horsE", &older).await.unwrap());
        assert!(hasher.needs_rehash(&older));
        let current = hasher.hash(&password("correct horse")).await.unwrap();
        assert!(!hasher.needs_rehash(&current));
    }

    #[tokio::test]
    async fn a_hash_of_another_cost_asks_to_be_replaced() {
        let at_five = BcryptHasher::new(5).unwrap().hash(&password("correct horse")).await.unwrap();
        assert!(hasher().needs_rehash(&at_five));
        assert_eq!(stored_cost(at_five.as_str()), Some(5));
    }

    #[tokio::test]
    async fn verifying_a_cheaper_hash_does_the_configured_costs_work() {
        // Cost 4 against a hasher at 8: the answer is right, and the padding
        // makes it take as long as a dummy verify at 8 (16 times cost 4).
        let cheap = hasher().hash(&password("correct horse")).await.unwrap();
        let strong = BcryptHasher::new(8).unwrap();
        // The fastest of three runs each, so a busy machine does not decide.
        let (mut padded, mut dummy) = (std::time::Duration::MAX, std::time::Duration::MAX);
        for _ in 0..3 {
            let started = std::time::Instant::now();
            assert!(strong.verify("correct horse", &cheap).await.unwrap());
            padded = padded.min(started.elapsed());
            let started = std::time::Instant::now();
            assert!(!strong.verify("correct horse", &strong.dummy_hash()).await.unwrap());
            dummy = dummy.min(started.elapsed());
        }
        assert!(padded * 2 > dummy, "padded {padded:?} against a dummy verify's {dummy:?}");
    }

    #[tokio::test]
    async fn a_malformed_stored_hash_is_an_error_not_a_mismatch() {
        assert!(hasher().verify("whatever1", &PasswordHash::new("not a hash".into())).await.is_err());
    }
}
