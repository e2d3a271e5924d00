//! Batch loaders for lookups outside `_entities` (queries and nested stubs).

use super::batch::LoadError;
use crate::db;
use crate::domain::Shipment;
use async_graphql::dataloader::Loader;
use sqlx::PgPool;
use std::collections::HashMap;
use std::sync::Arc;
use uuid::Uuid;

pub struct ShipmentById(pub PgPool);

impl Loader<Uuid> for ShipmentById {
    type Value = Shipment;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Shipment>, LoadError> {
        let rows = db::shipments_by_ids(&self.0, keys)
            .await
            .map_err(Arc::new)?;
        Ok(rows.into_iter().map(|s| (s.id, s)).collect())
    }
}

pub struct ShipmentsByOrder(pub PgPool);

impl Loader<Uuid> for ShipmentsByOrder {
    type Value = Vec<Shipment>;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Vec<Shipment>>, LoadError> {
        let rows = db::shipments_by_order_ids(&self.0, keys)
            .await
            .map_err(Arc::new)?;
        Ok(group_by_order(rows))
    }
}

pub struct StockBySku(pub PgPool);

impl Loader<String> for StockBySku {
    type Value = i32;
    type Error = LoadError;

    async fn load(&self, keys: &[String]) -> Result<HashMap<String, i32>, LoadError> {
        db::stock_by_skus(&self.0, keys).await.map_err(Arc::new)
    }
}

pub fn group_by_order(rows: Vec<Shipment>) -> HashMap<Uuid, Vec<Shipment>> {
    let mut by_order: HashMap<Uuid, Vec<Shipment>> = HashMap::new();
    for s in rows {
        by_order.entry(s.order_id).or_default().push(s);
    }
    by_order
}
