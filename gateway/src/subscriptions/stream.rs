//! One subscription: prepared and checked as a query is (persisted
//! documents, limits, cost, authorization), then its primary fetch is
//! opened on the owning subgraph and, for every event, the rest of the
//! plan runs (entity fetches, `@requires`, null propagation, error paths)
//! and the projected result is the next message.

use std::sync::Arc;
use std::time::Instant;

use apollo_compiler::executable::OperationType;
use serde_json::{Map, Value};
use tokio::sync::watch;

use super::hub::{Ending, SubscriptionSlot};
use super::identity::Who;
use super::upstream::{self, Target, Upstream, UpstreamError};
use super::{codes, Session};
use crate::authorization::Filtered;
use crate::engine::{Coerced, Engine, GraphQLRequest, Outcome};
use crate::executor::client::{HttpClient, SubgraphResponse};
use crate::executor::projection::Projector;
use crate::executor::{self, ExecCtx};
use crate::operation::{Prepared, RequestFailure};
use crate::planner::PlanNode;
use crate::response::{DataJson, GraphQLError, Response};

/// What a request over a subscription transport turned out to be.
pub enum Started {
    /// A query or mutation (or a subscription with nothing left to fetch):
    /// one result.
    Single(Outcome),
    /// A subscription: a result per event.
    Stream(Box<EventStream>),
}

/// Prepares `req` for `who`. A query or mutation runs at once (a mutation
/// refused `via_get`, as over plain HTTP); a subscription is checked and
/// planned, and opens its subgraph side when first polled.
pub async fn start(
    session: &Session,
    mut req: GraphQLRequest,
    who: &Who,
    via_get: bool,
) -> Result<Started, RequestFailure> {
    let engine = session.engine();
    let deadline = Instant::now() + session.request_timeout;
    let query = engine
        .resolve_document(&mut req)?
        .filter(|q| !q.trim().is_empty())
        .ok_or_else(|| RequestFailure::new(400, "the request has no query", "BAD_REQUEST"))?;
    let prepared = engine
        .prepare(query.clone(), req.operation_name.as_deref(), Some(deadline))
        .await?;
    if prepared.operation_type != OperationType::Subscription {
        // Run as over HTTP, with the document already resolved.
        req.query = Some(query);
        req.document_id = None;
        if let Some(Value::Object(ext)) = req.extensions.as_mut() {
            ext.remove("persistedQuery");
        }
        let outcome = engine
            .execute(
                req,
                via_get,
                &who.forward,
                &who.identity,
                &session.http,
                Some(deadline),
                false,
            )
            .await;
        return Ok(Started::Single(outcome));
    }
    for v in &prepared.measured {
        v.count(false);
    }
    let sg = &*engine.supergraph;
    let operation = prepared.operation().ok_or_else(|| {
        RequestFailure::new(400, "unknown operation", "GRAPHQL_VALIDATION_FAILED")
    })?;
    let variables =
        crate::engine::coerce_variables(sg, operation, req.variables.unwrap_or_default())?;
    engine.cost_of(&prepared, operation, &variables.1)?;
    let filtered = crate::authorization::authorize(sg, &prepared, operation, &who.identity)?;
    let plan = match &filtered {
        Some(f) => f.plan.as_ref(),
        None => prepared.plan.as_ref(),
    };
    let Some(PlanNode::Subscription { primary, .. }) = plan else {
        // Nothing to subscribe to (every root selection denied or skipped).
        let mut errors = Vec::new();
        let mut body = DataJson::buffer(64);
        projector(&engine, &prepared, &variables, filtered.as_deref()).project(
            operation,
            &executor::value::Value::Null,
            &mut errors,
            &mut body,
        );
        return Ok(Started::Single(Outcome {
            status: 200,
            response: Response {
                data: Some(DataJson::from_buffer(body)),
                errors,
                extensions: None,
            },
            incremental: None,
        }));
    };
    let slot = session.hub.subscription().ok_or_else(|| {
        RequestFailure::new(
            429,
            "the gateway runs as many subscriptions as it may; retry later",
            codes::LIMIT_EXCEEDED,
        )
    })?;
    let target = target(session, &engine, &primary.service)?;
    let body = executor::root_request_body(sg, primary, &variables.0);
    let propagated = engine.client().propagated(&who.forward);
    let mut init = Map::new();
    for (name, value) in &propagated {
        if let Ok(value) = value.to_str() {
            init.insert(name.as_str().to_string(), Value::String(value.to_string()));
        }
    }
    let init = serde_json::to_vec(&init).unwrap_or_else(|_| b"{}".to_vec());
    metrics::counter!("gateway_subscriptions_total", "subgraph" => primary.service.clone())
        .increment(1);
    Ok(Started::Stream(Box::new(EventStream {
        ending: session.hub.ending(),
        run: Run {
            engine,
            prepared,
            filtered,
            variables,
            who: who.clone(),
            http: session.http.clone(),
            target,
            propagated,
            init,
            body,
            upstream: None,
            done: false,
            _slot: slot,
        },
    })))
}

fn target(session: &Session, engine: &Engine, subgraph: &str) -> Result<Target, RequestFailure> {
    let fail = |message: String| RequestFailure::new(500, message, codes::SUBGRAPH_FAILED);
    let (url, timeout) = engine
        .client()
        .endpoint(subgraph)
        .ok_or_else(|| fail(format!("unknown subgraph {subgraph}")))?;
    let fallback = url.clone().map_err(|e| fail(crate::limits::truncate(&e)))?;
    let url = session
        .hub
        .targets
        .url(subgraph, &fallback)
        .map_err(|e| fail(crate::limits::truncate(&e)))?;
    let config = &session.hub.config;
    Ok(Target {
        name: subgraph.to_string(),
        url,
        protocol: session.hub.targets.protocol(subgraph),
        timeout,
        keepalive: std::time::Duration::from_millis(config.keepalive_ms.max(100)),
        max_event_bytes: config.max_event_bytes,
    })
}

fn projector<'a>(
    engine: &'a Engine,
    prepared: &'a Prepared,
    variables: &'a Coerced,
    filtered: Option<&'a Filtered>,
) -> Projector<'a> {
    Projector {
        supergraph: &engine.supergraph,
        document: &prepared.document,
        variables: &variables.0,
        introspection: None,
        denied: filtered.map(|f| &f.denied),
        deferred: None,
    }
}

/// An open subscription: each [`EventStream::next`] is the next result's JSON.
pub struct EventStream {
    ending: watch::Receiver<Ending>,
    run: Run,
}

struct Run {
    engine: Arc<Engine>,
    prepared: Arc<Prepared>,
    filtered: Option<Arc<Filtered>>,
    variables: Coerced,
    who: Who,
    http: HttpClient,
    target: Target,
    /// The client headers subgraphs get.
    propagated: http::HeaderMap,
    /// `connection_init` payload for the subgraph (the propagated headers).
    init: Vec<u8>,
    /// The primary fetch's `{"query", "variables"}`.
    body: Vec<u8>,
    upstream: Option<Upstream>,
    done: bool,
    _slot: SubscriptionSlot,
}

impl EventStream {
    /// The next result (a GraphQL response's JSON); `None` once the
    /// subscription is over. A subgraph failure, a reload or shutdown yields a
    /// last result with a coded error.
    pub async fn next(&mut self) -> Option<Vec<u8>> {
        if self.run.done {
            return None;
        }
        tokio::select! {
            biased;
            changed = self.ending.changed() => {
                self.run.done = true;
                self.run.upstream = None;
                let (message, code) = match (changed, *self.ending.borrow()) {
                    (Ok(()), Ending::Reload(_)) => (
                        "the supergraph was reloaded: subscribe again",
                        codes::SCHEMA_RELOAD,
                    ),
                    _ => ("the gateway is shutting down", codes::SHUTDOWN),
                };
                Some(errors_only(vec![GraphQLError::coded(message, code)]))
            }
            next = self.run.step() => next,
        }
    }

    /// Closes the subgraph side politely (the client went away or completed).
    pub async fn close(mut self) {
        if let Some(up) = self.run.upstream.take() {
            up.close().await;
        }
    }
}

impl Run {
    async fn step(&mut self) -> Option<Vec<u8>> {
        if self.upstream.is_none() {
            let opened = upstream::open(
                &self.http,
                &self.target,
                &self.propagated,
                &self.init,
                &self.body,
            )
            .await;
            match opened {
                Ok(up) => self.upstream = Some(up),
                Err(e) => return Some(self.fail(e)),
            }
        }
        let next = self.upstream.as_mut()?.next().await;
        match next {
            None => {
                self.done = true;
                self.upstream = None;
                None
            }
            Some(Err(e)) => Some(self.fail(e)),
            Some(Ok(event)) => Some(self.event(event).await),
        }
    }

    /// The last result: the subgraph's own errors when it refused, else one
    /// coded error naming it.
    fn fail(&mut self, e: UpstreamError) -> Vec<u8> {
        self.done = true;
        self.upstream = None;
        let service = &self.target.name;
        tracing::warn!(subgraph = %service, error = %e, "subgraph subscription ended");
        metrics::counter!("gateway_subscription_failures_total", "subgraph" => service.clone())
            .increment(1);
        let errors = match e {
            UpstreamError::Refused(raw) if !raw.is_empty() => raw
                .into_iter()
                .map(|raw| subgraph_error(raw, service))
                .collect(),
            other => {
                let mut err = GraphQLError::coded(
                    format!(
                        "subgraph '{service}' subscription failed: {}",
                        public(&other)
                    ),
                    codes::SUBGRAPH_FAILED,
                );
                err.extensions
                    .insert("serviceName".into(), Value::String(service.clone()));
                vec![err]
            }
        };
        errors_only(errors)
    }

    async fn event(&mut self, event: SubgraphResponse) -> Vec<u8> {
        let engine = &*self.engine;
        let plan = match &self.filtered {
            Some(f) => f.plan.as_ref(),
            None => self.prepared.plan.as_ref(),
        };
        let (Some(PlanNode::Subscription { primary, rest }), Some(operation)) =
            (plan, self.prepared.operation())
        else {
            return errors_only(Vec::new());
        };
        let ctx = ExecCtx {
            supergraph: &engine.supergraph,
            client: engine.client(),
            http: &self.http,
            variables: &self.variables.0,
            headers: &self.who.forward,
            identity: &self.who.identity,
        };
        let state = executor::execute_event(&ctx, primary, rest.as_deref(), event).await;
        let mut errors = state.errors;
        let mut body = DataJson::buffer(self.prepared.response_size_hint());
        projector(
            engine,
            &self.prepared,
            &self.variables,
            self.filtered.as_deref(),
        )
        .project(operation, &state.data, &mut errors, &mut body);
        self.prepared.record_response_size(body.len());
        metrics::counter!("gateway_subscription_events_total", "subgraph" => self.target.name.clone())
            .increment(1);
        Response {
            data: Some(DataJson::from_buffer(body)),
            errors,
            extensions: None,
        }
        .into_json()
    }
}

/// What a client is told of a subgraph failure (details go to the log).
fn public(e: &UpstreamError) -> &'static str {
    match e {
        UpstreamError::Connect(_) => "cannot open the subscription",
        UpstreamError::Timeout => "the subgraph did not acknowledge the subscription in time",
        UpstreamError::Refused(_) => "the subgraph refused the subscription",
        UpstreamError::Disconnected(_) => "the subgraph disconnected",
        UpstreamError::TooLarge(_) => "an event was larger than max_event_bytes",
        UpstreamError::Protocol(_) => "the subgraph broke its subscription protocol",
    }
}

/// A subgraph's error as the client gets it: its message and extensions,
/// `serviceName` added, code defaulted.
fn subgraph_error(raw: Value, service: &str) -> GraphQLError {
    let message = raw
        .get("message")
        .and_then(Value::as_str)
        .map(crate::limits::truncate)
        .unwrap_or_else(|| "subgraph error".into());
    let mut extensions = match raw.get("extensions") {
        Some(Value::Object(map)) => map.clone(),
        _ => Map::new(),
    };
    extensions
        .entry("code")
        .or_insert_with(|| Value::String("DOWNSTREAM_SERVICE_ERROR".into()));
    extensions.insert("serviceName".into(), Value::String(service.to_string()));
    GraphQLError {
        message,
        locations: None,
        path: None,
        extensions,
    }
}

/// A result without data.
fn errors_only(errors: Vec<GraphQLError>) -> Vec<u8> {
    Response {
        data: None,
        errors,
        extensions: None,
    }
    .into_json()
}
