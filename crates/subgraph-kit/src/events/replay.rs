//! Rebuilding a consumer's view from a point in time (`crowdcrunch events replay`).
//!
//! The durable consumer is recreated to start at that time (JetStream's `ByStartTime`), so the
//! stream delivers again every event published since. Its inbox already holds most of them;
//! a consumer whose durable starts at a time, and whose handler [`rebuilds`], treats such a
//! delivery as a rebuild: in one transaction it [`forget`]s what the event did and applies it
//! again. Each event's part of the view is thus replaced, never doubled, and never missing in
//! between; events published before that time are not touched. A handler that moves state or
//! money cannot be rebuilt this way (applying its events again would apply them twice): for
//! it the recreated consumer changes nothing (its inbox turns the deliveries away), and the
//! command refuses it up front.
//!
//! [`rebuilds`]: super::Handler::rebuilds
//! [`forget`]: super::Handler::forget

use super::{Bus, EventError};
use async_nats::jetstream::consumer::{pull, Config, DeliverPolicy};
use chrono::{DateTime, Utc};

/// Times the durable consumer is deleted and created again when its service recreated it
/// first (a running service restarts a vanished consumer after a second).
const ATTEMPTS: u32 = 3;

/// Whether a durable consumer's settings are a rebuild's: it starts at a time (the services
/// create theirs to start at the beginning of the stream).
pub fn is_rebuild(config: &Config) -> bool {
    matches!(config.deliver_policy, DeliverPolicy::ByStartTime { .. })
}

/// What a replay started: how many events the recreated consumer has to deliver again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Started {
    pub pending: u64,
}

/// Recreate durable consumer `consumer` to deliver every event since `since` again, with its
/// other settings as they were. The consumer's service does the rebuild as the events arrive
/// (it binds to the recreated consumer when its own breaks, within a second or two).
pub async fn rebuild(
    bus: &Bus,
    consumer: &str,
    since: DateTime<Utc>,
) -> Result<Started, EventError> {
    let stream = bus.stream().await?;
    let start_time = time::OffsetDateTime::from_unix_timestamp_nanos(
        i128::from(since.timestamp()) * 1_000_000_000 + i128::from(since.timestamp_subsec_nanos()),
    )
    .map_err(|e| EventError::Nats(format!("start time {since}: {e}")))?;
    let mut last_error = None;
    for _ in 0..ATTEMPTS {
        let existing = stream
            .consumer_info(consumer)
            .await
            .map_err(|e| EventError::Nats(format!("no durable consumer {consumer:?}: {e}")))?;
        let was = existing.config.clone();
        let config = pull::Config {
            durable_name: Some(consumer.to_string()),
            description: Some(format!("rebuild since {}", since.to_rfc3339())),
            deliver_policy: DeliverPolicy::ByStartTime { start_time },
            filter_subject: was.filter_subject,
            filter_subjects: was.filter_subjects,
            ack_policy: was.ack_policy,
            ack_wait: was.ack_wait,
            max_deliver: was.max_deliver,
            ..Default::default()
        };
        stream
            .delete_consumer(consumer)
            .await
            .map_err(EventError::nats)?;
        match stream.create_consumer(config).await {
            Ok(mut created) => {
                let info = created.info().await.map_err(EventError::nats)?;
                return Ok(Started {
                    pending: info.num_pending,
                });
            }
            // Its service recreated it meanwhile (from the start: its inbox turns those
            // deliveries away); delete that one and try again.
            Err(err) => last_error = Some(err),
        }
    }
    Err(EventError::Nats(format!(
        "consumer {consumer:?} kept being recreated by its service: {}",
        last_error.map(|e| e.to_string()).unwrap_or_default()
    )))
}
