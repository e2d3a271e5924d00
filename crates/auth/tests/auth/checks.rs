//! Signature, algorithm and claim checks against a JWKS file.

use crowdcrunch_auth::{AuthError, Verifier, VerifierConfig};
use serde_json::json;

use crate::keys::{jwks, now, TestKey, AUDIENCE, ISSUER};

async fn verifier_for(keys: &[&TestKey]) -> (Verifier, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jwks.json");
    std::fs::write(&path, jwks(keys)).unwrap();
    let verifier = Verifier::new(VerifierConfig {
        jwks_file: Some(path),
        issuer: Some(ISSUER.into()),
        audiences: vec![AUDIENCE.into(), "other".into()],
        leeway_s: 30,
        refresh_s: 0,
        ..VerifierConfig::default()
    })
    .await
    .unwrap();
    (verifier, dir)
}

#[tokio::test]
async fn rs256_es256_and_eddsa_tokens_verify_and_yield_claims() {
    let (rsa, ec, ed) = (TestKey::rsa(), TestKey::ec("ec-1"), TestKey::ed("ed-1"));
    let (verifier, _dir) = verifier_for(&[&rsa, &ec, &ed]).await;
    for key in [&rsa, &ec, &ed] {
        let token =
            key.mint(json!({"scope": "orders:manage customers:read", "customer_id": "c-7"}));
        let claims = verifier.verify(&token).unwrap();
        assert_eq!(claims.sub, "user-1");
        assert_eq!(claims.scopes, ["orders:manage", "customers:read"]);
        assert_eq!(claims.customer_id.as_deref(), Some("c-7"));
        assert_eq!(claims.extra["iss"], ISSUER);
    }
    let token = ed.mint(json!({"scp": ["a", "b"], "aud": ["x", "other"]}));
    assert_eq!(verifier.verify(&token).unwrap().scopes, ["a", "b"]);
}

#[tokio::test]
async fn an_expired_token_is_refused_beyond_the_leeway_only() {
    let ed = TestKey::ed("ed-1");
    let (verifier, _dir) = verifier_for(&[&ed]).await;
    let long_gone = ed.mint(json!({"exp": now() - 600}));
    assert_eq!(verifier.verify(&long_gone), Err(AuthError::Expired));
    assert_eq!(AuthError::Expired.reason(), "expired");
    let just_now = ed.mint(json!({"exp": now() - 5}));
    assert!(
        verifier.verify(&just_now).is_ok(),
        "5 s of skew is forgiven"
    );
    let no_exp = ed.mint(json!({"exp": null}));
    assert!(
        verifier.verify(&no_exp).is_err(),
        "a token without exp never expires"
    );
    let future = ed.mint(json!({"nbf": now() + 600}));
    assert_eq!(verifier.verify(&future), Err(AuthError::NotYetValid));
}

#[tokio::test]
async fn a_wrong_issuer_or_audience_is_refused() {
    let ec = TestKey::ec("ec-1");
    let (verifier, _dir) = verifier_for(&[&ec]).await;
    let token = ec.mint(json!({"iss": "https://evil.test"}));
    assert_eq!(verifier.verify(&token), Err(AuthError::WrongIssuer));
    let token = ec.mint(json!({"aud": "someone-else"}));
    assert_eq!(verifier.verify(&token), Err(AuthError::WrongAudience));
    assert_eq!(AuthError::WrongAudience.reason(), "wrong_audience");
}

#[tokio::test]
async fn a_configured_issuer_and_audience_must_be_in_the_token() {
    let ec = TestKey::ec("ec-1");
    let (verifier, _dir) = verifier_for(&[&ec]).await;
    let no_aud = ec.mint(json!({"aud": null}));
    assert_eq!(
        verifier.verify(&no_aud),
        Err(AuthError::MissingClaim("aud".into()))
    );
    let no_iss = ec.mint(json!({"iss": null}));
    assert_eq!(
        verifier.verify(&no_iss),
        Err(AuthError::MissingClaim("iss".into()))
    );
    assert!(verifier.verify(&ec.mint(json!({}))).is_ok());
}

#[tokio::test]
async fn a_header_with_critical_extensions_is_refused() {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    let ec = TestKey::ec("ec-1");
    let (verifier, _dir) = verifier_for(&[&ec]).await;
    let token = ec.mint(json!({}));
    let mut parts: Vec<String> = token.split('.').map(str::to_string).collect();
    let header = json!({"alg": "ES256", "kid": "ec-1", "crit": ["x-bind"], "x-bind": 1});
    parts[0] = URL_SAFE_NO_PAD.encode(header.to_string());
    assert_eq!(
        verifier.verify(&parts.join(".")),
        Err(AuthError::Malformed(
            "critical header extensions are not supported"
        ))
    );
}

#[tokio::test]
async fn a_token_signed_by_another_key_under_a_known_kid_has_a_bad_signature() {
    let (real, forged) = (TestKey::ed("ed-1"), TestKey::ed("ed-1"));
    let (verifier, _dir) = verifier_for(&[&real]).await;
    assert_eq!(
        verifier.verify(&forged.mint(json!({}))),
        Err(AuthError::BadSignature)
    );
    // A payload changed after signing.
    let token = real.mint(json!({"scope": "a"}));
    let mut parts: Vec<String> = token.split('.').map(str::to_string).collect();
    let evil = real.mint(json!({"scope": "admin"}));
    parts[1] = evil.split('.').nth(1).unwrap().to_string();
    assert_eq!(
        verifier.verify(&parts.join(".")),
        Err(AuthError::BadSignature)
    );
}

#[tokio::test]
async fn an_unknown_kid_is_refused() {
    let (known, unknown) = (TestKey::ec("ec-1"), TestKey::ec("ec-2"));
    let (verifier, _dir) = verifier_for(&[&known]).await;
    let token = unknown.mint(json!({}));
    assert_eq!(verifier.verify(&token), Err(AuthError::UnknownKey));
    assert_eq!(
        verifier.verify_refreshing(&token).await,
        Err(AuthError::UnknownKey)
    );
}

#[tokio::test]
async fn garbage_hmac_and_missing_tokens_are_refused_with_their_reason() {
    let ed = TestKey::ed("ed-1");
    let (verifier, _dir) = verifier_for(&[&ed]).await;
    assert_eq!(verifier.verify("").unwrap_err().reason(), "missing");
    assert_eq!(
        verifier.verify("not.a.jwt").unwrap_err().reason(),
        "malformed"
    );
    assert_eq!(
        verifier.verify(&"a".repeat(40_000)).unwrap_err().reason(),
        "malformed"
    );
    let hmac = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &json!({"iss": ISSUER, "aud": AUDIENCE, "exp": now() + 60}),
        &jsonwebtoken::EncodingKey::from_secret(b"secret"),
    )
    .unwrap();
    assert_eq!(verifier.verify(&hmac), Err(AuthError::UnsupportedAlgorithm));
    // A token without kid is checked against the keys of its algorithm.
    assert!(verifier.verify(&ed.mint_with_kid(None, json!({}))).is_ok());
}

#[tokio::test]
async fn a_jwks_without_usable_keys_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jwks.json");
    std::fs::write(&path, r#"{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}"#).unwrap();
    let cfg = VerifierConfig {
        jwks_file: Some(path),
        ..VerifierConfig::default()
    };
    let err = Verifier::new(cfg).await.err().unwrap();
    assert_eq!(err.reason(), "jwks_unavailable");
}
