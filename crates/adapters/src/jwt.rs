//! Access tokens as HS256-signed JWTs.
//!
//! Only HS256 is accepted: a token whose header names another algorithm
//! (`none` included) is refused before its signature is looked at. Expiry is
//! judged against the `now` the caller passes, so tests move time instead of
//! sleeping; the library's own clock-based expiry check is off.

use chrono::DateTime;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use ulid::Ulid;
use zonmart_domain::{Role, Timestamp, UserId};
use zonmart_ports::{AccessClaims, TokenError, TokenIssuer};

/// The JSON claims of an access token.
#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    /// The user's id.
    sub: String,
    role: String,
    /// Unix seconds.
    exp: i64,
    /// Unix seconds.
    iat: i64,
    jti: String,
    /// The user's session generation at issue (`AccessClaims::session_generation`).
    #[serde(default)]
    gen: i64,
}

/// Signs and checks access tokens with one shared secret.
#[derive(Clone)]
pub struct JwtIssuer {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl JwtIssuer {
    /// An HS256 issuer. The secret should be at least 32 random bytes; the
    /// configuration that supplies it is where that is enforced.
    pub fn hs256(secret: &[u8]) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.validate_exp = false;
        validation.validate_aud = false;
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "sub"]);
        Self { encoding: EncodingKey::from_secret(secret), decoding: DecodingKey::from_secret(secret), validation }
    }

    /// An HS256 issuer with a random 512-bit secret, for a run without a
    /// configured one: its tokens die with the process and no other instance
    /// accepts them.
    pub fn random_hs256() -> Self {
        let secret: [u8; 64] = rand::random();
        Self::hs256(&secret)
    }
}

impl std::fmt::Debug for JwtIssuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JwtIssuer(HS256, ***)")
    }
}

impl TokenIssuer for JwtIssuer {
    fn issue(&self, claims: &AccessClaims) -> Result<String, TokenError> {
        let claims = Claims {
            sub: claims.user_id.to_string(),
            role: claims.role.as_str().to_owned(),
            exp: claims.expires_at.timestamp(),
            iat: claims.issued_at.timestamp(),
            jti: claims.token_id.to_string(),
            gen: claims.session_generation,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| TokenError::Signing(e.to_string()))
    }

    fn verify(&self, token: &str, now: Timestamp) -> Result<AccessClaims, TokenError> {
        let data =
            jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation).map_err(|e| match e.kind() {
                // Unreachable with validate_exp off; kept so a future change cannot turn it into Invalid.
                ErrorKind::ExpiredSignature => TokenError::Expired,
                _ => TokenError::Invalid,
            })?;
        let claims = data.claims;
        let access = AccessClaims {
            user_id: UserId::parse(&claims.sub).map_err(|_| TokenError::Invalid)?,
            role: claims.role.parse::<Role>().map_err(|_| TokenError::Invalid)?,
            issued_at: DateTime::from_timestamp(claims.iat, 0).ok_or(TokenError::Invalid)?,
            expires_at: DateTime::from_timestamp(claims.exp, 0).ok_or(TokenError::Invalid)?,
            token_id: Ulid::from_string(&claims.jti).map_err(|_| TokenError::Invalid)?,
            session_generation: claims.gen,
        };
        // `exp` is the first instant at which the token is no longer good.
        if now >= access.expires_at {
            return Err(TokenError::Expired);
        }
        Ok(access)
    }
}

#[cfg(test)]
mod tests;
