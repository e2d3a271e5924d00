//! GraphQL object types of the orders subgraph (serializable: idempotent mutations store
//! their first result and replay it).

use crate::db::orders::{LineRow, OrderRow};
use crate::db::products::ProductRow;
use crate::domain::Status;
use crate::graphql::customer::Customer;
use async_graphql::{ComplexObject, Enum, SimpleObject, ID};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use subgraph_kit::pagination::PageInfo;
use subgraph_kit::{AppError, Money};

/// A product in the catalog, identified by its SKU.
#[derive(Debug, Clone, Serialize, Deserialize, SimpleObject)]
pub struct Product {
    pub sku: ID,
    pub name: String,
    /// Current catalog price of one unit.
    pub price: Money,
}

impl From<ProductRow> for Product {
    fn from(row: ProductRow) -> Self {
        Product {
            sku: ID(row.sku),
            name: row.name,
            price: Money::new(row.price_amount, row.currency),
        }
    }
}

/// One product on an order.
#[derive(Debug, Clone, Serialize, Deserialize, SimpleObject)]
pub struct OrderLine {
    pub product: Product,
    pub quantity: i32,
    /// The price of one unit when the order was placed.
    pub unit_price: Money,
    /// `unitPrice × quantity`.
    pub line_total: Money,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Enum)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OrderStatus {
    Placed,
    Paid,
    /// Cancellation asked of a paid order: fulfillment is stopping its parcels. Then
    /// CANCELLED (and refunded), or PAID again if a parcel was delivered first.
    Cancelling,
    Fulfilled,
    Cancelled,
}

impl From<Status> for OrderStatus {
    fn from(s: Status) -> Self {
        match s {
            Status::Placed => OrderStatus::Placed,
            Status::Paid => OrderStatus::Paid,
            Status::Cancelling => OrderStatus::Cancelling,
            Status::Fulfilled => OrderStatus::Fulfilled,
            Status::Cancelled => OrderStatus::Cancelled,
        }
    }
}

/// A customer's order.
#[derive(Debug, Clone, Serialize, Deserialize, SimpleObject)]
#[graphql(complex)]
pub struct Order {
    pub id: ID,
    /// Served as the nullable `customer` field (see the `ComplexObject` below).
    #[graphql(skip)]
    pub customer: Customer,
    pub lines: Vec<OrderLine>,
    pub total: Money,
    pub status: OrderStatus,
    pub placed_at: DateTime<Utc>,
}

#[ComplexObject]
impl Order {
    /// Who placed the order. Nullable: the customers subgraph resolves it, and its outage
    /// (or a customer it does not know) nulls only this field, not the order.
    async fn customer(&self) -> Option<&Customer> {
        Some(&self.customer)
    }
}

impl Order {
    /// The customer who placed the order (for ownership checks).
    pub fn customer_id(&self) -> Result<uuid::Uuid, AppError> {
        uuid::Uuid::parse_str(&self.customer.id)
            .map_err(|_| AppError::Internal("order with a malformed customer id".into()))
    }
}

impl OrderLine {
    pub fn new(product: Product, quantity: i32, unit_price: i64, currency: &str) -> Self {
        // Totals were checked for overflow when the order was placed; saturate regardless.
        let line_total = unit_price.saturating_mul(i64::from(quantity));
        OrderLine {
            product,
            quantity,
            unit_price: Money::new(unit_price, currency),
            line_total: Money::new(line_total, currency),
        }
    }
}

impl TryFrom<OrderRow> for Order {
    type Error = AppError;

    fn try_from(row: OrderRow) -> Result<Self, AppError> {
        let status = Status::parse(&row.status)
            .ok_or_else(|| AppError::Internal(format!("unknown order status {}", row.status)))?;
        let currency = row.currency;
        let lines = row
            .lines
            .0
            .into_iter()
            .map(|l: LineRow| {
                let product = Product {
                    sku: ID(l.sku),
                    name: l.name,
                    price: Money::new(l.price, l.price_currency),
                };
                OrderLine::new(product, l.quantity, l.unit_price, &currency)
            })
            .collect();
        Ok(Order {
            id: ID(row.id.to_string()),
            customer: Customer::new(row.customer_id),
            lines,
            total: Money::new(row.total_amount, currency),
            status: status.into(),
            placed_at: row.placed_at,
        })
    }
}

/// One page of orders, newest first.
#[derive(Debug, SimpleObject)]
pub struct OrderConnection {
    pub nodes: Vec<Order>,
    pub page_info: PageInfo,
}

/// One page of the catalog, in SKU order.
#[derive(Debug, SimpleObject)]
pub struct ProductConnection {
    pub nodes: Vec<Product>,
    pub page_info: PageInfo,
}
