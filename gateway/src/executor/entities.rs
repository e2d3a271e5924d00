//! Finding entities in response data, building their representations,
//! applying planner rewrites and merging fetched data back.

use super::value::{write_str, Object, Value};
use crate::planner::plan::{PathSegment, Rewrite, RewriteSegment, Selection};
use crate::response::Step;
use crate::supergraph::Supergraph;

/// Called with each entity object and its concrete response path.
pub type Visitor<'a, 'v> = dyn FnMut(&[Step<'a>], &Object) + 'v;

/// Visits every object reached by `path`, with its concrete response path
/// (borrowed from the plan, so tracking it allocates nothing).
pub fn collect<'a>(
    sg: &Supergraph,
    value: &Value,
    path: &'a [PathSegment],
    current: &mut Vec<Step<'a>>,
    visit: &mut Visitor<'a, '_>,
) {
    if let Value::Array(items) = value {
        // Lists are traversed whether or not the planner wrote an explicit `@`.
        let rest = match path.first() {
            Some(PathSegment::List) => &path[1..],
            _ => path,
        };
        for (i, item) in items.iter().enumerate() {
            current.push(Step::Index(i));
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
            if type_applies(sg, obj, types) {
                collect(sg, value, &path[1..], current, visit);
            }
        }
        Some(PathSegment::Field(key)) => {
            if let Some(child) = obj.get(key) {
                current.push(Step::Key(key));
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
    visit: &mut dyn FnMut(&mut Object),
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
    let Value::Object(obj) = value else { return };
    match path.first() {
        None => visit(obj),
        Some(PathSegment::List) => collect_mut(sg, value, &path[1..], visit),
        Some(PathSegment::TypeCondition(types)) => {
            if type_applies(sg, obj, types) {
                collect_mut(sg, value, &path[1..], visit);
            }
        }
        Some(PathSegment::Field(key)) => {
            if let Some(child) = obj.get_mut(key) {
                collect_mut(sg, child, &path[1..], visit);
            }
        }
    }
}

/// An object without `__typename` is assumed to match: the planner asks for
/// it wherever the type is abstract.
fn type_applies(sg: &Supergraph, obj: &Object, types: &[String]) -> bool {
    match typename(obj) {
        Some(t) => types.iter().any(|c| sg.type_matches(t, c)),
        None => true,
    }
}

fn typename(obj: &Object) -> Option<&str> {
    obj.get("__typename").and_then(Value::as_str)
}

/// Writes the representation of one entity, from the planner's `requires`,
/// as JSON text; `false` when it has none (`out` then holds junk). An entity
/// missing a required field (e.g. because the fetch that should have
/// provided it failed) gets no representation: sending it would only make
/// the subgraph fail on the whole batch. A key selected twice is written
/// once (the first time).
pub fn write_representation(
    sg: &Supergraph,
    obj: &Object,
    requires: &[Selection],
    out: &mut Vec<u8>,
) -> bool {
    let mut complete = true;
    out.push(b'{');
    let written = write_selection(sg, obj, requires, out, &mut Vec::new(), &mut complete);
    out.push(b'}');
    complete && written > 0
}

/// Returns how many fields it wrote; `keys` are those already written at
/// this level.
fn write_selection<'k>(
    sg: &Supergraph,
    obj: &Object,
    sels: &'k [Selection],
    out: &mut Vec<u8>,
    keys: &mut Vec<&'k str>,
    complete: &mut bool,
) -> usize {
    let mut written = 0;
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
                if keys.contains(&key.as_str()) {
                    continue;
                }
                if !keys.is_empty() {
                    out.push(b',');
                }
                keys.push(key);
                write_str(out, key);
                out.push(b':');
                if selections.is_empty() {
                    value.write_json(out);
                } else {
                    write_selected_value(sg, value, selections, out);
                }
                written += 1;
            }
            Selection::InlineFragment {
                type_condition,
                selections,
            } => {
                let applies = typename(obj).is_none_or(|t| sg.type_matches(t, type_condition));
                if applies {
                    written += write_selection(sg, obj, selections, out, keys, complete);
                }
            }
        }
    }
    written
}

fn write_selected_value(sg: &Supergraph, value: &Value, sels: &[Selection], out: &mut Vec<u8>) {
    match value {
        Value::Object(obj) => {
            out.push(b'{');
            // Nested selections tolerate missing fields: only the entity's
            // own fields decide whether it can be represented.
            write_selection(sg, obj, sels, out, &mut Vec::new(), &mut true);
            out.push(b'}');
        }
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_selected_value(sg, item, sels, out);
            }
            out.push(b']');
        }
        other => other.write_json(out),
    }
}

/// Applies planner rewrites in place. A `TypenameEquals` step matches the
/// type itself and, for an interface (e.g. an @interfaceObject), its
/// implementations.
pub fn apply_rewrites(sg: &Supergraph, value: &mut Value, rewrites: &[Rewrite]) {
    for rw in rewrites {
        match rw {
            Rewrite::ValueSetter { path, value: v } => rewrite_at(sg, value, path, &|obj, key| {
                obj.insert(key, Value::String(v.as_str().into()));
            }),
            Rewrite::KeyRenamer { path, rename_to } => rewrite_at(sg, value, path, &|obj, key| {
                if let Some(moved) = obj.remove(key) {
                    obj.insert(rename_to.as_str(), moved);
                }
            }),
        }
    }
}

fn rewrite_at(
    sg: &Supergraph,
    value: &mut Value,
    path: &[RewriteSegment],
    act: &dyn Fn(&mut Object, &str),
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

/// Merges fetched object fields into an existing object.
pub fn merge_map(target: &mut Object, source: Object) {
    target.reserve(source.len());
    for (k, v) in source {
        match target.get_mut(&k) {
            Some(existing) => deep_merge(existing, v),
            None => target.push(k, v),
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
