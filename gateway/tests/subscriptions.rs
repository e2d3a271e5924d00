//! Federated subscriptions against in-process test subgraphs (`live`:
//! ticker, catalog, shipping), over WebSocket and over SSE.

#[path = "subscriptions/harness.rs"]
mod harness;
#[path = "subscriptions/subgraphs.rs"]
mod subgraphs;

#[path = "subscriptions/fixtures.rs"]
mod fixtures;
#[path = "subscriptions/lifecycle.rs"]
mod lifecycle;
#[path = "subscriptions/limits.rs"]
mod limits;
#[path = "subscriptions/streams.rs"]
mod streams;
#[path = "subscriptions/upstream_sse.rs"]
mod upstream_sse;
