//! HTTP request metrics for the GraphQL endpoint.

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use std::time::Instant;

/// Axum middleware: count and time every `/graphql` request by status. Probes and scrapes
/// are left out so they do not dilute the service's request rate and latency.
pub async fn record_http(request: Request, next: Next) -> Response {
    if request.uri().path() != "/graphql" {
        return next.run(request).await;
    }
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    ::metrics::counter!("subgraph_http_requests_total", "status" => status).increment(1);
    ::metrics::histogram!("subgraph_http_request_duration_seconds")
        .record(started.elapsed().as_secs_f64());
    response
}
