//! The gateway's Prometheus recorder and `GET /metrics`. The series themselves are recorded
//! where they happen (server, operation cache, executor) with the `metrics` macros.

use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use metrics_exporter_prometheus::{BuildError, Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use std::time::Duration;

/// Latency buckets (seconds) for every `_seconds` histogram: 1 ms to 10 s.
const SECONDS_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Install the process-wide recorder, labelling every series `service="gateway"`.
pub fn install() -> Result<(), BuildError> {
    if HANDLE.get().is_some() {
        return Ok(());
    }
    let handle = PrometheusBuilder::new()
        .add_global_label("service", "gateway")
        .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), SECONDS_BUCKETS)?
        .install_recorder()?;
    let upkeep = handle.clone();
    // Folds buffered histogram samples into buckets; without it they only grow.
    let _ = std::thread::Builder::new()
        .name("metrics-upkeep".into())
        .spawn(move || loop {
            std::thread::sleep(Duration::from_secs(5));
            upkeep.run_upkeep();
        });
    let _ = HANDLE.set(handle);
    describe();
    Ok(())
}

/// Handler of `GET /metrics` (Prometheus text format; empty before [`install`]).
pub async fn metrics_handler() -> impl IntoResponse {
    (
        [(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        HANDLE
            .get()
            .map(PrometheusHandle::render)
            .unwrap_or_default(),
    )
}

fn describe() {
    use ::metrics::{describe_counter, describe_gauge, describe_histogram, Unit};
    describe_counter!(
        "gateway_http_requests_total",
        "GraphQL requests by operation and HTTP status"
    );
    describe_histogram!(
        "gateway_http_request_duration_seconds",
        Unit::Seconds,
        "GraphQL request duration by operation"
    );
    describe_counter!(
        "gateway_graphql_errors_total",
        "GraphQL errors by operation and code"
    );
    describe_counter!(
        "gateway_subgraph_requests_total",
        "Subgraph fetches by subgraph and outcome"
    );
    describe_histogram!(
        "gateway_subgraph_request_duration_seconds",
        Unit::Seconds,
        "Subgraph fetch duration by subgraph"
    );
    describe_counter!("gateway_plan_cache_hits_total", "Query plan cache hits");
    describe_counter!("gateway_plan_cache_misses_total", "Query plan cache misses");
    describe_gauge!(
        "gateway_http_requests_in_flight",
        "GraphQL requests being served"
    );
    describe_gauge!(
        "gateway_offloaded_preparations",
        "Plan-cache misses being prepared on preparation threads"
    );
    describe_gauge!("gateway_connections_open", "Open client connections");
    describe_counter!(
        "gateway_connections_evicted_total",
        "Quiet connections closed to admit new ones at the connection cap"
    );
    describe_counter!(
        "gateway_connections_refused_total",
        "New connections refused at the cap (every open one running a request)"
    );
}
