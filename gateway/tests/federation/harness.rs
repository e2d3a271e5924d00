//! Starts the shop subgraphs and a gateway in front of them.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use async_graphql_axum::GraphQL;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::routing::post_service;
use axum::Router;
use crowdcrunch_gateway::config::{Config, SubgraphConfig};
use crowdcrunch_gateway::RunningGateway;
use serde_json::Value;

use crate::subgraphs::{self, Log};

pub const SHOP_SUPERGRAPH: &str = include_str!("../fixtures/shop/supergraph.graphql");

/// A running shop: gateway + subgraphs.
pub struct Shop {
    pub gateway: RunningGateway,
    pub url: String,
    pub log: Log,
    counts: HashMap<&'static str, Arc<Received>>,
    http: reqwest::Client,
}

/// How to start a shop.
#[derive(Default)]
pub struct Options {
    /// This subgraph gets a URL where nothing listens.
    pub down: Option<&'static str>,
    pub introspection_off: bool,
    pub body_limit: Option<usize>,
    pub supergraph_file: Option<std::path::PathBuf>,
    /// Per-subgraph request timeouts in milliseconds.
    pub timeouts: Vec<(&'static str, u64)>,
    pub subgraph_response_limit: Option<usize>,
    pub propagate_headers: Vec<String>,
    /// Serve `accounts` over `https://` with a certificate of a private CA;
    /// `Some(true)` also configures the gateway to trust that CA.
    pub accounts_over_tls: Option<bool>,
    /// Serve `accounts` over `https://` (trusted CA) refusing clients
    /// without a certificate of that CA; `Some(true)` gives the gateway one.
    pub accounts_client_cert: Option<bool>,
    /// Server worker threads (default: one per CPU).
    pub workers: Option<usize>,
    /// Operation limits (default: the gateway's defaults).
    pub limits: Option<crowdcrunch_gateway::limits::LimitsConfig>,
    /// The `[server]` section (default: the gateway's defaults).
    pub server: Option<crowdcrunch_gateway::server::ServerConfig>,
    /// Subgraphs served at these URLs instead of the test subgraphs.
    pub urls: Vec<(&'static str, String)>,
    /// Demand control (default: the gateway's defaults).
    pub cost: Option<crowdcrunch_gateway::cost::CostConfig>,
    /// Persisted documents (default: the gateway's defaults).
    pub persisted: Option<crowdcrunch_gateway::persisted::PersistedConfig>,
}

/// What one subgraph received: requests, and the headers worth checking.
#[derive(Default)]
pub struct Received {
    requests: AtomicUsize,
    headers: std::sync::Mutex<Vec<(String, String)>>,
}

async fn count(
    State(c): State<Arc<Received>>,
    req: Request,
    next: Next,
) -> axum::response::Response {
    c.requests.fetch_add(1, Ordering::SeqCst);
    let seen = req.headers().iter().filter(|(name, _)| {
        matches!(
            name.as_str(),
            "authorization" | "x-tenant" | "x-not-forwarded"
        )
    });
    let seen: Vec<(String, String)> = seen
        .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or("").to_string()))
        .collect();
    c.headers.lock().unwrap().extend(seen);
    next.run(req).await
}

/// A subgraph's routes, recording what it receives.
fn subgraph_app<E: async_graphql::Executor>(schema: E) -> (Router, Arc<Received>) {
    let counter = Arc::new(Received::default());
    let app = Router::new()
        .route("/graphql", post_service(GraphQL::new(schema)))
        .layer(axum::middleware::from_fn_with_state(counter.clone(), count));
    (app, counter)
}

async fn serve<E: async_graphql::Executor>(schema: E) -> (String, Arc<Received>) {
    let (app, counter) = subgraph_app(schema);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/graphql"), counter)
}

/// TLS files a test gives the gateway.
#[derive(Default)]
struct TlsFiles {
    ca: Option<PathBuf>,
    client_cert: Option<PathBuf>,
    client_key: Option<PathBuf>,
}

fn temp_file(what: &str, contents: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let path = std::env::temp_dir().join(format!(
        "crowdcrunch-test-{what}-{}-{}.pem",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    ));
    std::fs::write(&path, contents).unwrap();
    path
}

/// Serves `accounts` over `https://` with a certificate of a fresh private
/// CA; when `trusted`, the gateway gets that CA. With `client_cert`, the
/// subgraph refuses clients without a certificate of the CA, and the
/// gateway gets one when it is `Some(true)`.
async fn serve_accounts_tls(
    log: &Log,
    trusted: bool,
    client_cert: Option<bool>,
) -> ((String, Arc<Received>), TlsFiles) {
    let ca = crate::tls::test_ca();
    let (app, counter) = subgraph_app(subgraphs::accounts::schema(log.clone()));
    let server = match client_cert {
        Some(_) => ca.server_requiring_client_cert.clone(),
        None => ca.server.clone(),
    };
    let url = crate::tls::serve_tls(app, server).await;
    let mut files = TlsFiles {
        ca: trusted.then(|| temp_file("ca", &ca.ca_pem)),
        ..TlsFiles::default()
    };
    if client_cert == Some(true) {
        files.client_cert = Some(temp_file("client-cert", &ca.client_cert_pem));
        files.client_key = Some(temp_file("client-key", &ca.client_key_pem));
    }
    ((url, counter), files)
}

async fn dead_url() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{addr}/graphql")
}

pub async fn start(opts: Options) -> Shop {
    let log = Log::default();
    let mut tls = TlsFiles::default();
    let over_tls = match opts.accounts_client_cert {
        Some(_) => Some(true),
        None => opts.accounts_over_tls,
    };
    let accounts = match over_tls {
        Some(trusted) => {
            let (served, files) =
                serve_accounts_tls(&log, trusted, opts.accounts_client_cert).await;
            tls = files;
            served
        }
        None => serve(subgraphs::accounts::schema(log.clone())).await,
    };
    let mut urls = vec![
        ("accounts", accounts),
        ("inventory", serve(subgraphs::inventory::schema()).await),
        (
            "products",
            serve(subgraphs::products::schema(log.clone())).await,
        ),
        ("reviews", serve(subgraphs::reviews::schema()).await),
    ];
    for (name, url) in &mut urls {
        if let Some((_, over)) = opts.urls.iter().find(|(n, _)| n == name) {
            url.0 = over.clone();
        }
    }
    if let Some(down) = opts.down {
        for (name, (url, _)) in &mut urls {
            if *name == down {
                *url = dead_url().await;
            }
        }
    }
    let mut config = Config {
        listen: "127.0.0.1:0".into(),
        introspection: !opts.introspection_off,
        supergraph: opts.supergraph_file.clone(),
        reload_interval_ms: 100,
        subgraph_timeout_ms: 5_000,
        // Tests run gateways side by side: each its own metrics port.
        metrics_listen: "127.0.0.1:0".into(),
        ..Config::default()
    };
    if let Some(limit) = opts.body_limit {
        config.body_limit_bytes = limit;
    }
    config.propagate_headers = opts.propagate_headers.clone();
    config.workers = opts.workers.unwrap_or(0);
    if let Some(limits) = opts.limits.clone() {
        config.limits = limits;
    }
    if let Some(server) = opts.server.clone() {
        config.server = server;
    }
    if let Some(cost) = opts.cost.clone() {
        config.cost = cost;
    }
    if let Some(persisted) = opts.persisted.clone() {
        config.persisted_documents = persisted;
    }
    config.subgraph_ca_file = tls.ca;
    config.subgraph_client_cert_file = tls.client_cert;
    config.subgraph_client_key_file = tls.client_key;
    if let Some(limit) = opts.subgraph_response_limit {
        config.subgraph_response_limit_bytes = limit;
    }
    let mut counts = HashMap::new();
    for (name, (url, counter)) in urls {
        config.subgraphs.insert(
            name.to_string(),
            SubgraphConfig {
                url: Some(url),
                timeout_ms: opts
                    .timeouts
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, t)| *t),
                ..SubgraphConfig::default()
            },
        );
        counts.insert(name, counter);
    }
    let sdl = match &opts.supergraph_file {
        Some(path) => std::fs::read_to_string(path).unwrap(),
        None => SHOP_SUPERGRAPH.to_string(),
    };
    let gateway = crowdcrunch_gateway::spawn(&sdl, config).await.unwrap();
    let url = format!("http://{}/graphql", gateway.addr);
    Shop {
        gateway,
        url,
        log,
        counts,
        http: reqwest::Client::new(),
    }
}

impl Shop {
    /// POSTs a JSON body; returns status and parsed body.
    pub async fn post(&self, body: Value) -> (u16, Value) {
        let res = self
            .http
            .post(&self.url)
            .header("accept", "application/graphql-response+json")
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        (status, res.json().await.unwrap())
    }

    pub async fn query(&self, query: &str) -> (u16, Value) {
        self.post(serde_json::json!({ "query": query })).await
    }

    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// Requests received by all subgraphs so far.
    pub fn subgraph_requests(&self) -> usize {
        self.counts
            .values()
            .map(|c| c.requests.load(Ordering::SeqCst))
            .sum()
    }

    /// The checked headers (`authorization`, `x-tenant`, `x-not-forwarded`)
    /// one subgraph received so far, in order.
    pub fn headers_seen_by(&self, subgraph: &str) -> Vec<(String, String)> {
        self.counts[subgraph].headers.lock().unwrap().clone()
    }
}
