//! One SQL statement per `_entities` request, whatever its size.
//!
//! A `DataLoader` batches what arrives within its delay, so a large `_entities` request can
//! be split into several batches when resolving it takes longer than the delay. Instead, the
//! first entity resolver of a request reads every representation of its type and loads them
//! all at once; the other resolvers of the request wait for that one load. The state lives in
//! request data added by the [`PerRequest`] extension, so nothing is shared between requests.

use super::loaders::LoadError;
use crate::db;
use crate::domain::Payment;
use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextPrepareRequest,
};
use async_graphql::{Any, Context, Request, ServerResult, Value};
use sqlx::PgPool;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};
use subgraph_kit::AppError;
use tokio::sync::OnceCell;
use uuid::Uuid;

/// Entity data of one request, loaded once.
#[derive(Default)]
pub struct EntityBatch {
    order_ids: OnceLock<Vec<Uuid>>,
    payments: OnceCell<Result<HashMap<Uuid, Payment>, LoadError>>,
    order_payments: OnceCell<Result<HashMap<Uuid, Vec<Payment>>, LoadError>>,
}

impl EntityBatch {
    /// The payment `id` among this request's Payment representations, loaded together.
    pub async fn payment(&self, ctx: &Context<'_>, id: Uuid) -> Result<Option<Payment>, LoadError> {
        let all = self
            .payments
            .get_or_init(|| async {
                let pool = ctx
                    .data::<PgPool>()
                    .map_err(|e| Arc::new(AppError::Internal(e.message)))?;
                let ids = representation_ids(ctx, "Payment");
                let rows = db::payments_by_ids(pool, &ids).await.map_err(shared)?;
                Ok(rows.into_iter().map(|p| (p.id, p)).collect())
            })
            .await;
        Ok(all.as_ref().map_err(Arc::clone)?.get(&id).cloned())
    }

    /// Remember this request's Order representations; call from the Order entity resolver.
    pub fn note_orders(&self, ctx: &Context<'_>) {
        self.order_ids
            .get_or_init(|| representation_ids(ctx, "Order"));
    }

    /// Payments of order `id`, loaded together with those of every Order representation.
    pub async fn order_payments(&self, pool: &PgPool, id: Uuid) -> Result<Vec<Payment>, LoadError> {
        let all = self
            .order_payments
            .get_or_init(|| async {
                let ids = self.order_ids.get().cloned().unwrap_or_else(|| vec![id]);
                let rows = db::payments_by_order_ids(pool, &ids)
                    .await
                    .map_err(shared)?;
                let mut by_order: HashMap<Uuid, Vec<Payment>> = HashMap::new();
                for p in rows {
                    by_order.entry(p.order_id).or_default().push(p);
                }
                Ok(by_order)
            })
            .await;
        Ok(all
            .as_ref()
            .map_err(Arc::clone)?
            .get(&id)
            .cloned()
            .unwrap_or_default())
    }
}

fn shared(e: AppError) -> LoadError {
    tracing::error!(error = ?e, "entity batch load failed");
    Arc::new(e)
}

/// The ids of the `_entities` representations of `typename` (malformed ids are skipped: they
/// resolve to null anyway).
fn representation_ids(ctx: &Context<'_>, typename: &str) -> Vec<Uuid> {
    let Ok((_, reps)) = ctx.param_value::<Vec<Any>>("representations", None) else {
        return Vec::new();
    };
    reps.iter()
        .filter_map(|Any(rep)| match rep {
            Value::Object(fields) => {
                let is_type =
                    matches!(fields.get("__typename"), Some(Value::String(t)) if t == typename);
                match fields.get("id") {
                    Some(Value::String(id)) if is_type => Uuid::parse_str(id).ok(),
                    _ => None,
                }
            }
            _ => None,
        })
        .collect()
}

/// Schema extension giving every request a fresh [`EntityBatch`].
pub struct PerRequest;

impl ExtensionFactory for PerRequest {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(PerRequest)
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for PerRequest {
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        next.run(ctx, request.data(EntityBatch::default())).await
    }
}
