//! Batch loaders: each turns every lookup of one request tick into a single SQL statement.

use crate::db;
use crate::domain::Payment;
use async_graphql::dataloader::Loader;
use sqlx::PgPool;
use std::collections::HashMap;
use std::sync::Arc;
use subgraph_kit::AppError;
use uuid::Uuid;

/// Loader errors are shared between every waiting field, hence the `Arc`.
pub type LoadError = Arc<AppError>;

/// Log a loader failure once, with its detail, before it is shared.
fn shared(e: AppError) -> LoadError {
    tracing::error!(error = ?e, "batch load failed");
    Arc::new(e)
}

/// Turn a shared loader failure into a resolver error (code INTERNAL_SERVER_ERROR).
pub fn load_failed(_: LoadError) -> AppError {
    AppError::Internal("could not load payments".into())
}

/// Payments by id.
pub struct PaymentById(pub PgPool);

impl Loader<Uuid> for PaymentById {
    type Value = Payment;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Payment>, LoadError> {
        let payments = db::payments_by_ids(&self.0, keys).await.map_err(shared)?;
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
            .map_err(shared)?;
        let mut by_order: HashMap<Uuid, Vec<Payment>> = HashMap::new();
        for p in payments {
            by_order.entry(p.order_id).or_default().push(p);
        }
        Ok(by_order)
    }
}
