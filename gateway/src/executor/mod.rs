//! Runs plans against subgraphs and assembles the raw response data.

pub mod client;
mod entities;
pub mod projection;

use std::collections::HashMap;
use std::sync::Mutex;

use futures::future::{join_all, BoxFuture};
use futures::FutureExt;
use serde_json::{Map, Value};
use tracing::Instrument;

use crate::planner::plan::{EntityGroup, FetchNode, PlanNode};
use crate::response::{GraphQLError, PathElem};
use crate::supergraph::Supergraph;
use client::{FetchFailure, SubgraphClient, SubgraphResponse};

/// Raw (not yet projected) data plus the errors gathered so far.
pub struct ExecState {
    pub data: Value,
    pub errors: Vec<GraphQLError>,
}

/// Everything a plan run reads.
pub struct ExecCtx<'a> {
    pub supergraph: &'a Supergraph,
    pub client: &'a SubgraphClient,
    /// Coerced client variables (defaults applied).
    pub variables: &'a Map<String, Value>,
}

/// Runs a whole plan.
pub async fn execute(ctx: &ExecCtx<'_>, plan: &PlanNode) -> ExecState {
    let state = Mutex::new(ExecState {
        data: Value::Object(Map::new()),
        errors: Vec::new(),
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
                    .and_then(Value::as_bool)
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

/// Per entity group: for each distinct representation, the paths of the
/// entities it stands for.
type GroupTargets = Vec<Vec<Vec<PathElem>>>;

/// Where one entity group's results go.
struct Targets {
    by_rep: GroupTargets,
    /// Representation index of each object the path traversal visits, in
    /// traversal order (`None`: no representation was sent for it).
    visits: Vec<Option<usize>>,
}

async fn run_fetch(ctx: &ExecCtx<'_>, state: &Mutex<ExecState>, fetch: &FetchNode) {
    let mut variables = Map::new();
    for name in &fetch.variable_usages {
        if let Some(v) = ctx.variables.get(name) {
            variables.insert(name.clone(), v.clone());
        }
    }
    let mut targets: Vec<Targets> = Vec::with_capacity(fetch.entity_groups.len());
    let mut batch_size = 0;
    if !fetch.entity_groups.is_empty() {
        let st = lock(state);
        for group in &fetch.entity_groups {
            let (reps, group_targets) = representations(ctx.supergraph, &st.data, group);
            batch_size += reps.len();
            variables.insert(group.variable.clone(), Value::Array(reps));
            targets.push(group_targets);
        }
        if batch_size == 0 {
            return;
        }
    }
    let span = tracing::info_span!("subgraph_fetch", subgraph = %fetch.service, batch_size);
    let result = ctx
        .client
        .fetch(&fetch.service, &fetch.operation, &variables)
        .instrument(span)
        .await;
    let mut st = lock(state);
    match result {
        Ok(response) if fetch.entity_groups.is_empty() => {
            merge_root(ctx.supergraph, &mut st, fetch, response)
        }
        Ok(response) => merge_entities(ctx.supergraph, &mut st, fetch, &targets, response),
        Err(failure) => record_failure(&mut st, fetch, &targets, &failure),
    }
}

fn representations(sg: &Supergraph, data: &Value, group: &EntityGroup) -> (Vec<Value>, Targets) {
    let mut reps = Vec::new();
    let mut targets: GroupTargets = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut visits: Vec<Option<usize>> = Vec::new();
    let mut visit = |path: &[PathElem], obj: &Map<String, Value>| {
        let Some(mut rep) = entities::representation(sg, obj, &group.requires) else {
            visits.push(None);
            return;
        };
        entities::apply_rewrites(sg, &mut rep, &group.input_rewrites);
        let key = rep.to_string();
        match seen.get(&key) {
            Some(&i) => {
                visits.push(Some(i));
                targets[i].push(path.to_vec());
            }
            None => {
                visits.push(Some(reps.len()));
                seen.insert(key, reps.len());
                reps.push(rep);
                targets.push(vec![path.to_vec()]);
            }
        }
    };
    for path in &group.paths {
        entities::collect(sg, data, path, &mut Vec::new(), &mut visit);
    }
    (
        reps,
        Targets {
            by_rep: targets,
            visits,
        },
    )
}

fn merge_root(sg: &Supergraph, st: &mut ExecState, fetch: &FetchNode, response: SubgraphResponse) {
    if let Some(mut data) = response.data {
        entities::apply_rewrites(sg, &mut data, &fetch.output_rewrites);
        entities::deep_merge(&mut st.data, data);
    }
    for raw in response.errors.into_iter().flatten() {
        let path = parse_path(&raw);
        st.errors.push(subgraph_error(raw, &fetch.service, path));
    }
}

fn merge_entities(
    sg: &Supergraph,
    st: &mut ExecState,
    fetch: &FetchNode,
    targets: &[Targets],
    response: SubgraphResponse,
) {
    let mut data = match response.data {
        Some(Value::Object(map)) => map,
        _ => Map::new(),
    };
    for (group, group_targets) in fetch.entity_groups.iter().zip(targets) {
        let Some(Value::Array(items)) = data.remove(&group.response_key) else {
            continue;
        };
        let mut items: Vec<Value> = items
            .into_iter()
            .map(|mut item| {
                entities::apply_rewrites(sg, &mut item, &group.output_rewrites);
                // The entity keeps its own concrete type: an @interfaceObject
                // subgraph would answer with the interface name.
                if let Value::Object(fields) = &mut item {
                    fields.remove("__typename");
                }
                item
            })
            .collect();
        merge_group(sg, &mut st.data, group, group_targets, &mut items);
    }
    for raw in response.errors.into_iter().flatten() {
        let path = entity_error_path(fetch, targets, parse_path(&raw));
        st.errors.push(subgraph_error(raw, &fetch.service, path));
    }
}

/// Writes each result into every entity it stands for. Re-walking the
/// group's paths avoids a lookup from the root per entity; when the data
/// changed shape since the representations were built, falls back to paths.
fn merge_group(
    sg: &Supergraph,
    data: &mut Value,
    group: &EntityGroup,
    targets: &Targets,
    items: &mut [Value],
) {
    let mut count = 0;
    for path in &group.paths {
        entities::collect(sg, data, path, &mut Vec::new(), &mut |_, _| count += 1);
    }
    if count == targets.visits.len() {
        let mut uses: Vec<usize> = targets.by_rep.iter().map(Vec::len).collect();
        let mut visit_index = 0;
        let mut visit = |obj: &mut Map<String, Value>| {
            let slot = targets.visits.get(visit_index).copied().flatten();
            visit_index += 1;
            let Some(rep) = slot else { return };
            let (Some(left), Some(item)) = (uses.get_mut(rep), items.get_mut(rep)) else {
                return;
            };
            *left = left.saturating_sub(1);
            // The last user takes the value; earlier duplicates get copies.
            let value = if *left == 0 {
                std::mem::take(item)
            } else {
                item.clone()
            };
            if let Value::Object(fields) = value {
                entities::merge_map(obj, fields);
            }
        };
        for path in &group.paths {
            entities::collect_mut(sg, data, path, &mut visit);
        }
        return;
    }
    for (item, paths) in items.iter().zip(&targets.by_rep) {
        for path in paths {
            if let Some(target) = entities::get_mut(data, path) {
                entities::deep_merge(target, item.clone());
            }
        }
    }
}

/// Maps `[_entities, i, rest..]` to the first client path of entity `i`.
/// Some subgraphs omit the index; it is then only recoverable when the
/// group sent a single representation, otherwise the first entity is blamed.
fn entity_error_path(
    fetch: &FetchNode,
    targets: &[Targets],
    path: Option<Vec<PathElem>>,
) -> Option<Vec<PathElem>> {
    let path = path?;
    let Some(PathElem::Key(root)) = path.first() else {
        return first_target(targets);
    };
    let Some(g) = fetch
        .entity_groups
        .iter()
        .position(|g| &g.response_key == root)
    else {
        return first_target(targets);
    };
    let group = &targets.get(g)?.by_rep;
    let (index, rest) = match path.get(1) {
        Some(PathElem::Index(i)) => (*i, 2),
        _ if group.len() == 1 => (0, 1),
        _ => return group.first()?.first().cloned(),
    };
    let mut client = group.get(index)?.first()?.clone();
    client.extend(path[rest..].iter().cloned());
    Some(client)
}

fn first_target(targets: &[Targets]) -> Option<Vec<PathElem>> {
    targets
        .iter()
        .flat_map(|t| t.by_rep.iter())
        .flatten()
        .next()
        .cloned()
}

fn parse_path(raw: &Value) -> Option<Vec<PathElem>> {
    raw.get("path")
        .and_then(|p| serde_json::from_value(p.clone()).ok())
}

fn subgraph_error(raw: Value, service: &str, path: Option<Vec<PathElem>>) -> GraphQLError {
    let message = raw
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or("subgraph error")
        .to_string();
    let mut extensions = match raw.get("extensions") {
        Some(Value::Object(ext)) => ext.clone(),
        _ => Map::new(),
    };
    extensions
        .entry("code")
        .or_insert_with(|| Value::String("DOWNSTREAM_SERVICE_ERROR".into()));
    extensions.insert("serviceName".into(), Value::String(service.to_string()));
    GraphQLError {
        message,
        locations: None,
        path,
        extensions,
    }
}

/// A subgraph that gave no answer: one coded error per place that lost data.
fn record_failure(
    st: &mut ExecState,
    fetch: &FetchNode,
    targets: &[Targets],
    failure: &FetchFailure,
) {
    let code = match failure {
        FetchFailure::Timeout => "SUBGRAPH_TIMEOUT",
        _ => "SUBGRAPH_REQUEST_FAILED",
    };
    let message = format!("subgraph '{}' failed: {failure}", fetch.service);
    let mut paths: Vec<Vec<PathElem>> = if fetch.entity_groups.is_empty() {
        root_keys(&fetch.operation)
            .into_iter()
            .map(|k| vec![PathElem::Key(k)])
            .collect()
    } else {
        targets
            .iter()
            .flat_map(|t| t.by_rep.iter())
            .filter_map(|t| t.first().cloned())
            .collect()
    };
    if paths.is_empty() {
        paths.push(Vec::new());
    }
    for path in paths {
        let mut err = GraphQLError::coded(message.clone(), code);
        err.extensions
            .insert("serviceName".into(), Value::String(fetch.service.clone()));
        if !path.is_empty() {
            err.path = Some(path);
        }
        st.errors.push(err);
    }
}

/// Response keys of the root fields of a subgraph operation.
fn root_keys(operation: &str) -> Vec<String> {
    use apollo_compiler::ast::{Definition, Document, Selection};
    let Ok(doc) = Document::parse(operation, "fetch.graphql") else {
        return Vec::new();
    };
    let mut keys = Vec::new();
    for def in &doc.definitions {
        if let Definition::OperationDefinition(op) = def {
            for sel in &op.selection_set {
                if let Selection::Field(f) = sel {
                    keys.push(f.response_name().to_string());
                }
            }
        }
    }
    keys
}
