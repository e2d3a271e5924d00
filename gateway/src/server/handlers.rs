//! HTTP handlers for `/graphql` (GraphQL over HTTP) and `/health` (liveness).

use std::collections::HashMap;
use std::time::Instant;

use super::{decode, refusals, AppState};
use crate::engine::{record_errors, GraphQLRequest, Outcome};
use crate::operation::RequestFailure;
use axum::body::Body;
use axum::extract::{ConnectInfo, Query, Request, State};
use axum::Extension;
use std::net::SocketAddr;

use crate::subscriptions::sse;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";
const MAX_OPERATION_LABELS: usize = 200;

pub(super) async fn health() -> &'static str {
    "ok"
}

pub(super) async fn graphql_post(
    State(state): State<AppState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let request = decode::post(&state.csrf, &headers, body, state.body_limit).await;
    if sse::wanted(&headers) {
        let peer = peer.map(|p| p.0 .0);
        return sse::respond(state.session(), &headers, request, peer, false).await;
    }
    serve(&state, &headers, request, false).await
}

pub(super) async fn graphql_get(State(state): State<AppState>, request: Request) -> Response {
    let (mut parts, _) = request.into_parts();
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    if parts.headers.contains_key(header::UPGRADE) {
        return crate::subscriptions::ws::upgrade(state.session(), &mut parts, peer).await;
    }
    let params = match Query::<HashMap<String, String>>::try_from_uri(&parts.uri) {
        Ok(Query(params)) => params,
        Err(rejection) => return rejection.into_response(),
    };
    let headers = parts.headers;
    if state.playground && !params.contains_key("query") && wants_html(&headers) {
        return Redirect::temporary("/playground").into_response();
    }
    if sse::wanted(&headers) {
        // Over GET as over plain HTTP: no mutation (a cross-site link could send it).
        let request = decode::params(params);
        return sse::respond(state.session(), &headers, request, peer, true).await;
    }
    serve(&state, &headers, decode::params(params), true).await
}

/// Any other method on `/graphql`: 405 with a coded error and the methods
/// that are allowed.
pub(super) async fn method_not_allowed(headers: HeaderMap) -> Response {
    let failure = RequestFailure::new(
        405,
        "POST the request (GET runs queries only)",
        "METHOD_NOT_ALLOWED",
    );
    let mut response = respond(&headers, failure.into());
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("GET, POST"));
    response
}

fn wants_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"))
}

async fn serve(
    state: &AppState,
    headers: &HeaderMap,
    request: Result<GraphQLRequest, RequestFailure>,
    via_get: bool,
) -> Response {
    let started = Instant::now();
    let deadline = started + state.admission.timeout();
    let _in_flight = InFlight::enter(&state.in_flight);
    let (op, outcome) = match request {
        Ok(req) => {
            let op = operation_metrics(state, req.operation_name.as_deref());
            let outcome = match state.auth.authenticate(headers).await {
                Ok(who) => {
                    let forward = who.forward.as_ref().unwrap_or(headers);
                    state
                        .engine()
                        .execute(
                            req,
                            via_get,
                            forward,
                            &who.identity,
                            &state.http,
                            Some(deadline),
                            super::multipart::accepts(headers),
                        )
                        .await
                }
                Err(refused) => Outcome::from(refused),
            };
            (op, outcome)
        }
        Err(failure) => (operation_metrics(state, None), Outcome::from(failure)),
    };
    if !outcome.response.errors.is_empty() {
        record_errors(&op.label, &outcome.response.errors);
        refusals::log(outcome.status, &op.label, &outcome.response.errors);
    }
    if outcome.status == 200 {
        op.ok.increment(1);
    } else {
        metrics::counter!("gateway_http_requests_total",
            "operation" => op.label.clone(), "status" => outcome.status.to_string())
        .increment(1);
    }
    op.duration.record(started.elapsed().as_secs_f64());
    respond(headers, outcome)
}

/// Counts a request in `gateway_http_requests_in_flight` until dropped, so
/// a request whose client went away (its future dropped) is not counted
/// forever.
struct InFlight<'a>(&'a metrics::Gauge);

impl<'a> InFlight<'a> {
    fn enter(gauge: &'a metrics::Gauge) -> Self {
        gauge.increment(1.0);
        Self(gauge)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.decrement(1.0);
    }
}

/// The metric handles of one operation label.
#[derive(Clone)]
pub(super) struct OperationMetrics {
    label: String,
    /// `gateway_http_requests_total` with status 200.
    ok: metrics::Counter,
    duration: metrics::Histogram,
}

impl OperationMetrics {
    fn new(label: &str) -> Self {
        Self {
            label: label.to_string(),
            ok: metrics::counter!("gateway_http_requests_total",
                "operation" => label.to_string(), "status" => "200"),
            duration: metrics::histogram!("gateway_http_request_duration_seconds",
                "operation" => label.to_string()),
        }
    }
}

/// Bounds metric cardinality: unnamed → "unknown", too many names → "other".
fn operation_metrics(state: &AppState, name: Option<&str>) -> OperationMetrics {
    let label = name.filter(|n| !n.is_empty() && n.len() <= 64);
    let mut known = state
        .operation_metrics
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    let label = match label {
        Some(name) if known.contains_key(name) => name,
        Some(name) if known.len() < MAX_OPERATION_LABELS => name,
        Some(_) => "other",
        None => "unknown",
    };
    if let Some(metrics) = known.get(label) {
        return metrics.clone();
    }
    let metrics = OperationMetrics::new(label);
    known.insert(label.to_string(), metrics.clone());
    metrics
}

pub(super) fn respond(headers: &HeaderMap, mut outcome: Outcome) -> Response {
    if let Some(rest) = outcome.incremental.take() {
        return super::multipart::respond(outcome, rest);
    }
    respond_to(headers.get(header::ACCEPT), outcome)
}

/// The response to a client whose `Accept` header is `accept`.
pub(super) fn respond_to(accept: Option<&HeaderValue>, outcome: Outcome) -> Response {
    let accept = accept.and_then(|v| v.to_str().ok()).unwrap_or("");
    // Clients that do not ask for the GraphQL-over-HTTP media type are
    // treated as legacy `application/json` clients, as the spec allows.
    let media = if accept.contains(GRAPHQL_RESPONSE) {
        GRAPHQL_RESPONSE
    } else {
        "application/json"
    };
    let body = outcome.response.into_json();
    let status = StatusCode::from_u16(outcome.status).unwrap_or(StatusCode::OK);
    let mut response = (status, body).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(media));
    if status == StatusCode::METHOD_NOT_ALLOWED {
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
    }
    response
}
