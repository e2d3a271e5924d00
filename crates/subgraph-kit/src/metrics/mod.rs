//! Prometheus metrics of a subgraph, served at `GET /metrics`: HTTP request counts and
//! durations, GraphQL error codes, database pool use, and the business counters.
//!
//! Names follow the team's metrics contract. Every series carries `service` (a global label
//! set by [`install`]). Until [`install`] runs (tests that do not call it), recording is a
//! no-op and `/metrics` is empty.

pub mod business;
pub mod http;
pub mod pool;

use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use metrics_exporter_prometheus::{BuildError, Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;

pub use http::record_http;
pub use pool::spawn_pool_sampler;

/// Latency buckets (seconds) for every `_seconds` histogram: 1 ms to 10 s.
pub const SECONDS_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Install the process-wide Prometheus recorder with `service` as a label on every series.
/// Idempotent; fails only if another recorder was installed first.
pub fn install(service: &str) -> Result<(), BuildError> {
    if HANDLE.get().is_some() {
        return Ok(());
    }
    let handle = PrometheusBuilder::new()
        .add_global_label("service", service)
        .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), SECONDS_BUCKETS)?
        .install_recorder()?;
    let _ = HANDLE.set(handle);
    describe();
    Ok(())
}

/// The current metrics in Prometheus text format (empty before [`install`]).
pub fn render() -> String {
    HANDLE
        .get()
        .map(PrometheusHandle::render)
        .unwrap_or_default()
}

/// Fold buffered histogram samples into their buckets; the sampler calls it periodically.
pub(crate) fn run_upkeep() {
    if let Some(handle) = HANDLE.get() {
        handle.run_upkeep();
    }
}

/// Handler of `GET /metrics`.
pub async fn metrics_handler() -> impl IntoResponse {
    (
        [(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        render(),
    )
}

/// Count the errors of one GraphQL response by their `extensions.code`.
pub fn record_graphql_errors(errors: &[async_graphql::ServerError]) {
    for error in errors {
        let code = error
            .extensions
            .as_ref()
            .and_then(|ext| match ext.get("code") {
                Some(async_graphql::Value::String(code)) => Some(code.clone()),
                _ => None,
            })
            .unwrap_or_else(|| "UNKNOWN".to_string());
        ::metrics::counter!("subgraph_graphql_errors_total", "code" => code).increment(1);
    }
}

fn describe() {
    use ::metrics::{describe_counter, describe_gauge, describe_histogram, Unit};
    describe_counter!(
        "subgraph_http_requests_total",
        "GraphQL HTTP requests by status code"
    );
    describe_histogram!(
        "subgraph_http_request_duration_seconds",
        Unit::Seconds,
        "GraphQL HTTP request duration"
    );
    describe_counter!(
        "subgraph_graphql_errors_total",
        "GraphQL errors by extensions.code"
    );
    describe_counter!(
        "subgraph_auth_failures_total",
        "Bearer tokens refused with 401, by reason (expired, bad_signature, ...)"
    );
    describe_gauge!(
        "db_pool_connections",
        "Database pool connections by state (in_use, idle)"
    );
    describe_histogram!(
        "db_pool_acquire_wait_seconds",
        Unit::Seconds,
        "Time to acquire a pooled database connection"
    );
    business::describe();
}
