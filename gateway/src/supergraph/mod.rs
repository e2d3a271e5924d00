//! The loaded supergraph: planner state, public API schema and subgraph
//! endpoints. No I/O happens here; callers pass the SDL text.

mod api_schema;

use std::collections::HashMap;

use ahash::{AHashMap, AHashSet};
use std::panic::{catch_unwind, AssertUnwindSafe};

use apollo_compiler::schema::{ExtendedType, Implementers};
use apollo_compiler::{validation::Valid, Name, Schema};
use hive_router_query_planner::planner::{Planner, QueryPlannerOptions};
use hive_router_query_planner::utils::parsing::safe_parse_schema;

use crate::Error;

/// A supergraph ready to serve: immutable, shared behind an `Arc`.
pub struct Supergraph {
    pub(crate) planner: Planner,
    pub(crate) api_schema: Valid<Schema>,
    pub(crate) implementers: apollo_compiler::collections::HashMap<Name, Implementers>,
    /// Abstract type name → concrete object types, for fragment matching.
    possible_types: AHashMap<String, AHashSet<String>>,
    /// Subgraph name → URL, as declared by `@join__graph(name:, url:)`.
    pub(crate) subgraph_urls: HashMap<String, String>,
    /// `@cost` / `@listSize` weights for demand control.
    pub(crate) costs: crate::cost::CostDirectives,
    /// Authorization directives' requirements, by field and type.
    pub(crate) authz: crate::authorization::SchemaRules,
    /// The parsed SDL, kept to build the deferral planner when an operation first defers.
    schema: graphql_tools::static_graphql::schema::Document,
    deferral: std::sync::OnceLock<Result<crate::planner::defer::Deferral, String>>,
}

impl Supergraph {
    /// Parses a join-spec supergraph SDL and derives everything the gateway needs.
    pub fn parse(sdl: &str) -> Result<Self, Error> {
        let doc = safe_parse_schema(sdl).map_err(|e| Error::Supergraph(e.to_string()))?;
        // The planner asserts on malformed supergraphs instead of returning errors.
        let planner = catch_unwind(AssertUnwindSafe(|| {
            Planner::new_from_supergraph(&doc, QueryPlannerOptions::default())
        }))
        .map_err(|_| Error::Supergraph("the query planner panicked on this supergraph".into()))?
        .map_err(|e| Error::Supergraph(e.to_string()))?;
        let api_schema = api_schema::from_consumer_schema(&planner.consumer_schema.document)
            .map_err(|e| Error::Supergraph(format!("API schema is invalid: {e}")))?;
        let implementers = api_schema.implementers_map();
        let possible_types = possible_types(&api_schema, &implementers);
        let authz =
            crate::authorization::SchemaRules::from_supergraph(&doc, &api_schema, &implementers);
        let subgraph_urls = planner.supergraph.subgraph_endpoint_map.clone();
        if subgraph_urls.is_empty() {
            return Err(Error::Supergraph(
                "no subgraphs declared (missing join__Graph / @join__graph)".into(),
            ));
        }
        Ok(Self {
            planner,
            api_schema,
            implementers,
            possible_types,
            subgraph_urls,
            costs: crate::cost::CostDirectives::from_sdl(sdl),
            authz,
            schema: doc,
            deferral: std::sync::OnceLock::new(),
        })
    }

    /// The public schema clients see.
    pub fn api_schema(&self) -> &Valid<Schema> {
        &self.api_schema
    }

    /// Names and URLs of the subgraphs.
    pub fn subgraph_urls(&self) -> &HashMap<String, String> {
        &self.subgraph_urls
    }

    /// Plans an operation (tests and tooling; requests go through the cache).
    pub fn plan(
        &self,
        query: &str,
        operation_name: Option<&str>,
    ) -> Result<Option<crate::planner::PlanNode>, crate::planner::PlanError> {
        crate::planner::plan(&self.planner, query, operation_name, None)
    }

    /// What planning `@defer` needs (entity keys, the deferral planner), built once.
    pub fn deferral(&self) -> Result<&crate::planner::defer::Deferral, String> {
        self.deferral
            .get_or_init(|| crate::planner::defer::Deferral::new(&self.planner, &self.schema))
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Whether `name` is an interface or a union of the API schema.
    pub fn is_abstract(&self, name: &str) -> bool {
        matches!(
            self.api_schema.types.get(name),
            Some(ExtendedType::Interface(_) | ExtendedType::Union(_))
        )
    }

    /// Whether an object of runtime type `runtime` matches type condition `condition`.
    pub fn type_matches(&self, runtime: &str, condition: &str) -> bool {
        runtime == condition
            || self
                .possible_types
                .get(condition)
                .is_some_and(|set| set.contains(runtime))
    }
}

fn possible_types(
    schema: &Schema,
    implementers: &apollo_compiler::collections::HashMap<Name, Implementers>,
) -> AHashMap<String, AHashSet<String>> {
    let mut map: AHashMap<String, AHashSet<String>> = AHashMap::new();
    for (name, ty) in &schema.types {
        if let ExtendedType::Union(u) = ty {
            let members = u.members.iter().map(|m| m.name.to_string()).collect();
            map.insert(name.to_string(), members);
        }
    }
    for (name, imps) in implementers {
        let objects = imps.objects.iter().map(|o| o.to_string()).collect();
        map.insert(name.to_string(), objects);
    }
    map
}

#[cfg(test)]
mod tests;
