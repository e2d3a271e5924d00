//! Merging a subgraph's answer into the response data, and turning its
//! errors (or its failure) into client errors at client paths.

use serde_json::{Map, Value as JsonValue};

use super::batch::{first_paths, representation_json, Targets};
use super::client::{FetchFailure, SubgraphResponse};
use super::entities;
use super::value::Value;
use super::ExecState;
use crate::planner::plan::{EntityGroup, FetchNode};
use crate::response::{GraphQLError, PathElem};
use crate::supergraph::Supergraph;

pub fn merge_root(
    sg: &Supergraph,
    st: &mut ExecState,
    fetch: &FetchNode,
    response: SubgraphResponse,
) {
    if let Some(mut data) = response.data {
        entities::apply_rewrites(sg, &mut data, &fetch.output_rewrites);
        entities::deep_merge(&mut st.data, data);
    }
    for raw in response.errors.into_iter().flatten() {
        let path = parse_path(&raw);
        st.errors.push(subgraph_error(raw, &fetch.service, path));
    }
}

pub fn merge_entities(
    sg: &Supergraph,
    st: &mut ExecState,
    fetch: &FetchNode,
    targets: &[Targets],
    response: SubgraphResponse,
    unchanged: bool,
) {
    let mut data = match response.data {
        Some(Value::Object(map)) => map,
        _ => Default::default(),
    };
    for (group, group_targets) in fetch.entity_groups.iter().zip(targets) {
        let Some(Value::Array(mut items)) = data.remove(&group.response_key) else {
            continue;
        };
        for item in &mut items {
            entities::apply_rewrites(sg, item, &group.output_rewrites);
            // An @interfaceObject subgraph answers with the interface's name:
            // the entity keeps the concrete type it has. A concrete name is
            // kept, as it is how an interface object learns its real type.
            if let Value::Object(fields) = item {
                let abstract_name = fields
                    .get("__typename")
                    .and_then(Value::as_str)
                    .is_some_and(|t| sg.is_abstract(t));
                if abstract_name {
                    fields.remove("__typename");
                }
            }
        }
        merge_group(
            sg,
            &mut st.data,
            group,
            group_targets,
            &mut items,
            unchanged,
        );
    }
    let Some(raw_errors) = response.errors.filter(|e| !e.is_empty()) else {
        return;
    };
    // Client paths are only needed now: one walk per group, whatever the
    // number of errors.
    let firsts: Vec<Vec<Option<Vec<PathElem>>>> = fetch
        .entity_groups
        .iter()
        .zip(targets)
        .map(|(g, t)| first_paths(sg, &st.data, g, t))
        .collect();
    for raw in raw_errors {
        let path = entity_error_path(fetch, &firsts, parse_path(&raw));
        st.errors.push(subgraph_error(raw, &fetch.service, path));
    }
}

/// Writes each result into every entity it stands for, re-walking the
/// group's paths in the order the representations were built. When the
/// data may have changed shape since then (another fetch merged while this
/// one was in flight, and the walk now finds a different number of
/// objects), matches each object by its representation instead.
fn merge_group(
    sg: &Supergraph,
    data: &mut Value,
    group: &EntityGroup,
    targets: &Targets,
    items: &mut [Value],
    unchanged: bool,
) {
    let same_shape = unchanged || {
        let mut count = 0;
        for path in &group.paths {
            entities::collect(sg, data, path, &mut Vec::new(), &mut |_, _| count += 1);
        }
        count == targets.visits.len()
    };
    if !same_shape {
        let mut scratch = Vec::new();
        for path in &group.paths {
            entities::collect_mut(sg, data, path, &mut |obj| {
                let rep = representation_json(sg, obj, group, &mut scratch)
                    .and_then(|json| targets.seen.get(json).copied());
                if let Some(Value::Object(fields)) = rep.and_then(|i| items.get(i)) {
                    entities::merge_map(obj, fields.clone());
                }
            });
        }
        return;
    }
    let mut uses = vec![0usize; targets.reps];
    for rep in targets.visits.iter().flatten() {
        if let Some(n) = uses.get_mut(*rep) {
            *n += 1;
        }
    }
    let mut visit_index = 0;
    let mut visit = |obj: &mut super::value::Object| {
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
}

/// Maps `[_entities, i, rest..]` to the first client path of entity `i`.
/// Some subgraphs omit the index; it is then only recoverable when the
/// group sent a single representation, otherwise the first entity is blamed.
fn entity_error_path(
    fetch: &FetchNode,
    firsts: &[Vec<Option<Vec<PathElem>>>],
    path: Option<Vec<PathElem>>,
) -> Option<Vec<PathElem>> {
    let path = path?;
    let any_first = || firsts.iter().flatten().flatten().next().cloned();
    let group_index = match path.first() {
        Some(PathElem::Key(root)) => fetch
            .entity_groups
            .iter()
            .position(|g| &g.response_key == root),
        _ => None,
    };
    let Some(group) = group_index.and_then(|g| firsts.get(g)) else {
        return any_first();
    };
    let (index, rest) = match path.get(1) {
        Some(PathElem::Index(i)) => (*i, 2),
        _ if group.len() == 1 => (0, 1),
        _ => return group.iter().flatten().next().cloned(),
    };
    let mut client = group.get(index)?.clone()?;
    client.extend(path[rest..].iter().cloned());
    Some(client)
}

fn parse_path(raw: &JsonValue) -> Option<Vec<PathElem>> {
    raw.get("path")
        .and_then(|p| serde_json::from_value(p.clone()).ok())
}

fn subgraph_error(raw: JsonValue, service: &str, path: Option<Vec<PathElem>>) -> GraphQLError {
    let message = raw
        .get("message")
        .and_then(JsonValue::as_str)
        .unwrap_or("subgraph error")
        .to_string();
    let mut extensions = match raw.get("extensions") {
        Some(JsonValue::Object(ext)) => ext.clone(),
        _ => Map::new(),
    };
    extensions
        .entry("code")
        .or_insert_with(|| JsonValue::String("DOWNSTREAM_SERVICE_ERROR".into()));
    extensions.insert("serviceName".into(), JsonValue::String(service.to_string()));
    GraphQLError {
        message,
        locations: None,
        path,
        extensions,
    }
}

/// A subgraph that gave no answer: one coded error per place that lost data.
pub fn record_failure(
    sg: &Supergraph,
    st: &mut ExecState,
    fetch: &FetchNode,
    targets: &[Targets],
    failure: &FetchFailure,
) {
    let code = match failure {
        FetchFailure::Timeout => "SUBGRAPH_TIMEOUT",
        _ => "SUBGRAPH_REQUEST_FAILED",
    };
    tracing::warn!(subgraph = %fetch.service, error = %failure, "subgraph fetch failed");
    let message = format!(
        "subgraph '{}' failed: {}",
        fetch.service,
        failure.public_message()
    );
    let mut paths: Vec<Vec<PathElem>> = if fetch.entity_groups.is_empty() {
        root_keys(&fetch.operation)
            .into_iter()
            .map(|k| vec![PathElem::Key(k)])
            .collect()
    } else {
        fetch
            .entity_groups
            .iter()
            .zip(targets)
            .flat_map(|(g, t)| first_paths(sg, &st.data, g, t))
            .flatten()
            .collect()
    };
    if paths.is_empty() {
        paths.push(Vec::new());
    }
    for path in paths {
        let mut err = GraphQLError::coded(message.clone(), code);
        err.extensions.insert(
            "serviceName".into(),
            JsonValue::String(fetch.service.clone()),
        );
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
