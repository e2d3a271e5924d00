//! SQL statement spans. sqlx reports each finished statement as one `sqlx::query` event (with
//! its text and duration), not as a span; this layer turns each such event into a client span
//! that starts `elapsed` before the event and is a child of the span that ran the statement.

use opentelemetry::trace::{Span as _, SpanKind, Tracer};
use opentelemetry::KeyValue;
use opentelemetry_sdk::trace::SdkTracer;
use std::sync::OnceLock;
use std::time::{Duration, SystemTime};
use tracing::dispatcher::WeakDispatch;
use tracing::field::{Field, Visit};
use tracing::{Dispatch, Event, Subscriber};
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::Layer;

/// Layer emitting one OpenTelemetry span per sqlx statement event.
pub struct SqlSpans {
    /// `None` when traces are not exported: the layer then does nothing.
    tracer: Option<SdkTracer>,
    // The subscriber this layer is part of: needed to read the parent span's trace context,
    // which cannot be asked of the thread's dispatcher while it is dispatching this event.
    dispatch: OnceLock<WeakDispatch>,
}

impl SqlSpans {
    pub fn new(tracer: Option<SdkTracer>) -> Self {
        Self {
            tracer,
            dispatch: OnceLock::new(),
        }
    }
}

/// The fields of a sqlx query event that the span needs.
#[derive(Default)]
struct Statement {
    summary: String,
    full: String,
    rows_affected: i64,
    rows_returned: i64,
    elapsed_secs: f64,
}

impl Visit for Statement {
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "summary" => self.summary = value.to_string(),
            "db.statement" => self.full = value.trim().to_string(),
            _ => {}
        }
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        let value = i64::try_from(value).unwrap_or(i64::MAX);
        match field.name() {
            "rows_affected" => self.rows_affected = value,
            "rows_returned" => self.rows_returned = value,
            _ => {}
        }
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        if field.name() == "elapsed_secs" {
            self.elapsed_secs = value;
        }
    }

    fn record_debug(&mut self, _field: &Field, _value: &dyn std::fmt::Debug) {}
}

impl Statement {
    /// The statement's text: sqlx leaves `db.statement` empty when the summary is all of it.
    fn text(&self) -> &str {
        if self.full.is_empty() {
            &self.summary
        } else {
            &self.full
        }
    }

    /// Span name per OpenTelemetry's database conventions: the operation, e.g. `SELECT`.
    fn operation(&self) -> String {
        let word = self.text().split_whitespace().next().unwrap_or("SQL");
        word.to_ascii_uppercase()
    }
}

impl<S> Layer<S> for SqlSpans
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_register_dispatch(&self, subscriber: &Dispatch) {
        let _ = self.dispatch.set(subscriber.downgrade());
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        if event.metadata().target() != "sqlx::query" {
            return;
        }
        let Some(tracer) = &self.tracer else {
            return;
        };
        let mut statement = Statement::default();
        event.record(&mut statement);
        let Some(dispatch) = self.dispatch.get().and_then(WeakDispatch::upgrade) else {
            return;
        };
        // The nearest enclosing span that carries a trace context is the parent.
        let parent = ctx.event_scope(event).and_then(|scope| {
            scope
                .into_iter()
                .find_map(|span| tracing_opentelemetry::get_otel_context(&span.id(), &dispatch))
        });
        let Some(parent) = parent else {
            return;
        };
        let end = SystemTime::now();
        let elapsed = Duration::try_from_secs_f64(statement.elapsed_secs).unwrap_or_default();
        let start = end.checked_sub(elapsed).unwrap_or(end);
        let mut span = tracer
            .span_builder(statement.operation())
            .with_kind(SpanKind::Client)
            .with_start_time(start)
            .with_attributes([
                KeyValue::new("db.system.name", "postgresql"),
                KeyValue::new("db.query.text", statement.text().to_string()),
                KeyValue::new("db.response.returned_rows", statement.rows_returned),
                KeyValue::new("db.response.affected_rows", statement.rows_affected),
            ])
            .start_with_context(tracer, &parent);
        span.end_with_timestamp(end);
    }
}
