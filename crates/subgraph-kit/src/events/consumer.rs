//! Durable consumers: each delivery applied in one transaction with its inbox row, so nothing
//! applies twice; bounded redelivery with backoff, then the dead-letter subject.

use super::{Bus, Envelope, EventError};
use async_nats::header::{HeaderMap, NATS_MESSAGE_ID};
use async_nats::jetstream::consumer::{pull, AckPolicy};
use async_nats::jetstream::{AckKind, Message};
use crowdcrunch_telemetry::propagation::context_from_traceparent;
use futures::StreamExt;
use sqlx::{PgConnection, PgPool};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tracing::Instrument;
use tracing_opentelemetry::OpenTelemetrySpanExt;

/// Why a handler did not apply an event; the transaction is rolled back and it is redelivered.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct HandlerError(pub String);

impl From<EventError> for HandlerError {
    fn from(err: EventError) -> Self {
        HandlerError(err.to_string())
    }
}

impl From<sqlx::Error> for HandlerError {
    fn from(err: sqlx::Error) -> Self {
        HandlerError(err.to_string())
    }
}

/// What a subgraph does with the events it subscribes to.
#[async_trait::async_trait]
pub trait Handler: Send + Sync + 'static {
    /// Apply `event` through `tx`, the transaction that also records it in the inbox.
    async fn handle(&self, tx: &mut PgConnection, event: &Envelope) -> Result<(), HandlerError>;

    /// Whether this handler only keeps a view that [`Handler::forget`] can take an event's part
    /// out of, so `crowdcrunch events replay` may rebuild it by applying events again. A handler
    /// that moves state, stock or money, or defers effects with `after_commit`, must say no:
    /// the default.
    fn rebuilds(&self) -> bool {
        false
    }

    /// Remove through `tx` everything `handle` wrote for `event`; a rebuild calls it in the
    /// transaction that applies the event again right after.
    async fn forget(&self, _tx: &mut PgConnection, event: &Envelope) -> Result<(), HandlerError> {
        Err(HandlerError(format!(
            "this consumer cannot apply event {} again",
            event.id
        )))
    }
}

#[async_trait::async_trait]
impl<H: Handler + ?Sized> Handler for std::sync::Arc<H> {
    async fn handle(&self, tx: &mut PgConnection, event: &Envelope) -> Result<(), HandlerError> {
        (**self).handle(tx, event).await
    }

    fn rebuilds(&self) -> bool {
        (**self).rebuilds()
    }

    async fn forget(&self, tx: &mut PgConnection, event: &Envelope) -> Result<(), HandlerError> {
        (**self).forget(tx, event).await
    }
}

/// A durable consumer's settings.
#[derive(Debug, Clone)]
pub struct ConsumerConfig {
    /// Durable name, unique per subscribing service and purpose (no dots), e.g. `payments`.
    pub name: String,
    /// Subjects it reads, from [`Bus::event_subject`] (wildcards allowed); more than one
    /// needs NATS 2.10 or later.
    pub subjects: Vec<String>,
    /// Deliveries of one event before it goes to the dead-letter subject.
    pub max_attempts: u32,
    /// Delay before the second delivery after a failure; doubles per attempt up to a minute.
    pub retry_base: Duration,
    /// Time the broker waits for an ack before redelivering (a consumer that died mid-event).
    pub ack_wait: Duration,
    /// `(domain, type)` of the events handled (`*`: any type of the domain); others are
    /// acked unread. Empty: every event the subjects hold.
    pub accept: Vec<(String, String)>,
}

impl ConsumerConfig {
    /// 5 attempts, 1 s then doubling, 30 s ack wait.
    pub fn new(name: impl Into<String>, subjects: Vec<String>) -> ConsumerConfig {
        ConsumerConfig {
            name: name.into(),
            subjects,
            max_attempts: 5,
            retry_base: Duration::from_secs(1),
            ack_wait: Duration::from_secs(30),
            accept: Vec::new(),
        }
    }

    /// Whether `envelope` is one this consumer handles.
    fn accepts(&self, envelope: &Envelope) -> bool {
        self.accept.is_empty()
            || self.accept.iter().any(|(domain, event_type)| {
                *domain == envelope.source
                    && (event_type == "*" || *event_type == envelope.event_type)
            })
    }

    fn retry_delay(&self, attempt: u32) -> Duration {
        let factor = 1u32 << attempt.saturating_sub(1).min(16);
        self.retry_base
            .saturating_mul(factor)
            .min(Duration::from_secs(60))
    }
}

/// What became of one delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Applied,
    /// Already in the inbox: acked, not applied again.
    Duplicate,
    /// Already in the inbox, delivered again by a rebuild (`events replay`): what it did was
    /// forgotten and it was applied again, in one transaction.
    Rebuilt,
    /// Not an event this consumer handles: acked unread.
    Skipped,
    /// The handler failed; the broker redelivers after the backoff.
    Retried,
    /// Failed for the last allowed time, or unreadable: published to the dead-letter subject.
    DeadLettered,
}

impl Outcome {
    fn label(self) -> &'static str {
        match self {
            Outcome::Applied => "applied",
            Outcome::Duplicate => "duplicate",
            Outcome::Rebuilt => "rebuilt",
            Outcome::Skipped => "skipped",
            Outcome::Retried => "retried",
            Outcome::DeadLettered => "dead_lettered",
        }
    }
}

/// Longest error text put in a dead letter's header.
const MAX_ERROR_LEN: usize = 500;

/// A durable pull consumer feeding a [`Handler`].
pub struct Consumer<H> {
    pool: PgPool,
    bus: Bus,
    config: ConsumerConfig,
    handler: H,
    /// The durable consumer is a rebuild's (it starts at a time, see [`super::replay`]) and the
    /// handler can rebuild: events already in the inbox are applied again, not ignored.
    rebuilding: AtomicBool,
}

impl<H: Handler> Consumer<H> {
    pub fn new(pool: PgPool, bus: Bus, config: ConsumerConfig, handler: H) -> Self {
        Consumer {
            pool,
            bus,
            config,
            handler,
            rebuilding: AtomicBool::new(false),
        }
    }

    /// Create (or reuse) the durable consumer and process deliveries until the connection
    /// fails; a consumer that was down resumes where its durable state says.
    pub async fn run(self) -> Result<(), EventError> {
        let stream = self.bus.stream().await?;
        // NATS before 2.10 ignores `filter_subjects` (and would deliver the whole stream, dead
        // letters included): one subject goes in the older `filter_subject`.
        let (filter_subject, filter_subjects) = match self.config.subjects.as_slice() {
            [one] => (one.clone(), Vec::new()),
            many => (String::new(), many.to_vec()),
        };
        let consumer = stream
            .get_or_create_consumer(
                &self.config.name,
                pull::Config {
                    durable_name: Some(self.config.name.clone()),
                    filter_subject,
                    filter_subjects,
                    ack_policy: AckPolicy::Explicit,
                    ack_wait: self.config.ack_wait,
                    // One more than the handler's attempts: the last delivery only dead-letters
                    // if publishing the dead letter failed the time before.
                    max_deliver: i64::from(self.config.max_attempts) + 1,
                    ..Default::default()
                },
            )
            .await
            .map_err(EventError::nats)?;
        if super::replay::is_rebuild(&consumer.cached_info().config) && self.handler.rebuilds() {
            self.rebuilding.store(true, Ordering::Relaxed);
        }
        let mut messages = consumer.messages().await.map_err(EventError::nats)?;
        while let Some(message) = messages.next().await {
            let message = message.map_err(EventError::nats)?;
            let outcome = match self.process(&message).await {
                Ok(outcome) => outcome,
                Err(err) => {
                    // The database or broker failed us, not the event: try it again later.
                    tracing::warn!(consumer = %self.config.name, error = %err, "event not processed: will retry");
                    let delay = Some(self.config.retry_base);
                    let _ = message.ack_with(AckKind::Nak(delay)).await;
                    Outcome::Retried
                }
            };
            metrics::counter!(
                "events_consumed_total",
                "consumer" => self.config.name.clone(),
                "outcome" => outcome.label()
            )
            .increment(1);
        }
        Ok(())
    }

    /// Apply one delivery and acknowledge it as its outcome says.
    pub async fn process(&self, message: &Message) -> Result<Outcome, EventError> {
        let attempt = message
            .info()
            .map(|info| u32::try_from(info.delivered).unwrap_or(u32::MAX))
            .map_err(EventError::nats)?;
        if attempt > 1 {
            metrics::counter!("events_redeliveries_total", "consumer" => self.config.name.clone())
                .increment(1);
        }
        let envelope: Envelope = match serde_json::from_slice(&message.payload) {
            Ok(envelope) => envelope,
            Err(err) => {
                return self
                    .dead_letter(message, None, attempt, &err.to_string())
                    .await
            }
        };
        if !self.config.accepts(&envelope) {
            message.ack().await.map_err(EventError::nats)?;
            return Ok(Outcome::Skipped);
        }
        // The handling continues the trace of the request that recorded the event, so its SQL
        // and the events it records in turn (which carry this span's context) join that trace.
        let span = tracing::info_span!(
            "event.process",
            otel.name = %format!("process {}", envelope.event_type),
            otel.kind = "consumer",
            messaging.system = "nats",
            messaging.operation.type = "process",
            messaging.destination.name = %message.subject,
            messaging.message.id = %envelope.id,
            messaging.consumer.group.name = %self.config.name,
            event.attempt = attempt,
            event.outcome = tracing::field::Empty,
        );
        // The relay's publish span (in the message's header) when it had one, else the request
        // that recorded the event.
        let header = message
            .headers
            .as_ref()
            .and_then(|h| h.get("traceparent"))
            .map(|v| v.as_str());
        if let Some(traceparent) = header.or(envelope.traceparent.as_deref()) {
            // Before the span's first entry: the parent is fixed when it starts.
            let _ = span.set_parent(context_from_traceparent(traceparent));
        }
        let outcome = self
            .apply(message, &envelope, attempt)
            .instrument(span.clone())
            .await;
        if let Ok(outcome) = &outcome {
            span.record("event.outcome", outcome.label());
        }
        outcome
    }

    /// Apply an accepted event with its inbox row, in one transaction, and acknowledge it.
    async fn apply(
        &self,
        message: &Message,
        envelope: &Envelope,
        attempt: u32,
    ) -> Result<Outcome, EventError> {
        let mut tx = self.pool.begin().await?;
        let fresh = sqlx::query_scalar::<_, uuid::Uuid>(
            "INSERT INTO inbox (consumer, event_id) VALUES ($1, $2)
             ON CONFLICT DO NOTHING RETURNING event_id",
        )
        .bind(&self.config.name)
        .bind(envelope.id)
        .fetch_optional(&mut *tx)
        .await?;
        if fresh.is_none() && !self.rebuilding().await? {
            tx.rollback().await?;
            message.ack().await.map_err(EventError::nats)?;
            return Ok(Outcome::Duplicate);
        }
        let handled = async {
            if fresh.is_none() {
                self.handler.forget(&mut tx, envelope).await?;
            }
            self.handler.handle(&mut tx, envelope).await
        };
        let (outcome, effects) = super::effects::collect(handled).await;
        match outcome {
            Ok(()) => {
                tx.commit().await?;
                super::effects::run(effects);
                // A crash before this ack means a redelivery, which the inbox turns away (or,
                // in a rebuild, applies again in place of itself).
                message.ack().await.map_err(EventError::nats)?;
                Ok(if fresh.is_some() {
                    Outcome::Applied
                } else {
                    Outcome::Rebuilt
                })
            }
            Err(err) => {
                tx.rollback().await?;
                if attempt >= self.config.max_attempts {
                    return self
                        .dead_letter(message, Some(envelope), attempt, &err.0)
                        .await;
                }
                tracing::warn!(consumer = %self.config.name, event = %envelope.id, attempt, error = %err, "event handler failed: will retry");
                let delay = self.config.retry_delay(attempt);
                message
                    .ack_with(AckKind::Nak(Some(delay)))
                    .await
                    .map_err(EventError::nats)?;
                Ok(Outcome::Retried)
            }
        }
    }

    /// Whether deliveries of events already in the inbox are a rebuild's. Asked of the broker
    /// (only on such a delivery, rare outside a rebuild) when not known yet: a replay may have
    /// recreated the durable consumer under a pull that did not notice.
    async fn rebuilding(&self) -> Result<bool, EventError> {
        if self.rebuilding.load(Ordering::Relaxed) {
            return Ok(true);
        }
        if !self.handler.rebuilds() {
            return Ok(false);
        }
        let stream = self.bus.stream().await?;
        let info = stream
            .consumer_info(&self.config.name)
            .await
            .map_err(EventError::nats)?;
        let rebuilding = super::replay::is_rebuild(&info.config);
        self.rebuilding.store(rebuilding, Ordering::Relaxed);
        Ok(rebuilding)
    }

    /// Publish the delivery unchanged to the dead-letter subject, with why and where from in
    /// headers, then stop its redelivery.
    async fn dead_letter(
        &self,
        message: &Message,
        envelope: Option<&Envelope>,
        attempt: u32,
        error: &str,
    ) -> Result<Outcome, EventError> {
        let mut headers = HeaderMap::new();
        if let Some(envelope) = envelope {
            let id = format!("dlq-{}-{}", self.config.name, envelope.id);
            headers.insert(NATS_MESSAGE_ID, id.as_str());
        }
        headers.insert("CrowdCrunch-Subject", message.subject.as_str());
        headers.insert("CrowdCrunch-Attempts", attempt.to_string().as_str());
        let error: String = error
            .chars()
            .filter(|c| !c.is_control())
            .take(MAX_ERROR_LEN)
            .collect();
        headers.insert("CrowdCrunch-Error", error.as_str());
        tracing::error!(consumer = %self.config.name, subject = %message.subject, attempt, error = %error, "event dead-lettered");
        self.bus
            .jetstream
            .publish_with_headers(
                self.bus.dead_letter_subject(&self.config.name),
                headers,
                message.payload.clone(),
            )
            .await
            .map_err(EventError::nats)?
            .await
            .map_err(EventError::nats)?;
        message
            .ack_with(AckKind::Term)
            .await
            .map_err(EventError::nats)?;
        Ok(Outcome::DeadLettered)
    }
}
