//! Batched look-ups. Everything of one kind wanted while a request resolves is fetched by ONE
//! SQL statement: orders by id, products by SKU, and pages of many customers' orders.

use crate::db::orders::{self, PageRequest};
use crate::db::products;
use crate::graphql::types::{Order, Product};
use async_graphql::dataloader::{DataLoader, Loader};
use sqlx::PgPool;
use std::collections::HashMap;
use subgraph_kit::AppError;
use uuid::Uuid;

/// The batch source of every loader in this subgraph.
pub struct Batches {
    pool: PgPool,
}

pub type Loaders = DataLoader<Batches>;

/// Loaders over `pool`, spawning their batches on the current tokio runtime.
pub fn loaders(pool: PgPool) -> Loaders {
    DataLoader::new(Batches { pool }, tokio::spawn)
}

/// Loader errors must be `Clone`; keep the message (the cause is logged where it happens).
#[derive(Debug, Clone)]
pub struct LoadError(String);

impl From<LoadError> for AppError {
    fn from(e: LoadError) -> Self {
        AppError::Internal(e.0)
    }
}

fn failed(what: &'static str) -> impl Fn(AppError) -> LoadError {
    move |e| {
        tracing::error!(error = ?e, "loading {what} failed");
        LoadError(e.to_string())
    }
}

impl Loader<Uuid> for Batches {
    type Value = Order;
    type Error = LoadError;

    async fn load(&self, ids: &[Uuid]) -> Result<HashMap<Uuid, Order>, LoadError> {
        let rows = orders::find_by_ids(&self.pool, ids)
            .await
            .map_err(failed("orders"))?;
        rows.into_iter()
            .map(|r| Ok((r.id, Order::try_from(r).map_err(failed("orders"))?)))
            .collect()
    }
}

/// A product SKU (a newtype, so the loader for it is distinct from other string keys).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Sku(pub String);

impl Loader<Sku> for Batches {
    type Value = Product;
    type Error = LoadError;

    async fn load(&self, skus: &[Sku]) -> Result<HashMap<Sku, Product>, LoadError> {
        let wanted: Vec<String> = skus.iter().map(|s| s.0.clone()).collect();
        let rows = products::find_by_skus(&self.pool, &wanted)
            .await
            .map_err(failed("products"))?;
        Ok(rows
            .into_iter()
            .map(|r| (Sku(r.sku.clone()), Product::from(r)))
            .collect())
    }
}

impl Loader<PageRequest> for Batches {
    /// The page's orders, newest first (up to `limit`; empty when there are none).
    type Value = Vec<Order>;
    type Error = LoadError;

    async fn load(
        &self,
        requests: &[PageRequest],
    ) -> Result<HashMap<PageRequest, Vec<Order>>, LoadError> {
        pages(&self.pool, requests)
            .await
            .map_err(failed("customer orders"))
    }
}

/// The pages `requests` ask for, read by one statement (empty pages included).
pub async fn pages(
    pool: &PgPool,
    requests: &[PageRequest],
) -> Result<HashMap<PageRequest, Vec<Order>>, AppError> {
    let rows = orders::customer_pages(pool, requests).await?;
    let mut pages: HashMap<PageRequest, Vec<Order>> =
        requests.iter().map(|r| (*r, Vec::new())).collect();
    for row in rows {
        let request = usize::try_from(row.key_index - 1)
            .ok()
            .and_then(|i| requests.get(i))
            .ok_or_else(|| AppError::Internal("page index out of range".into()))?;
        pages
            .entry(*request)
            .or_default()
            .push(Order::try_from(row.order)?);
    }
    Ok(pages)
}
