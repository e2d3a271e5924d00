//! Admission of GraphQL requests: a cap on requests in flight (beyond it
//! they are shed with 503 and `Retry-After`, and `/ready` says so) and a
//! deadline over each admitted request, whose work is dropped when it passes.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::{handlers, refusals};

/// Requests in flight over all workers, and their limits.
pub(super) struct Admission {
    in_flight: AtomicUsize,
    max_in_flight: usize,
    timeout: Duration,
    retry_after: HeaderValue,
}

impl Admission {
    pub fn new(max_in_flight: usize, timeout: Duration, retry_after_s: u64) -> Arc<Self> {
        Arc::new(Self {
            in_flight: AtomicUsize::new(0),
            max_in_flight: max_in_flight.max(1),
            timeout,
            retry_after: HeaderValue::from(retry_after_s),
        })
    }

    /// The request deadline's length.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Whether a new request would be admitted now.
    pub fn ready(&self) -> bool {
        self.in_flight.load(Ordering::Relaxed) < self.max_in_flight
    }
}

/// Holds one in-flight slot until dropped (a dropped request included).
struct Slot<'a>(&'a Admission);

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Middleware of `/graphql`: sheds above the cap, then runs the request
/// under its deadline. A request past its deadline is dropped where it is
/// (subgraph calls included; preparation threads stop at their own check)
/// and the client gets 504 `GATEWAY_TIMEOUT`: 504 rather than 408 because
/// the client sent its request in time and it is the gateway (or a
/// subgraph behind it) that did not answer in time.
pub(super) async fn admit(
    State(admission): State<Arc<Admission>>,
    request: Request,
    next: Next,
) -> Response {
    // Only what a refusal needs (a header clone would cost every request).
    let accept = request.headers().get(header::ACCEPT).cloned();
    if admission.in_flight.fetch_add(1, Ordering::Relaxed) >= admission.max_in_flight {
        admission.in_flight.fetch_sub(1, Ordering::Relaxed);
        let outcome = refusals::refuse(
            503,
            "the gateway is serving as many requests as it can; retry later",
            "SERVICE_OVERLOADED",
        );
        let mut response = handlers::respond_to(accept.as_ref(), outcome);
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, admission.retry_after.clone());
        return response;
    }
    let _slot = Slot(&admission);
    match tokio::time::timeout(admission.timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => timed_out(accept.as_ref(), admission.timeout),
    }
}

fn timed_out(accept: Option<&HeaderValue>, timeout: Duration) -> Response {
    let message = format!(
        "the request did not complete within its deadline of {} ms",
        timeout.as_millis()
    );
    handlers::respond_to(accept, refusals::refuse(504, &message, "GATEWAY_TIMEOUT"))
}

/// `GET /ready`: 200 while requests are admitted, 503 while they are shed
/// (for load balancers and Kubernetes readiness; `/health` is liveness).
pub(super) fn ready(admission: &Admission) -> Response {
    if admission.ready() {
        (StatusCode::OK, "ready").into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "overloaded").into_response()
    }
}
