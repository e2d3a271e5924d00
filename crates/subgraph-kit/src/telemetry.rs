//! Logging and tracing set-up for a subgraph process.

use tracing_subscriber::EnvFilter;

/// Install structured JSON logs (filter from `RUST_LOG`, default `info`). Safe to call twice.
pub fn init(service: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_current_span(true)
        .try_init();
    tracing::debug!(service, "telemetry initialised");
}
