//! Which object types are entities (resolvable by key, in which subgraphs), and the
//! planner of deferred parts: the supergraph plus one root field per entity type, so that
//! the upstream planner plans "this entity's fields" as it plans any query.

use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};

use graphql_tools::parser::schema::{Definition, Directive, Field, Type, TypeDefinition, Value};
use graphql_tools::parser::Pos;
use hive_router_query_planner::planner::{Planner, QueryPlannerOptions};
use hive_router_query_planner::state::supergraph_state::SupergraphDefinition;

/// Prefix of the planning-only root fields (`_crowdcrunch_defer_Product`); never sent to a
/// subgraph: the fetch that selects one becomes an `_entities` fetch.
pub const ROOT_PREFIX: &str = "_crowdcrunch_defer_";

/// A key of an entity type in one subgraph.
#[derive(Debug, Clone)]
pub struct EntityKey {
    /// The subgraph's `join__Graph` value.
    graph_id: String,
    /// The subgraph's name (a fetch's service).
    pub service: String,
    /// The key's field set, e.g. `upc` or `id org { id }`.
    pub fields: String,
}

/// Object types resolvable by key, by type name.
#[derive(Debug, Default)]
pub struct Entities(HashMap<String, Vec<EntityKey>>);

impl Entities {
    pub fn from_planner(planner: &Planner) -> Self {
        let state = &planner.supergraph;
        let mut map: HashMap<String, Vec<EntityKey>> = HashMap::new();
        for (name, def) in &state.definitions {
            let SupergraphDefinition::Object(object) = def else {
                continue;
            };
            if object.root_type.is_some() {
                continue;
            }
            for jt in &object.join_type {
                let (Some(key), true, false) = (&jt.key, jt.resolvable, jt.is_interface_object)
                else {
                    continue;
                };
                let Some(service) = state.known_subgraphs.get(&jt.graph_id) else {
                    continue;
                };
                let keys = map.entry(name.clone()).or_default();
                // The first key per subgraph is the one representations carry.
                if !keys.iter().any(|k| k.graph_id == jt.graph_id) {
                    keys.push(EntityKey {
                        graph_id: jt.graph_id.clone(),
                        service: service.clone(),
                        fields: key.clone(),
                    });
                }
            }
        }
        Self(map)
    }

    /// Whether `type_name` is an object type some subgraph resolves by key.
    pub fn is_entity(&self, type_name: &str) -> bool {
        self.0.contains_key(type_name)
    }

    /// The key of `type_name` in subgraph `service`.
    pub fn key(&self, type_name: &str, service: &str) -> Option<&EntityKey> {
        self.0.get(type_name)?.iter().find(|k| k.service == service)
    }

    /// The planner of deferred parts: `supergraph` with a root field `ROOT_PREFIX + T: T`
    /// on the query type for every entity type `T`, resolvable in each subgraph that
    /// resolves `T` by key.
    pub fn planner(
        &self,
        supergraph: &graphql_tools::static_graphql::schema::Document,
        query_type: &str,
    ) -> Result<Planner, String> {
        let mut doc = supergraph.clone();
        let query = doc.definitions.iter_mut().find_map(|d| match d {
            Definition::TypeDefinition(TypeDefinition::Object(o)) if o.name == query_type => {
                Some(o)
            }
            _ => None,
        });
        let Some(query) = query else {
            return Err(format!("the supergraph has no type {query_type}"));
        };
        let graph_arg = |id: &str| vec![("graph".to_string(), Value::Enum(id.to_string()))];
        let mut names: Vec<&String> = self.0.keys().collect();
        names.sort();
        for name in names {
            let keys = &self.0[name];
            let field = format!("{ROOT_PREFIX}{name}");
            if query.fields.iter().any(|f| f.name == field) {
                continue;
            }
            for key in keys {
                let joined = query.directives.iter().any(|d| {
                    d.name == "join__type"
                        && d.arguments
                            .iter()
                            .any(|(n, v)| n == "graph" && *v == Value::Enum(key.graph_id.clone()))
                });
                if !joined {
                    query.directives.push(Directive {
                        position: Pos::default(),
                        name: "join__type".into(),
                        arguments: graph_arg(&key.graph_id),
                    });
                }
            }
            query.fields.push(Field {
                position: Pos::default(),
                description: None,
                name: field,
                arguments: Vec::new(),
                field_type: Type::NamedType(name.clone()),
                directives: keys
                    .iter()
                    .map(|k| Directive {
                        position: Pos::default(),
                        name: "join__field".into(),
                        arguments: graph_arg(&k.graph_id),
                    })
                    .collect(),
            });
        }
        catch_unwind(AssertUnwindSafe(|| {
            Planner::new_from_supergraph(&doc, QueryPlannerOptions::default())
        }))
        .map_err(|_| "the query planner panicked on the deferral supergraph".to_string())?
        .map_err(|e| e.to_string())
    }
}
