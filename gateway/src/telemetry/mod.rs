//! Logging (and, later, traces and metrics export).

use tracing_subscriber::{fmt, EnvFilter};

/// Installs JSON logs on stdout, filtered by `RUST_LOG` (default `info`).
/// Calling it twice is harmless: the second install is ignored.
pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = fmt().json().with_env_filter(filter).try_init();
}

/// Adds trace-context headers to an outgoing subgraph request.
/// A no-op until the OpenTelemetry propagator is installed here.
pub fn inject_context(_headers: &mut http::HeaderMap) {}
