//! The GraphQL API of the orders subgraph.

pub mod batch;
pub mod customer;
pub mod loaders;
pub mod mutation;
pub mod query;
pub mod subscription;
pub mod types;
