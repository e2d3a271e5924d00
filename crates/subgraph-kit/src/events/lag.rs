//! The event pipeline's health as metrics, sampled in the background: how old the oldest
//! unpublished outbox row is (the relay is stuck or the broker down), how far each consumer
//! is behind, how many of its deliveries are redeliveries, and how many dead letters wait.

use super::{Bus, EventError};
use futures::StreamExt;
use sqlx::PgPool;
use std::time::Duration;

/// How often the gauges are refreshed.
pub const PERIOD: Duration = Duration::from_secs(5);

/// Refresh the gauges of `pool`'s outbox (when `produces`) and of `consumers` for ever.
pub async fn sample(pool: PgPool, bus: Bus, produces: bool, consumers: Vec<&'static str>) {
    loop {
        if produces {
            if let Err(err) = outbox(&pool).await {
                tracing::debug!(error = %err, "outbox lag not sampled");
            }
        }
        for consumer in &consumers {
            if let Err(err) = consumer_lag(&bus, consumer).await {
                tracing::debug!(consumer, error = %err, "consumer lag not sampled");
            }
        }
        tokio::time::sleep(PERIOD).await;
    }
}

/// `events_outbox_unpublished` rows and the age of the oldest,
/// `events_outbox_oldest_unpublished_seconds` (0 when none wait).
async fn outbox(pool: &PgPool) -> Result<(), EventError> {
    let (waiting, age): (i64, f64) = sqlx::query_as(
        "SELECT COUNT(*), COALESCE(EXTRACT(EPOCH FROM now() - MIN(created_at))::float8, 0)
         FROM outbox WHERE published_at IS NULL",
    )
    .fetch_one(pool)
    .await?;
    metrics::gauge!("events_outbox_unpublished").set(waiting as f64);
    metrics::gauge!("events_outbox_oldest_unpublished_seconds").set(age.max(0.0));
    Ok(())
}

/// `events_consumer_pending{consumer}` (in the stream, not delivered yet),
/// `events_consumer_ack_pending{consumer}` (delivered, not acked), and
/// `events_dead_letters{consumer}` (on its dead-letter subject).
async fn consumer_lag(bus: &Bus, consumer: &'static str) -> Result<(), EventError> {
    let stream = bus.stream().await?;
    let info = stream
        .consumer_info(consumer)
        .await
        .map_err(EventError::nats)?;
    metrics::gauge!("events_consumer_pending", "consumer" => consumer).set(info.num_pending as f64);
    metrics::gauge!("events_consumer_ack_pending", "consumer" => consumer)
        .set(info.num_ack_pending as f64);
    let mut subjects = stream
        .info_with_subjects(bus.dead_letter_subject(consumer))
        .await
        .map_err(EventError::nats)?;
    let mut dead = 0usize;
    while let Some(entry) = subjects.next().await {
        dead += entry.map_err(EventError::nats)?.1;
    }
    metrics::gauge!("events_dead_letters", "consumer" => consumer).set(dead as f64);
    Ok(())
}
