//! The versioned JSON envelope every event travels in, and the trait a typed event implements.

use super::EventError;
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

/// A domain event's payload type: `OrderPlaced`, `PaymentAuthorized`, …
pub trait Event: Serialize + DeserializeOwned {
    /// Domain that publishes it, e.g. `orders`: the middle token of its subject.
    const DOMAIN: &'static str;
    /// Event type, e.g. `OrderPlaced`: the last token of its subject.
    const TYPE: &'static str;
    /// Version of `data`'s shape; raised on an incompatible change, so old consumers refuse
    /// (and dead-letter) what they cannot read instead of misreading it.
    const VERSION: u32;
}

/// What is stored in the outbox and published: `data` plus what every consumer needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    /// Unique per event: the JetStream message id and the inbox key.
    pub id: Uuid,
    /// [`Event::TYPE`].
    #[serde(rename = "type")]
    pub event_type: String,
    /// [`Event::VERSION`] of `data`.
    pub version: u32,
    /// When the state change happened (its transaction's time).
    pub occurred_at: DateTime<Utc>,
    /// [`Event::DOMAIN`] of the producer.
    pub source: String,
    /// W3C `traceparent` of the request that caused it, so a trace spans request → consumer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traceparent: Option<String>,
    /// The event itself.
    pub data: Value,
}

impl Envelope {
    /// Wrap `event` with a new id, the current time and the current span's trace context.
    pub fn new<E: Event>(event: &E) -> Result<Envelope, EventError> {
        let traceparent = crowdcrunch_telemetry::propagation::current_traceparent();
        Ok(Envelope {
            id: Uuid::new_v4(),
            event_type: E::TYPE.to_string(),
            version: E::VERSION,
            occurred_at: Utc::now(),
            source: E::DOMAIN.to_string(),
            traceparent,
            data: serde_json::to_value(event)?,
        })
    }

    /// The typed event, when this envelope holds an `E` of a version this build reads.
    pub fn decode<E: Event>(&self) -> Result<E, EventError> {
        if self.event_type != E::TYPE || self.source != E::DOMAIN {
            return Err(EventError::WrongType {
                expected: format!("{}.{}", E::DOMAIN, E::TYPE),
                got: format!("{}.{}", self.source, self.event_type),
            });
        }
        if self.version > E::VERSION {
            return Err(EventError::UnsupportedVersion {
                event_type: self.event_type.clone(),
                got: self.version,
                supported: E::VERSION,
            });
        }
        Ok(serde_json::from_value(self.data.clone())?)
    }
}
