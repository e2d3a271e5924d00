//! Logs, traces, propagation and metrics of the gateway.
//!
//! With the `otel` feature: JSON logs carrying trace and span ids, OTLP/HTTP trace export
//! configured by the standard `OTEL_*` variables and W3C `traceparent` in and out (all from
//! the shared `crowdcrunch-telemetry` crate), and the Prometheus recorder behind
//! `GET /metrics` ([`metrics`]).
//! Without it (`--no-default-features`), only
//! the JSON logs of `tracing-subscriber`, with the same public functions as no-ops.

#[cfg(feature = "otel")]
pub mod metrics;

#[cfg(feature = "otel")]
mod full;
#[cfg(feature = "otel")]
pub use full::{init, inject_context, instrument, metrics_router, request_spans, shutdown};

#[cfg(not(feature = "otel"))]
mod logs_only;
#[cfg(not(feature = "otel"))]
pub use logs_only::{init, inject_context, instrument, metrics_router, request_spans, shutdown};
