//! Authentication and federation authorization directives through the gateway, on the
//! `library` fixture (not our supergraph): in-process subgraphs on port 0, tokens signed by a
//! dev key, JWKS from a file or a real local HTTP server.

#[path = "authorization/harness.rs"]
mod harness;
#[path = "authorization/subgraphs.rs"]
mod subgraphs;

#[path = "authorization/authentication.rs"]
mod authentication;
#[path = "authorization/directives.rs"]
mod directives;
