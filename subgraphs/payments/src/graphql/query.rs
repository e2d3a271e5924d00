use super::batch::{entity_batch, load_failed};
use super::loaders::PaymentById;
use super::parse_id;
use super::types::{MoneyInput, Order, PaymentNode};
use crate::db;
use crate::domain::access;
use async_graphql::dataloader::DataLoader;
use async_graphql::{Context, Object, Result, ID};
use sqlx::PgPool;
use subgraph_kit::auth::identity;
use subgraph_kit::Money;
use uuid::Uuid;

pub struct Query;

#[Object]
impl Query {
    /// A payment by id, or null when there is none: one's own, or any with `payments:manage`.
    #[graphql(directive = subgraph_kit::sdl::authenticated::apply())]
    async fn payment(&self, ctx: &Context<'_>, id: ID) -> Result<Option<PaymentNode>> {
        let id = parse_id(&id, "payment id")?;
        load_payment(ctx, id).await
    }

    /// Federation: resolve Payment representations. Unknown or malformed ids give null.
    #[graphql(entity)]
    async fn find_payment_by_id(&self, ctx: &Context<'_>, id: ID) -> Result<Option<PaymentNode>> {
        identity(ctx).require_authenticated()?;
        let Ok(id) = Uuid::parse_str(&id) else {
            return Ok(None);
        };
        let Some(batch) = entity_batch(ctx) else {
            return load_payment(ctx, id).await;
        };
        batch
            .payments
            .note(ctx, "Payment", "id", |s| Uuid::parse_str(s).ok());
        let pool = ctx.data::<PgPool>()?;
        let payment = batch
            .payments
            .get(&id, |ids| async move {
                let rows = db::payments_by_ids(pool, &ids).await?;
                Ok(rows.into_iter().map(|p| (p.id, p)).collect())
            })
            .await
            .map_err(load_failed)?;
        if let Some(payment) = &payment {
            access::read(identity(ctx), payment.customer_id)?;
        }
        Ok(payment.map(PaymentNode))
    }

    /// Federation: resolve Order representations; `total` arrives when `amountDue` is asked
    /// for (its `@requires`). No SQL here: the fields batch their own loads.
    #[graphql(entity)]
    async fn find_order_by_id(
        &self,
        ctx: &Context<'_>,
        #[graphql(key)] id: ID,
        total: Option<MoneyInput>,
    ) -> Option<Order> {
        let id = Uuid::parse_str(&id).ok()?;
        let batch = entity_batch(ctx);
        if let Some(batch) = &batch {
            batch
                .order_payments
                .note(ctx, "Order", "id", |s| Uuid::parse_str(s).ok());
        }
        Some(Order {
            id,
            total: total.map(|t| Money::new(t.amount.0, t.currency)),
            batch,
        })
    }
}

/// Payment `id` if it exists and the caller may see it.
async fn load_payment(ctx: &Context<'_>, id: Uuid) -> Result<Option<PaymentNode>> {
    let who = identity(ctx);
    who.require_authenticated()?;
    let loader = ctx.data::<DataLoader<PaymentById>>()?;
    let payment = loader.load_one(id).await.map_err(load_failed)?;
    if let Some(payment) = &payment {
        access::read(who, payment.customer_id)?;
    }
    Ok(payment.map(PaymentNode))
}
