use super::batch::{entity_batch, load_failed};
use super::loaders::ReturnById;
use super::parse_id;
use super::types::{Order, Payment, ReturnNode};
use crate::db;
use async_graphql::dataloader::DataLoader;
use async_graphql::{Context, Object, Result, ID};
use sqlx::PgPool;
use uuid::Uuid;

pub struct Query;

#[Object]
impl Query {
    /// A return by id, or null when there is none.
    #[graphql(name = "return")]
    async fn return_(&self, ctx: &Context<'_>, id: ID) -> Result<Option<ReturnNode>> {
        let id = parse_id(&id, "return id")?;
        let loader = ctx.data::<DataLoader<ReturnById>>()?;
        Ok(loader
            .load_one(id)
            .await
            .map_err(load_failed)?
            .map(ReturnNode))
    }

    /// Federation: Return representations; unknown or malformed ids give null.
    #[graphql(entity)]
    async fn find_return_by_id(&self, ctx: &Context<'_>, id: ID) -> Result<Option<ReturnNode>> {
        let Ok(id) = Uuid::parse_str(&id) else {
            return Ok(None);
        };
        let Some(batch) = entity_batch(ctx) else {
            return self.return_(ctx, ID(id.to_string())).await;
        };
        batch
            .returns
            .note(ctx, "Return", "id", |s| Uuid::parse_str(s).ok());
        let pool = ctx.data::<PgPool>()?;
        let found = batch
            .returns
            .get(&id, |ids| async move {
                let rows = db::returns_by_ids(pool, &ids).await?;
                Ok(rows.into_iter().map(|r| (r.id, r)).collect())
            })
            .await
            .map_err(load_failed)?;
        Ok(found.map(ReturnNode))
    }

    /// Federation: Order representations; malformed ids give null.
    #[graphql(entity)]
    async fn find_order_by_id(&self, ctx: &Context<'_>, id: ID) -> Option<Order> {
        let id = Uuid::parse_str(&id).ok()?;
        let batch = entity_batch(ctx);
        if let Some(batch) = &batch {
            batch
                .order_returns
                .note(ctx, "Order", "id", |s| Uuid::parse_str(s).ok());
        }
        Some(Order { id, batch })
    }

    /// Federation: Payment representations; malformed ids give null.
    #[graphql(entity)]
    async fn find_payment_by_id(&self, ctx: &Context<'_>, id: ID) -> Option<Payment> {
        let id = Uuid::parse_str(&id).ok()?;
        let batch = entity_batch(ctx);
        if let Some(batch) = &batch {
            batch
                .payment_returns
                .note(ctx, "Payment", "id", |s| Uuid::parse_str(s).ok());
        }
        Some(Payment { id, batch })
    }
}
