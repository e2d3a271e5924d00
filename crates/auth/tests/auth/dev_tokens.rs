//! Tokens minted with the dev key verify with the dev key's own verifier configuration.

use crowdcrunch_auth::dev::{DevKey, TokenSpec, DEV_AUDIENCE, DEV_ISSUER};
use crowdcrunch_auth::Verifier;

#[tokio::test]
async fn dev_tokens_verify_against_the_dev_jwks() {
    let dir = tempfile::tempdir().unwrap();
    let key = DevKey::ensure(dir.path()).unwrap();
    let verifier = Verifier::new(key.verifier_config()).await.unwrap();
    let token = key
        .mint(&TokenSpec {
            sub: "customer:42".into(),
            customer_id: Some("0b6f7c2e-0000-4000-8000-000000000042".into()),
            scopes: vec!["orders:manage".into()],
            ttl_s: 600,
        })
        .unwrap();
    let claims = verifier.verify(&token).unwrap();
    assert_eq!(claims.sub, "customer:42");
    assert_eq!(claims.scopes, ["orders:manage"]);
    assert_eq!(
        claims.customer_id.as_deref(),
        Some("0b6f7c2e-0000-4000-8000-000000000042")
    );
    assert_eq!(claims.extra["iss"], DEV_ISSUER);
    assert_eq!(claims.extra["aud"], DEV_AUDIENCE);
    // The same directory yields the same key: a token made before still verifies.
    let again = DevKey::ensure(dir.path()).unwrap();
    let verifier = Verifier::new(again.verifier_config()).await.unwrap();
    assert!(verifier.verify(&token).is_ok());
}
