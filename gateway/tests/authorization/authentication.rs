//! Tokens at the gateway: refused with 401 or taken as anonymous, forwarded to subgraphs,
//! verified against a JWKS URL that rotates its keys or goes away.

use std::sync::{Arc, Mutex};

use crowdcrunch_auth::dev::DevKey;
use crowdcrunch_gateway::auth::AuthenticationConfig;
use serde_json::{json, Value};

use crate::harness::{anonymous_on_invalid, authentication, key_dir, start, start_with};

const BOOK: &str = r#"{ book(id: "b1") { title borrower { name } } }"#;

fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("")
}

#[tokio::test]
async fn an_invalid_token_is_refused_with_401_before_any_subgraph_call() {
    let library = start().await;
    let stranger = DevKey::ensure(&key_dir()).unwrap();
    let forged = crate::harness::Library::token_from(&stranger, "x", &["loans:read"]);
    for authorization in [
        format!("Bearer {forged}"),
        "Bearer not-a-jwt".to_string(),
        "Basic dXNlcjpwYXNz".to_string(),
    ] {
        let (status, body) = library
            .request(json!({ "query": BOOK }), Some(authorization))
            .await;
        assert_eq!(status, 401, "{body}");
        assert_eq!(code(&body), "UNAUTHENTICATED");
        assert!(body.get("data").is_none());
    }
    assert_eq!(library.subgraph_requests(), 0);
    // No token at all is anonymous, not an error.
    let (status, body) = library.query(BOOK, None).await;
    assert_eq!(status, 200);
    assert_eq!(body["data"]["book"]["title"], "Dune");
}

#[tokio::test]
async fn an_invalid_token_is_anonymous_when_configured_so() {
    let key = DevKey::ensure(&key_dir()).unwrap();
    let config = anonymous_on_invalid(authentication(&key));
    let library = start_with(key, Some(config)).await;
    let (status, body) = library.query(BOOK, Some("garbage")).await;
    assert_eq!(status, 200);
    assert_eq!(
        body["data"]["book"],
        json!({"title": "Dune", "borrower": null})
    );
    assert_eq!(code(&body), "UNAUTHORIZED_FIELD_OR_TYPE");
}

#[tokio::test]
async fn the_clients_token_reaches_the_subgraphs() {
    let library = start().await;
    let token = library.token("staff-1", &["loans:read"]);
    let (status, _) = library.query(BOOK, Some(&token)).await;
    assert_eq!(status, 200);
    let expected = vec![format!("Bearer {token}")];
    assert_eq!(library.authorization_seen_by("catalog"), expected);
    assert_eq!(library.authorization_seen_by("loans"), expected);
}

#[tokio::test]
async fn a_token_from_a_cookie_is_verified_and_forwarded_as_a_bearer_header() {
    let key = DevKey::ensure(&key_dir()).unwrap();
    let config = AuthenticationConfig {
        cookie: Some("session".into()),
        ..authentication(&key)
    };
    let library = start_with(key, Some(config)).await;
    let token = library.token("staff-1", &["loans:read"]);
    let res = reqwest::Client::new()
        .post(&library.url)
        .header("cookie", format!("theme=dark; session={token}"))
        .json(&json!({ "query": BOOK }))
        .send()
        .await
        .unwrap();
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["data"]["book"]["borrower"], json!({"name": "Ada"}));
    assert_eq!(
        library.authorization_seen_by("loans"),
        [format!("Bearer {token}")]
    );
}

#[tokio::test]
async fn without_authentication_tokens_are_ignored_and_not_forwarded() {
    let key = DevKey::ensure(&key_dir()).unwrap();
    let library = start_with(key, None).await;
    let token = library.token("staff-1", &["loans:read"]);
    let (status, body) = library.query(BOOK, Some(&token)).await;
    assert_eq!(status, 200);
    assert_eq!(body["data"]["book"]["borrower"], Value::Null);
    assert!(library.authorization_seen_by("catalog").is_empty());
}

/// A JWKS document served over real HTTP; the test swaps it or stops the server.
struct JwksServer {
    url: String,
    document: Arc<Mutex<String>>,
    task: tokio::task::JoinHandle<()>,
}

impl JwksServer {
    async fn start(document: String) -> Self {
        let document = Arc::new(Mutex::new(document));
        let doc = document.clone();
        let app = axum::Router::new().route(
            "/jwks.json",
            axum::routing::get(move || {
                let body = doc.lock().unwrap().clone();
                // No keep-alive: once stopped, every fetch fails.
                async move { ([(axum::http::header::CONNECTION, "close")], body) }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/jwks.json", listener.local_addr().unwrap());
        let task = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        JwksServer {
            url,
            document,
            task,
        }
    }
}

fn jwks_of(key: &DevKey) -> String {
    std::fs::read_to_string(key.jwks_path()).unwrap()
}

fn url_config(url: &str) -> AuthenticationConfig {
    AuthenticationConfig {
        jwks_url: Some(url.into()),
        issuer: Some("crowdcrunch-dev".into()),
        audiences: vec!["crowdcrunch".into()],
        refresh_s: 0,
        fetch_timeout_ms: 2_000,
        ..AuthenticationConfig::default()
    }
}

#[tokio::test]
async fn a_rotated_key_and_an_unreachable_jwks_url_through_the_gateway() {
    let (old, new) = (
        DevKey::ensure(&key_dir()).unwrap(),
        DevKey::ensure(&key_dir()).unwrap(),
    );
    let server = JwksServer::start(jwks_of(&old)).await;
    let new_token = crate::harness::Library::token_from(&new, "staff-1", &["loans:read"]);
    let library = start_with(old, Some(url_config(&server.url))).await;
    let old_token = library.token("staff-1", &["loans:read"]);
    let (status, _) = library.query(BOOK, Some(&old_token)).await;
    assert_eq!(status, 200);
    // The issuer publishes both keys and starts signing with the new one.
    let both: Value = {
        let a: Value = serde_json::from_str(&jwks_of(&library.key)).unwrap();
        let b: Value = serde_json::from_str(&jwks_of(&new)).unwrap();
        json!({"keys": [a["keys"][0], b["keys"][0]]})
    };
    *server.document.lock().unwrap() = both.to_string();
    let (status, body) = library.query(BOOK, Some(&new_token)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["book"]["borrower"], json!({"name": "Ada"}));
    // The JWKS URL goes away: the keys already known keep working.
    server.task.abort();
    let _ = server.task.await;
    let (status, body) = library.query(BOOK, Some(&old_token)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["book"]["borrower"], json!({"name": "Ada"}));
    // A third key is refused: not in the last good set, and the JWKS cannot be refetched.
    let third = DevKey::ensure(&key_dir()).unwrap();
    let third_token = crate::harness::Library::token_from(&third, "staff-1", &[]);
    let (status, body) = library.query(BOOK, Some(&third_token)).await;
    assert_eq!((status, code(&body)), (401, "UNAUTHENTICATED"));
}

#[tokio::test]
async fn a_gateway_whose_jwks_cannot_be_loaded_does_not_start() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/jwks.json", listener.local_addr().unwrap());
    drop(listener);
    let config = crowdcrunch_gateway::config::Config {
        listen: "127.0.0.1:0".into(),
        authentication: Some(url_config(&url)),
        ..Default::default()
    };
    let err = crowdcrunch_gateway::spawn(crate::harness::LIBRARY_SUPERGRAPH, config)
        .await
        .err()
        .expect("the gateway must not start without its keys");
    let message = err.to_string();
    assert!(
        message.contains("authentication") && message.contains(&url),
        "{message}"
    );
}
