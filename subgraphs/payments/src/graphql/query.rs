use super::batch::EntityBatch;
use super::loaders::{load_failed, PaymentById};
use super::parse_id;
use super::types::{MoneyInput, Order, PaymentNode};
use async_graphql::dataloader::DataLoader;
use async_graphql::{Context, Object, Result, ID};
use subgraph_kit::Money;
use uuid::Uuid;

pub struct Query;

#[Object]
impl Query {
    /// A payment by id, or null when there is none.
    async fn payment(&self, ctx: &Context<'_>, id: ID) -> Result<Option<PaymentNode>> {
        let id = parse_id(&id, "payment id")?;
        load_payment(ctx, id).await
    }

    /// Federation: resolve Payment representations. Unknown or malformed ids give null.
    #[graphql(entity)]
    async fn find_payment_by_id(&self, ctx: &Context<'_>, id: ID) -> Result<Option<PaymentNode>> {
        let Ok(id) = Uuid::parse_str(&id) else {
            return Ok(None);
        };
        match ctx.data_opt::<EntityBatch>() {
            Some(batch) => Ok(batch
                .payment(ctx, id)
                .await
                .map_err(load_failed)?
                .map(PaymentNode)),
            None => load_payment(ctx, id).await,
        }
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
        let batch = ctx.data_opt::<EntityBatch>();
        if let Some(batch) = batch {
            batch.note_orders(ctx);
        }
        Some(Order {
            id,
            total: total.map(|t| Money::new(t.amount.0, t.currency)),
            from_entities: batch.is_some(),
        })
    }
}

async fn load_payment(ctx: &Context<'_>, id: Uuid) -> Result<Option<PaymentNode>> {
    let loader = ctx.data::<DataLoader<PaymentById>>()?;
    let payment = loader.load_one(id).await.map_err(load_failed)?;
    Ok(payment.map(PaymentNode))
}
