//! Domain events between subgraphs: a transactional outbox, a relay to NATS JetStream, and
//! consumers whose inbox makes every event apply at most once.
//!
//! A producer calls [`outbox::record`] inside the transaction of its state change; the
//! [`relay::Relay`] publishes committed rows with the event id as `Nats-Msg-Id` (JetStream drops a
//! re-publish within the stream's duplicate window) and marks them published. A
//! [`consumer::Consumer`] applies each delivery in one transaction with an [`consumer`] inbox row
//! keyed by event id, so a redelivery is acked and ignored; a handler that keeps failing sends the
//! event to the dead-letter subject after a bounded number of attempts. Each delivery is
//! handled in a span continuing the trace of the request that recorded the event; a consumer
//! whose handler keeps only a view can be rebuilt from a point in time ([`replay`]).

pub mod bus;
pub mod consumer;
pub mod customers;
pub mod dlq;
pub mod effects;
pub mod envelope;
pub mod fulfillment;
pub mod lag;
pub mod orders;
pub mod outbox;
pub mod payments;
pub mod relay;
pub mod replay;
pub mod returns;
pub mod runtime;

pub use async_trait::async_trait;
pub use bus::{Bus, BusConfig};
pub use consumer::{Consumer, ConsumerConfig, Handler, HandlerError};
pub use effects::after_commit;
pub use envelope::{Envelope, Event};
pub use relay::Relay;
pub use runtime::Subscription;

/// The tables of the outbox and the inbox (copy into the service's migrations).
pub const MIGRATION_SQL: &str = "CREATE TABLE outbox (
    seq BIGSERIAL PRIMARY KEY,
    id UUID NOT NULL UNIQUE,
    envelope JSONB NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    published_at TIMESTAMPTZ
);
CREATE INDEX outbox_unpublished ON outbox (seq) WHERE published_at IS NULL;
CREATE TABLE inbox (
    consumer TEXT NOT NULL,
    event_id UUID NOT NULL,
    processed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)
);";

/// Failure to record, publish or consume an event.
#[derive(Debug, thiserror::Error)]
pub enum EventError {
    #[error("database error: {0}")]
    Sqlx(#[from] sqlx::Error),
    #[error("event encoding: {0}")]
    Json(#[from] serde_json::Error),
    #[error("event {got} is not a {expected}")]
    WrongType { expected: String, got: String },
    #[error("event {event_type} version {got} is newer than the supported {supported}")]
    UnsupportedVersion {
        event_type: String,
        got: u32,
        supported: u32,
    },
    #[error("NATS: {0}")]
    Nats(String),
}

impl EventError {
    /// Any async-nats error, kept as text: its error kinds differ per call.
    pub(crate) fn nats(err: impl std::fmt::Display) -> Self {
        EventError::Nats(err.to_string())
    }
}

/// Recording an event fails only as its transaction's database does (or on a bug encoding it).
impl From<EventError> for crate::AppError {
    fn from(err: EventError) -> Self {
        match err {
            EventError::Sqlx(e) => crate::AppError::Database(e),
            other => crate::AppError::Internal(other.to_string()),
        }
    }
}
