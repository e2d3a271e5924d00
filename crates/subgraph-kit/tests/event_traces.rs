//! One trace from the request to the consumer: the relay publishes an event in a span whose
//! parent is the span of the request that recorded it, the consumer handles it in a span whose
//! parent is the publish span, and its SQL and the events it records in turn belong to that
//! same trace. Spans are collected in-process as an OTLP exporter gets them.
//!
//! A test binary of its own: the subscriber is the process's global one, as in a subgraph. (A
//! thread-scoped one, among the other events tests' threads, sometimes missed sqlx's statement
//! events: tracing caches a call site's interest process-wide.)

// The events tests' fixture; this binary uses part of it.
#[allow(dead_code)]
#[path = "events/fixture.rs"]
mod fixture;

use fixture::{eventually, fixture, ThingHappened};
use opentelemetry::trace::{SpanKind, TraceContextExt, TracerProvider as _};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SdkTracerProvider, SpanData, SpanExporter};
use std::sync::{Arc, Mutex};
use subgraph_kit::events::relay::BATCH;
use subgraph_kit::events::{outbox, Consumer, Envelope, Handler, HandlerError};
use subgraph_kit::telemetry::propagation;
use subgraph_kit::telemetry::sql::SqlSpans;
use tracing::Instrument;
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::filter::filter_fn;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::Layer;
use uuid::Uuid;

/// Every span ended, as an exporter receives them.
#[derive(Debug, Clone, Default)]
struct Collected(Arc<Mutex<Vec<SpanData>>>);

impl SpanExporter for Collected {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend(batch);
        Ok(())
    }
}

impl Collected {
    fn find(&self, pick: impl Fn(&SpanData) -> bool) -> Option<SpanData> {
        let spans = self.0.lock().unwrap_or_else(|p| p.into_inner());
        spans.iter().find(|s| pick(s)).cloned()
    }
}

/// Answers every event but its own echo by recording an echo: the next step of a lifecycle.
struct Echo;

#[async_trait::async_trait]
impl Handler for Echo {
    async fn handle(
        &self,
        tx: &mut sqlx::PgConnection,
        event: &Envelope,
    ) -> Result<(), HandlerError> {
        let thing: ThingHappened = event.decode()?;
        if thing.note != "echo" {
            let echo = ThingHappened {
                note: "echo".into(),
            };
            outbox::record(tx, &echo).await?;
        }
        Ok(())
    }
}

fn text(span: &SpanData, key: &str) -> String {
    span.attributes
        .iter()
        .find(|kv| kv.key.as_str() == key)
        .map(|kv| kv.value.to_string())
        .unwrap_or_default()
}

#[tokio::test]
async fn the_consumer_continues_the_trace_of_the_request_that_recorded_the_event() {
    // A subgraph's telemetry: its trace layer and SQL spans.
    let collected = Collected::default();
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(collected.clone())
        .build();
    let tracer = provider.tracer("events-test");
    let subscriber = tracing_subscriber::registry()
        .with(tracing_opentelemetry::layer().with_tracer(tracer.clone()))
        .with(SqlSpans::new(Some(tracer)).with_filter(filter_fn(|meta| {
            meta.is_span() || meta.target() == "sqlx::query"
        })));
    tracing::subscriber::set_global_default(subscriber).expect("the only subscriber");
    propagation::install_propagator();

    let f = fixture().await;
    // The caller's trace, as a gateway's traceparent names it.
    let trace_id = Uuid::new_v4().simple().to_string();
    let caller = format!(
        "00-{trace_id}-{}-01",
        &Uuid::new_v4().simple().to_string()[..16]
    );
    let request = tracing::info_span!("request");
    let _ = request.set_parent(propagation::context_from_traceparent(&caller));
    let request_span = request
        .context()
        .span()
        .span_context()
        .span_id()
        .to_string();
    let sent = f.write("placed", true).instrument(request).await;
    assert_eq!(
        sent.traceparent,
        Some(format!("00-{trace_id}-{request_span}-01")),
        "recorded with the request's trace context"
    );

    assert_eq!(f.relay().publish_batch(BATCH).await.expect("publish"), 1);
    let config = f.consumer_config();
    let name = config.name.clone();
    let consumer = Consumer::new(f.pool.clone(), f.bus.clone(), config, Echo);
    tokio::spawn(async move { consumer.run().await.expect("consumer") });
    f.wait_drained(&name).await;

    let process = eventually("the consumer's span", || async {
        collected.find(|s| s.name == "process ThingHappened")
    })
    .await;
    // request → publish (the relay) → process (the consumer), one trace.
    let publish = collected
        .find(|s| s.name == "publish ThingHappened")
        .expect("the relay's publish span");
    assert_eq!(publish.span_context.trace_id().to_string(), trace_id);
    assert_eq!(publish.parent_span_id.to_string(), request_span);
    assert_eq!(publish.span_kind, SpanKind::Producer);
    assert_eq!(text(&publish, "messaging.message.id"), sent.id.to_string());
    assert_eq!(process.span_context.trace_id().to_string(), trace_id);
    assert_eq!(process.parent_span_id, publish.span_context.span_id());
    assert_eq!(process.span_kind, SpanKind::Consumer);
    assert_eq!(text(&process, "messaging.message.id"), sent.id.to_string());
    assert_eq!(text(&process, "event.outcome"), "applied");
    let process_span = process.span_context.span_id();

    // The consumer's own database work hangs under its span.
    let recorded = collected
        .find(|s| {
            s.parent_span_id == process_span
                && text(s, "db.query.text").starts_with("INSERT INTO outbox")
        })
        .expect("the consumer's INSERT INTO outbox as a child of its span");
    assert_eq!(recorded.span_context.trace_id().to_string(), trace_id);

    // The event it recorded in turn carries the same trace, the consumer's span as parent.
    let echoed: serde_json::Value =
        sqlx::query_scalar("SELECT envelope FROM outbox WHERE id <> $1")
            .bind(sent.id)
            .fetch_one(&f.pool)
            .await
            .expect("the echo in the outbox");
    let echoed: Envelope = serde_json::from_value(echoed).expect("an envelope");
    assert_eq!(
        echoed.traceparent,
        Some(format!("00-{trace_id}-{process_span}-01"))
    );
    f.cleanup().await;
}
