//! Plumbing shared by every CrowdCrunch subgraph: configuration, the Postgres pool and
//! per-schema migrations, the axum server, error codes, idempotency, money, pagination,
//! deterministic demo ids and test helpers. Subgraph crates hold only their domain.

pub mod config;
pub mod db;
pub mod entity_batch;
pub mod error;
pub mod idempotency;
pub mod ids;
pub mod metrics;
pub mod money;
pub mod pagination;
pub mod server;
pub mod telemetry;
pub mod testing;

pub use config::ServiceConfig;
pub use error::{AppError, AppResult, ErrorCode, ErrorCodes};
pub use money::{Int64, Money};
