//! The entity batches of this subgraph's `_entities` requests (see
//! [`subgraph_kit::entity_batch`]): one SQL statement per request, whatever its size (and,
//! for `amountDue` of orders not paid in full, one batched lookup of which were cancelled).

use crate::domain::Payment;
use async_graphql::Context;
use std::sync::Arc;
pub use subgraph_kit::entity_batch::{Batch, LoadError};
use subgraph_kit::AppError;
use uuid::Uuid;

/// The entity data of one `_entities` field.
#[derive(Default)]
pub struct EntityBatch {
    pub payments: Batch<Uuid, Payment>,
    pub order_payments: Batch<Uuid, Vec<Payment>>,
}

/// The batch of the `_entities` field `ctx` resolves (call from an entity resolver).
pub fn entity_batch(ctx: &Context<'_>) -> Option<Arc<EntityBatch>> {
    subgraph_kit::entity_batch::entity_batch::<EntityBatch>(ctx)
}

/// Schema extension giving every request fresh entity batches.
pub type PerRequest = subgraph_kit::entity_batch::PerRequest<EntityBatch>;

/// Turn a shared load failure into a resolver error (code INTERNAL_SERVER_ERROR).
pub fn load_failed(_: LoadError) -> AppError {
    AppError::Internal("could not load payments".into())
}
