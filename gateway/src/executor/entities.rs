//! Finding entities in response data, building their representations,
//! applying planner rewrites and merging fetched data back.

use serde_json::{Map, Value};

use crate::planner::plan::{PathSegment, Rewrite, RewriteSegment, Selection};
use crate::response::PathElem;
use crate::supergraph::Supergraph;

/// Called with each entity object and its concrete response path.
pub type Visitor<'v> = dyn FnMut(&[PathElem], &Map<String, Value>) + 'v;

/// Visits every object reached by `path`, with its concrete response path.
pub fn collect(
    sg: &Supergraph,
    value: &Value,
    path: &[PathSegment],
    current: &mut Vec<PathElem>,
    visit: &mut Visitor<'_>,
) {
    if let Value::Array(items) = value {
        // Lists are traversed whether or not the planner wrote an explicit `@`.
        let rest = match path.first() {
            Some(PathSegment::List) => &path[1..],
            _ => path,
        };
        for (i, item) in items.iter().enumerate() {
            current.push(PathElem::Index(i));
            collect(sg, item, rest, current, visit);
            current.pop();
        }
        return;
    }
    let Value::Object(obj) = value else { return };
    match path.first() {
        None => visit(current, obj),
        Some(PathSegment::List) => collect(sg, value, &path[1..], current, visit),
        Some(PathSegment::TypeCondition(types)) => {
            let matches = match typename(obj) {
                Some(t) => types.iter().any(|c| sg.type_matches(t, c)),
                None => true,
            };
            if matches {
                collect(sg, value, &path[1..], current, visit);
            }
        }
        Some(PathSegment::Field(key)) => {
            if let Some(child) = obj.get(key) {
                current.push(PathElem::Key(key.clone()));
                collect(sg, child, &path[1..], current, visit);
                current.pop();
            }
        }
    }
}

/// Like [`collect`], for writing, without tracking paths. Visits objects in
/// the same order as `collect` does on the same data.
pub fn collect_mut(
    sg: &Supergraph,
    value: &mut Value,
    path: &[PathSegment],
    visit: &mut dyn FnMut(&mut Map<String, Value>),
) {
    if let Value::Array(items) = value {
        let rest = match path.first() {
            Some(PathSegment::List) => &path[1..],
            _ => path,
        };
        for item in items {
            collect_mut(sg, item, rest, visit);
        }
        return;
    }
    match path.first() {
        None => {
            if let Value::Object(obj) = value {
                visit(obj);
            }
        }
        Some(PathSegment::List) => collect_mut(sg, value, &path[1..], visit),
        Some(PathSegment::TypeCondition(types)) => {
            let Value::Object(obj) = &*value else { return };
            let matches = match typename(obj) {
                Some(t) => types.iter().any(|c| sg.type_matches(t, c)),
                None => true,
            };
            if matches {
                collect_mut(sg, value, &path[1..], visit);
            }
        }
        Some(PathSegment::Field(key)) => {
            if let Some(child) = value.as_object_mut().and_then(|o| o.get_mut(key)) {
                collect_mut(sg, child, &path[1..], visit);
            }
        }
    }
}

fn typename(obj: &Map<String, Value>) -> Option<&str> {
    obj.get("__typename").and_then(Value::as_str)
}

/// Builds the representation of one entity from the planner's `requires`.
/// An entity missing a required field (e.g. because the fetch that should
/// have provided it failed) gets no representation: sending it would only
/// make the subgraph fail on the whole batch.
pub fn representation(
    sg: &Supergraph,
    obj: &Map<String, Value>,
    requires: &[Selection],
) -> Option<Value> {
    let mut out = Map::new();
    let mut complete = true;
    select_into(sg, obj, requires, &mut out, &mut complete);
    (complete && !out.is_empty()).then_some(Value::Object(out))
}

fn select_into(
    sg: &Supergraph,
    obj: &Map<String, Value>,
    sels: &[Selection],
    out: &mut Map<String, Value>,
    complete: &mut bool,
) {
    for sel in sels {
        match sel {
            Selection::Field {
                name,
                key,
                selections,
            } => {
                let Some(value) = obj.get(name) else {
                    *complete = false;
                    continue;
                };
                let projected = if selections.is_empty() {
                    value.clone()
                } else {
                    select_value(sg, value, selections)
                };
                out.insert(key.clone(), projected);
            }
            Selection::InlineFragment {
                type_condition,
                selections,
            } => {
                let applies = typename(obj).is_none_or(|t| sg.type_matches(t, type_condition));
                if applies {
                    select_into(sg, obj, selections, out, complete);
                }
            }
        }
    }
}

fn select_value(sg: &Supergraph, value: &Value, sels: &[Selection]) -> Value {
    match value {
        Value::Object(obj) => {
            let mut out = Map::new();
            // Nested selections tolerate missing fields: only the entity's own
            // fields decide whether it can be represented.
            select_into(sg, obj, sels, &mut out, &mut true);
            Value::Object(out)
        }
        Value::Array(items) => {
            Value::Array(items.iter().map(|v| select_value(sg, v, sels)).collect())
        }
        other => other.clone(),
    }
}

/// Applies planner rewrites in place. A `TypenameEquals` step matches the
/// type itself and, for an interface (e.g. an @interfaceObject), its
/// implementations.
pub fn apply_rewrites(sg: &Supergraph, value: &mut Value, rewrites: &[Rewrite]) {
    for rw in rewrites {
        match rw {
            Rewrite::ValueSetter { path, value: v } => rewrite_at(sg, value, path, &|obj, key| {
                obj.insert(key.to_string(), Value::String(v.clone()));
            }),
            Rewrite::KeyRenamer { path, rename_to } => rewrite_at(sg, value, path, &|obj, key| {
                if let Some(moved) = obj.remove(key) {
                    obj.insert(rename_to.clone(), moved);
                }
            }),
        }
    }
}

fn rewrite_at(
    sg: &Supergraph,
    value: &mut Value,
    path: &[RewriteSegment],
    act: &dyn Fn(&mut Map<String, Value>, &str),
) {
    if let Value::Array(items) = value {
        for item in items {
            rewrite_at(sg, item, path, act);
        }
        return;
    }
    let Value::Object(obj) = value else { return };
    match path {
        [] => {}
        [RewriteSegment::Key(k)] => act(obj, k),
        [RewriteSegment::Key(k), rest @ ..] => {
            if let Some(child) = obj.get_mut(k) {
                rewrite_at(sg, child, rest, act);
            }
        }
        [RewriteSegment::TypenameEquals(types), rest @ ..] => {
            if typename(obj).is_some_and(|t| types.iter().any(|c| sg.type_matches(t, c))) {
                rewrite_at(sg, value, rest, act);
            }
        }
    }
}

/// The value at a concrete path, for writing.
pub fn get_mut<'a>(mut value: &'a mut Value, path: &[PathElem]) -> Option<&'a mut Value> {
    for elem in path {
        value = match (elem, value) {
            (PathElem::Key(k), Value::Object(obj)) => obj.get_mut(k)?,
            (PathElem::Index(i), Value::Array(items)) => items.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(value)
}

/// Merges fetched object fields into an existing object.
pub fn merge_map(target: &mut Map<String, Value>, source: Map<String, Value>) {
    for (k, v) in source {
        match target.get_mut(&k) {
            Some(existing) => deep_merge(existing, v),
            None => {
                target.insert(k, v);
            }
        }
    }
}

/// Merges fetched data into existing data: objects key by key, lists item by item.
pub fn deep_merge(target: &mut Value, source: Value) {
    match (target, source) {
        (Value::Object(t), Value::Object(s)) => merge_map(t, s),
        (Value::Array(t), Value::Array(s)) if t.len() == s.len() => {
            for (existing, v) in t.iter_mut().zip(s) {
                deep_merge(existing, v);
            }
        }
        // A null never erases data another fetch already provided.
        (t, Value::Null) if !t.is_null() => {}
        (t, s) => *t = s,
    }
}
