//! The entity batches of this subgraph's `_entities` requests (see
//! [`subgraph_kit::entity_batch`]): the order pages of every `Customer` of a request are
//! read by one SQL statement, whatever its size.

use crate::db::orders::PageRequest;
use crate::db::Position;
use crate::graphql::loaders;
use crate::graphql::types::Order;
use async_graphql::Context;
use sqlx::PgPool;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use subgraph_kit::entity_batch::{representation_keys, Batch, LoadError};
use subgraph_kit::{AppError, AppResult};
use uuid::Uuid;

/// A page window: where it starts and how many orders it reads.
type Window = (Option<Position>, i64);

/// The pages of one window, by customer, loaded once.
type WindowPages = Arc<Batch<Uuid, Vec<Order>>>;

/// The entity data of one `_entities` field.
#[derive(Default)]
pub struct EntityBatch {
    /// The customers this `_entities` field resolves.
    customers: OnceLock<Vec<Uuid>>,
    /// Their order pages, per window (a request may ask for several, under aliases).
    pages: Mutex<HashMap<Window, WindowPages>>,
}

impl EntityBatch {
    /// Record the customers of the request (call from the `Customer` entity resolver).
    pub fn note_customers(&self, ctx: &Context<'_>) {
        self.customers.get_or_init(|| {
            representation_keys(ctx, "Customer", "id", |s| Uuid::parse_str(s).ok())
        });
    }

    /// The page of `customer` in `window`, loading that window's pages of every customer of
    /// the request at once.
    pub async fn page(
        &self,
        pool: &PgPool,
        customer: Uuid,
        window: Window,
    ) -> Result<Vec<Order>, AppError> {
        let batch = {
            let mut pages = self.pages.lock().unwrap_or_else(PoisonError::into_inner);
            pages.entry(window).or_default().clone()
        };
        batch.note_keys(|| self.customers.get().cloned().unwrap_or_default());
        let (after, limit) = window;
        let page = batch
            .get(&customer, |customers| async move {
                let requests: Vec<PageRequest> = customers
                    .iter()
                    .map(|&customer_id| PageRequest {
                        customer_id,
                        after,
                        limit,
                    })
                    .collect();
                let pages: AppResult<HashMap<Uuid, Vec<Order>>> =
                    loaders::pages(pool, &requests).await.map(|pages| {
                        pages
                            .into_iter()
                            .map(|(request, orders)| (request.customer_id, orders))
                            .collect()
                    });
                pages
            })
            .await
            .map_err(load_failed)?;
        Ok(page.unwrap_or_default())
    }
}

/// The batch of the `_entities` field `ctx` resolves (call from an entity resolver).
pub fn entity_batch(ctx: &Context<'_>) -> Option<Arc<EntityBatch>> {
    subgraph_kit::entity_batch::entity_batch::<EntityBatch>(ctx)
}

/// Schema extension giving every request fresh entity batches.
pub type PerRequest = subgraph_kit::entity_batch::PerRequest<EntityBatch>;

fn load_failed(_: LoadError) -> AppError {
    AppError::Internal("could not load customer orders".into())
}
