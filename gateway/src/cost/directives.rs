//! The `@cost` and `@listSize` directives of a supergraph (federation 2.9,
//! the cost spec v0.1), read once per loaded supergraph.

use std::collections::HashMap;

use apollo_compiler::ast::{self, Definition, Value};

/// `@listSize` on a field definition.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListSize {
    pub assumed_size: Option<f64>,
    pub slicing_arguments: Vec<String>,
    /// Child fields the size applies to (a connection's `nodes`), instead of
    /// the field itself.
    pub sized_fields: Vec<String>,
    pub require_one_slicing_argument: bool,
}

/// Every weight and list size the supergraph declares.
#[derive(Debug, Default)]
pub struct CostDirectives {
    /// `Type.field` → `@cost(weight:)` on the field definition.
    pub fields: HashMap<String, f64>,
    /// Type → `@cost(weight:)` on the type (object, scalar, enum).
    pub types: HashMap<String, f64>,
    /// `Type.field(arg:)` → `@cost(weight:)` on the argument definition.
    pub arguments: HashMap<String, f64>,
    /// `Type.field` → `@listSize`.
    pub list_sizes: HashMap<String, ListSize>,
}

/// Whether `name` is the spec's directive `spec`, imported or namespaced.
fn is(name: &str, spec: &str) -> bool {
    name == spec
        || name
            .strip_suffix(spec)
            .is_some_and(|prefix| matches!(prefix, "cost__" | "federation__"))
}

fn weight(directives: &ast::DirectiveList) -> Option<f64> {
    let cost = directives.iter().find(|d| is(&d.name, "cost"))?;
    number(cost.specified_argument_by_name("weight")?)
}

fn number(value: &Value) -> Option<f64> {
    match value {
        Value::Int(i) => i.try_to_f64().ok(),
        Value::Float(f) => f.try_to_f64().ok(),
        _ => None,
    }
}

fn strings(value: Option<&apollo_compiler::Node<Value>>) -> Vec<String> {
    match value.map(|v| &**v) {
        Some(Value::List(items)) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

fn list_size(directives: &ast::DirectiveList) -> Option<ListSize> {
    let d = directives.iter().find(|d| is(&d.name, "listSize"))?;
    Some(ListSize {
        assumed_size: d
            .specified_argument_by_name("assumedSize")
            .and_then(|v| number(v)),
        slicing_arguments: strings(d.specified_argument_by_name("slicingArguments")),
        sized_fields: strings(d.specified_argument_by_name("sizedFields")),
        require_one_slicing_argument: !matches!(
            d.specified_argument_by_name("requireOneSlicingArgument")
                .map(|v| &**v),
            Some(Value::Boolean(false))
        ),
    })
}

impl CostDirectives {
    /// Reads the directives from supergraph SDL (unparseable SDL gives none:
    /// the supergraph loader reports it).
    pub fn from_sdl(sdl: &str) -> Self {
        let mut out = Self::default();
        let Ok(doc) = ast::Document::parse(sdl, "supergraph.graphql") else {
            return out;
        };
        for def in &doc.definitions {
            let (name, directives, fields) = match def {
                Definition::ObjectTypeDefinition(t) => (&t.name, &t.directives, &t.fields[..]),
                Definition::InterfaceTypeDefinition(t) => (&t.name, &t.directives, &t.fields[..]),
                Definition::ScalarTypeDefinition(t) => (&t.name, &t.directives, &[][..]),
                Definition::EnumTypeDefinition(t) => (&t.name, &t.directives, &[][..]),
                _ => continue,
            };
            if let Some(w) = weight(directives) {
                out.types.insert(name.to_string(), w);
            }
            for field in fields {
                let key = format!("{name}.{}", field.name);
                if let Some(w) = weight(&field.directives) {
                    out.fields.insert(key.clone(), w);
                }
                for arg in &field.arguments {
                    if let Some(w) = weight(&arg.directives) {
                        out.arguments.insert(format!("{key}({}:)", arg.name), w);
                    }
                }
                if let Some(size) = list_size(&field.directives) {
                    out.list_sizes.insert(key, size);
                }
            }
        }
        out
    }
}
