//! Demand control: a static cost for every operation from the schema, with
//! the federation `@cost` and `@listSize` directives (IBM/Apollo cost spec).

mod directives;

use std::collections::HashSet;
use std::sync::{Mutex, OnceLock};

use apollo_compiler::executable::{
    ExecutableDocument, Field, Operation, OperationType, Selection, SelectionSet,
};
use apollo_compiler::response::JsonMap;
use apollo_compiler::schema::ExtendedType;
use apollo_compiler::{ast::Value, Schema};
use serde::Deserialize;

pub use directives::{CostDirectives, ListSize};

/// The `[cost]` section.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CostConfig {
    /// Whether operations are costed at all.
    pub enabled: bool,
    /// `true`: an operation estimated above `max_cost` is refused (HTTP 400,
    /// `COST_ESTIMATED_TOO_EXPENSIVE`); `false`: it runs and the estimate is
    /// only recorded (`gateway_operation_estimated_cost`).
    pub enforce: bool,
    /// Highest estimated cost served.
    pub max_cost: u64,
    /// Items assumed in a list whose field has no `@listSize` (or one that
    /// the operation's arguments do not size).
    pub list_size: u32,
}

impl Default for CostConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            enforce: true,
            max_cost: 50_000,
            list_size: 10,
        }
    }
}

/// An operation's estimate, kept with the prepared operation.
#[derive(Debug, Clone)]
pub struct Estimate {
    pub cost: f64,
    /// A slicing argument is a variable: the estimate is redone per request.
    pub needs_variables: bool,
    pub histogram: metrics::Histogram,
}

/// `COST_ESTIMATED_TOO_EXPENSIVE`, with the figures in `extensions.cost`.
pub fn too_expensive(cost: f64, max: u64) -> crate::response::GraphQLError {
    let mut err = crate::response::GraphQLError::coded(
        format!("the operation's estimated cost {cost} exceeds the maximum {max}"),
        "COST_ESTIMATED_TOO_EXPENSIVE",
    );
    err.extensions.insert("cost".into(), extension(cost, max));
    err
}

/// What `extensions.cost` says: `{"estimated": …, "max": …}`.
pub fn extension(cost: f64, max: u64) -> serde_json::Value {
    serde_json::json!({ "estimated": cost, "max": max })
}

/// The histogram of one operation name; names beyond the first 200 share
/// `other`, unnamed operations `unknown`, so clients cannot grow the series.
pub fn histogram(operation: Option<&str>) -> metrics::Histogram {
    static NAMES: OnceLock<Mutex<HashSet<String>>> = OnceLock::new();
    let mut names = NAMES
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    let label = match operation.filter(|n| !n.is_empty() && n.len() <= 64) {
        Some(name) if names.contains(name) => name.to_string(),
        Some(name) if names.len() < 200 => {
            names.insert(name.to_string());
            name.to_string()
        }
        Some(_) => "other".to_string(),
        None => "unknown".to_string(),
    };
    metrics::histogram!("gateway_operation_estimated_cost", "operation" => label)
}

struct Walk<'a> {
    schema: &'a Schema,
    doc: &'a ExecutableDocument,
    dirs: &'a CostDirectives,
    default_size: f64,
    variables: Option<&'a JsonMap>,
    needs_variables: bool,
}

/// The estimated cost of `operation`, and whether it depends on variables
/// (then `variables`, when given, size the lists).
pub fn estimate(
    schema: &Schema,
    doc: &ExecutableDocument,
    operation: &Operation,
    dirs: &CostDirectives,
    config: &CostConfig,
    variables: Option<&JsonMap>,
) -> (f64, bool) {
    let mut walk = Walk {
        schema,
        doc,
        dirs,
        default_size: f64::from(config.list_size),
        variables,
        needs_variables: false,
    };
    let mut cost = walk.set(&operation.selection_set, None);
    if operation.operation_type == OperationType::Mutation {
        // The spec's weight of a mutation: 10 per root field.
        cost += 10.0 * operation.root_fields(doc).count() as f64;
    }
    (cost, walk.needs_variables)
}

impl Walk<'_> {
    /// `sized`: the child fields a parent's `@listSize(sizedFields:)` sizes.
    fn set(&mut self, set: &SelectionSet, sized: Option<(&[String], f64)>) -> f64 {
        let mut total = 0.0;
        for selection in &set.selections {
            total += match selection {
                Selection::Field(f) => self.field(f, set.ty.as_str(), sized),
                Selection::InlineFragment(i) => self.set(&i.selection_set, sized),
                Selection::FragmentSpread(s) => match self.doc.fragments.get(&s.fragment_name) {
                    Some(fragment) => self.set(&fragment.selection_set, sized),
                    None => 0.0,
                },
            };
        }
        total
    }

    fn field(&mut self, f: &Field, parent: &str, sized: Option<(&[String], f64)>) -> f64 {
        let key = format!("{parent}.{}", f.name);
        let ty = &f.definition.ty;
        let named = ty.inner_named_type();
        let composite = matches!(
            self.schema.types.get(named),
            Some(ExtendedType::Object(_) | ExtendedType::Interface(_) | ExtendedType::Union(_))
        );
        let weight = self
            .dirs
            .fields
            .get(&key)
            .or_else(|| self.dirs.types.get(named.as_str()))
            .copied()
            .unwrap_or(if composite { 1.0 } else { 0.0 });
        let list_size = self.dirs.list_sizes.get(&key);
        let declared = list_size.and_then(|ls| self.slicing(ls, f).or(ls.assumed_size));
        let own = sized
            .filter(|(names, _)| names.iter().any(|n| n == f.name.as_str()))
            .map(|(_, n)| n);
        let sizes_children = list_size.filter(|ls| !ls.sized_fields.is_empty());
        let instances = if ty.is_list() {
            own.or(declared.filter(|_| sizes_children.is_none()))
                .unwrap_or(self.default_size)
        } else {
            1.0
        };
        let child_sizing =
            sizes_children.map(|ls| (&ls.sized_fields[..], declared.unwrap_or(self.default_size)));
        let children = self.set(&f.selection_set, child_sizing);
        let arguments: f64 = f
            .arguments
            .iter()
            .filter_map(|a| self.dirs.arguments.get(&format!("{key}({}:)", a.name)))
            .sum();
        instances * (weight + children) + arguments
    }

    /// The largest slicing argument given (literal, variable or default).
    fn slicing(&mut self, ls: &ListSize, f: &Field) -> Option<f64> {
        let mut size: Option<f64> = None;
        for name in &ls.slicing_arguments {
            let given = f.arguments.iter().find(|a| a.name.as_str() == name);
            let value = match given.map(|a| &*a.value) {
                Some(Value::Int(i)) => i.try_to_f64().ok(),
                Some(Value::Variable(var)) => match self.variables {
                    Some(vars) => vars.get(var.as_str()).and_then(|v| v.as_f64()),
                    None => {
                        self.needs_variables = true;
                        None
                    }
                },
                Some(_) => None,
                None => f
                    .definition
                    .argument_by_name(name)
                    .and_then(|d| d.default_value.as_ref())
                    .and_then(|v| match &**v {
                        Value::Int(i) => i.try_to_f64().ok(),
                        _ => None,
                    }),
            };
            if let Some(v) = value {
                size = Some(size.map_or(v, |s: f64| s.max(v)));
            }
        }
        size
    }
}

#[cfg(test)]
mod tests;
