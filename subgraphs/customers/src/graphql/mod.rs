//! The GraphQL API of the customers subgraph.

pub mod batch;
pub mod loader;
pub mod mutation;
pub mod query;
pub mod types;
