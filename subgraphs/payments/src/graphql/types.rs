use super::batch::{load_failed, EntityBatch};
use super::loaders::{group_by_order, CancelledOrders, PaymentsByOrder};
use crate::db;
use crate::domain::{access, amount_due, Method, Payment, Status};
use async_graphql::dataloader::DataLoader;
use async_graphql::{Context, Enum, InputObject, Object, Result, ID};
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use std::sync::Arc;
use subgraph_kit::auth::identity;
use subgraph_kit::{AppError, Int64, Money};
use uuid::Uuid;

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum PaymentStatus {
    Authorized,
    Captured,
    Failed,
    Refunded,
    PartiallyRefunded,
    /// Authorized, then released uncaptured because its order was cancelled.
    Voided,
}

impl From<Status> for PaymentStatus {
    fn from(s: Status) -> Self {
        match s {
            Status::Authorized => PaymentStatus::Authorized,
            Status::Captured => PaymentStatus::Captured,
            Status::Failed => PaymentStatus::Failed,
            Status::Refunded => PaymentStatus::Refunded,
            Status::PartiallyRefunded => PaymentStatus::PartiallyRefunded,
            Status::Voided => PaymentStatus::Voided,
        }
    }
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum PaymentMethod {
    Card,
    BankTransfer,
    Wallet,
}

impl From<PaymentMethod> for Method {
    fn from(m: PaymentMethod) -> Self {
        match m {
            PaymentMethod::Card => Method::Card,
            PaymentMethod::BankTransfer => Method::BankTransfer,
            PaymentMethod::Wallet => Method::Wallet,
        }
    }
}

impl From<Method> for PaymentMethod {
    fn from(m: Method) -> Self {
        match m {
            Method::Card => PaymentMethod::Card,
            Method::BankTransfer => PaymentMethod::BankTransfer,
            Method::Wallet => PaymentMethod::Wallet,
        }
    }
}

/// A payment of an order.
pub struct PaymentNode(pub Payment);

#[Object(name = "Payment")]
impl PaymentNode {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// The order this payment pays (resolved by the orders subgraph; null when it cannot be,
    /// so an orders outage nulls only this field).
    async fn order(&self) -> Option<Order> {
        Some(Order::stub(self.0.order_id))
    }

    /// The authorized amount.
    async fn amount(&self) -> Money {
        Money::new(self.0.amount, &self.0.currency)
    }

    async fn captured_amount(&self) -> Money {
        Money::new(self.0.captured_amount, &self.0.currency)
    }

    async fn refunded_amount(&self) -> Money {
        Money::new(self.0.refunded_amount, &self.0.currency)
    }

    async fn status(&self) -> PaymentStatus {
        self.0.status.into()
    }

    async fn method(&self) -> PaymentMethod {
        self.0.method.into()
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// The `total` of an Order as the router passes it in an entity representation.
#[derive(InputObject, Clone, Debug)]
pub struct MoneyInput {
    pub amount: Int64,
    pub currency: String,
}

/// The orders subgraph's Order, extended with its payments and what is still due.
pub struct Order {
    pub id: Uuid,
    /// Present only when the router sent it in the representation (for `amountDue`).
    pub total: Option<Money>,
    /// Set when resolved from an `_entities` representation: its payments load with the
    /// whole batch.
    pub batch: Option<Arc<EntityBatch>>,
}

impl Order {
    pub fn stub(id: Uuid) -> Order {
        Order {
            id,
            total: None,
            batch: None,
        }
    }

    /// The payments of this order the caller may see: all with `payments:manage`, else the
    /// caller's own.
    async fn load_payments(&self, ctx: &Context<'_>) -> Result<Vec<Payment>> {
        let visible = access::visible(identity(ctx))?;
        let batch = self.batch.as_ref().filter(|b| b.order_payments.is_noted());
        let payments = match batch {
            Some(batch) => {
                let pool = ctx.data::<PgPool>()?;
                batch
                    .order_payments
                    .get(&self.id, |ids| async move {
                        Ok(group_by_order(db::payments_by_order_ids(pool, &ids).await?))
                    })
                    .await
                    .map_err(load_failed)?
            }
            None => ctx
                .data::<DataLoader<PaymentsByOrder>>()?
                .load_one(self.id)
                .await
                .map_err(load_failed)?,
        };
        let mut payments = payments.unwrap_or_default();
        payments.retain(|p| visible.allows(p.customer_id));
        Ok(payments)
    }
}

#[Object]
impl Order {
    async fn id(&self) -> ID {
        ID(self.id.to_string())
    }

    /// Owned by the orders subgraph; declared here so `amountDue` can require it.
    #[graphql(external)]
    async fn total(&self) -> Result<&Money> {
        self.total.as_ref().ok_or_else(|| {
            AppError::Internal("Order.total is resolved by the orders subgraph".into()).into()
        })
    }

    /// Payments of this order, oldest first: a customer sees the ones they made, staff with
    /// `payments:manage` all. Null only when they cannot be read (the order's other fields
    /// still answer).
    #[graphql(directive = subgraph_kit::sdl::authenticated::apply())]
    async fn payments(&self, ctx: &Context<'_>) -> Result<Option<Vec<PaymentNode>>> {
        let payments = self.load_payments(ctx).await?;
        Ok(Some(payments.into_iter().map(PaymentNode).collect()))
    }

    /// What is still to be paid: nothing once payments has heard the order was cancelled
    /// (moments after it is), else the order total less what its payments captured, never
    /// below zero (a refund, for returned goods or as a concession, makes nothing due again).
    /// Payments in another currency than the total do not count, nor payments the caller may
    /// not see (see `payments`). Null only when it cannot be worked out.
    #[graphql(
        requires = "total { amount currency }",
        directive = subgraph_kit::sdl::authenticated::apply()
    )]
    async fn amount_due(&self, ctx: &Context<'_>) -> Result<Option<Money>> {
        let total = self.total.as_ref().ok_or_else(|| {
            AppError::bad_input("amountDue needs the order's total in the representation")
        })?;
        let payments = self.load_payments(ctx).await?;
        let captured = payments
            .iter()
            .filter(|p| p.currency == total.currency)
            .map(|p| p.captured_amount);
        let mut due = amount_due(total.minor(), false, captured);
        // Whether it was cancelled matters only while something is left to pay: asked then
        // only (one batched statement for all such orders of the request).
        if due > 0
            && ctx
                .data::<DataLoader<CancelledOrders>>()?
                .load_one(self.id)
                .await
                .map_err(load_failed)?
                .is_some()
        {
            due = amount_due(total.minor(), true, []);
        }
        Ok(Some(Money::new(due, &total.currency)))
    }
}
