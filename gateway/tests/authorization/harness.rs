//! Starts the library subgraphs and a gateway with authentication in front of them, and
//! mints tokens with a dev key.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use async_graphql_axum::GraphQL;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::routing::post_service;
use axum::Router;
use crowdcrunch_auth::dev::{DevKey, TokenSpec};
use crowdcrunch_gateway::auth::{AuthenticationConfig, OnInvalid};
use crowdcrunch_gateway::authorization::{AuthorizationConfig, ClaimPolicy};
use crowdcrunch_gateway::config::{Config, SubgraphConfig};
use crowdcrunch_gateway::RunningGateway;
use serde_json::{json, Value};

use crate::subgraphs;

pub const LIBRARY_SUPERGRAPH: &str = include_str!("../fixtures/library/supergraph.graphql");

/// What one subgraph received.
#[derive(Default)]
pub struct Received {
    requests: AtomicUsize,
    authorization: Mutex<Vec<String>>,
}

async fn record(
    State(r): State<Arc<Received>>,
    req: Request,
    next: Next,
) -> axum::response::Response {
    r.requests.fetch_add(1, Ordering::SeqCst);
    if let Some(v) = req.headers().get("authorization") {
        let v = v.to_str().unwrap_or("").to_string();
        r.authorization.lock().unwrap().push(v);
    }
    next.run(req).await
}

async fn serve<E: async_graphql::Executor>(schema: E) -> (String, Arc<Received>) {
    let received = Arc::new(Received::default());
    let app = Router::new()
        .route("/graphql", post_service(GraphQL::new(schema)))
        .layer(axum::middleware::from_fn_with_state(
            received.clone(),
            record,
        ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/graphql"), received)
}

/// A fresh directory for a dev key.
pub fn key_dir() -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "crowdcrunch-authz-test-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// `[authentication]` trusting `key`'s JWKS file.
pub fn authentication(key: &DevKey) -> AuthenticationConfig {
    AuthenticationConfig {
        jwks_file: Some(key.jwks_path().to_path_buf()),
        issuer: Some("crowdcrunch-dev".into()),
        audiences: vec!["crowdcrunch".into()],
        ..AuthenticationConfig::default()
    }
}

/// Policies of the fixture: `staff` and `auditor` are judged on `sub`.
pub fn policies() -> AuthorizationConfig {
    let by_sub = |sub: &str| ClaimPolicy {
        claim: "sub".into(),
        values: vec![sub.into()],
    };
    AuthorizationConfig {
        policies: HashMap::from([
            ("staff".to_string(), by_sub("librarian")),
            ("auditor".to_string(), by_sub("auditor")),
        ]),
    }
}

pub struct Library {
    /// Serving while the library lives.
    _gateway: RunningGateway,
    pub url: String,
    pub key: DevKey,
    received: HashMap<&'static str, Arc<Received>>,
    http: reqwest::Client,
}

/// A library whose gateway verifies the dev key's tokens.
pub async fn start() -> Library {
    let key = DevKey::ensure(&key_dir()).unwrap();
    let auth = authentication(&key);
    start_with(key, Some(auth)).await
}

pub async fn start_with(key: DevKey, authentication: Option<AuthenticationConfig>) -> Library {
    let (catalog, catalog_seen) = serve(subgraphs::catalog()).await;
    let (loans, loans_seen) = serve(subgraphs::loans()).await;
    let subgraph = |url: String| SubgraphConfig {
        url: Some(url),
        ..SubgraphConfig::default()
    };
    let config = Config {
        listen: "127.0.0.1:0".into(),
        workers: 1,
        subgraphs: HashMap::from([
            ("catalog".to_string(), subgraph(catalog)),
            ("loans".to_string(), subgraph(loans)),
        ]),
        authentication,
        authorization: policies(),
        ..Config::default()
    };
    let gateway = crowdcrunch_gateway::spawn(LIBRARY_SUPERGRAPH, config)
        .await
        .unwrap();
    Library {
        url: format!("http://{}/graphql", gateway.addr),
        _gateway: gateway,
        key,
        received: HashMap::from([("catalog", catalog_seen), ("loans", loans_seen)]),
        http: reqwest::Client::new(),
    }
}

impl Library {
    /// A token of the gateway's key for `sub` with these scopes, valid for ten minutes.
    pub fn token(&self, sub: &str, scopes: &[&str]) -> String {
        Self::token_from(&self.key, sub, scopes)
    }

    /// A token of any dev key.
    pub fn token_from(key: &DevKey, sub: &str, scopes: &[&str]) -> String {
        key.mint(&TokenSpec {
            sub: sub.into(),
            customer_id: None,
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            ttl_s: 600,
        })
        .unwrap()
    }

    /// POSTs a query, with `Authorization: Bearer <token>` when given.
    pub async fn query(&self, query: &str, token: Option<&str>) -> (u16, Value) {
        self.request(
            json!({ "query": query }),
            token.map(|t| format!("Bearer {t}")),
        )
        .await
    }

    /// POSTs a body with this raw `Authorization` header value, if any.
    pub async fn request(&self, body: Value, authorization: Option<String>) -> (u16, Value) {
        let mut req = self.http.post(&self.url).json(&body);
        if let Some(value) = authorization {
            req = req.header("authorization", value);
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        (status, res.json().await.unwrap())
    }

    /// Requests all subgraphs received so far.
    pub fn subgraph_requests(&self) -> usize {
        self.received
            .values()
            .map(|r| r.requests.load(Ordering::SeqCst))
            .sum()
    }

    /// `Authorization` values one subgraph received so far.
    pub fn authorization_seen_by(&self, subgraph: &str) -> Vec<String> {
        self.received[subgraph]
            .authorization
            .lock()
            .unwrap()
            .clone()
    }
}

/// Keeps `OnInvalid` in scope for tests that switch it.
pub fn anonymous_on_invalid(mut config: AuthenticationConfig) -> AuthenticationConfig {
    config.on_invalid = OnInvalid::Anonymous;
    config
}
