//! Batched customer look-ups for `customer(id)` queries: the customers wanted at about the same
//! time are fetched by one SQL statement. (`_entities` uses the request's entity batch instead,
//! which is one statement per request however long its resolvers take to run.)

use crate::db;
use crate::graphql::types::Customer;
use async_graphql::dataloader::{DataLoader, Loader};
use sqlx::PgPool;
use std::collections::HashMap;
use subgraph_kit::{AppError, AppResult};
use uuid::Uuid;

pub struct CustomerLoader {
    pool: PgPool,
}

/// A data loader over `pool`, spawning its batches on the current tokio runtime.
pub fn customer_loader(pool: PgPool) -> DataLoader<CustomerLoader> {
    DataLoader::new(CustomerLoader { pool }, tokio::spawn)
}

/// Loader errors must be `Clone`; keep only the message (the cause is logged here).
#[derive(Debug, Clone)]
pub struct LoadError(String);

impl From<LoadError> for AppError {
    fn from(e: LoadError) -> Self {
        AppError::Internal(e.0)
    }
}

impl Loader<Uuid> for CustomerLoader {
    type Value = Customer;
    type Error = LoadError;

    async fn load(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, Customer>, LoadError> {
        let rows = db::find_by_ids(&self.pool, ids).await.map_err(|e| {
            tracing::error!(error = ?e, "loading customers failed");
            LoadError(e.to_string())
        })?;
        Ok(rows.into_iter().map(|r| (r.id, r.into())).collect())
    }
}

/// Load one customer through the request's batch.
pub async fn load(loader: &DataLoader<CustomerLoader>, id: Uuid) -> AppResult<Option<Customer>> {
    Ok(loader.load_one(id).await?)
}
