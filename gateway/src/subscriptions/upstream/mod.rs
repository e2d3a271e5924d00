//! The subgraph side of a subscription, over the transport configured for
//! the subgraph (`[subgraphs.<name>] subscription_protocol`):
//!
//! - [`ws`]: `graphql-transport-ws` on a connection of the worker's
//!   subgraph pool upgraded to a WebSocket (the default);
//! - [`sse`]: GraphQL over SSE, distinct connections mode: one `POST` per
//!   subscription answered `text/event-stream`, on a pool connection too.
//!
//! Both go through the worker's pool, so `https://` subgraphs, private CAs
//! and client certificates work as for fetches.

mod sse;
mod ws;

use std::time::Duration;

use crate::executor::client::{HttpClient, SubgraphResponse};
use crate::subscriptions::SubgraphProtocol;

/// Where and how one subgraph serves subscriptions.
#[derive(Debug, Clone)]
pub struct Target {
    pub name: String,
    pub url: http::Uri,
    pub protocol: SubgraphProtocol,
    /// Bounds opening the subscription (connect, handshake, acknowledgement
    /// or the event stream's response head).
    pub timeout: Duration,
    /// WebSocket: a ping is sent after this much silence; a second silence
    /// this long means the subgraph is gone.
    pub keepalive: Duration,
    pub max_event_bytes: usize,
}

/// Why a subgraph subscription could not open or stopped.
#[derive(Debug, thiserror::Error)]
pub enum UpstreamError {
    #[error("cannot open the subscription on the subgraph: {0}")]
    Connect(String),
    #[error("the subgraph did not acknowledge the subscription in time")]
    Timeout,
    #[error("the subgraph refused the subscription")]
    Refused(Vec<serde_json::Value>),
    #[error("the subgraph closed the subscription: {0}")]
    Disconnected(String),
    #[error("the subgraph sent an event larger than {0} bytes")]
    TooLarge(usize),
    #[error("the subgraph broke its subscription protocol: {0}")]
    Protocol(String),
}

/// An open subgraph subscription. Dropping it closes its connection, which
/// ends the subscription on the subgraph.
pub enum Upstream {
    /// Boxed: the WebSocket's state is several times an event stream's.
    Ws(Box<ws::Upstream>),
    Sse(sse::Upstream),
}

/// Subscribes with `body` (`{"query":…,"variables":…}`) on `target`,
/// sending `headers` (the propagated client headers) with the request that
/// opens it, and over a WebSocket `init` (the same headers as JSON text) as
/// the `connection_init` payload.
pub async fn open(
    http: &HttpClient,
    target: &Target,
    headers: &http::HeaderMap,
    init: &[u8],
    body: &[u8],
) -> Result<Upstream, UpstreamError> {
    let opening = async {
        match target.protocol {
            SubgraphProtocol::GraphqlTransportWs => ws::open(http, target, headers, init, body)
                .await
                .map(|up| Upstream::Ws(Box::new(up))),
            SubgraphProtocol::Sse => sse::open(http, target, headers, body)
                .await
                .map(Upstream::Sse),
        }
    };
    tokio::time::timeout(target.timeout, opening)
        .await
        .map_err(|_| UpstreamError::Timeout)?
}

impl Upstream {
    /// The next event; `None` when the subgraph completed the subscription.
    pub async fn next(&mut self) -> Option<Result<SubgraphResponse, UpstreamError>> {
        match self {
            Self::Ws(up) => up.next().await,
            Self::Sse(up) => up.next().await,
        }
    }

    /// Ends the subscription politely where the protocol has a way to
    /// (WebSocket: `complete`, then a close frame); an event stream is
    /// ended by closing its connection.
    pub async fn close(self) {
        match self {
            Self::Ws(up) => {
                let up = *up;
                up.close().await
            }
            Self::Sse(up) => drop(up),
        }
    }
}

/// An event's payload read as a GraphQL response.
fn response(payload: &str) -> Result<SubgraphResponse, UpstreamError> {
    sonic_rs::from_str::<SubgraphResponse>(payload)
        .map_err(|_| UpstreamError::Protocol("an event is not a GraphQL response".into()))
}
