//! Unguessable secrets (refresh tokens).

use zonmart_ports::SecretGenerator;

use crate::digest::hex;

/// 256 bits from the thread-local CSPRNG (seeded by the operating system),
/// in lower-case hex: URL-safe as it is.
#[derive(Debug, Clone, Copy, Default)]
pub struct RandomSecrets;

impl SecretGenerator for RandomSecrets {
    fn secret(&self) -> String {
        let bytes: [u8; 32] = rand::random();
        hex(&bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_64_hex_digits_and_differ() {
        let (a, b) = (RandomSecrets.secret(), RandomSecrets.secret());
        assert_eq!(a.len(), 64);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }
}
