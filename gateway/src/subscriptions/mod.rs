//! Federated subscriptions: clients subscribe over WebSocket (`graphql-transport-ws`) or GraphQL over SSE; the gateway subscribes on the subgraph that owns the root field and runs the rest of the plan for every event.
//!
//! - [`ws`]: the client WebSocket (`graphql-transport-ws`: `connection_init`
//!   with the token, then any number of `subscribe`s, queries and mutations too).
//! - [`sse`]: GraphQL over SSE, distinct connections mode (`Accept: text/event-stream`).
//! - [`stream`]: one subscription: checks and plan as for a query, the
//!   primary fetch opened on the subgraph, the plan's rest run per event.
//! - [`upstream`]: the subgraph side (a `graphql-transport-ws` or GraphQL
//!   over SSE client, per subgraph).
//! - [`hub`]: caps shared by all workers, and the end of every open
//!   subscription on a supergraph reload or at shutdown.

pub mod config;
mod hub;
mod identity;
pub(crate) mod sse;
mod stream;
mod upstream;
pub(crate) mod ws;

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

pub use config::{SubgraphProtocol, SubscriptionsConfig};
pub use hub::Hub;

use crate::engine::Engine;
use crate::executor::client::HttpClient;
use crate::operation::RequestFailure;

/// Error codes of subscriptions (also in the gateway README).
pub mod codes {
    /// A subscription sent as a plain HTTP request (406).
    pub const TRANSPORT_REQUIRED: &str = "SUBSCRIPTION_TRANSPORT_REQUIRED";
    /// The subgraph's subscription could not open, broke, or disconnected.
    pub const SUBGRAPH_FAILED: &str = "SUBSCRIPTION_SUBGRAPH_FAILED";
    /// The supergraph was reloaded: subscribe again.
    pub const SCHEMA_RELOAD: &str = "SUBSCRIPTION_SCHEMA_RELOAD";
    /// The gateway is shutting down.
    pub const SHUTDOWN: &str = "SUBSCRIPTION_SHUTDOWN";
    /// A subscription or connection cap was reached.
    pub const LIMIT_EXCEEDED: &str = "SUBSCRIPTION_LIMIT_EXCEEDED";
    /// `[subscriptions] enabled = false`.
    pub const DISABLED: &str = "SUBSCRIPTIONS_DISABLED";
}

/// The answer to a subscription sent as a plain (non-streaming) HTTP request.
pub(crate) fn needs_streaming() -> RequestFailure {
    RequestFailure::new(
        406,
        "a subscription needs a streaming transport: a WebSocket (graphql-transport-ws) or \
         GraphQL over SSE (Accept: text/event-stream)",
        codes::TRANSPORT_REQUIRED,
    )
}

/// Per-subgraph subscription endpoints (`[subgraphs.<name>] subscription_url`,
/// `subscription_protocol`); a subgraph not listed is subscribed to at its
/// fetch URL over `graphql-transport-ws`.
#[derive(Debug, Clone, Default)]
pub struct SubgraphTargets(HashMap<String, (Option<String>, SubgraphProtocol)>);

impl SubgraphTargets {
    pub fn from_config(config: &crate::Config) -> Self {
        Self(
            config
                .subgraphs
                .iter()
                .map(|(name, s)| {
                    (
                        name.clone(),
                        (s.subscription_url.clone(), s.subscription_protocol),
                    )
                })
                .collect(),
        )
    }

    fn get(&self, subgraph: &str) -> Option<&(Option<String>, SubgraphProtocol)> {
        self.0
            .get(subgraph)
            .or_else(|| self.0.get(&subgraph.to_lowercase()))
    }

    /// How `subgraph` is subscribed to.
    fn protocol(&self, subgraph: &str) -> SubgraphProtocol {
        self.get(subgraph).map(|(_, p)| *p).unwrap_or_default()
    }

    /// The subscription URL of `subgraph` (`ws://` and `wss://` are read as
    /// `http://` and `https://`, the upgrade being HTTP), else `fallback`.
    fn url(&self, subgraph: &str, fallback: &http::Uri) -> Result<http::Uri, String> {
        let configured = self.get(subgraph).and_then(|(url, _)| url.as_deref());
        let Some(url) = configured else {
            return Ok(fallback.clone());
        };
        let url = if let Some(rest) = url.strip_prefix("ws://") {
            format!("http://{rest}")
        } else if let Some(rest) = url.strip_prefix("wss://") {
            format!("https://{rest}")
        } else {
            url.to_string()
        };
        let uri: http::Uri = url
            .parse()
            .map_err(|e| format!("invalid subscription URL of subgraph {subgraph}: {e}"))?;
        match uri.scheme_str() {
            Some("http" | "https") => Ok(uri),
            _ => Err(format!(
                "unsupported subscription URL of subgraph {subgraph}: use ws://, wss://, http:// or https://"
            )),
        }
    }
}

/// The current engine, swapped whole on reload (the server's slot).
pub(crate) type EngineSlot = Arc<RwLock<Arc<Engine>>>;

/// What a subscription request needs from the server worker serving it.
#[derive(Clone)]
pub(crate) struct Session {
    pub engine: EngineSlot,
    /// The worker's subgraph connection pool.
    pub http: HttpClient,
    pub hub: Arc<Hub>,
    pub auth: crate::auth::Authentication,
    /// Bounds preparing (parse, validate, plan) one operation.
    pub request_timeout: Duration,
}

impl Session {
    fn engine(&self) -> Arc<Engine> {
        self.engine
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}
