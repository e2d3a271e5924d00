//! W3C trace context across HTTP: continue the caller's trace in incoming requests, and pass
//! ours on in outgoing ones.

use axum::extract::Request;
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use opentelemetry::propagation::{Extractor, Injector};
use opentelemetry::Context;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use tracing::Instrument;
use tracing_opentelemetry::OpenTelemetrySpanExt;

/// Use W3C `traceparent`/`tracestate` for every extraction and injection in this process.
pub fn install_propagator() {
    opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
}

struct HeaderExtractor<'a>(&'a HeaderMap);

impl Extractor for HeaderExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(HeaderName::as_str).collect()
    }
}

struct HeaderInjector<'a>(&'a mut HeaderMap);

impl Injector for HeaderInjector<'_> {
    fn set(&mut self, key: &str, value: String) {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(key.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            self.0.insert(name, value);
        }
    }
}

/// The trace context a caller sent in `headers` (empty when it sent none).
pub fn extract_context(headers: &HeaderMap) -> Context {
    opentelemetry::global::get_text_map_propagator(|p| p.extract(&HeaderExtractor(headers)))
}

/// The trace context a stored W3C `traceparent` names (one an event carries, say); empty when
/// it is malformed, so a bad value starts a new trace instead of failing the work.
pub fn context_from_traceparent(traceparent: &str) -> Context {
    let mut headers = HeaderMap::new();
    if let Ok(value) = HeaderValue::from_str(traceparent) {
        headers.insert("traceparent", value);
    }
    extract_context(&headers)
}

/// The current span's W3C `traceparent`, when it belongs to a trace (a tracing layer exports
/// spans and the propagator is installed).
pub fn current_traceparent() -> Option<String> {
    let mut headers = HeaderMap::new();
    inject_context(&mut headers);
    headers
        .get("traceparent")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// Write the current span's trace context into `headers` of an outgoing request.
pub fn inject_context(headers: &mut HeaderMap) {
    let cx = tracing::Span::current().context();
    opentelemetry::global::get_text_map_propagator(|p| {
        p.inject_context(&cx, &mut HeaderInjector(headers))
    });
}

/// Axum middleware: one server span per request, a child of the caller's `traceparent` when
/// it sent one, so what the process does for the request (a gateway's fetches, a subgraph's
/// resolvers and SQL) hangs under the caller's span.
/// Probes and scrapes get no span: they would bury the requests worth looking at.
pub async fn trace_http(request: Request, next: Next) -> Response {
    if matches!(request.uri().path(), "/health" | "/ready" | "/metrics") {
        return next.run(request).await;
    }
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let span = tracing::info_span!(
        "http.request",
        otel.name = %format!("{method} {path}"),
        otel.kind = "server",
        http.request.method = %method,
        url.path = %path,
        http.response.status_code = tracing::field::Empty,
    );
    // Must precede the span's first entry: the parent is fixed when the span starts.
    let _ = span.set_parent(extract_context(request.headers()));
    let response = next.run(request).instrument(span.clone()).await;
    span.record("http.response.status_code", response.status().as_u16());
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry::trace::TraceContextExt;

    #[test]
    fn a_stored_traceparent_gives_its_trace_and_a_malformed_one_nothing() {
        install_propagator();
        let cx =
            context_from_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
        let span = cx.span();
        let sc = span.span_context();
        assert!(sc.is_remote());
        assert_eq!(
            sc.trace_id().to_string(),
            "4bf92f3577b34da6a3ce929d0e0e4736"
        );
        assert_eq!(sc.span_id().to_string(), "00f067aa0ba902b7");
        for bad in ["", "00-xyz-00f067aa0ba902b7-01", "bogus\u{7f}"] {
            let cx = context_from_traceparent(bad);
            assert!(!cx.span().span_context().is_valid(), "{bad:?}");
        }
    }
}
