//! `Customer`, owned by the customers subgraph. Here it carries only its key, plus the field
//! this subgraph adds: the customer's orders.

use crate::db::orders::PageRequest;
use crate::db::Position;
use crate::domain::access;
use crate::graphql::batch::EntityBatch;
use crate::graphql::loaders::Loaders;
use crate::graphql::types::{Order, OrderConnection};
use async_graphql::{ComplexObject, Context, Result, SimpleObject, ID};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use std::sync::Arc;
use subgraph_kit::auth::identity;
use subgraph_kit::pagination::{page_size, PageInfo};
use subgraph_kit::AppError;
use uuid::Uuid;

#[derive(Clone, Serialize, Deserialize, SimpleObject)]
#[graphql(complex)]
pub struct Customer {
    pub id: ID,
    /// The request's entity batch, when this customer was resolved by `_entities`.
    #[graphql(skip)]
    #[serde(skip)]
    pub batch: Option<Arc<EntityBatch>>,
}

impl std::fmt::Debug for Customer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Customer").field("id", &self.id).finish()
    }
}

impl Customer {
    pub fn new(id: Uuid) -> Self {
        Customer {
            id: ID(id.to_string()),
            batch: None,
        }
    }
}

#[ComplexObject]
impl Customer {
    /// The customer's orders, newest first, `first` at a time (at most 100): one's own, or
    /// any customer's with `orders:manage`.
    #[graphql(
        directive = subgraph_kit::sdl::authenticated::apply(),
        directive = subgraph_kit::sdl::list_size::apply(vec!["first".into()], vec!["nodes".into()], subgraph_kit::pagination::DEFAULT_PAGE_SIZE, false)
    )]
    async fn orders(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Option<OrderConnection>> {
        // Nullable: it hangs off the customers subgraph's entity, and an error here must null
        // only this field, not the customer.
        orders_page(self, ctx, first, after).await.map(Some)
    }
}

/// The page of `customer`'s orders the caller asked for.
async fn orders_page(
    customer: &Customer,
    ctx: &Context<'_>,
    first: Option<i32>,
    after: Option<String>,
) -> Result<OrderConnection> {
    let limit = page_size(first)?;
    let after = after.as_deref().map(Position::from_cursor).transpose()?;
    let who = identity(ctx);
    access::ask(who)?;
    let Ok(customer_id) = Uuid::parse_str(&customer.id) else {
        // Not an id this service ever issues, so it has no orders here.
        return Ok(connection(Vec::new(), limit));
    };
    access::read(who, customer_id)?;
    // Customers of one `_entities` request have their pages read by one statement.
    if let Some(batch) = &customer.batch {
        let pool = ctx.data::<PgPool>()?;
        let orders = batch.page(pool, customer_id, (after, limit + 1)).await?;
        return Ok(connection(orders, limit));
    }
    let request = PageRequest {
        customer_id,
        after,
        limit: limit + 1,
    };
    let loaders = ctx.data::<Loaders>()?;
    let orders = loaders.load_one(request).await.map_err(AppError::from)?;
    Ok(connection(orders.unwrap_or_default(), limit))
}

/// A connection from up to `limit + 1` orders (the extra one only says there is more).
fn connection(mut orders: Vec<Order>, limit: i64) -> OrderConnection {
    let has_next_page = orders.len() as i64 > limit;
    orders.truncate(limit as usize);
    let end_cursor = orders.last().and_then(position).map(|p| p.to_cursor());
    OrderConnection {
        nodes: orders,
        page_info: PageInfo {
            has_next_page,
            end_cursor,
        },
    }
}

fn position(order: &Order) -> Option<Position> {
    let placed_at: DateTime<Utc> = order.placed_at;
    Uuid::parse_str(&order.id)
        .ok()
        .map(|id| Position { placed_at, id })
}
