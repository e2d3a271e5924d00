//! Batch loaders for lookups outside `_entities` (queries and nested stubs).

use super::batch::LoadError;
use crate::db;
use crate::domain::Payment;
use async_graphql::dataloader::Loader;
use sqlx::PgPool;
use std::collections::HashMap;
use std::sync::Arc;
use uuid::Uuid;

/// Payments by id.
pub struct PaymentById(pub PgPool);

impl Loader<Uuid> for PaymentById {
    type Value = Payment;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Payment>, LoadError> {
        let payments = db::payments_by_ids(&self.0, keys).await.map_err(Arc::new)?;
        Ok(payments.into_iter().map(|p| (p.id, p)).collect())
    }
}

/// All payments of each order, by order id.
pub struct PaymentsByOrder(pub PgPool);

impl Loader<Uuid> for PaymentsByOrder {
    type Value = Vec<Payment>;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Vec<Payment>>, LoadError> {
        let payments = db::payments_by_order_ids(&self.0, keys)
            .await
            .map_err(Arc::new)?;
        Ok(group_by_order(payments))
    }
}

/// The orders payments knows to be CANCELLED (a key with no value: not cancelled, or not
/// known yet).
pub struct CancelledOrders(pub PgPool);

impl Loader<Uuid> for CancelledOrders {
    type Value = ();
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, ()>, LoadError> {
        let cancelled = crate::db::facts::cancelled_among(&self.0, keys)
            .await
            .map_err(Arc::new)?;
        Ok(cancelled.into_iter().map(|id| (id, ())).collect())
    }
}

/// Group payments by their order, keeping their order.
pub fn group_by_order(payments: Vec<Payment>) -> HashMap<Uuid, Vec<Payment>> {
    let mut by_order: HashMap<Uuid, Vec<Payment>> = HashMap::new();
    for p in payments {
        by_order.entry(p.order_id).or_default().push(p);
    }
    by_order
}
