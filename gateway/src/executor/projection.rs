//! Writes the client response from raw fetched data, following the client's
//! operation: response keys and field order, `__typename`, fragments,
//! `@skip`/`@include`, and GraphQL null propagation.
//!
//! The JSON text is written directly, without building a second tree: a
//! null that propagates truncates the output back to where its nearest
//! nullable ancestor began and writes `null` there. Which fields a selection
//! yields for a runtime type is worked out once per request, not per object.

use std::collections::HashMap;
use std::rc::Rc;

use apollo_compiler::ast::Type;
use apollo_compiler::executable::{ExecutableDocument, Field, Operation, Selection, SelectionSet};
use apollo_compiler::schema::ExtendedType;
use apollo_compiler::Node;
use serde_json::{Map, Value as JsonValue};

use super::value::{write_str, Object, Value};
use crate::authorization::{Denied, UNAUTHORIZED};
use crate::planner::defer::tree::{inline_addr, spread_addr};
use crate::response::{owned_path, GraphQLError, Step};
use crate::supergraph::Supergraph;

/// Projection inputs that stay fixed for one request.
pub struct Projector<'a> {
    pub supergraph: &'a Supergraph,
    pub document: &'a ExecutableDocument,
    pub variables: &'a Map<String, JsonValue>,
    /// Root introspection results, by response key.
    pub introspection: Option<&'a Map<String, JsonValue>>,
    /// Selections authorization removed: answered `null` with an error.
    pub denied: Option<&'a Denied>,
    /// Fragments deferred in this request (by identity, see `planner::defer::tree`):
    /// left out here, written by [`Projector::project_part`] when their part arrives.
    pub deferred: Option<&'a ahash::AHashSet<usize>>,
}

impl Projector<'_> {
    /// Appends the JSON text of the response's `data` to `out`: `null`
    /// when a non-null root field is null.
    pub fn project<'s>(
        &'s self,
        operation: &'s Operation,
        data: &'s Value,
        errors: &mut Vec<GraphQLError>,
        out: &mut Vec<u8>,
    ) {
        let empty = Object::default();
        let root = data.as_object().unwrap_or(&empty);
        let root_type = operation.object_type().as_str();
        let mut run = Run {
            p: self,
            errors,
            out,
            memo: HashMap::default(),
        };
        let plan = run.plan_fields(root_type, &[&operation.selection_set], true);
        if !run.object(root_type, &plan, root, &mut Vec::new()) {
            run.out.extend_from_slice(b"null");
        }
    }

    /// Appends the JSON text of a deferred fragment's `data`: `set` over `obj` of type
    /// `type_name` at response `path`; `null` when a non-null field of it is null.
    pub fn project_part<'s>(
        &'s self,
        type_name: &'s str,
        set: &'s SelectionSet,
        obj: &'s Object,
        path: &'s [crate::response::PathElem],
        errors: &mut Vec<GraphQLError>,
        out: &mut Vec<u8>,
    ) {
        let mut run = Run {
            p: self,
            errors,
            out,
            memo: HashMap::default(),
        };
        let plan = run.plan_fields(type_name, &[set], false);
        let mut steps: Vec<Step<'s>> = path
            .iter()
            .map(|e| match e {
                crate::response::PathElem::Key(k) => Step::Key(k.as_str()),
                crate::response::PathElem::Index(i) => Step::Index(*i),
            })
            .collect();
        if !run.object(type_name, &plan, obj, &mut steps) {
            run.out.extend_from_slice(b"null");
        }
    }

    /// Whether any root field survives `@skip`/`@include`; if none does,
    /// the answer is `{"data":{}}` and no subgraph is called.
    pub fn selects_anything<'s>(&'s self, operation: &'s Operation) -> bool {
        let mut fields = Vec::new();
        collect(
            self,
            operation.object_type().as_str(),
            &operation.selection_set,
            false,
            &mut fields,
        );
        !fields.is_empty()
    }
}

/// One response key of a selection for one runtime type.
struct FieldPlan<'s> {
    key: &'s str,
    kind: Kind<'s>,
}

enum Kind<'s> {
    Typename,
    /// `__schema` / `__type` at the root, answered by the gateway.
    Introspection,
    /// Removed by authorization: `null` and an `UNAUTHORIZED_FIELD_OR_TYPE` error.
    Denied(&'s Type),
    Field(FieldInfo<'s>),
}

struct FieldInfo<'s> {
    name: &'s str,
    ty: &'s Type,
    /// Selection sets of every field merged under this response key.
    sets: Vec<&'s SelectionSet>,
    named_type: &'s str,
    named: NamedKind<'s>,
}

#[derive(Clone, Copy, PartialEq)]
enum NamedKind<'s> {
    /// Scalars (and unknown types): written as they came.
    Leaf,
    /// Only values the API schema has are written; others (e.g. an
    /// `@inaccessible` value) become null.
    Enum(&'s apollo_compiler::schema::EnumType),
    Object,
    /// Interfaces and unions: the runtime type comes from `__typename`.
    Abstract,
}

/// Plans of sub-selections, by (selection sets' identity, runtime type).
type Memo<'s> = HashMap<(usize, &'s str), Rc<[FieldPlan<'s>]>, ahash::RandomState>;

struct Run<'s, 'e> {
    p: &'s Projector<'s>,
    errors: &'e mut Vec<GraphQLError>,
    out: &'e mut Vec<u8>,
    memo: Memo<'s>,
}

impl<'s> Run<'s, '_> {
    /// Writes an object; `false` means null propagates to the parent (the
    /// output is left as it was before the call).
    fn object(
        &mut self,
        type_name: &'s str,
        plan: &[FieldPlan<'s>],
        obj: &'s Object,
        path: &mut Vec<Step<'s>>,
    ) -> bool {
        let start = self.out.len();
        self.out.push(b'{');
        for (i, f) in plan.iter().enumerate() {
            if i > 0 {
                self.out.push(b',');
            }
            // Response keys are GraphQL names: nothing to escape.
            self.out.push(b'"');
            self.out.extend_from_slice(f.key.as_bytes());
            self.out.extend_from_slice(b"\":");
            match &f.kind {
                Kind::Typename => write_str(self.out, type_name),
                Kind::Introspection => match self.p.introspection.and_then(|m| m.get(f.key)) {
                    Some(v) => {
                        let _ = serde_json::to_writer(&mut *self.out, v);
                    }
                    None => self.out.extend_from_slice(b"null"),
                },
                Kind::Denied(ty) => {
                    path.push(Step::Key(f.key));
                    let error = GraphQLError::coded("Unauthorized field or type", UNAUTHORIZED);
                    self.errors.push(error.with_path(owned_path(path)));
                    path.pop();
                    self.out.extend_from_slice(b"null");
                    if ty.is_non_null() {
                        self.out.truncate(start);
                        return false;
                    }
                }
                Kind::Field(field) => {
                    path.push(Step::Key(f.key));
                    let ok = self.complete(field, field.ty, obj.get(f.key), path, type_name);
                    path.pop();
                    if !ok {
                        self.out.truncate(start);
                        return false;
                    }
                }
            }
        }
        self.out.push(b'}');
        true
    }

    /// Writes a value or `null`; `false` means a null in a non-null position
    /// that must propagate.
    fn complete(
        &mut self,
        field: &FieldInfo<'s>,
        ty: &'s Type,
        value: Option<&'s Value>,
        path: &mut Vec<Step<'s>>,
        parent_type: &str,
    ) -> bool {
        let mark = self.out.len();
        if self.complete_nullable(field, ty, value, path) {
            return true;
        }
        self.out.truncate(mark);
        self.out.extend_from_slice(b"null");
        if ty.is_non_null() {
            self.null_error(path, parent_type, field.name);
            return false;
        }
        true
    }

    /// `false`: the value is null (whatever was written must be discarded).
    fn complete_nullable(
        &mut self,
        field: &FieldInfo<'s>,
        ty: &'s Type,
        value: Option<&'s Value>,
        path: &mut Vec<Step<'s>>,
    ) -> bool {
        let Some(value) = value.filter(|v| !v.is_null()) else {
            return false;
        };
        if ty.is_list() {
            let Value::Array(items) = value else {
                return false;
            };
            let item_ty = ty.item_type();
            self.out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    self.out.push(b',');
                }
                path.push(Step::Index(i));
                let ok = self.complete(field, item_ty, Some(item), path, "");
                path.pop();
                if !ok {
                    return false;
                }
            }
            self.out.push(b']');
            return true;
        }
        match field.named {
            NamedKind::Leaf => {
                value.write_json(self.out);
                return true;
            }
            NamedKind::Enum(declared) => {
                let Some(name) = value.as_str().filter(|v| declared.values.contains_key(*v)) else {
                    return false;
                };
                write_str(self.out, name);
                return true;
            }
            NamedKind::Object | NamedKind::Abstract => {}
        }
        let Value::Object(obj) = value else {
            return false;
        };
        let runtime = match field.named {
            NamedKind::Abstract => {
                let runtime = obj
                    .get("__typename")
                    .and_then(Value::as_str)
                    .unwrap_or(field.named_type);
                // A type clients cannot see (e.g. `@inaccessible`) is no
                // possible value of the field: the object reads as null.
                let visible = runtime == field.named_type
                    || self.p.supergraph.type_matches(runtime, field.named_type);
                if !visible {
                    return false;
                }
                runtime
            }
            _ => field.named_type,
        };
        let plan = self.plan_for(field, runtime);
        self.object(runtime, &plan, obj, path)
    }

    fn plan_for(&mut self, field: &FieldInfo<'s>, runtime: &'s str) -> Rc<[FieldPlan<'s>]> {
        // A field's `sets` live as long as the plan holding it, which the
        // memo (or the root) keeps for the whole run: the address is an id.
        let key = (field.sets.as_ptr() as usize, runtime);
        if let Some(plan) = self.memo.get(&key) {
            return plan.clone();
        }
        let plan = self.plan_fields(runtime, &field.sets, false);
        self.memo.insert(key, plan.clone());
        plan
    }

    fn plan_fields(
        &self,
        type_name: &str,
        sets: &[&'s SelectionSet],
        is_root: bool,
    ) -> Rc<[FieldPlan<'s>]> {
        let mut groups: Collected<'s> = Vec::new();
        for set in sets {
            collect(self.p, type_name, set, false, &mut groups);
        }
        let schema = self.p.supergraph.api_schema();
        groups
            .into_iter()
            .filter_map(|(key, group, denied)| {
                // A group holds at least one occurrence, allowed or removed.
                let (field, denied) = match (group.first(), denied) {
                    (Some(field), _) => (*field, false),
                    (None, Some(field)) => (field, true),
                    (None, None) => return None,
                };
                let kind = if denied {
                    Kind::Denied(field.ty())
                } else if field.name == "__typename" {
                    Kind::Typename
                } else if is_root && (field.name == "__schema" || field.name == "__type") {
                    Kind::Introspection
                } else {
                    let ty = field.ty();
                    let named_type = ty.inner_named_type().as_str();
                    let named = match schema.types.get(named_type) {
                        Some(ExtendedType::Object(_)) => NamedKind::Object,
                        Some(ExtendedType::Interface(_) | ExtendedType::Union(_)) => {
                            NamedKind::Abstract
                        }
                        Some(ExtendedType::Enum(e)) => NamedKind::Enum(e),
                        _ => NamedKind::Leaf,
                    };
                    Kind::Field(FieldInfo {
                        name: field.name.as_str(),
                        ty,
                        sets: group.iter().map(|f| &f.selection_set).collect(),
                        named_type,
                        named,
                    })
                };
                Some(FieldPlan { key, kind })
            })
            .collect()
    }

    /// Reports a null in a non-null position unless an error already explains it: one at
    /// this path or above, or one with no path (a subgraph that refused the whole operation,
    /// e.g. a variable its type does not accept, answers no data for any of it).
    fn null_error(&mut self, path: &[Step<'s>], parent_type: &str, field: &str) {
        let explained = self.errors.iter().any(|e| {
            e.path
                .as_ref()
                .is_none_or(|p| p.iter().zip(path).all(|(elem, step)| step.same_as(elem)))
        });
        if explained {
            return;
        }
        let message = if parent_type.is_empty() {
            format!("Cannot return null for non-nullable list item of field {field}")
        } else {
            format!("Cannot return null for non-nullable field {parent_type}.{field}")
        };
        // Coded like any error: a subgraph answered null (e.g. an entity it does not know)
        // where the schema promises a value.
        let mut error = GraphQLError::coded(message, "DOWNSTREAM_SERVICE_ERROR");
        error.path = Some(owned_path(path));
        self.errors.push(error);
    }
}

/// Grouped fields of one response key, in document order, and the first of
/// its occurrences that authorization removed (answered only when no
/// occurrence is left).
type Collected<'d> = Vec<(&'d str, Vec<&'d Node<Field>>, Option<&'d Node<Field>>)>;

/// Collects the fields a selection set yields for `type_name` (GraphQL's
/// CollectFields: fragments whose type applies, `@skip`/`@include`);
/// `removed`: the set is inside a fragment authorization removed.
fn collect<'d>(
    p: &Projector<'d>,
    type_name: &str,
    set: &'d SelectionSet,
    removed: bool,
    out: &mut Collected<'d>,
) {
    for sel in &set.selections {
        match sel {
            Selection::Field(f) => {
                if !included(p, &f.directives) {
                    continue;
                }
                let key = f.response_key().as_str();
                let denied = removed || p.denied.is_some_and(|d| d.field(f));
                let group = match out.iter().position(|(k, _, _)| *k == key) {
                    Some(i) => &mut out[i],
                    None => {
                        out.push((key, Vec::new(), None));
                        let last = out.len() - 1;
                        &mut out[last]
                    }
                };
                if !denied {
                    group.1.push(f);
                } else if group.2.is_none() {
                    group.2 = Some(f);
                }
            }
            Selection::InlineFragment(inline) => {
                if !included(p, &inline.directives) || deferred(p, inline_addr(inline)) {
                    continue;
                }
                let applies = inline
                    .type_condition
                    .as_ref()
                    .is_none_or(|c| p.supergraph.type_matches(type_name, c));
                if applies {
                    let removed = removed || p.denied.is_some_and(|d| d.inline(inline));
                    collect(p, type_name, &inline.selection_set, removed, out);
                }
            }
            Selection::FragmentSpread(spread) => {
                if !included(p, &spread.directives) || deferred(p, spread_addr(spread)) {
                    continue;
                }
                let Some(fragment) = p.document.fragments.get(&spread.fragment_name) else {
                    continue;
                };
                if p.supergraph
                    .type_matches(type_name, fragment.type_condition())
                {
                    let removed =
                        removed || p.denied.is_some_and(|d| d.fragment(&spread.fragment_name));
                    collect(p, type_name, &fragment.selection_set, removed, out);
                }
            }
        }
    }
}

fn deferred(p: &Projector<'_>, addr: usize) -> bool {
    p.deferred.is_some_and(|d| d.contains(&addr))
}

fn included(p: &Projector<'_>, directives: &apollo_compiler::executable::DirectiveList) -> bool {
    let flag = |name: &str| {
        directives
            .get(name)
            .and_then(|d| d.specified_argument_by_name("if"))
            .map(|v| match v.as_ref() {
                apollo_compiler::ast::Value::Boolean(b) => *b,
                apollo_compiler::ast::Value::Variable(var) => p
                    .variables
                    .get(var.as_str())
                    .and_then(JsonValue::as_bool)
                    .unwrap_or(false),
                _ => false,
            })
    };
    flag("skip") != Some(true) && flag("include") != Some(false)
}
