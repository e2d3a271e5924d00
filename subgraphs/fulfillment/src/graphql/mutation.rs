use super::parse_id;
use super::types::{Product, ShipmentNode};
use crate::db;
use crate::domain::{
    access, check_shipment, unshipped, CreateShipment, Line, Shipment, Status, StockAdjustment,
};
use async_graphql::{Context, InputObject, Object, Result, ID};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use subgraph_kit::auth::identity;
use subgraph_kit::clock;
use subgraph_kit::idempotency::{claim, complete, Claim};
use subgraph_kit::{AppError, AppResult};
use uuid::Uuid;

#[derive(InputObject)]
pub struct ShipmentLineInput {
    pub sku: ID,
    pub quantity: i32,
}

#[derive(InputObject)]
pub struct CreateShipmentInput {
    pub order_id: ID,
    /// The customer the shipment goes to: the one customer who may follow it.
    pub customer_id: Option<ID>,
    pub carrier: String,
    pub lines: Vec<ShipmentLineInput>,
}

/// What `adjustStock` stores as its idempotent result.
#[derive(Serialize, Deserialize)]
struct StockLevel {
    sku: String,
    stock: i32,
}

pub struct Mutation;

#[Object]
impl Mutation {
    /// Create a PENDING shipment of part of a PAID order (its stock was reserved when it
    /// was placed; fulfillment ships a paid order by itself, so this is for splitting what
    /// is left): every line a SKU of the order within what is ordered and not shipped yet
    /// (BAD_USER_INPUT), the order PAID (CONFLICT), NOT_YET_KNOWN (retry) while fulfillment
    /// has not heard of it. Staff with `fulfillment:manage`.
    #[graphql(requires_scopes = "fulfillment:manage")]
    async fn create_shipment(
        &self,
        ctx: &Context<'_>,
        input: CreateShipmentInput,
        idempotency_key: String,
    ) -> Result<ShipmentNode> {
        access::manage(identity(ctx))?;
        let order_id = parse_id(&input.order_id, "orderId")?;
        let recipient = input
            .customer_id
            .as_ref()
            .map(|id| parse_id(id, "customerId"))
            .transpose()?;
        let lines = input
            .lines
            .into_iter()
            .map(|l| Line {
                sku: l.sku.0,
                quantity: l.quantity,
            })
            .collect();
        let req = CreateShipment::new(order_id, &input.carrier, lines).map_err(AppError::from)?;
        let pool = ctx.data::<PgPool>()?;
        Ok(ShipmentNode(
            create(pool, req, recipient, &idempotency_key).await?,
        ))
    }

    /// Hand a PENDING shipment to the carrier (`fulfillment:manage`).
    #[graphql(requires_scopes = "fulfillment:manage")]
    async fn mark_shipped(
        &self,
        ctx: &Context<'_>,
        id: ID,
        tracking_number: String,
    ) -> Result<ShipmentNode> {
        access::manage(identity(ctx))?;
        let id = parse_id(&id, "shipment id")?;
        let pool = ctx.data::<PgPool>()?;
        let shipment = transition(pool, id, |s| s.ship(&tracking_number)).await?;
        Ok(ShipmentNode(shipment))
    }

    /// Record the delivery of a SHIPPED shipment (`fulfillment:manage`).
    #[graphql(requires_scopes = "fulfillment:manage")]
    async fn mark_delivered(&self, ctx: &Context<'_>, id: ID) -> Result<ShipmentNode> {
        access::manage(identity(ctx))?;
        let id = parse_id(&id, "shipment id")?;
        let pool = ctx.data::<PgPool>()?;
        Ok(ShipmentNode(transition(pool, id, Shipment::deliver).await?))
    }

    /// Add (or, with a negative delta, remove) stock of a SKU; stock never goes below zero.
    /// Staff with `inventory:manage`; at most 1,000,000 units either way per call.
    #[graphql(requires_scopes = "inventory:manage")]
    async fn adjust_stock(
        &self,
        ctx: &Context<'_>,
        sku: ID,
        delta: i32,
        idempotency_key: String,
    ) -> Result<Product> {
        access::adjust_stock(identity(ctx))?;
        let req = StockAdjustment::new(&sku, delta).map_err(AppError::from)?;
        let pool = ctx.data::<PgPool>()?;
        let level = adjust(pool, req, &idempotency_key).await?;
        Ok(Product {
            sku: level.sku,
            stock: Some(level.stock),
            batch: None,
        })
    }
}

async fn create(
    pool: &PgPool,
    req: CreateShipment,
    recipient: Option<Uuid>,
    key: &str,
) -> AppResult<Shipment> {
    let fingerprint = (recipient, &req);
    let mut tx = match claim::<Shipment>(pool, "createShipment", key, &fingerprint).await? {
        Claim::Replay(s) => return Ok(s),
        Claim::New(tx) => tx,
    };
    // Checked against what fulfillment knows of the order (locked, so a concurrent shipment
    // or cancellation waits). Its stock was reserved when it was placed.
    let order = db::orders::lock(&mut tx, req.order_id).await?;
    let ordered = db::orders::lines(&mut tx, req.order_id).await?;
    let shipped = db::orders::shipped(&mut tx, req.order_id).await?;
    check_shipment(order.as_ref(), &unshipped(&ordered, &shipped), &req.lines)?;
    let recipient = order.map(|o| o.customer_id).or(recipient);
    let shipment = Shipment {
        id: Uuid::new_v4(),
        order_id: req.order_id,
        status: Status::Pending,
        carrier: req.carrier,
        tracking_number: None,
        created_at: clock::now(),
        customer_id: recipient,
        lines: req.lines,
    };
    db::insert_shipment(&mut tx, &shipment).await?;
    complete(tx, key, &shipment).await?;
    Ok(shipment)
}

async fn transition(
    pool: &PgPool,
    id: Uuid,
    change: impl FnOnce(&mut Shipment) -> Result<(), crate::domain::DomainError>,
) -> AppResult<Shipment> {
    let mut tx = pool.begin().await?;
    let mut shipment = db::lock_shipment(&mut tx, id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("shipment {id} not found")))?;
    change(&mut shipment)?;
    db::update_status(&mut tx, &shipment).await?;
    tx.commit().await?;
    Ok(shipment)
}

async fn adjust(pool: &PgPool, req: StockAdjustment, key: &str) -> AppResult<StockLevel> {
    let mut tx = match claim::<StockLevel>(pool, "adjustStock", key, &req).await? {
        Claim::Replay(level) => return Ok(level),
        Claim::New(tx) => tx,
    };
    let stock = db::adjust_stock(&mut tx, &req).await?;
    let level = StockLevel {
        sku: req.sku,
        stock,
    };
    complete(tx, key, &level).await?;
    Ok(level)
}
