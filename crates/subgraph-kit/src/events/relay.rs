//! The relay: publishes committed outbox rows to JetStream in order and marks them published.

use super::{Bus, Envelope, EventError};
use async_nats::header::{HeaderMap, NATS_MESSAGE_ID};
use crowdcrunch_telemetry::propagation::{context_from_traceparent, current_traceparent};
use sqlx::PgPool;
use std::time::Duration;
use tracing::Instrument;
use tracing_opentelemetry::OpenTelemetrySpanExt;
use uuid::Uuid;

/// Rows published per round trip: acks are awaited together, so a bigger batch is faster, and
/// the rows stay locked until it is done.
pub const BATCH: i64 = 256;

/// How often an idle relay looks for new rows.
const IDLE_POLL: Duration = Duration::from_millis(100);

/// Wait after a failure (broker or database down) before trying again.
const RETRY: Duration = Duration::from_secs(1);

/// The span of publishing one event, a child of the request that recorded it.
fn publish_span(envelope: &Envelope, subject: &str) -> tracing::Span {
    let span = tracing::info_span!(
        "event.publish",
        otel.name = %format!("publish {}", envelope.event_type),
        otel.kind = "producer",
        messaging.system = "nats",
        messaging.operation.type = "send",
        messaging.destination.name = %subject,
        messaging.message.id = %envelope.id,
    );
    if let Some(traceparent) = &envelope.traceparent {
        // Before the span's first entry: the parent is fixed when it starts.
        let _ = span.set_parent(context_from_traceparent(traceparent));
    }
    span
}

/// Publishes one service's outbox.
#[derive(Clone)]
pub struct Relay {
    pool: PgPool,
    bus: Bus,
}

impl Relay {
    pub fn new(pool: PgPool, bus: Bus) -> Relay {
        Relay { pool, bus }
    }

    /// Publish up to `limit` unpublished rows, oldest first, and mark them published once
    /// JetStream acknowledged every one. Rows locked by another relay are skipped. A crash
    /// before the mark commits leaves them unpublished: the next round publishes them again
    /// under the same message ids, which JetStream drops as duplicates.
    pub async fn publish_batch(&self, limit: i64) -> Result<usize, EventError> {
        let mut tx = self.pool.begin().await?;
        let rows: Vec<(Uuid, serde_json::Value)> = sqlx::query_as(
            "SELECT id, envelope FROM outbox WHERE published_at IS NULL
             ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED",
        )
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?;
        if rows.is_empty() {
            return Ok(0);
        }
        let mut acks = Vec::with_capacity(rows.len());
        for (id, stored) in &rows {
            let envelope: Envelope = serde_json::from_value(stored.clone())?;
            let subject = self.bus.subject(&envelope);
            let span = publish_span(&envelope, &subject);
            let mut headers = HeaderMap::new();
            headers.insert(NATS_MESSAGE_ID, id.to_string().as_str());
            // The consumer's span continues the publish span, which continues the request
            // that recorded the event: one trace shows request → publish → process. Without a
            // trace exporter there is no span context and the recorded one is passed on.
            let traceparent = span
                .in_scope(current_traceparent)
                .or_else(|| envelope.traceparent.clone());
            if let Some(traceparent) = &traceparent {
                headers.insert("traceparent", traceparent.as_str());
            }
            let payload = serde_json::to_vec(&envelope)?;
            let ack = self
                .bus
                .jetstream
                .publish_with_headers(subject, headers, payload.into())
                .instrument(span)
                .await
                .map_err(EventError::nats)?;
            acks.push(ack);
        }
        for ack in acks {
            ack.await.map_err(EventError::nats)?;
        }
        let ids: Vec<Uuid> = rows.iter().map(|(id, _)| *id).collect();
        sqlx::query("UPDATE outbox SET published_at = now() WHERE id = ANY($1)")
            .bind(&ids)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        metrics::counter!("events_published_total").increment(ids.len() as u64);
        Ok(ids.len())
    }

    /// Publish forever: batches back to back while there is a backlog, a poll every 100 ms
    /// when idle, a pause after a failure. Abort the task to stop it (an open batch rolls back
    /// and is published again later).
    pub async fn run(self) {
        loop {
            match self.publish_batch(BATCH).await {
                Ok(n) if n as i64 == BATCH => continue,
                Ok(_) => tokio::time::sleep(IDLE_POLL).await,
                Err(err) => {
                    tracing::warn!(error = %err, "outbox relay: will retry");
                    tokio::time::sleep(RETRY).await;
                }
            }
        }
    }
}
