//! The fulfillment subgraph over real HTTP against the real PostgreSQL.

#[path = "api/entities.rs"]
mod entities;
#[path = "api/lifecycle.rs"]
mod lifecycle;
#[path = "api/mutations.rs"]
mod mutations;
#[path = "api/queries.rs"]
mod queries;
#[path = "api/support.rs"]
mod support;
