//! The `[subscriptions]` section: transports on or off and the limits that bound them.

use serde::Deserialize;

/// Limits of subscriptions (WebSocket `graphql-transport-ws` and GraphQL over SSE).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SubscriptionsConfig {
    /// Whether subscriptions are served at all (off: a WebSocket upgrade or an
    /// `Accept: text/event-stream` request is answered 400 `SUBSCRIPTIONS_DISABLED`).
    pub enabled: bool,
    /// WebSocket connections plus SSE streams open at once over the whole gateway.
    pub max_connections: usize,
    /// Of those, how many one client may hold: a client is its token's subject
    /// when it sent a valid one, else its IP address.
    pub max_connections_per_client: usize,
    /// Subscriptions running at once on one WebSocket connection.
    pub max_subscriptions_per_connection: usize,
    /// Subscriptions running at once over the whole gateway.
    pub max_subscriptions: usize,
    /// How long a new WebSocket connection may take to send `connection_init`
    /// (then it is closed with 4408), in milliseconds.
    pub connection_init_timeout_ms: u64,
    /// Keep-alive interval: a `ping` message on WebSockets, a comment line on
    /// SSE streams, in milliseconds (also keeps proxies from closing quiet streams).
    pub keepalive_ms: u64,
    /// A WebSocket connection is closed when its client sent nothing (not
    /// even a `pong`) for this long, or ran no subscription for this long, in
    /// milliseconds.
    pub idle_timeout_ms: u64,
    /// Largest WebSocket message (and frame) a client may send, in bytes;
    /// larger → the connection is closed with 1009.
    pub max_message_bytes: usize,
    /// Largest event a subgraph may send, in bytes; larger ends the
    /// subscription with `SUBSCRIPTION_SUBGRAPH_FAILED`.
    pub max_event_bytes: usize,
}

impl Default for SubscriptionsConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            max_connections: 10_000,
            max_connections_per_client: 32,
            max_subscriptions_per_connection: 100,
            max_subscriptions: 20_000,
            connection_init_timeout_ms: 3_000,
            keepalive_ms: 15_000,
            idle_timeout_ms: 60_000,
            max_message_bytes: 256 * 1024,
            max_event_bytes: 1024 * 1024,
        }
    }
}

/// How the gateway subscribes to one subgraph (`[subgraphs.<name>]
/// subscription_protocol`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
pub enum SubgraphProtocol {
    /// WebSocket with the `graphql-transport-ws` subprotocol (graphql-ws).
    #[default]
    #[serde(rename = "graphql-transport-ws")]
    GraphqlTransportWs,
    /// GraphQL over SSE, distinct connections mode: a `POST` with
    /// `Accept: text/event-stream` per subscription.
    #[serde(rename = "sse", alias = "graphql-sse")]
    Sse,
}
