//! Mutation root: placing and cancelling orders (the rest of their life follows events).

use crate::db::{customers, orders, products};
use crate::domain::{access, price_order, CatalogEntry, OrderRequest, Transition};
use crate::graphql::customer::Customer;
use crate::graphql::query::parse_id;
use crate::graphql::types::{Order, OrderLine, OrderStatus, Product};
use async_graphql::{Context, InputObject, Object, Result, ID};
use sqlx::PgPool;
use std::collections::HashMap;
use subgraph_kit::auth::identity;
use subgraph_kit::idempotency::{self, Claim};
use subgraph_kit::{AppError, Money};
use uuid::Uuid;

#[derive(Debug, InputObject)]
pub struct PlaceOrderInput {
    pub customer_id: ID,
    /// ISO 4217 code; every product on the order must be priced in it.
    pub currency: String,
    pub lines: Vec<OrderLineInput>,
}

#[derive(Debug, InputObject)]
pub struct OrderLineInput {
    pub sku: ID,
    pub quantity: i32,
}

pub struct Mutation;

#[Object]
impl Mutation {
    /// Place an order priced from the catalog, for oneself (or for anyone, with
    /// `orders:manage`). Retrying with the same `idempotencyKey`
    /// returns the first order. NOT_YET_KNOWN (retryable; nothing is written) while orders
    /// has not heard of the customer: one registered moments ago becomes known when its
    /// CustomerRegistered event arrives, so retry the same request (same key) with a short
    /// backoff for a few seconds before giving up.
    #[graphql(directive = subgraph_kit::sdl::authenticated::apply())]
    async fn place_order(
        &self,
        ctx: &Context<'_>,
        input: PlaceOrderInput,
        idempotency_key: String,
    ) -> Result<Order> {
        let lines: Vec<(String, i32)> = input
            .lines
            .iter()
            .map(|l| (l.sku.0.clone(), l.quantity))
            .collect();
        let request = OrderRequest::parse(&input.customer_id, &input.currency, &lines)?;
        access::place(identity(ctx), request.customer_id)?;
        let pool = ctx.data::<PgPool>()?;
        let mut tx =
            match idempotency::claim(pool, "placeOrder", &idempotency_key, &request).await? {
                Claim::Replay(order) => return Ok(order),
                Claim::New(tx) => tx,
            };
        // Price inside the claim's transaction: any rejection rolls the key back with it, so
        // a rejected request leaves nothing behind.
        let catalog: HashMap<String, Product> = products::find_by_skus(&mut *tx, &request.skus())
            .await?
            .into_iter()
            .map(|r| (r.sku.clone(), Product::from(r)))
            .collect();
        let prices = catalog
            .iter()
            .map(|(sku, p)| {
                let entry = CatalogEntry {
                    price: p.price.minor(),
                    currency: p.price.currency.clone(),
                };
                (sku.clone(), entry)
            })
            .collect();
        let priced = price_order(&request, &prices)?;
        // After pricing, so NOT_YET_KNOWN is only answered to a request that a retry can
        // carry through once the customer's registration arrives.
        customers::require_known(&mut *tx, request.customer_id).await?;
        let id = Uuid::new_v4();
        let placed_at =
            orders::insert(&mut tx, id, request.customer_id, &request.currency, &priced).await?;
        let lines = priced
            .lines
            .iter()
            .filter_map(|l| {
                let product = catalog.get(&l.sku)?.clone();
                Some(OrderLine::new(
                    product,
                    l.quantity,
                    l.unit_price,
                    &request.currency,
                ))
            })
            .collect();
        let order = Order {
            id: ID(id.to_string()),
            customer: Customer::new(request.customer_id),
            lines,
            total: Money::new(priced.total, request.currency.clone()),
            status: OrderStatus::Placed,
            placed_at,
        };
        idempotency::complete(tx, &idempotency_key, &order).await?;
        // Counted after the commit, so replays and rejected orders never count.
        subgraph_kit::metrics::business::order_placed(&request.currency);
        crate::graphql::subscription::announce(ctx, &order);
        Ok(order)
    }

    /// Cancel an order that is PLACED or PAID and has no parcel shipped yet; otherwise
    /// CONFLICT (return what arrives instead). Its customer, or staff. A PLACED order is
    /// CANCELLED at once (its stock released as the other domains hear of it). A PAID one
    /// answers CANCELLING: fulfillment stops its parcels, then it is CANCELLED and refunded;
    /// if a parcel was delivered first, the cancellation is refused and the order goes on
    /// (follow it with `order` or `orderStatusChanged`).
    #[graphql(directive = subgraph_kit::sdl::authenticated::apply())]
    async fn cancel_order(&self, ctx: &Context<'_>, id: ID) -> Result<Order> {
        apply(ctx, &id, Transition::Cancel).await
    }
}

async fn apply(ctx: &Context<'_>, id: &ID, transition: Transition) -> Result<Order> {
    let id = parse_id(id)?;
    let who = identity(ctx);
    access::ask(who)?;
    let pool = ctx.data::<PgPool>()?;
    // An order never changes customer, so checking before the update is as good as during.
    let current = orders::find_by_ids(pool, &[id]).await?;
    let order = current
        .first()
        .ok_or_else(|| AppError::not_found(format!("order {id} not found")))?;
    access::change(who, transition, order.customer_id)?;
    let mut tx = pool.begin().await?;
    let row = orders::transition(&mut tx, id, transition).await?;
    tx.commit().await?;
    let order = Order::try_from(row)?;
    crate::graphql::subscription::announce(ctx, &order);
    Ok(order)
}
