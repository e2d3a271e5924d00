//! Builds the client response from raw fetched data, following the client's
//! operation: response keys and field order, `__typename`, fragments,
//! `@skip`/`@include`, and GraphQL null propagation.

use apollo_compiler::ast::Type;
use apollo_compiler::executable::{ExecutableDocument, Field, Operation, Selection, SelectionSet};
use apollo_compiler::schema::ExtendedType;
use apollo_compiler::Node;
use serde_json::{Map, Value};

use crate::response::{GraphQLError, PathElem};
use crate::supergraph::Supergraph;

/// Projection inputs that stay fixed for one request.
pub struct Projector<'a> {
    pub supergraph: &'a Supergraph,
    pub document: &'a ExecutableDocument,
    pub variables: &'a Map<String, Value>,
    /// Root introspection results, by response key.
    pub introspection: Option<&'a Map<String, Value>>,
}

impl Projector<'_> {
    /// Projects the operation over `data`; returns `null` when a non-null
    /// root field is null.
    pub fn project(
        &self,
        operation: &Operation,
        data: &Value,
        errors: &mut Vec<GraphQLError>,
    ) -> Value {
        let empty = Map::new();
        let root = data.as_object().unwrap_or(&empty);
        let root_type = operation.object_type().as_str();
        let mut path = Vec::new();
        let mut run = Run { p: self, errors };
        match run.object(
            root_type,
            &[&operation.selection_set],
            root,
            &mut path,
            true,
        ) {
            Some(map) => Value::Object(map),
            None => Value::Null,
        }
    }
}

impl Projector<'_> {
    /// Whether any root field survives `@skip`/`@include`; if none does,
    /// the answer is `{"data":{}}` and no subgraph is called.
    pub fn selects_anything(&self, operation: &Operation) -> bool {
        let mut errors = Vec::new();
        let run = Run {
            p: self,
            errors: &mut errors,
        };
        let mut fields = Vec::new();
        run.collect(
            operation.object_type().as_str(),
            &operation.selection_set,
            &mut fields,
        );
        !fields.is_empty()
    }
}

/// A response path step borrowing the document's response keys, so that
/// tracking the path costs no allocation; owned only when an error needs it.
#[derive(Clone, Copy)]
enum Step<'p> {
    Key(&'p str),
    Index(usize),
}

impl Step<'_> {
    fn same_as(&self, elem: &PathElem) -> bool {
        match (self, elem) {
            (Step::Key(a), PathElem::Key(b)) => *a == b.as_str(),
            (Step::Index(a), PathElem::Index(b)) => a == b,
            _ => false,
        }
    }

    fn owned(self) -> PathElem {
        match self {
            Step::Key(k) => PathElem::Key(k.to_string()),
            Step::Index(i) => PathElem::Index(i),
        }
    }
}

struct Run<'p, 'e> {
    p: &'p Projector<'p>,
    errors: &'e mut Vec<GraphQLError>,
}

/// Grouped fields of one response key, in document order.
type Collected<'d> = Vec<(&'d str, Vec<&'d Node<Field>>)>;

impl<'p> Run<'p, '_> {
    fn object(
        &mut self,
        type_name: &str,
        sets: &[&'p SelectionSet],
        obj: &Map<String, Value>,
        path: &mut Vec<Step<'p>>,
        is_root: bool,
    ) -> Option<Map<String, Value>> {
        let mut fields: Collected<'p> = Vec::new();
        for set in sets {
            self.collect(type_name, set, &mut fields);
        }
        let mut out = Map::with_capacity(fields.len());
        for (key, group) in fields {
            let field = group[0];
            if field.name == "__typename" {
                out.insert(key.to_string(), Value::String(type_name.to_string()));
                continue;
            }
            if is_root && (field.name == "__schema" || field.name == "__type") {
                let v = self
                    .p
                    .introspection
                    .and_then(|m| m.get(key))
                    .cloned()
                    .unwrap_or(Value::Null);
                out.insert(key.to_string(), v);
                continue;
            }
            path.push(Step::Key(key));
            let value = obj.get(key);
            let completed = self.complete(field.ty(), &group, value, path, type_name);
            path.pop();
            out.insert(key.to_string(), completed?);
        }
        Some(out)
    }

    /// `None` means: null that must propagate to the parent.
    fn complete(
        &mut self,
        ty: &Type,
        fields: &[&'p Node<Field>],
        value: Option<&Value>,
        path: &mut Vec<Step<'p>>,
        parent_type: &str,
    ) -> Option<Value> {
        let v = self.complete_nullable(ty, fields, value, path);
        if v.is_null() && ty.is_non_null() {
            self.null_error(path, parent_type, fields[0].name.as_str());
            return None;
        }
        Some(v)
    }

    fn complete_nullable(
        &mut self,
        ty: &Type,
        fields: &[&'p Node<Field>],
        value: Option<&Value>,
        path: &mut Vec<Step<'p>>,
    ) -> Value {
        let Some(value) = value.filter(|v| !v.is_null()) else {
            return Value::Null;
        };
        if ty.is_list() {
            let Value::Array(items) = value else {
                return Value::Null;
            };
            let item_ty = ty.item_type();
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                path.push(Step::Index(i));
                let done = self.complete(item_ty, fields, Some(item), path, "");
                path.pop();
                match done {
                    Some(v) => out.push(v),
                    None => return Value::Null,
                }
            }
            return Value::Array(out);
        }
        let named = ty.inner_named_type().as_str();
        let declared = self.p.supergraph.api_schema().types.get(named);
        if matches!(
            declared,
            Some(ExtendedType::Scalar(_) | ExtendedType::Enum(_)) | None
        ) {
            return value.clone();
        }
        let Value::Object(obj) = value else {
            return Value::Null;
        };
        let runtime = match declared {
            Some(ExtendedType::Object(_)) => named,
            _ => obj
                .get("__typename")
                .and_then(Value::as_str)
                .unwrap_or(named),
        };
        let sets: Vec<&'p SelectionSet> = fields.iter().map(|f| &f.selection_set).collect();
        match self.object(runtime, &sets, obj, path, false) {
            Some(map) => Value::Object(map),
            None => Value::Null,
        }
    }

    fn collect(&self, type_name: &str, set: &'p SelectionSet, out: &mut Collected<'p>) {
        for sel in &set.selections {
            match sel {
                Selection::Field(f) => {
                    if !self.included(&f.directives) {
                        continue;
                    }
                    let key = f.response_key().as_str();
                    match out.iter_mut().find(|(k, _)| *k == key) {
                        Some((_, group)) => group.push(f),
                        None => out.push((key, vec![f])),
                    }
                }
                Selection::InlineFragment(inline) => {
                    if !self.included(&inline.directives) {
                        continue;
                    }
                    let applies = inline
                        .type_condition
                        .as_ref()
                        .is_none_or(|c| self.p.supergraph.type_matches(type_name, c));
                    if applies {
                        self.collect(type_name, &inline.selection_set, out);
                    }
                }
                Selection::FragmentSpread(spread) => {
                    if !self.included(&spread.directives) {
                        continue;
                    }
                    let Some(fragment) = self.p.document.fragments.get(&spread.fragment_name)
                    else {
                        continue;
                    };
                    if self
                        .p
                        .supergraph
                        .type_matches(type_name, fragment.type_condition())
                    {
                        self.collect(type_name, &fragment.selection_set, out);
                    }
                }
            }
        }
    }

    fn included(&self, directives: &apollo_compiler::executable::DirectiveList) -> bool {
        let flag = |name: &str| {
            directives
                .get(name)
                .and_then(|d| d.specified_argument_by_name("if"))
                .map(|v| match v.as_ref() {
                    apollo_compiler::ast::Value::Boolean(b) => *b,
                    apollo_compiler::ast::Value::Variable(var) => self
                        .p
                        .variables
                        .get(var.as_str())
                        .and_then(Value::as_bool)
                        .unwrap_or(false),
                    _ => false,
                })
        };
        flag("skip") != Some(true) && flag("include") != Some(false)
    }

    /// Reports a null in a non-null position unless an error already explains it.
    fn null_error(&mut self, path: &[Step<'p>], parent_type: &str, field: &str) {
        let explained = self.errors.iter().any(|e| {
            e.path
                .as_ref()
                .is_some_and(|p| p.iter().zip(path).all(|(elem, step)| step.same_as(elem)))
        });
        if explained {
            return;
        }
        let message = if parent_type.is_empty() {
            format!("Cannot return null for non-nullable list item of field {field}")
        } else {
            format!("Cannot return null for non-nullable field {parent_type}.{field}")
        };
        self.errors.push(GraphQLError {
            message,
            locations: None,
            path: Some(path.iter().map(|s| s.owned()).collect()),
            extensions: Map::new(),
        });
    }
}
