//! Parsing, validation and planning of client operations, cached per
//! (document, operation name) so repeated requests skip all three.

use std::hash::{Hash, Hasher};
use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use apollo_compiler::executable::{ExecutableDocument, OperationType};
use apollo_compiler::parser::Parser;
use apollo_compiler::validation::{DiagnosticList, Valid};

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
    /// Size of the last response to this operation.
    last_response_size: AtomicUsize,
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

/// Bounded LRU of prepared operations.
pub struct OperationCache {
    entries: Mutex<lru::LruCache<u64, Arc<Prepared>>>,
}

impl OperationCache {
    pub fn new(capacity: usize) -> Self {
        let cap = NonZeroUsize::new(capacity.max(1)).unwrap_or(NonZeroUsize::MIN);
        Self {
            entries: Mutex::new(lru::LruCache::new(cap)),
        }
    }

    /// Returns the cached preparation or prepares and caches it.
    pub fn get_or_prepare(
        &self,
        sg: &Supergraph,
        query: &str,
        operation_name: Option<&str>,
    ) -> Result<Arc<Prepared>, RequestFailure> {
        let key = cache_key(query, operation_name);
        if let Some(hit) = self.lock().get(&key) {
            if hit.query == query && hit.operation_name.as_deref() == operation_name {
                metrics::counter!("gateway_plan_cache_hits_total").increment(1);
                return Ok(hit.clone());
            }
        }
        metrics::counter!("gateway_plan_cache_misses_total").increment(1);
        let prepared = Arc::new(prepare(sg, query, operation_name)?);
        self.lock().put(key, prepared.clone());
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

fn diagnostics(list: &DiagnosticList, code: &str) -> Vec<GraphQLError> {
    list.iter()
        .map(|d| {
            let json = d.to_json();
            let mut err = GraphQLError::coded(json.message, code);
            if !json.locations.is_empty() {
                err.locations = serde_json::to_value(&json.locations).ok();
            }
            err
        })
        .collect()
}

fn prepare(
    sg: &Supergraph,
    query: &str,
    operation_name: Option<&str>,
) -> Result<Prepared, RequestFailure> {
    let schema = sg.api_schema();
    let ast = {
        let _span = tracing::info_span!("parse").entered();
        Parser::new()
            .parse_ast(query, "operation.graphql")
            .map_err(|e| RequestFailure {
                status: 400,
                errors: diagnostics(&e.errors, "GRAPHQL_PARSE_FAILED"),
            })?
    };
    let document = {
        let _span = tracing::info_span!("validate").entered();
        ast.to_executable_validate(schema)
            .map_err(|e| RequestFailure {
                status: 400,
                errors: diagnostics(&e.errors, "GRAPHQL_VALIDATION_FAILED"),
            })?
    };
    let operation = document.operations.get(operation_name).map_err(|e| {
        RequestFailure::new(400, e.message().to_string(), "GRAPHQL_VALIDATION_FAILED")
    })?;
    let operation_type = operation.operation_type;
    if operation_type == OperationType::Subscription {
        return Err(RequestFailure::new(
            400,
            "subscriptions are not supported",
            "GRAPHQL_VALIDATION_FAILED",
        ));
    }
    let has_introspection = operation
        .root_fields(&document)
        .any(|f| f.name == "__schema" || f.name == "__type");
    let resolved_name = operation.name.as_ref().map(|n| n.to_string());
    let plan = planner::plan(&sg.planner, query, resolved_name.as_deref())
        .map_err(|e| RequestFailure::new(500, e.to_string(), "QUERY_PLANNING_FAILED"))?;
    Ok(Prepared {
        query: query.to_string(),
        operation_name: operation_name.map(str::to_string),
        document,
        operation_type,
        plan,
        has_introspection,
        last_response_size: AtomicUsize::new(1024),
    })
}
