//! Password hashing with bcrypt, off the async workers.
//!
//! bcrypt reads at most 72 bytes of a password, and bcrypt 0.19's plain
//! `hash` silently drops the rest, while its `non_truncating_*` functions
//! refuse 72 bytes and more. Our passwords may be 128 characters (up to 512
//! bytes), so a password longer than 71 bytes is first reduced to the
//! SHA-256 of its bytes, in lower-case hex (64 bytes), and that is what
//! bcrypt sees, in `hash` and `verify` alike. Every byte of every password
//! therefore counts, and nothing is ever truncated.

use std::borrow::Cow;

use async_trait::async_trait;
use zonmart_domain::{Password, PasswordHash};
use zonmart_ports::{HashError, PasswordHasher};

use crate::digest::{hex, sha256_hex};

/// The longest input bcrypt 0.19 takes without truncating.
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
        let dummy = bcrypt_hash(hex(&secret).as_bytes(), cost)?;
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
        tokio::task::spawn_blocking(move || bcrypt_hash(password.as_bytes(), cost))
            .await
            .map_err(|e| HashError(format!("hashing task failed: {e}")))?
    }

    async fn verify(&self, candidate: &str, hash: &PasswordHash) -> Result<bool, HashError> {
        let candidate = candidate.to_owned();
        let hash = hash.as_str().to_owned();
        tokio::task::spawn_blocking(move || {
            bcrypt::non_truncating_verify(bcrypt_input(candidate.as_bytes()), &hash)
                .map_err(|e| HashError(e.to_string()))
        })
        .await
        .map_err(|e| HashError(format!("verifying task failed: {e}")))?
    }

    fn dummy_hash(&self) -> PasswordHash {
        self.dummy.clone()
    }
}

fn bcrypt_hash(password: &[u8], cost: u32) -> Result<PasswordHash, HashError> {
    bcrypt::non_truncating_hash(bcrypt_input(password), cost)
        .map(PasswordHash::new)
        .map_err(|e| HashError(e.to_string()))
}

/// What bcrypt is given for `password` (see the module docs).
fn bcrypt_input(password: &[u8]) -> Cow<'_, [u8]> {
    if password.len() <= BCRYPT_MAX_INPUT {
        Cow::Borrowed(password)
    } else {
        Cow::Owned(sha256_hex(password).into_bytes())
    }
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
        assert!(hash.as_str().starts_with("$2b$04$"));
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
        assert!(dummy.as_str().starts_with("$2b$04$"));
        assert!(!hasher.verify("", &dummy).await.unwrap());
        assert!(!hasher.verify("password", &dummy).await.unwrap());
    }

    #[test]
    fn an_impossible_cost_is_refused() {
        assert!(BcryptHasher::new(3).is_err());
        assert!(BcryptHasher::new(32).is_err());
    }

    #[tokio::test]
    async fn a_malformed_stored_hash_is_an_error_not_a_mismatch() {
        assert!(hasher().verify("whatever1", &PasswordHash::new("not a hash".into())).await.is_err());
    }
}
