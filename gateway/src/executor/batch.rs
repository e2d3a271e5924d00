//! One fetch's request: representations of the entities it extends,
//! deduplicated, and the JSON body sent to the subgraph.

use std::collections::HashMap;

use serde_json::{Map, Value as JsonValue};

use super::entities;
use super::value::{write_str, Value};
use crate::planner::plan::{EntityGroup, FetchNode};
use crate::response::{owned_path, PathElem};
use crate::supergraph::Supergraph;

/// Where one entity group's results go.
pub struct Targets {
    /// Number of distinct representations sent.
    pub reps: usize,
    /// Representation index of each object the group's paths visit, in
    /// traversal order (`None`: no representation was sent for it).
    pub visits: Vec<Option<usize>>,
    /// Representation JSON → index, to match objects again when the data
    /// changed shape since the representations were built.
    pub seen: HashMap<Vec<u8>, usize, ahash::RandomState>,
}

/// A fetch's request body and, per entity group, where its results go.
pub struct Request {
    pub body: Vec<u8>,
    pub targets: Vec<Targets>,
    /// Representations sent over all groups.
    pub batch_size: usize,
}

/// Builds the request of `fetch` over the current `data`.
pub fn build(
    sg: &Supergraph,
    data: &Value,
    fetch: &FetchNode,
    variables: &Map<String, JsonValue>,
) -> Request {
    let mut body = Vec::with_capacity(fetch.operation.len() + 256);
    body.extend_from_slice(b"{\"query\":");
    write_str(&mut body, &fetch.operation);
    let mut first = true;
    let mut open_variables = |body: &mut Vec<u8>| {
        body.extend_from_slice(if first { b",\"variables\":{" } else { b"," });
        first = false;
    };
    for name in &fetch.variable_usages {
        if let Some(v) = variables.get(name) {
            open_variables(&mut body);
            write_str(&mut body, name);
            body.push(b':');
            let _ = serde_json::to_writer(&mut body, v);
        }
    }
    let mut targets = Vec::with_capacity(fetch.entity_groups.len());
    let mut batch_size = 0;
    for group in &fetch.entity_groups {
        open_variables(&mut body);
        write_str(&mut body, &group.variable);
        body.extend_from_slice(b":[");
        let t = representations(sg, data, group, &mut body);
        body.push(b']');
        batch_size += t.reps;
        targets.push(t);
    }
    if !first {
        body.push(b'}');
    }
    body.push(b'}');
    Request {
        body,
        targets,
        batch_size,
    }
}

/// Appends the group's distinct representations (comma-separated) to `out`.
fn representations(
    sg: &Supergraph,
    data: &Value,
    group: &EntityGroup,
    out: &mut Vec<u8>,
) -> Targets {
    let mut targets = Targets {
        reps: 0,
        visits: Vec::new(),
        seen: HashMap::default(),
    };
    let mut scratch = Vec::new();
    for path in &group.paths {
        entities::collect(sg, data, path, &mut Vec::new(), &mut |_, obj| {
            let Some(json) = representation_json(sg, obj, group, &mut scratch) else {
                targets.visits.push(None);
                return;
            };
            if let Some(&i) = targets.seen.get(json) {
                targets.visits.push(Some(i));
                return;
            }
            if targets.reps > 0 {
                out.push(b',');
            }
            out.extend_from_slice(json);
            targets.seen.insert(json.to_vec(), targets.reps);
            targets.visits.push(Some(targets.reps));
            targets.reps += 1;
        });
    }
    targets
}

/// The representation of `obj` as JSON text in `scratch`, if it has one.
pub fn representation_json<'s>(
    sg: &Supergraph,
    obj: &super::value::Object,
    group: &EntityGroup,
    scratch: &'s mut Vec<u8>,
) -> Option<&'s [u8]> {
    scratch.clear();
    if !entities::write_representation(sg, obj, &group.requires, scratch) {
        return None;
    }
    if !group.input_rewrites.is_empty() {
        // Rare (@interfaceObject keys): rewrite a parsed copy.
        let mut rep: Value = serde_json::from_slice(scratch).ok()?;
        entities::apply_rewrites(sg, &mut rep, &group.input_rewrites);
        scratch.clear();
        rep.write_json(scratch);
    }
    Some(scratch)
}

/// The first client path of each representation of a group, walking the
/// data again (only errors need paths, so they are not kept while batching).
pub fn first_paths(
    sg: &Supergraph,
    data: &Value,
    group: &EntityGroup,
    targets: &Targets,
) -> Vec<Option<Vec<PathElem>>> {
    let mut firsts: Vec<Option<Vec<PathElem>>> = vec![None; targets.reps];
    let mut visit = 0;
    for path in &group.paths {
        entities::collect(sg, data, path, &mut Vec::new(), &mut |steps, _| {
            if let Some(Some(rep)) = targets.visits.get(visit) {
                if let Some(slot @ None) = firsts.get_mut(*rep) {
                    *slot = Some(owned_path(steps));
                }
            }
            visit += 1;
        });
    }
    firsts
}
