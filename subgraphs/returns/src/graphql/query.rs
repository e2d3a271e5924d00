use super::batch::{entity_batch, load_failed};
use super::loaders::ReturnById;
use super::parse_id;
use super::types::{Order, Payment, ReturnNode};
use crate::db;
use crate::domain::access;
use async_graphql::dataloader::DataLoader;
use async_graphql::{Context, Object, Result, ID};
use sqlx::PgPool;
use subgraph_kit::auth::identity;
use uuid::Uuid;

pub struct Query;

#[Object]
impl Query {
    /// A return by id, or null when there is none: one's own, or any with `returns:manage`.
    #[graphql(
        name = "return",
        directive = subgraph_kit::sdl::authenticated::apply()
    )]
    async fn return_(&self, ctx: &Context<'_>, id: ID) -> Result<Option<ReturnNode>> {
        let who = identity(ctx);
        who.require_authenticated()?;
        let id = parse_id(&id, "return id")?;
        let loader = ctx.data::<DataLoader<ReturnById>>()?;
        let found = loader.load_one(id).await.map_err(load_failed)?;
        if let Some(found) = &found {
            access::read(who, found.customer_id)?;
        }
        Ok(found.map(ReturnNode))
    }

    /// Federation: Return representations; unknown or malformed ids give null.
    #[graphql(entity)]
    async fn find_return_by_id(&self, ctx: &Context<'_>, id: ID) -> Result<Option<ReturnNode>> {
        identity(ctx).require_authenticated()?;
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
        if let Some(found) = &found {
            access::read(identity(ctx), found.customer_id)?;
        }
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
