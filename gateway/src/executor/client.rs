//! Subgraph HTTP client: a keep-alive pool per server worker shared by all
//! subgraphs, per-subgraph URL and timeout, `http://` or `https://` (rustls,
//! see [`super::tls`]). Built on hyper's pooled client directly:
//! a subgraph fetch needs no redirects, cookies or decompression, and the
//! layers that provide them cost time on every fetch.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde::Deserialize;

use super::tls::{tls_config, TlsSettings};
use super::value::Value;
use crate::Error;

/// Where and how to reach one subgraph.
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub url: String,
    pub timeout: Duration,
}

/// A keep-alive connection pool to subgraphs. Each server worker owns one,
/// so a connection's I/O stays on the thread that uses it.
#[derive(Clone)]
pub struct HttpClient(Client<HttpsConnector<HttpConnector>, Full<Bytes>>);

impl HttpClient {
    /// The pooled hyper client (subscriptions upgrade its connections to WebSockets).
    pub(crate) fn hyper(&self) -> &Client<HttpsConnector<HttpConnector>, Full<Bytes>> {
        &self.0
    }

    /// A pool for `https://` subgraphs under `tls` (and plain `http://` ones).
    pub fn new(tls: &TlsSettings) -> Result<Self, Error> {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        connector.set_keepalive(Some(Duration::from_secs(60)));
        connector.enforce_http(false);
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls_config(tls)?)
            .https_or_http()
            .enable_http1()
            .wrap_connector(connector);
        let http = Client::builder(TokioExecutor::new())
            .pool_max_idle_per_host(256)
            .pool_idle_timeout(Duration::from_secs(90))
            .build(connector);
        Ok(Self(http))
    }
}

/// The subgraphs of one supergraph: where they are and how to call them.
#[derive(Clone)]
pub struct SubgraphClient {
    targets: HashMap<String, Target>,
    /// Largest answer body read, in bytes.
    response_limit: usize,
    /// Client request headers passed on to subgraphs.
    propagate: Vec<http::HeaderName>,
}

/// An endpoint made ready once: URL parsed, metric handles registered, so
/// that a fetch neither parses nor allocates labels.
#[derive(Clone)]
struct Target {
    /// `Err`: the URL is not a usable `http://` URL; every fetch fails
    /// with this reason.
    url: Result<http::Uri, String>,
    timeout: Duration,
    ok: metrics::Counter,
    timed_out: metrics::Counter,
    failed: metrics::Counter,
    duration: metrics::Histogram,
}

impl Target {
    fn new(name: &str, endpoint: Endpoint) -> Self {
        let counter = |status: &'static str| {
            metrics::counter!("gateway_subgraph_requests_total",
                "subgraph" => name.to_string(), "status" => status)
        };
        Self {
            url: parse_url(&endpoint.url),
            timeout: endpoint.timeout,
            ok: counter("ok"),
            timed_out: counter("timeout"),
            failed: counter("error"),
            duration: metrics::histogram!("gateway_subgraph_request_duration_seconds",
                "subgraph" => name.to_string()),
        }
    }
}

/// What a subgraph answered.
#[derive(Debug, Deserialize, Default)]
pub struct SubgraphResponse {
    #[serde(default)]
    pub data: Option<Value>,
    #[serde(default)]
    pub errors: Option<Vec<serde_json::Value>>,
}

/// Why a subgraph gave no usable answer.
#[derive(Debug, thiserror::Error)]
pub enum FetchFailure {
    #[error("unknown subgraph {0}")]
    UnknownSubgraph(String),
    #[error("request to subgraph timed out")]
    Timeout,
    #[error("request to subgraph failed: {0}")]
    Transport(String),
    #[error("subgraph answered HTTP {0}")]
    Status(u16),
    #[error("subgraph response is not a GraphQL response: {0}")]
    Body(String),
    #[error("subgraph answer is larger than {0} bytes")]
    TooLarge(usize),
}

impl FetchFailure {
    /// What a client is told: the kind of failure, never the transport's or
    /// the body's details (addresses, parser messages), which go to the logs.
    pub fn public_message(&self) -> String {
        match self {
            Self::Transport(detail) => {
                let kind = if detail.contains("certificate") {
                    ": the subgraph's TLS certificate was not accepted"
                } else if detail.contains("Connect") {
                    ": cannot connect"
                } else {
                    ""
                };
                format!("request to subgraph failed{kind}")
            }
            Self::Body(_) => "subgraph response is not a GraphQL response".into(),
            other => other.to_string(),
        }
    }
}

impl SubgraphClient {
    /// A subgraph's URL (`Err`: not usable) and timeout.
    pub(crate) fn endpoint(
        &self,
        subgraph: &str,
    ) -> Option<(&Result<http::Uri, String>, Duration)> {
        self.targets.get(subgraph).map(|t| (&t.url, t.timeout))
    }

    /// The client headers passed on to subgraphs (`propagate_headers`).
    pub(crate) fn propagated(&self, client_headers: &http::HeaderMap) -> http::HeaderMap {
        let mut out = http::HeaderMap::new();
        for name in &self.propagate {
            for value in client_headers.get_all(name) {
                out.append(name.clone(), value.clone());
            }
        }
        out
    }

    pub fn new(
        endpoints: HashMap<String, Endpoint>,
        response_limit: usize,
        propagate_headers: &[String],
    ) -> Result<Self, Error> {
        let propagate = propagate_headers
            .iter()
            .map(|name| {
                http::HeaderName::from_bytes(name.trim().to_ascii_lowercase().as_bytes())
                    .map_err(|e| Error::Config(format!("propagate_headers: {name:?}: {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let targets = endpoints
            .into_iter()
            .map(|(name, endpoint)| {
                let target = Target::new(&name, endpoint);
                (name, target)
            })
            .collect();
        Ok(Self {
            targets,
            response_limit,
            propagate,
        })
    }

    /// Sends one GraphQL request body, with the configured headers of the
    /// client's request; records the subgraph metrics.
    pub async fn fetch(
        &self,
        http: &HttpClient,
        subgraph: &str,
        body: Vec<u8>,
        client_headers: &http::HeaderMap,
    ) -> Result<SubgraphResponse, FetchFailure> {
        let Some(target) = self.targets.get(subgraph) else {
            return Err(FetchFailure::UnknownSubgraph(subgraph.to_string()));
        };
        let started = Instant::now();
        let result = self.send(http, target, body, client_headers).await;
        match &result {
            Ok(_) => target.ok.increment(1),
            Err(FetchFailure::Timeout) => target.timed_out.increment(1),
            Err(_) => target.failed.increment(1),
        }
        target.duration.record(started.elapsed().as_secs_f64());
        result
    }

    async fn send(
        &self,
        http: &HttpClient,
        target: &Target,
        body: Vec<u8>,
        client_headers: &http::HeaderMap,
    ) -> Result<SubgraphResponse, FetchFailure> {
        let url = target.url.clone().map_err(FetchFailure::Transport)?;
        let mut request = http::Request::post(url)
            .header(http::header::CONTENT_TYPE, "application/json")
            .header(http::header::ACCEPT, "application/json")
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| FetchFailure::Transport(e.to_string()))?;
        for name in &self.propagate {
            for value in client_headers.get_all(name) {
                request.headers_mut().append(name.clone(), value.clone());
            }
        }
        crate::telemetry::inject_context(request.headers_mut());
        // The timeout covers the whole exchange, answer body included.
        let exchange = async {
            let response = http.0.request(request).await.map_err(|e| transport(&e))?;
            let status = response.status();
            let limit = self.response_limit;
            let bytes = Limited::new(response.into_body(), limit)
                .collect()
                .await
                .map_err(|e| {
                    if e.is::<LengthLimitError>() {
                        FetchFailure::TooLarge(limit)
                    } else {
                        transport(&*e)
                    }
                })?
                .to_bytes();
            Ok::<_, FetchFailure>((status, bytes))
        };
        let (status, bytes) = tokio::time::timeout(target.timeout, exchange)
            .await
            .map_err(|_| FetchFailure::Timeout)??;
        match parse_answer(&bytes) {
            Ok(parsed) if status.is_success() || parsed.errors.is_some() => Ok(parsed),
            Ok(_) => Err(FetchFailure::Status(status.as_u16())),
            Err(_) if !status.is_success() => Err(FetchFailure::Status(status.as_u16())),
            Err(e) => Err(FetchFailure::Body(e.to_string())),
        }
    }
}

/// Reads an answer: the fast path when it is plain data without errors,
/// else sonic-rs (all of JSON, with errors explained).
fn parse_answer(bytes: &[u8]) -> Result<SubgraphResponse, sonic_rs::Error> {
    if let Some(Value::Object(mut top)) = super::parse::parse(bytes) {
        if top.get("errors").is_none() {
            return Ok(SubgraphResponse {
                data: top.remove("data").filter(|d| !d.is_null()),
                errors: None,
            });
        }
    }
    sonic_rs::from_slice::<SubgraphResponse>(bytes)
}

fn parse_url(url: &str) -> Result<http::Uri, String> {
    let uri: http::Uri = url
        .parse()
        .map_err(|e| format!("invalid subgraph URL {url:?}: {e}"))?;
    match uri.scheme_str() {
        Some("http" | "https") => Ok(uri),
        _ => Err(format!(
            "unsupported subgraph URL {url:?}: only http:// and https:// are supported"
        )),
    }
}

/// The error with its causes: hyper's own message alone ("client error
/// (Connect)") does not say what went wrong.
fn transport(e: &dyn std::error::Error) -> FetchFailure {
    let mut message = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    FetchFailure::Transport(message)
}
