//! Runs plans against subgraphs and assembles the raw response data.

mod batch;
pub mod client;
mod entities;
mod merge;
mod parse;
pub mod projection;
pub mod tls;
pub mod value;

use std::sync::Mutex;

use futures::future::{join_all, BoxFuture};
use futures::FutureExt;
use serde_json::{Map, Value as JsonValue};
use tracing::Instrument;

use crate::planner::plan::{FetchNode, PlanNode};
use crate::response::GraphQLError;
use crate::supergraph::Supergraph;
use client::{HttpClient, SubgraphClient};
use value::Value;

/// Raw (not yet projected) data plus the errors gathered so far.
#[derive(Default)]
pub struct ExecState {
    pub data: Value,
    pub errors: Vec<GraphQLError>,
    /// Merges so far: a fetch whose count did not move while it was in
    /// flight finds its entities exactly where it left them.
    merges: u64,
}

/// Everything a plan run reads.
pub struct ExecCtx<'a> {
    pub supergraph: &'a Supergraph,
    pub client: &'a SubgraphClient,
    /// The calling worker's connection pool.
    pub http: &'a HttpClient,
    /// Coerced client variables (defaults applied).
    pub variables: &'a Map<String, JsonValue>,
    /// The client request's headers (the client forwards configured ones).
    pub headers: &'a http::HeaderMap,
    /// Who is asking (verified claims, if any).
    pub identity: &'a crate::auth::Identity,
}

impl ExecState {
    /// Empty data: an object to merge root fetches into.
    pub fn root() -> Self {
        Self {
            data: Value::Object(Default::default()),
            ..Default::default()
        }
    }
}

/// Runs a whole plan.
pub async fn execute(ctx: &ExecCtx<'_>, plan: &PlanNode) -> ExecState {
    let state = Mutex::new(ExecState::root());
    run(ctx, &state, plan).await;
    state
        .into_inner()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Runs a subscription plan for one event of its primary fetch: the event
/// is merged as that fetch's answer, then the rest of the plan runs.
pub async fn execute_event(
    ctx: &ExecCtx<'_>,
    primary: &FetchNode,
    rest: Option<&PlanNode>,
    event: client::SubgraphResponse,
) -> ExecState {
    let mut state = ExecState {
        data: Value::Object(Default::default()),
        ..Default::default()
    };
    merge::merge_root(ctx.supergraph, &mut state, primary, event);
    state.merges = 1;
    let state = Mutex::new(state);
    if let Some(rest) = rest {
        run(ctx, &state, rest).await;
    }
    state
        .into_inner()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The JSON body (`query`, `variables`) of a root fetch, e.g. the payload
/// a subscription's primary fetch is subscribed with.
pub fn root_request_body(
    sg: &Supergraph,
    fetch: &FetchNode,
    variables: &Map<String, JsonValue>,
) -> Vec<u8> {
    batch::build(sg, &Value::Null, fetch, variables).body
}

/// Runs a plan on data fetched earlier (a deferred part after its parent's).
pub async fn execute_on(ctx: &ExecCtx<'_>, state: &Mutex<ExecState>, plan: &PlanNode) {
    run(ctx, state, plan).await
}

/// The response paths of the objects `path` reaches in `data`.
pub fn paths_of(
    sg: &Supergraph,
    data: &Value,
    path: &[crate::planner::plan::PathSegment],
) -> Vec<Vec<crate::response::PathElem>> {
    let mut out = Vec::new();
    entities::collect(sg, data, path, &mut Vec::new(), &mut |steps, _| {
        out.push(crate::response::owned_path(steps))
    });
    out
}

/// The object at a response path.
pub fn object_at<'v>(
    data: &'v Value,
    path: &[crate::response::PathElem],
) -> Option<&'v value::Object> {
    let mut at = data;
    for elem in path {
        at = match (elem, at) {
            (crate::response::PathElem::Key(k), Value::Object(o)) => o.get(k)?,
            (crate::response::PathElem::Index(i), Value::Array(items)) => items.get(*i)?,
            _ => return None,
        };
    }
    at.as_object()
}

fn run<'a>(
    ctx: &'a ExecCtx<'a>,
    state: &'a Mutex<ExecState>,
    node: &'a PlanNode,
) -> BoxFuture<'a, ()> {
    async move {
        match node {
            PlanNode::Sequence { nodes } => {
                for n in nodes {
                    run(ctx, state, n).await;
                }
            }
            PlanNode::Parallel { nodes } => {
                join_all(nodes.iter().map(|n| run(ctx, state, n))).await;
            }
            PlanNode::Fetch(fetch) => run_fetch(ctx, state, fetch).await,
            // The primary's data is already in (see `execute_event`).
            PlanNode::Subscription { rest, .. } => {
                if let Some(rest) = rest {
                    run(ctx, state, rest).await;
                }
            }
            PlanNode::Condition {
                variable,
                if_clause,
                else_clause,
            } => {
                let on = ctx
                    .variables
                    .get(variable)
                    .and_then(JsonValue::as_bool)
                    .unwrap_or(false);
                let branch = if on { if_clause } else { else_clause };
                if let Some(b) = branch {
                    run(ctx, state, b).await;
                }
            }
        }
    }
    .boxed()
}

fn lock(state: &Mutex<ExecState>) -> std::sync::MutexGuard<'_, ExecState> {
    state
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

async fn run_fetch(ctx: &ExecCtx<'_>, state: &Mutex<ExecState>, fetch: &FetchNode) {
    let (request, merges_before) = {
        let st = lock(state);
        let request = batch::build(ctx.supergraph, &st.data, fetch, ctx.variables);
        (request, st.merges)
    };
    if !fetch.entity_groups.is_empty() && request.batch_size == 0 {
        return;
    }
    let span = tracing::info_span!(
        "subgraph_fetch",
        subgraph = %fetch.service,
        batch_size = request.batch_size
    );
    let result = ctx
        .client
        .fetch(ctx.http, &fetch.service, request.body, ctx.headers)
        .instrument(span)
        .await;
    let sg = ctx.supergraph;
    let mut st = lock(state);
    let unchanged = st.merges == merges_before;
    match result {
        Ok(response) if fetch.entity_groups.is_empty() => {
            merge::merge_root(sg, &mut st, fetch, response)
        }
        Ok(response) => {
            merge::merge_entities(sg, &mut st, fetch, &request.targets, response, unchanged)
        }
        Err(failure) => merge::record_failure(sg, &mut st, fetch, &request.targets, &failure),
    }
    st.merges += 1;
}
