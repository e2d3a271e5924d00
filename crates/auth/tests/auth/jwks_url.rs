//! A JWKS served over HTTP: rotation by kid, an issuer that goes away, a first load that fails.

use crowdcrunch_auth::{AuthError, Verifier, VerifierConfig};
use serde_json::json;

use crate::keys::{jwks, unreachable_url, JwksServer, TestKey};

fn config(url: &str) -> VerifierConfig {
    VerifierConfig {
        jwks_url: Some(url.to_string()),
        refresh_s: 0,
        fetch_timeout_ms: 2_000,
        ..VerifierConfig::default()
    }
}

#[tokio::test]
async fn a_rotated_key_is_fetched_when_a_token_names_its_kid() {
    let (old, new) = (TestKey::ed("2024"), TestKey::rsa());
    let server = JwksServer::start(jwks(&[&old])).await;
    let verifier = Verifier::new(config(&server.url)).await.unwrap();
    assert!(verifier.verify(&old.mint(json!({}))).is_ok());
    // The issuer rotates: the new key is published, the old one withdrawn.
    server.set(jwks(&[&new]));
    let token = new.mint(json!({"sub": "after-rotation"}));
    let claims = verifier.verify_refreshing(&token).await.unwrap();
    assert_eq!(claims.sub, "after-rotation");
    assert_eq!(
        verifier.verify(&old.mint(json!({}))),
        Err(AuthError::UnknownKey)
    );
    assert_eq!(server.hits(), 2);
}

#[tokio::test]
async fn unknown_kids_refetch_at_most_once_per_interval() {
    let key = TestKey::ec("k1");
    let server = JwksServer::start(jwks(&[&key])).await;
    let verifier = Verifier::new(config(&server.url)).await.unwrap();
    for i in 0..5 {
        let stranger = TestKey::ec(&format!("made-up-{i}"));
        let token = stranger.mint(json!({}));
        assert_eq!(
            verifier.verify_refreshing(&token).await,
            Err(AuthError::UnknownKey)
        );
    }
    assert_eq!(server.hits(), 2, "one load at start, one refetch");
}

#[tokio::test]
async fn the_last_good_keys_stay_when_the_jwks_url_becomes_unreachable() {
    let key = TestKey::ec("k1");
    let server = JwksServer::start(jwks(&[&key])).await;
    let verifier = Verifier::new(config(&server.url)).await.unwrap();
    server.stop().await;
    let err = verifier.reload().await.unwrap_err();
    assert_eq!(err.reason(), "jwks_unavailable");
    assert!(verifier.verify(&key.mint(json!({}))).is_ok());
}

#[tokio::test]
async fn a_garbled_jwks_answer_keeps_the_last_good_keys() {
    let key = TestKey::ed("k1");
    let server = JwksServer::start(jwks(&[&key])).await;
    let verifier = Verifier::new(config(&server.url)).await.unwrap();
    server.set("<html>maintenance</html>".into());
    assert!(verifier.reload().await.is_err());
    assert!(verifier.verify(&key.mint(json!({}))).is_ok());
}

#[tokio::test]
async fn a_first_load_that_fails_is_a_clear_error() {
    let url = unreachable_url().await;
    let err = Verifier::new(config(&url)).await.err().unwrap();
    assert_eq!(err.reason(), "jwks_unavailable");
    let message = err.to_string();
    assert!(
        message.contains("first load") && message.contains(&url),
        "{message}"
    );
}

#[tokio::test]
async fn a_jwks_url_that_never_answers_times_out() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/jwks.json", listener.local_addr().unwrap());
    // Accepts connections and never answers.
    let hold = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            open.push(socket);
        }
    });
    let cfg = VerifierConfig {
        fetch_timeout_ms: 300,
        ..config(&url)
    };
    let err = Verifier::new(cfg).await.err().unwrap();
    assert_eq!(err.reason(), "jwks_unavailable");
    hold.abort();
}

#[tokio::test]
async fn the_key_set_is_refreshed_periodically() {
    let (old, new) = (TestKey::ed("a"), TestKey::ed("b"));
    let server = JwksServer::start(jwks(&[&old])).await;
    let verifier = Verifier::new(VerifierConfig {
        refresh_s: 1,
        ..config(&server.url)
    })
    .await
    .unwrap();
    server.set(jwks(&[&old, &new]));
    // Waits for the refresh by polling the plain (non-refetching) check, not a clock.
    let token = new.mint(json!({}));
    let mut polls = 0;
    while verifier.verify(&token).is_err() {
        polls += 1;
        assert!(polls < 600, "the key set was never refreshed");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(server.hits() >= 2);
}

#[tokio::test]
async fn a_verified_token_is_checked_again_once_its_key_leaves_the_set() {
    let (kept, dropped) = (TestKey::ec("kept"), TestKey::ec("dropped"));
    let server = JwksServer::start(jwks(&[&kept, &dropped])).await;
    let verifier = Verifier::new(config(&server.url)).await.unwrap();
    let token = dropped.mint(json!({"sub": "cached"}));
    // Twice: the second answer comes from the verified-token cache.
    assert_eq!(verifier.verify(&token).unwrap().sub, "cached");
    assert_eq!(verifier.verify(&token).unwrap().sub, "cached");
    server.set(jwks(&[&kept]));
    verifier.reload().await.unwrap();
    assert_eq!(verifier.verify(&token), Err(AuthError::UnknownKey));
}
