//! One loaded supergraph with its caches and subgraph client: turns a
//! GraphQL request into a GraphQL response. Swapped whole on reload.

use std::sync::Arc;

use apollo_compiler::executable::OperationType;
use apollo_compiler::response::JsonMap;
use serde::Deserialize;
use serde_json::{Map, Value};
use tracing::Instrument;

use crate::executor::client::{HttpClient, SubgraphClient};
use crate::executor::projection::Projector;
use crate::executor::{self, ExecCtx};
use crate::operation::{OperationCache, RequestFailure};
use crate::response::{DataJson, GraphQLError, Response};
use crate::supergraph::Supergraph;

/// A GraphQL-over-HTTP request body (or GET parameters, decoded).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GraphQLRequest {
    pub query: Option<String>,
    pub operation_name: Option<String>,
    pub variables: Option<Map<String, Value>>,
    pub extensions: Option<Value>,
}

/// Serving state for one supergraph.
pub struct Engine {
    pub supergraph: Arc<Supergraph>,
    cache: OperationCache,
    client: SubgraphClient,
    introspection: bool,
}

/// HTTP status plus body.
pub struct Outcome {
    pub status: u16,
    pub response: Response,
}

impl From<RequestFailure> for Outcome {
    fn from(f: RequestFailure) -> Self {
        Outcome {
            status: f.status,
            response: Response {
                data: None,
                errors: f.errors,
            },
        }
    }
}

impl Engine {
    pub fn new(
        supergraph: Arc<Supergraph>,
        client: SubgraphClient,
        cache_size: usize,
        introspection: bool,
    ) -> Self {
        Self {
            supergraph,
            cache: OperationCache::new(cache_size),
            client,
            introspection,
        }
    }

    /// Runs one request. `via_get` forbids mutations (HTTP 405); `headers`
    /// are the client's, some of which may be passed on to subgraphs over
    /// `pool`, the calling worker's connection pool.
    pub async fn execute(
        &self,
        req: GraphQLRequest,
        via_get: bool,
        headers: &http::HeaderMap,
        pool: &HttpClient,
    ) -> Outcome {
        match self.execute_inner(req, via_get, headers, pool).await {
            Ok(outcome) => outcome,
            Err(failure) => failure.into(),
        }
    }

    async fn execute_inner(
        &self,
        req: GraphQLRequest,
        via_get: bool,
        headers: &http::HeaderMap,
        pool: &HttpClient,
    ) -> Result<Outcome, RequestFailure> {
        let sg = &*self.supergraph;
        let Some(query) = req.query.as_deref().filter(|q| !q.trim().is_empty()) else {
            return Err(RequestFailure::new(
                400,
                "the request has no query",
                "BAD_REQUEST",
            ));
        };
        let prepared = self
            .cache
            .get_or_prepare(sg, query, req.operation_name.as_deref())?;
        let operation = prepared.operation().ok_or_else(|| {
            RequestFailure::new(400, "unknown operation", "GRAPHQL_VALIDATION_FAILED")
        })?;
        if via_get && prepared.operation_type == OperationType::Mutation {
            return Err(RequestFailure::new(
                405,
                "mutations are not allowed over GET",
                "METHOD_NOT_ALLOWED",
            ));
        }
        let raw_vars = req.variables.unwrap_or_default();
        let variables = coerce_variables(sg, operation, raw_vars)?;
        let introspection = if prepared.has_introspection {
            Some(self.introspect(&prepared, operation, &variables.1)?)
        } else {
            None
        };
        let projector = Projector {
            supergraph: sg,
            document: &prepared.document,
            variables: &variables.0,
            introspection: introspection.as_ref(),
        };
        let plan = prepared
            .plan
            .as_ref()
            .filter(|_| projector.selects_anything(operation));
        let state = match plan {
            Some(plan) => {
                let ctx = ExecCtx {
                    supergraph: sg,
                    client: &self.client,
                    http: pool,
                    variables: &variables.0,
                    headers,
                };
                executor::execute(&ctx, plan)
                    .instrument(tracing::info_span!("execute"))
                    .await
            }
            None => executor::ExecState::default(),
        };
        let mut errors = state.errors;
        // Sized like this operation's last answer: no regrowth while writing.
        let mut body = DataJson::buffer(prepared.response_size_hint());
        projector.project(operation, &state.data, &mut errors, &mut body);
        prepared.record_response_size(body.len());
        Ok(Outcome {
            status: 200,
            response: Response {
                data: Some(DataJson::from_buffer(body)),
                errors,
            },
        })
    }

    fn introspect(
        &self,
        prepared: &crate::operation::Prepared,
        operation: &apollo_compiler::executable::Operation,
        variables: &apollo_compiler::validation::Valid<JsonMap>,
    ) -> Result<Map<String, Value>, RequestFailure> {
        if !self.introspection {
            return Err(RequestFailure::new(
                400,
                "introspection is disabled",
                "INTROSPECTION_DISABLED",
            ));
        }
        let sg = &*self.supergraph;
        apollo_compiler::introspection::check_max_depth(&prepared.document, operation).map_err(
            |e| RequestFailure::new(400, e.message().to_string(), "GRAPHQL_VALIDATION_FAILED"),
        )?;
        let response = apollo_compiler::introspection::partial_execute(
            sg.api_schema(),
            &sg.implementers,
            &prepared.document,
            operation,
            variables,
        )
        .map_err(|e| {
            RequestFailure::new(400, e.message().to_string(), "GRAPHQL_VALIDATION_FAILED")
        })?;
        let data = response.data.unwrap_or_default();
        match serde_json::to_value(&data) {
            Ok(Value::Object(map)) => Ok(map),
            _ => Ok(Map::new()),
        }
    }
}

type Coerced = (
    Map<String, Value>,
    apollo_compiler::validation::Valid<JsonMap>,
);

/// Coerces variables (types, required values, defaults) per the GraphQL spec.
fn coerce_variables(
    sg: &Supergraph,
    operation: &apollo_compiler::executable::Operation,
    raw: Map<String, Value>,
) -> Result<Coerced, RequestFailure> {
    let bytes_map: JsonMap = serde_json::from_value(Value::Object(raw))
        .map_err(|e| RequestFailure::new(400, e.to_string(), "BAD_USER_INPUT"))?;
    let coerced =
        apollo_compiler::request::coerce_variable_values(sg.api_schema(), operation, &bytes_map)
            .map_err(|e| RequestFailure::new(400, e.message().to_string(), "BAD_USER_INPUT"))?;
    let plain = match serde_json::to_value(&*coerced) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    };
    Ok((plain, coerced))
}

/// Counts errors for the metrics contract.
pub fn record_errors(operation: &str, errors: &[GraphQLError]) {
    for e in errors {
        let code = e.code().unwrap_or("NONE").to_string();
        metrics::counter!("gateway_graphql_errors_total", "operation" => operation.to_string(), "code" => code)
            .increment(1);
    }
}
