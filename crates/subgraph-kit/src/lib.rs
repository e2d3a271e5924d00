//! Plumbing shared by every CrowdCrunch subgraph: configuration, the caller's identity, the
//! Postgres pool and per-schema migrations, the axum server, error codes, idempotency, domain
//! events (outbox, relay, inbox consumers), money,
//! pagination, deterministic demo ids and test helpers. Subgraph crates hold only their domain.

pub mod auth;
pub mod clock;
pub mod config;
pub mod db;
pub mod demo_lines;
pub mod entity_batch;
pub mod error;
pub mod events;
pub mod idempotency;
pub mod ids;
pub mod limits;
pub mod live;
pub mod metrics;
pub mod money;
pub mod pagination;
pub mod readiness;
pub mod sdl;
pub mod server;
pub mod telemetry;
pub mod testing;

pub use auth::Identity;
pub use config::ServiceConfig;
pub use error::{AppError, AppResult, ErrorCode, ErrorCodes};
pub use money::{Int64, Money};
