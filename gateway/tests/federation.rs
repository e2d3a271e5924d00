//! Federation scenarios: in-process async-graphql subgraphs on port 0, the
//! committed `shop` supergraph composed from them, and the gateway over HTTP.

#[path = "federation/harness.rs"]
mod harness;
#[path = "federation/subgraphs/mod.rs"]
mod subgraphs;
#[path = "federation/tls.rs"]
mod tls;

#[path = "federation/multipart.rs"]
mod multipart;

#[path = "federation/defer.rs"]
mod defer;
#[path = "federation/errors.rs"]
mod errors;
#[path = "federation/fixtures.rs"]
mod fixtures;
#[path = "federation/http.rs"]
mod http;
#[path = "federation/joins.rs"]
mod joins;
#[path = "federation/operations.rs"]
mod operations;
