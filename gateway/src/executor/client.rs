//! Subgraph HTTP client: one keep-alive pool shared by all subgraphs,
//! per-subgraph URL and timeout.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use bytes::Bytes;
use serde::Deserialize;

use super::value::Value;
use crate::Error;

/// Where and how to reach one subgraph.
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub url: String,
    pub timeout: Duration,
}

/// The outgoing side of the gateway.
#[derive(Clone)]
pub struct SubgraphClient {
    http: reqwest::Client,
    targets: HashMap<String, Target>,
}

/// An endpoint made ready once: URL parsed, metric handles registered, so
/// that a fetch neither parses nor allocates labels.
#[derive(Clone)]
struct Target {
    /// `Err`: the URL did not parse; every fetch fails with this reason.
    url: Result<reqwest::Url, String>,
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
            url: reqwest::Url::parse(&endpoint.url)
                .map_err(|e| format!("invalid subgraph URL {:?}: {e}", endpoint.url)),
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
}

impl SubgraphClient {
    pub fn new(endpoints: HashMap<String, Endpoint>) -> Result<Self, Error> {
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(256)
            .pool_idle_timeout(Duration::from_secs(90))
            .tcp_nodelay(true)
            // A subgraph that redirects is misconfigured; following it would
            // replay the operation somewhere nobody configured.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| Error::Client(e.to_string()))?;
        let targets = endpoints
            .into_iter()
            .map(|(name, endpoint)| {
                let target = Target::new(&name, endpoint);
                (name, target)
            })
            .collect();
        Ok(Self { http, targets })
    }

    /// Sends one GraphQL request body; records the subgraph metrics.
    pub async fn fetch(
        &self,
        subgraph: &str,
        body: Vec<u8>,
    ) -> Result<SubgraphResponse, FetchFailure> {
        let Some(target) = self.targets.get(subgraph) else {
            return Err(FetchFailure::UnknownSubgraph(subgraph.to_string()));
        };
        let started = Instant::now();
        let result = self.send(target, body).await;
        match &result {
            Ok(_) => target.ok.increment(1),
            Err(FetchFailure::Timeout) => target.timed_out.increment(1),
            Err(_) => target.failed.increment(1),
        }
        target.duration.record(started.elapsed().as_secs_f64());
        result
    }

    async fn send(&self, target: &Target, body: Vec<u8>) -> Result<SubgraphResponse, FetchFailure> {
        let url = target.url.clone().map_err(FetchFailure::Transport)?;
        let mut headers = http::HeaderMap::with_capacity(4);
        headers.insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("application/json"),
        );
        headers.insert(
            http::header::ACCEPT,
            http::HeaderValue::from_static("application/json"),
        );
        crate::telemetry::inject_context(&mut headers);
        let response = self
            .http
            .post(url)
            .headers(headers)
            .timeout(target.timeout)
            .body(body)
            .send()
            .await
            .map_err(classify)?;
        let status = response.status();
        let bytes: Bytes = response.bytes().await.map_err(classify)?;
        match sonic_rs::from_slice::<SubgraphResponse>(&bytes) {
            Ok(parsed) if status.is_success() || parsed.errors.is_some() => Ok(parsed),
            Ok(_) => Err(FetchFailure::Status(status.as_u16())),
            Err(_) if !status.is_success() => Err(FetchFailure::Status(status.as_u16())),
            Err(e) => Err(FetchFailure::Body(e.to_string())),
        }
    }
}

fn classify(e: reqwest::Error) -> FetchFailure {
    if e.is_timeout() {
        FetchFailure::Timeout
    } else {
        FetchFailure::Transport(e.to_string())
    }
}
