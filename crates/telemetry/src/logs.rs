//! Structured JSON logs, one object per line on stdout, carrying the trace and span ids of
//! the span an event happened in so a log line can be found from a trace and back. Text fields
//! are clipped (see [`crate::clip`]).

use crate::clip::{clip, LOG_FIELD_LIMIT};
use opentelemetry::trace::TraceContextExt;
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::io::Write;
use std::sync::OnceLock;
use tracing::dispatcher::WeakDispatch;
use tracing::field::{Field, Visit};
use tracing::{Dispatch, Event, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::time::{FormatTime, SystemTime};
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::Layer;

/// Layer writing every event it is given as a JSON line.
pub struct JsonLogs {
    service: String,
    // Reading a span's trace context from inside `on_event` needs the subscriber itself:
    // the thread's dispatcher cannot be asked while it is dispatching this very event.
    dispatch: OnceLock<WeakDispatch>,
}

impl JsonLogs {
    pub fn new(service: &str) -> Self {
        Self {
            service: service.to_string(),
            dispatch: OnceLock::new(),
        }
    }
}

/// An event's fields; text values are clipped to [`LOG_FIELD_LIMIT`] bytes so that input a
/// client sent (an argument in an error, a statement) never becomes a megabyte-long line.
struct Fields(Map<String, Value>);

impl Fields {
    fn text(&mut self, field: &Field, value: String) {
        let value = match clip(&value, LOG_FIELD_LIMIT) {
            Cow::Borrowed(_) => value,
            Cow::Owned(clipped) => clipped,
        };
        self.0.insert(field.name().to_string(), value.into());
    }
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        let value = clip(value, LOG_FIELD_LIMIT).into_owned();
        self.0.insert(field.name().to_string(), value.into());
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(field.name().to_string(), value.into());
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().to_string(), value.into());
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.0.insert(field.name().to_string(), value.into());
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(field.name().to_string(), value.into());
    }
    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.text(field, value.to_string());
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.text(field, format!("{value:?}"));
    }
}

impl<S> Layer<S> for JsonLogs
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_register_dispatch(&self, subscriber: &Dispatch) {
        let _ = self.dispatch.set(subscriber.downgrade());
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let meta = event.metadata();
        let mut fields = Fields(Map::new());
        event.record(&mut fields);
        let mut line = Map::new();
        let mut timestamp = String::new();
        let _ = SystemTime.format_time(&mut Writer::new(&mut timestamp));
        line.insert("timestamp".into(), timestamp.into());
        line.insert("level".into(), meta.level().as_str().into());
        line.insert("target".into(), meta.target().into());
        line.insert("service".into(), self.service.clone().into());
        if let Some(message) = fields.0.remove("message") {
            line.insert("message".into(), message);
        }
        if !fields.0.is_empty() {
            line.insert("fields".into(), Value::Object(fields.0));
        }
        if let Some(scope) = ctx.event_scope(event) {
            let dispatch = self.dispatch.get().and_then(WeakDispatch::upgrade);
            let mut spans = scope.into_iter();
            if let Some(span) = spans.next() {
                line.insert("span".into(), span.name().into());
            }
            let ids = dispatch.and_then(|d| {
                ctx.event_scope(event)?.into_iter().find_map(|span| {
                    let cx = tracing_opentelemetry::get_otel_context(&span.id(), &d)?;
                    let sc = cx.span().span_context().clone();
                    sc.is_valid().then_some(sc)
                })
            });
            if let Some(sc) = ids {
                line.insert("trace_id".into(), sc.trace_id().to_string().into());
                line.insert("span_id".into(), sc.span_id().to_string().into());
            }
        }
        let Ok(mut text) = serde_json::to_vec(&Value::Object(line)) else {
            return;
        };
        text.push(b'\n');
        // One write per line so concurrent events never interleave within a line.
        let _ = std::io::stdout().lock().write_all(&text);
    }
}
