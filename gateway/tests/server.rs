//! The gateway's server side against abuse: request deadlines, preparation
//! off the worker threads, connection hygiene, load shedding, CSRF and CORS,
//! and metrics on their own listener. Real gateway, real sockets.

#[path = "federation/harness.rs"]
#[allow(dead_code)]
mod harness;
#[path = "federation/subgraphs/mod.rs"]
#[allow(dead_code)]
mod subgraphs;
#[path = "federation/tls.rs"]
#[allow(dead_code)]
mod tls;

#[path = "server/browser.rs"]
mod browser;
#[path = "server/connections.rs"]
mod connections;
#[path = "server/deadline.rs"]
mod deadline;
#[path = "server/generated.rs"]
mod generated;
#[path = "server/generator.rs"]
mod generator;
#[path = "server/stalled.rs"]
mod stalled;
