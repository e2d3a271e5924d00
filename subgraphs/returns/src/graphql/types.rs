use super::batch::{load_failed, EntityBatch};
use super::loaders::{group, ReturnsByOrder, ReturnsByPayment};
use crate::db;
use crate::domain::access;
use crate::domain::{Line, Return, Status};
use async_graphql::dataloader::DataLoader;
use async_graphql::{Context, Enum, Object, Result, SimpleObject, ID};
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use std::sync::Arc;
use subgraph_kit::auth::identity;
use uuid::Uuid;

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum ReturnStatus {
    Requested,
    Approved,
    Rejected,
    Refunded,
}

impl From<Status> for ReturnStatus {
    fn from(s: Status) -> Self {
        match s {
            Status::Requested => ReturnStatus::Requested,
            Status::Approved => ReturnStatus::Approved,
            Status::Rejected => ReturnStatus::Rejected,
            Status::Refunded => ReturnStatus::Refunded,
        }
    }
}

/// A customer's request to send goods back.
pub struct ReturnNode(pub Return);

#[Object(name = "Return")]
impl ReturnNode {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// The order the goods came from (resolved by the orders subgraph; null when it cannot
    /// be, so an orders outage nulls only this field).
    async fn order(&self) -> Option<Order> {
        Some(Order {
            id: self.0.order_id,
            batch: None,
        })
    }

    /// The payment to refund, if the order was paid (resolved by the payments subgraph).
    async fn payment(&self) -> Option<Payment> {
        self.0.payment_id.map(|id| Payment { id, batch: None })
    }

    async fn lines(&self) -> Vec<ReturnLine> {
        self.0.lines.iter().map(ReturnLine::from).collect()
    }

    /// Why the customer sends the goods back.
    async fn reason(&self) -> &str {
        &self.0.reason
    }

    async fn status(&self) -> ReturnStatus {
        self.0.status.into()
    }

    /// Why the return was rejected (REJECTED only).
    async fn rejection_reason(&self) -> Option<&str> {
        self.0.rejection_reason.as_deref()
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

#[derive(SimpleObject)]
pub struct ReturnLine {
    /// The product sent back; null when the catalog cannot describe it.
    pub product: Option<Product>,
    pub quantity: i32,
}

impl From<&Line> for ReturnLine {
    fn from(l: &Line) -> Self {
        ReturnLine {
            product: Some(Product {
                sku: ID(l.sku.clone()),
            }),
            quantity: l.quantity,
        }
    }
}

/// The orders subgraph's catalog Product: a reference only, resolved there.
#[derive(SimpleObject)]
#[graphql(unresolvable = "sku")]
pub struct Product {
    pub sku: ID,
}

/// Which entity a list of returns hangs off.
#[derive(Clone, Copy)]
enum Owner {
    Order,
    Payment,
}

async fn returns_of(
    ctx: &Context<'_>,
    owner: Owner,
    id: Uuid,
    batch: Option<&Arc<EntityBatch>>,
) -> Result<Vec<ReturnNode>> {
    let visible = access::visible(identity(ctx))?;
    let batch = batch.map(|b| match owner {
        Owner::Order => &b.order_returns,
        Owner::Payment => &b.payment_returns,
    });
    let returns = match batch.filter(|b| b.is_noted()) {
        Some(batch) => {
            let pool = ctx.data::<PgPool>()?;
            batch
                .get(&id, |ids| async move {
                    Ok(match owner {
                        Owner::Order => group(db::returns_by_order_ids(pool, &ids).await?, |r| {
                            Some(r.order_id)
                        }),
                        Owner::Payment => {
                            group(db::returns_by_payment_ids(pool, &ids).await?, |r| {
                                r.payment_id
                            })
                        }
                    })
                })
                .await
                .map_err(load_failed)?
        }
        None => match owner {
            Owner::Order => ctx.data::<DataLoader<ReturnsByOrder>>()?.load_one(id).await,
            Owner::Payment => {
                ctx.data::<DataLoader<ReturnsByPayment>>()?
                    .load_one(id)
                    .await
            }
        }
        .map_err(load_failed)?,
    };
    Ok(returns
        .unwrap_or_default()
        .into_iter()
        .filter(|r| visible.allows(r.customer_id))
        .map(ReturnNode)
        .collect())
}

/// The orders subgraph's Order, extended with its returns.
pub struct Order {
    pub id: Uuid,
    /// Set when resolved from an `_entities` representation: loads with the whole batch.
    pub batch: Option<Arc<EntityBatch>>,
}

#[Object]
impl Order {
    async fn id(&self) -> ID {
        ID(self.id.to_string())
    }

    /// Returns of this order, oldest first: a customer sees the ones they asked for, staff
    /// with `returns:manage` all. Null only when they cannot be read (the order's other
    /// fields still answer).
    #[graphql(directive = subgraph_kit::sdl::authenticated::apply())]
    async fn returns(&self, ctx: &Context<'_>) -> Result<Option<Vec<ReturnNode>>> {
        returns_of(ctx, Owner::Order, self.id, self.batch.as_ref())
            .await
            .map(Some)
    }
}

/// The payments subgraph's Payment, extended with the returns refunded through it.
pub struct Payment {
    pub id: Uuid,
    /// Set when resolved from an `_entities` representation: loads with the whole batch.
    pub batch: Option<Arc<EntityBatch>>,
}

#[Object]
impl Payment {
    async fn id(&self) -> ID {
        ID(self.id.to_string())
    }

    /// Returns against this payment, oldest first (who sees which: as `Order.returns`).
    /// Null only when they cannot be read.
    #[graphql(directive = subgraph_kit::sdl::authenticated::apply())]
    async fn returns(&self, ctx: &Context<'_>) -> Result<Option<Vec<ReturnNode>>> {
        returns_of(ctx, Owner::Payment, self.id, self.batch.as_ref())
            .await
            .map(Some)
    }
}
