//! Parsing, validation and planning of client operations, cached per
//! (document, operation name) so repeated requests skip all three.

use std::hash::{Hash, Hasher};
use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use apollo_compiler::executable::{ExecutableDocument, OperationType};
use apollo_compiler::parser::Parser;
use apollo_compiler::validation::{DiagnosticList, Valid};

use crate::cost::CostConfig;
use crate::limits::{LimitsConfig, Violation};
use crate::planner::{self, PlanNode};
use crate::response::GraphQLError;
use crate::supergraph::Supergraph;

/// Response buffers are never pre-sized beyond this (a huge answer once
/// should not make every later request reserve as much).
const MAX_SIZE_HINT: usize = 1 << 20;

/// A validated, planned operation.
pub struct Prepared {
    query: String,
    operation_name: Option<String>,
    pub document: Valid<ExecutableDocument>,
    pub operation_type: OperationType,
    /// `None` when no subgraph needs to be called.
    pub plan: Option<PlanNode>,
    pub has_introspection: bool,
    /// Its selections that carry authorization requirements.
    pub authz: crate::authorization::OperationAuth,
    /// Size of the last response to this operation.
    last_response_size: AtomicUsize,
    /// Limits exceeded in measure mode, counted on every run.
    pub measured: Vec<Violation>,
    /// Demand control's estimate (`None` when costing is off).
    pub estimate: Option<crate::cost::Estimate>,
    /// Its `@defer` fragments, planned when a client accepts incremental delivery.
    pub defer: Option<crate::planner::defer::Deferrable>,
}

impl Prepared {
    /// A capacity for the next response's buffer.
    pub fn response_size_hint(&self) -> usize {
        let last = self.last_response_size.load(Ordering::Relaxed);
        (last + last / 8).min(MAX_SIZE_HINT)
    }

    pub fn record_response_size(&self, size: usize) {
        self.last_response_size.store(size, Ordering::Relaxed);
    }

    /// The operation this request runs.
    pub fn operation(&self) -> Option<&apollo_compiler::executable::Operation> {
        self.document
            .operations
            .get(self.operation_name.as_deref())
            .ok()
            .map(|n| n.as_ref())
    }
}

/// Why an operation cannot run at all (HTTP 4xx/5xx, no `data`).
#[derive(Debug)]
pub struct RequestFailure {
    pub status: u16,
    pub errors: Vec<GraphQLError>,
}

impl RequestFailure {
    pub fn new(status: u16, message: impl Into<String>, code: &str) -> Self {
        Self {
            status,
            errors: vec![GraphQLError::coded(message, code)],
        }
    }
}

/// What requests are checked against before they run: operation limits,
/// demand control, persisted documents (one engine's worth).
pub struct Checks {
    pub limits: LimitsConfig,
    pub cost: CostConfig,
    pub persisted: crate::persisted::Persisted,
}

impl Checks {
    pub fn from_config(config: &crate::config::Config) -> Result<Self, crate::Error> {
        Ok(Self {
            limits: config.limits.clone(),
            cost: config.cost.clone(),
            persisted: crate::persisted::Persisted::new(config.persisted_documents.clone())?,
        })
    }
}

/// Bounded LRU of prepared operations, and the limits they were checked
/// against (on a miss only: a hit was checked when it was prepared).
pub struct OperationCache {
    entries: Mutex<lru::LruCache<u64, Arc<Prepared>>>,
    limits: LimitsConfig,
    cost: CostConfig,
}

impl OperationCache {
    pub fn new(capacity: usize, limits: LimitsConfig, cost: CostConfig) -> Self {
        let cap = NonZeroUsize::new(capacity.max(1)).unwrap_or(NonZeroUsize::MIN);
        Self {
            entries: Mutex::new(lru::LruCache::new(cap)),
            limits,
            cost,
        }
    }

    /// The cached preparation, if any.
    pub fn cached(&self, query: &str, operation_name: Option<&str>) -> Option<Arc<Prepared>> {
        let key = cache_key(query, operation_name);
        let hit = self
            .lock()
            .get(&key)
            .filter(|hit| hit.query == query && hit.operation_name.as_deref() == operation_name)
            .cloned();
        if hit.is_some() {
            metrics::counter!("gateway_plan_cache_hits_total").increment(1);
        }
        hit
    }

    /// Returns the cached preparation or prepares and caches it; planning
    /// gives up at `deadline`.
    pub fn get_or_prepare(
        &self,
        sg: &Supergraph,
        query: &str,
        operation_name: Option<&str>,
        deadline: Option<Instant>,
    ) -> Result<Arc<Prepared>, RequestFailure> {
        if let Some(hit) = self.cached(query, operation_name) {
            return Ok(hit);
        }
        metrics::counter!("gateway_plan_cache_misses_total").increment(1);
        let prepared = Arc::new(prepare(
            sg,
            query,
            operation_name,
            &self.limits,
            &self.cost,
            deadline,
        )?);
        self.lock()
            .put(cache_key(query, operation_name), prepared.clone());
        Ok(prepared)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, lru::LruCache<u64, Arc<Prepared>>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn cache_key(query: &str, operation_name: Option<&str>) -> u64 {
    let mut h = ahash::AHasher::default();
    query.hash(&mut h);
    operation_name.hash(&mut h);
    h.finish()
}

/// Distinct diagnostics as coded errors (a parser can report the same error
/// once per unclosed bracket), capped by `limits.max_errors`.
fn diagnostics(list: &DiagnosticList, code: &str, limits: &LimitsConfig) -> Vec<GraphQLError> {
    let mut seen = std::collections::HashSet::new();
    let errors = list
        .iter()
        .map(|d| d.to_json())
        .filter(|json| seen.insert((json.message.clone(), format!("{:?}", json.locations))))
        .map(|json| {
            let mut err = GraphQLError::coded(crate::limits::truncate(&json.message), code);
            if !json.locations.is_empty() {
                err.locations = serde_json::to_value(&json.locations).ok();
            }
            err
        })
        .collect();
    limits.cap_errors(errors)
}

/// Parses `query` within the token limit (not imposed in measure mode, where
/// the count is only compared), then checks the other limits on the AST.
fn parse(
    query: &str,
    limits: &LimitsConfig,
) -> Result<(apollo_compiler::ast::Document, Vec<Violation>), RequestFailure> {
    let _span = tracing::info_span!("parse").entered();
    let mut parser = Parser::new();
    if limits.enforce && limits.max_tokens > 0 {
        parser = parser.token_limit(limits.max_tokens as usize);
    }
    let parsed = parser.parse_ast(query, "operation.graphql");
    let tokens = parser.tokens_reached();
    let ast = match parsed {
        Ok(ast) => ast,
        Err(_)
            if limits.enforce && tokens > limits.max_tokens as usize && limits.max_tokens > 0 =>
        {
            let v = Violation {
                limit: "tokens",
                code: "MAX_TOKENS_EXCEEDED",
                actual: u64::MAX,
                max: u64::from(limits.max_tokens),
            };
            v.count(true);
            return Err(RequestFailure {
                status: 400,
                errors: vec![v.error()],
            });
        }
        Err(e) => {
            // The parser recovers and reports what follows from the first
            // mistake too (`{` → "expected a Selection" and "expected R_CURLY");
            // like graphql-js, answer the first syntax error only.
            let mut errors = diagnostics(&e.errors, "GRAPHQL_PARSE_FAILED", limits);
            errors.truncate(1);
            return Err(RequestFailure {
                status: 400,
                errors,
            });
        }
    };
    let (mut refused, measured): (Vec<_>, Vec<_>) = limits
        .check(&ast, query, tokens)
        .into_iter()
        .partition(|v| limits.enforce || v.always_enforced());
    // One error per fact: the configured limit hides the built-in one.
    for (shown, hidden) in [("fields", "fields_hard"), ("depth", "nesting")] {
        if refused.iter().any(|v| v.limit == shown) {
            refused.retain(|v| v.limit != hidden);
        }
    }
    if !refused.is_empty() {
        refused.iter().for_each(|v| v.count(true));
        return Err(RequestFailure {
            status: 400,
            errors: refused.iter().map(Violation::error).collect(),
        });
    }
    for v in &measured {
        tracing::warn!(
            limit = v.limit,
            actual = v.actual,
            max = v.max,
            "operation over a limit runs (limits.enforce = false)"
        );
    }
    Ok((ast, measured))
}

fn prepare(
    sg: &Supergraph,
    query: &str,
    operation_name: Option<&str>,
    limits: &LimitsConfig,
    cost: &CostConfig,
    deadline: Option<Instant>,
) -> Result<Prepared, RequestFailure> {
    let schema = sg.api_schema();
    let (ast, measured) = parse(query, limits)?;
    let document = {
        let _span = tracing::info_span!("validate").entered();
        ast.to_executable_validate(schema)
            .map_err(|e| RequestFailure {
                status: 400,
                errors: diagnostics(&e.errors, "GRAPHQL_VALIDATION_FAILED", limits),
            })?
    };
    let operation = document.operations.get(operation_name).map_err(|e| {
        RequestFailure::new(
            400,
            crate::limits::truncate(&e.message().to_string()),
            "GRAPHQL_VALIDATION_FAILED",
        )
    })?;
    let operation_type = operation.operation_type;
    let has_introspection = operation
        .root_fields(&document)
        .any(|f| f.name == "__schema" || f.name == "__type");
    if has_introspection {
        // Nested `fields { type { fields … } } }` multiply the answer; refused
        // before planning like any other shape the gateway will not serve.
        apollo_compiler::introspection::check_max_depth(&document, operation).map_err(|e| {
            RequestFailure::new(
                400,
                e.message().to_string(),
                "MAX_INTROSPECTION_DEPTH_EXCEEDED",
            )
        })?;
    }
    let resolved_name = operation.name.as_ref().map(|n| n.to_string());
    let estimate = if cost.enabled {
        let _span = tracing::info_span!("cost").entered();
        let (value, needs_variables) =
            crate::cost::estimate(schema, &document, operation, &sg.costs, cost, None);
        if !needs_variables && cost.enforce && value > cost.max_cost as f64 {
            return Err(RequestFailure {
                status: 400,
                errors: vec![crate::cost::too_expensive(value, cost.max_cost)],
            });
        }
        Some(crate::cost::Estimate {
            cost: value,
            needs_variables,
            histogram: crate::cost::histogram(resolved_name.as_deref()),
        })
    } else {
        None
    };
    let plan = planner::plan(&sg.planner, query, resolved_name.as_deref(), deadline)?;
    let authz = crate::authorization::OperationAuth::analyze(&sg.authz, &document, operation);
    let defer = query
        .contains("@defer")
        .then(|| crate::planner::defer::Deferrable::new(&document, operation))
        .flatten();
    Ok(Prepared {
        query: query.to_string(),
        operation_name: operation_name.map(str::to_string),
        document,
        operation_type,
        plan,
        has_introspection,
        authz,
        last_response_size: AtomicUsize::new(1024),
        measured,
        estimate,
        defer,
    })
}
