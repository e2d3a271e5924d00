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
}

/// Runs a whole plan.
pub async fn execute(ctx: &ExecCtx<'_>, plan: &PlanNode) -> ExecState {
    let state = Mutex::new(ExecState {
        data: Value::Object(Default::default()),
        ..Default::default()
    });
    run(ctx, &state, plan).await;
    state
        .into_inner()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
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
