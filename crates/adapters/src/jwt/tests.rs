use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{Duration, TimeZone, Utc};

use super::*;

const SECRET: &[u8] = b"a test secret of at least thirty-two bytes";

fn issued_at() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap()
}

fn claims() -> AccessClaims {
    AccessClaims {
        user_id: UserId::from_ulid(Ulid::from_parts(1_700_000_000_000, 42)),
        role: Role::Admin,
        issued_at: issued_at(),
        expires_at: issued_at() + Duration::minutes(15),
        token_id: Ulid::from_parts(1_700_000_000_001, 7),
        session_generation: 4,
    }
}

fn issuer() -> JwtIssuer {
    JwtIssuer::hs256(SECRET)
}

fn segments(token: &str) -> Vec<String> {
    token.split('.').map(str::to_owned).collect()
}

fn encode_json(value: &serde_json::Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).unwrap())
}

/// The same token with its header replaced (the signature kept).
fn with_header(token: &str, header: serde_json::Value) -> String {
    let parts = segments(token);
    format!("{}.{}.{}", encode_json(&header), parts[1], parts[2])
}

#[test]
fn an_issued_token_verifies_to_the_same_claims() {
    let token = issuer().issue(&claims()).unwrap();
    assert_eq!(issuer().verify(&token, issued_at() + Duration::minutes(1)), Ok(claims()));
}

#[test]
fn the_payload_carries_the_agreed_claim_names() {
    let token = issuer().issue(&claims()).unwrap();
    let payload: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&segments(&token)[1]).unwrap()).unwrap();
    assert_eq!(payload["sub"], claims().user_id.to_string());
    assert_eq!(payload["role"], "admin");
    assert_eq!(payload["iat"], issued_at().timestamp());
    assert_eq!(payload["exp"], (issued_at() + Duration::minutes(15)).timestamp());
    assert_eq!(payload["jti"], claims().token_id.to_string());
}

#[test]
fn a_tampered_payload_is_invalid() {
    let customer = AccessClaims { role: Role::Customer, ..claims() };
    let token = issuer().issue(&customer).unwrap();
    let parts = segments(&token);
    let mut payload: serde_json::Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&parts[1]).unwrap()).unwrap();
    payload["role"] = "admin".into();
    let forged = format!("{}.{}.{}", parts[0], encode_json(&payload), parts[2]);
    assert_eq!(issuer().verify(&forged, issued_at()), Err(TokenError::Invalid));
}

#[test]
fn a_token_signed_with_another_secret_is_invalid() {
    let token = JwtIssuer::hs256(b"another secret, just as long as the first").issue(&claims()).unwrap();
    assert_eq!(issuer().verify(&token, issued_at()), Err(TokenError::Invalid));
}

#[test]
fn an_unsigned_alg_none_token_is_invalid() {
    let token = issuer().issue(&claims()).unwrap();
    let parts = segments(&token);
    let header = encode_json(&serde_json::json!({"alg": "none", "typ": "JWT"}));
    for unsigned in [format!("{header}.{}.", parts[1]), format!("{header}.{}.{}", parts[1], parts[2])] {
        assert_eq!(issuer().verify(&unsigned, issued_at()), Err(TokenError::Invalid), "{unsigned}");
    }
}

#[test]
fn other_algorithms_in_the_header_are_invalid() {
    let token = issuer().issue(&claims()).unwrap();
    for alg in ["RS256", "HS512", "HS384", "ES256"] {
        let other = with_header(&token, serde_json::json!({"alg": alg, "typ": "JWT"}));
        assert_eq!(issuer().verify(&other, issued_at()), Err(TokenError::Invalid), "{alg}");
    }
}

#[test]
fn a_genuine_hs512_token_with_the_same_secret_is_invalid() {
    let claims = Claims {
        sub: claims().user_id.to_string(),
        role: "admin".into(),
        exp: (issued_at() + Duration::minutes(15)).timestamp(),
        iat: issued_at().timestamp(),
        jti: claims().token_id.to_string(),
        gen: 0,
    };
    let token =
        jsonwebtoken::encode(&Header::new(Algorithm::HS512), &claims, &EncodingKey::from_secret(SECRET)).unwrap();
    assert_eq!(issuer().verify(&token, issued_at()), Err(TokenError::Invalid));
}

#[test]
fn garbage_is_invalid() {
    for garbage in ["", "abc", "a.b.c", "....", "eyJhbGciOiJIUzI1NiJ9.e30."] {
        assert_eq!(issuer().verify(garbage, issued_at()), Err(TokenError::Invalid), "{garbage}");
    }
}

#[test]
fn a_token_is_expired_from_its_exp_on() {
    let token = issuer().issue(&claims()).unwrap();
    let exp = claims().expires_at;
    assert!(issuer().verify(&token, exp - Duration::seconds(1)).is_ok());
    assert_eq!(issuer().verify(&token, exp), Err(TokenError::Expired));
    assert_eq!(issuer().verify(&token, exp + Duration::days(1)), Err(TokenError::Expired));
}

#[test]
fn a_token_without_exp_is_invalid() {
    #[derive(Serialize)]
    struct NoExp {
        sub: String,
        role: String,
        iat: i64,
        jti: String,
    }
    let claims = NoExp {
        sub: claims().user_id.to_string(),
        role: "admin".into(),
        iat: issued_at().timestamp(),
        jti: claims().token_id.to_string(),
    };
    let token =
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &EncodingKey::from_secret(SECRET)).unwrap();
    assert_eq!(issuer().verify(&token, issued_at()), Err(TokenError::Invalid));
}

#[test]
fn random_issuers_do_not_accept_each_others_tokens() {
    let (a, b) = (JwtIssuer::random_hs256(), JwtIssuer::random_hs256());
    let token = a.issue(&claims()).unwrap();
    assert!(a.verify(&token, issued_at()).is_ok());
    assert_eq!(b.verify(&token, issued_at()), Err(TokenError::Invalid));
}
