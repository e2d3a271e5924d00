//! Batch loaders for lookups outside `_entities` (queries and nested stubs).

use super::batch::LoadError;
use crate::db;
use crate::domain::Return;
use async_graphql::dataloader::Loader;
use sqlx::PgPool;
use std::collections::HashMap;
use std::sync::Arc;
use uuid::Uuid;

pub struct ReturnById(pub PgPool);

impl Loader<Uuid> for ReturnById {
    type Value = Return;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Return>, LoadError> {
        let rows = db::returns_by_ids(&self.0, keys).await.map_err(Arc::new)?;
        Ok(rows.into_iter().map(|r| (r.id, r)).collect())
    }
}

pub struct ReturnsByOrder(pub PgPool);

impl Loader<Uuid> for ReturnsByOrder {
    type Value = Vec<Return>;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Vec<Return>>, LoadError> {
        let rows = db::returns_by_order_ids(&self.0, keys)
            .await
            .map_err(Arc::new)?;
        Ok(group(rows, |r| Some(r.order_id)))
    }
}

pub struct ReturnsByPayment(pub PgPool);

impl Loader<Uuid> for ReturnsByPayment {
    type Value = Vec<Return>;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Vec<Return>>, LoadError> {
        let rows = db::returns_by_payment_ids(&self.0, keys)
            .await
            .map_err(Arc::new)?;
        Ok(group(rows, |r| r.payment_id))
    }
}

/// Group returns by `key`, keeping their order.
pub fn group(
    rows: Vec<Return>,
    key: impl Fn(&Return) -> Option<Uuid>,
) -> HashMap<Uuid, Vec<Return>> {
    let mut grouped: HashMap<Uuid, Vec<Return>> = HashMap::new();
    for r in rows {
        if let Some(k) = key(&r) {
            grouped.entry(k).or_default().push(r);
        }
    }
    grouped
}
