//! One loaded supergraph with its caches and subgraph client: turns a
//! GraphQL request into a GraphQL response. Swapped whole on reload.

use std::sync::Arc;
use std::time::Instant;

use apollo_compiler::executable::OperationType;
use apollo_compiler::response::JsonMap;
use serde::Deserialize;
use serde_json::{Map, Value};
use tracing::Instrument;

use crate::auth::Identity;
use crate::authorization;
use crate::executor::client::{HttpClient, SubgraphClient};
use crate::executor::projection::Projector;
use crate::executor::{self, ExecCtx};
use crate::operation::{OperationCache, Prepared, RequestFailure};
use crate::response::{DataJson, GraphQLError, Response};
use crate::server::Offload;
use crate::supergraph::Supergraph;

/// A GraphQL-over-HTTP request body (or GET parameters, decoded).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GraphQLRequest {
    pub query: Option<String>,
    pub operation_name: Option<String>,
    pub variables: Option<Map<String, Value>>,
    pub extensions: Option<Value>,
    /// A persisted document's id (`[persisted_documents] manifest`).
    pub document_id: Option<String>,
}

/// Serving state for one supergraph.
pub struct Engine {
    pub supergraph: Arc<Supergraph>,
    cache: Arc<OperationCache>,
    client: SubgraphClient,
    introspection: bool,
    offload: Offload,
    cost: crate::cost::CostConfig,
    persisted: crate::persisted::Persisted,
}

/// HTTP status plus body.
pub struct Outcome {
    pub status: u16,
    pub response: Response,
    /// With `@defer` delivered incrementally: the payloads after `response` (which then
    /// holds the primary part).
    pub incremental: Option<crate::incremental::Payloads>,
}

impl From<RequestFailure> for Outcome {
    fn from(f: RequestFailure) -> Self {
        Outcome {
            status: f.status,
            response: Response {
                data: None,
                errors: f.errors,
                extensions: None,
            },
            incremental: None,
        }
    }
}

impl Engine {
    /// The subgraphs of this supergraph (for subscriptions' primary fetches).
    pub(crate) fn client(&self) -> &SubgraphClient {
        &self.client
    }

    /// Resolves a request's document (persisted documents, APQ).
    pub(crate) fn resolve_document(
        &self,
        req: &mut GraphQLRequest,
    ) -> Result<Option<String>, RequestFailure> {
        self.persisted.resolve(
            req.query.take(),
            req.document_id.as_deref(),
            req.extensions.as_ref(),
        )
    }

    pub fn new(
        supergraph: Arc<Supergraph>,
        client: SubgraphClient,
        cache_size: usize,
        introspection: bool,
        checks: crate::operation::Checks,
        offload: Offload,
    ) -> Self {
        let crate::operation::Checks {
            limits,
            cost,
            persisted,
        } = checks;
        Self {
            supergraph,
            cache: Arc::new(OperationCache::new(cache_size, limits, cost.clone())),
            client,
            introspection,
            offload,
            cost,
            persisted,
        }
    }

    /// Runs one request. `via_get` forbids mutations (HTTP 405); `headers`
    /// are the client's, some of which may be passed on to subgraphs over
    /// `pool`, the calling worker's connection pool; `identity` is who asks.
    /// Planning gives up at `deadline` (the server drops the whole request then).
    /// With `incremental` (the client accepts `multipart/mixed`), `@defer` is honoured.
    #[allow(clippy::too_many_arguments)]
    pub async fn execute(
        self: &Arc<Self>,
        req: GraphQLRequest,
        via_get: bool,
        headers: &http::HeaderMap,
        identity: &Identity,
        pool: &HttpClient,
        deadline: Option<Instant>,
        incremental: bool,
    ) -> Outcome {
        match self
            .execute_inner(req, via_get, headers, identity, pool, deadline, incremental)
            .await
        {
            Ok(outcome) => outcome,
            Err(failure) => failure.into(),
        }
    }

    #[allow(clippy::too_many_arguments)]
    async fn execute_inner(
        self: &Arc<Self>,
        mut req: GraphQLRequest,
        via_get: bool,
        headers: &http::HeaderMap,
        identity: &Identity,
        pool: &HttpClient,
        deadline: Option<Instant>,
        incremental: bool,
    ) -> Result<Outcome, RequestFailure> {
        let sg = &*self.supergraph;
        let query = self.persisted.resolve(
            req.query.take(),
            req.document_id.as_deref(),
            req.extensions.as_ref(),
        )?;
        let Some(query) = query.filter(|q| !q.trim().is_empty()) else {
            return Err(RequestFailure::new(
                400,
                "the request has no query",
                "BAD_REQUEST",
            ));
        };
        let prepared = self
            .prepare(query, req.operation_name.as_deref(), deadline)
            .await?;
        for v in &prepared.measured {
            v.count(false);
        }
        let operation = prepared.operation().ok_or_else(|| {
            RequestFailure::new(400, "unknown operation", "GRAPHQL_VALIDATION_FAILED")
        })?;
        if prepared.operation_type == OperationType::Subscription {
            return Err(crate::subscriptions::needs_streaming());
        }
        if via_get && prepared.operation_type == OperationType::Mutation {
            return Err(RequestFailure::new(
                405,
                "mutations are not allowed over GET",
                "METHOD_NOT_ALLOWED",
            ));
        }
        let raw_vars = req.variables.unwrap_or_default();
        let variables = coerce_variables(sg, operation, raw_vars)?;
        let cost = self.cost_of(&prepared, operation, &variables.1)?;
        let wants_cost = req
            .extensions
            .as_ref()
            .is_some_and(|e| e.get("cost") == Some(&Value::Bool(true)));
        let introspection = if prepared.has_introspection {
            Some(self.introspect(&prepared, operation, &variables.1)?)
        } else {
            None
        };
        // Before planning: selections this identity may not make are removed.
        let filtered = authorization::authorize(sg, &prepared, operation, identity)?;
        let extensions = cost.filter(|_| wants_cost).map(|c| {
            let mut ext = Map::new();
            ext.insert("cost".into(), crate::cost::extension(c, self.cost.max_cost));
            ext
        });
        // Incremental delivery when asked for and possible; otherwise `@defer` is ignored
        // and the whole answer comes at once (also when authorization removed selections
        // or the operation introspects: those are answered by the full plan).
        let deferred = match &prepared.defer {
            Some(d) if incremental && filtered.is_none() && introspection.is_none() => {
                self.defer_plan(d, &variables.0, deadline)?
            }
            _ => None,
        };
        if let Some(plan) = deferred {
            let req = crate::incremental::Deferred {
                engine: self.clone(),
                prepared: prepared.clone(),
                plan,
                variables: variables.0,
                headers: headers.clone(),
                identity: identity.clone(),
                http: pool.clone(),
                deadline,
            };
            return Ok(crate::incremental::run(req, extensions).await);
        }
        let projector = Projector {
            supergraph: sg,
            document: &prepared.document,
            variables: &variables.0,
            introspection: introspection.as_ref(),
            denied: filtered.as_deref().map(|f| &f.denied),
            deferred: None,
        };
        let plan = match &filtered {
            Some(f) => f.plan.as_ref(),
            None => prepared.plan.as_ref(),
        };
        let plan = plan.filter(|_| projector.selects_anything(operation));
        let state = match plan {
            Some(plan) => {
                let ctx = ExecCtx {
                    supergraph: sg,
                    client: &self.client,
                    http: pool,
                    variables: &variables.0,
                    headers,
                    identity,
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
                extensions,
            },
            incremental: None,
        })
    }

    /// This request's deferral plan; `None` (answer at once) when `if:` switched every
    /// deferred fragment off, or when it cannot be planned (logged: `@defer` is a hint).
    fn defer_plan(
        &self,
        deferrable: &crate::planner::defer::Deferrable,
        variables: &Map<String, Value>,
        deadline: Option<Instant>,
    ) -> Result<Option<Arc<crate::planner::defer::DeferPlan>>, RequestFailure> {
        match deferrable.plan(&self.supergraph, variables, deadline) {
            Ok(plan) => Ok(plan),
            Err(e @ crate::planner::PlanError::TimedOut) => Err(e.into()),
            Err(e) => {
                tracing::warn!(error = %e, "@defer not planned; answering at once");
                Ok(None)
            }
        }
    }

    /// The prepared operation: from the cache on the worker, else parsed,
    /// validated and planned on a preparation thread (see [`Offload`]).
    pub(crate) async fn prepare(
        &self,
        query: String,
        operation_name: Option<&str>,
        deadline: Option<Instant>,
    ) -> Result<Arc<Prepared>, RequestFailure> {
        if let Some(hit) = self.cache.cached(&query, operation_name) {
            return Ok(hit);
        }
        if !self.offload.applies(query.len()) {
            let sg = &*self.supergraph;
            return self
                .cache
                .get_or_prepare(sg, &query, operation_name, deadline);
        }
        let (cache, sg) = (self.cache.clone(), self.supergraph.clone());
        let name = operation_name.map(str::to_string);
        self.offload
            .run(move || cache.get_or_prepare(&sg, &query, name.as_deref(), deadline))
            .await
    }

    /// The request's estimated cost (redone with its variables when they
    /// size lists), recorded per operation; refused above `max_cost`.
    pub(crate) fn cost_of(
        &self,
        prepared: &crate::operation::Prepared,
        operation: &apollo_compiler::executable::Operation,
        variables: &JsonMap,
    ) -> Result<Option<f64>, RequestFailure> {
        let Some(estimate) = &prepared.estimate else {
            return Ok(None);
        };
        let cost = if estimate.needs_variables {
            let sg = &*self.supergraph;
            crate::cost::estimate(
                sg.api_schema(),
                &prepared.document,
                operation,
                &sg.costs,
                &self.cost,
                Some(variables),
            )
            .0
        } else {
            estimate.cost
        };
        estimate.histogram.record(cost);
        if self.cost.enforce && cost > self.cost.max_cost as f64 {
            return Err(RequestFailure {
                status: 400,
                errors: vec![crate::cost::too_expensive(cost, self.cost.max_cost)],
            });
        }
        Ok(Some(cost))
    }

    fn introspect(
        &self,
        prepared: &Prepared,
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

pub(crate) type Coerced = (
    Map<String, Value>,
    apollo_compiler::validation::Valid<JsonMap>,
);

/// Coerces variables (types, required values, defaults) per the GraphQL spec.
pub(crate) fn coerce_variables(
    sg: &Supergraph,
    operation: &apollo_compiler::executable::Operation,
    raw: Map<String, Value>,
) -> Result<Coerced, RequestFailure> {
    let bytes_map: JsonMap = serde_json::from_value(Value::Object(raw))
        .map_err(|e| RequestFailure::new(400, e.to_string(), "BAD_USER_INPUT"))?;
    let coerced =
        apollo_compiler::request::coerce_variable_values(sg.api_schema(), operation, &bytes_map)
            .map_err(|e| {
                RequestFailure::new(
                    400,
                    crate::limits::truncate(&e.message().to_string()),
                    "BAD_USER_INPUT",
                )
            })?;
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
