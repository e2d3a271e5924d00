//! Query planning: wraps `hive-router-query-planner` and converts its plans
//! into ours. No I/O here.

mod convert;
pub mod defer;
pub mod plan;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Instant;

use hive_router_query_planner::ast::normalization::normalize_operation;
use hive_router_query_planner::ast::operation::OperationDefinition;
use hive_router_query_planner::ast::selection_item::SelectionItem;
use hive_router_query_planner::graph::PlannerOverrideContext;
use hive_router_query_planner::planner::Planner;
use hive_router_query_planner::state::supergraph_state::OperationKind;
use hive_router_query_planner::utils::cancellation::CancellationToken;
use hive_router_query_planner::utils::parsing::safe_parse_operation;

pub use plan::PlanNode;

/// Why an operation could not be planned.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("query planning failed: {0}")]
    Failed(String),
    #[error("query planning failed unexpectedly (internal planner panic)")]
    Panicked,
    #[error("the request's deadline passed while its operation was being planned")]
    TimedOut,
}

impl From<PlanError> for crate::operation::RequestFailure {
    fn from(e: PlanError) -> Self {
        match e {
            PlanError::TimedOut => Self::new(504, e.to_string(), "GATEWAY_TIMEOUT"),
            _ => Self::new(
                500,
                crate::limits::truncate(&e.to_string()),
                "QUERY_PLANNING_FAILED",
            ),
        }
    }
}

/// Plans an already validated operation, giving up at `deadline` (the
/// planner checks its token as it goes). `None` means nothing needs fetching
/// (every field skipped, or only introspection / root `__typename`).
pub fn plan(
    planner: &Planner,
    query: &str,
    operation_name: Option<&str>,
    deadline: Option<Instant>,
) -> Result<Option<PlanNode>, PlanError> {
    let _span = tracing::info_span!("plan").entered();
    let cancel = match deadline {
        Some(at) => CancellationToken::with_timeout(at.saturating_duration_since(Instant::now())),
        None => CancellationToken::new(),
    };
    catch_unwind(AssertUnwindSafe(|| {
        plan_inner(planner, query, operation_name, &cancel)
    }))
    .map_err(|_| PlanError::Panicked)?
}

fn plan_inner(
    planner: &Planner,
    query: &str,
    operation_name: Option<&str>,
    cancel: &CancellationToken,
) -> Result<Option<PlanNode>, PlanError> {
    let doc = safe_parse_operation(query).map_err(|e| PlanError::Failed(e.to_string()))?;
    let normalized = normalize_operation(&planner.supergraph, &doc, operation_name)
        .map_err(|e| PlanError::Failed(e.to_string()))?;
    let mut op = normalized.operation;
    // Introspection is answered by the gateway, never by subgraphs.
    op.selection_set.items.retain(|item| match item {
        SelectionItem::Field(f) => !f.name.starts_with("__"),
        _ => true,
    });
    if op.selection_set.items.is_empty() {
        return Ok(None);
    }
    let is_mutation = matches!(op.operation_kind, Some(OperationKind::Mutation));
    if is_mutation && op.selection_set.items.len() > 1 {
        // The upstream planner may overlap a mutation field with the previous
        // field's entity fetches; planning them one by one keeps them in order.
        let items = std::mem::take(&mut op.selection_set.items);
        let mut nodes = Vec::with_capacity(items.len());
        for item in items {
            let mut single = op.clone();
            single.selection_set.items = vec![item];
            if let Some(n) = plan_one(planner, &single, cancel)? {
                nodes.push(n);
            }
        }
        return Ok(Some(PlanNode::Sequence { nodes }));
    }
    let is_subscription = matches!(op.operation_kind, Some(OperationKind::Subscription));
    let plan = plan_one(planner, &op, cancel)?;
    if is_subscription {
        return plan
            .map(convert::subscription)
            .transpose()
            .map_err(PlanError::Failed);
    }
    Ok(plan)
}

fn plan_one(
    planner: &Planner,
    op: &OperationDefinition,
    cancel: &CancellationToken,
) -> Result<Option<PlanNode>, PlanError> {
    let upstream = planner
        .plan_from_normalized_operation(op, PlannerOverrideContext::default(), cancel)
        .map_err(|e| match cancel.bail_if_cancelled() {
            Err(_) => PlanError::TimedOut,
            Ok(()) => PlanError::Failed(e.to_string()),
        })?;
    upstream
        .node
        .as_ref()
        .map(convert::node)
        .transpose()
        .map_err(PlanError::Failed)
}
