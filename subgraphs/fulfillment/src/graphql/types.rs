use super::batch::{load_failed, EntityBatch};
use super::loaders::{group_by_order, ShipmentsByOrder, StockBySku};
use crate::db;
use crate::domain::access;
use crate::domain::{Line, Shipment, Status};
use async_graphql::dataloader::DataLoader;
use async_graphql::{Context, Enum, Object, Result, SimpleObject, ID};
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use std::sync::Arc;
use subgraph_kit::auth::identity;
use uuid::Uuid;

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum ShipmentStatus {
    Pending,
    Shipped,
    Delivered,
    /// Its order was cancelled before the parcel reached the customer: the carrier had not
    /// taken it yet, or it was recalled from the carrier and its goods are back in stock.
    Cancelled,
}

impl From<Status> for ShipmentStatus {
    fn from(s: Status) -> Self {
        match s {
            Status::Pending => ShipmentStatus::Pending,
            Status::Shipped => ShipmentStatus::Shipped,
            Status::Delivered => ShipmentStatus::Delivered,
            Status::Cancelled => ShipmentStatus::Cancelled,
        }
    }
}

/// A parcel sent for an order.
pub struct ShipmentNode(pub Shipment);

#[Object(name = "Shipment")]
impl ShipmentNode {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// The order shipped (resolved by the orders subgraph; null when it cannot be, so an
    /// orders outage nulls only this field).
    async fn order(&self) -> Option<Order> {
        Some(Order {
            id: self.0.order_id,
            batch: None,
        })
    }

    async fn lines(&self) -> Vec<ShipmentLine> {
        self.0.lines.iter().map(ShipmentLine::from).collect()
    }

    async fn status(&self) -> ShipmentStatus {
        self.0.status.into()
    }

    async fn carrier(&self) -> &str {
        &self.0.carrier
    }

    /// Set once the shipment is handed to the carrier.
    async fn tracking_number(&self) -> Option<&str> {
        self.0.tracking_number.as_deref()
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

#[derive(SimpleObject)]
pub struct ShipmentLine {
    /// The product shipped; null when the catalog cannot describe it.
    pub product: Option<Product>,
    pub quantity: i32,
}

impl From<&Line> for ShipmentLine {
    fn from(l: &Line) -> Self {
        ShipmentLine {
            product: Some(Product::stub(l.sku.clone())),
            quantity: l.quantity,
        }
    }
}

/// The orders subgraph's catalog Product, extended with the stock on hand.
pub struct Product {
    pub sku: String,
    /// Known already (e.g. returned by `adjustStock`); otherwise loaded on demand.
    pub stock: Option<i32>,
    /// Set when resolved from an `_entities` representation: loads with the whole batch.
    pub batch: Option<Arc<EntityBatch>>,
}

impl Product {
    pub fn stub(sku: String) -> Product {
        Product {
            sku,
            stock: None,
            batch: None,
        }
    }
}

#[Object]
impl Product {
    async fn sku(&self) -> ID {
        ID(self.sku.clone())
    }

    /// Units on hand; 0 for a SKU never stocked. Null only when it cannot be read (the
    /// product's catalog fields still answer).
    async fn stock(&self, ctx: &Context<'_>) -> Result<Option<i32>> {
        if let Some(stock) = self.stock {
            return Ok(Some(stock));
        }
        let batch = self.batch.as_ref().filter(|b| b.stock.is_noted());
        let stock = match batch {
            Some(batch) => {
                let pool = ctx.data::<PgPool>()?;
                batch
                    .stock
                    .get(&self.sku, |skus| async move {
                        db::stock_by_skus(pool, &skus).await
                    })
                    .await
                    .map_err(load_failed)?
            }
            None => ctx
                .data::<DataLoader<StockBySku>>()?
                .load_one(self.sku.clone())
                .await
                .map_err(load_failed)?,
        };
        Ok(Some(stock.unwrap_or(0)))
    }
}

/// The orders subgraph's Order, extended with its shipments.
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

    /// Shipments of this order, oldest first: a customer sees those addressed to them, staff
    /// with `fulfillment:manage` all. Null only when they cannot be read (the order's other
    /// fields still answer).
    #[graphql(directive = subgraph_kit::sdl::authenticated::apply())]
    async fn shipments(&self, ctx: &Context<'_>) -> Result<Option<Vec<ShipmentNode>>> {
        let visible = access::visible(identity(ctx))?;
        let batch = self.batch.as_ref().filter(|b| b.order_shipments.is_noted());
        let shipments = match batch {
            Some(batch) => {
                let pool = ctx.data::<PgPool>()?;
                batch
                    .order_shipments
                    .get(&self.id, |ids| async move {
                        Ok(group_by_order(
                            db::shipments_by_order_ids(pool, &ids).await?,
                        ))
                    })
                    .await
                    .map_err(load_failed)?
            }
            None => ctx
                .data::<DataLoader<ShipmentsByOrder>>()?
                .load_one(self.id)
                .await
                .map_err(load_failed)?,
        };
        Ok(Some(
            shipments
                .unwrap_or_default()
                .into_iter()
                .filter(|s| visible.allows(s.customer_id))
                .map(ShipmentNode)
                .collect(),
        ))
    }
}
