//! Telemetry without the OpenTelemetry and Prometheus dependencies: JSON logs only.

use tracing_subscriber::{fmt, EnvFilter};

/// Installs JSON logs on stdout, filtered by `RUST_LOG` (default `info`).
/// Calling it twice is harmless: the second install is ignored.
pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = fmt().json().with_env_filter(filter).try_init();
}

/// Per-request spans are for trace export, which this build has not.
pub fn request_spans() -> bool {
    false
}

/// Adds trace-context headers to an outgoing subgraph request: nothing to add here.
pub fn inject_context(_headers: &mut http::HeaderMap) {}

/// Adds the telemetry routes and middleware to the server's router: none here.
pub fn instrument<S: Clone + Send + Sync + 'static>(router: axum::Router<S>) -> axum::Router<S> {
    router
}

/// The routes of the internal metrics listener: none without Prometheus.
pub fn metrics_router() -> axum::Router {
    axum::Router::new()
}

/// Flushes buffered telemetry before exit: nothing is buffered here.
pub fn shutdown() {}
