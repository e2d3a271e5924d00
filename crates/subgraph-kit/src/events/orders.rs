//! The orders domain's events (`crowdcrunch.orders.<Type>`), version 1.

use super::Event;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// An order was placed and priced from the catalog (status PLACED).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderPlaced {
    pub order_id: Uuid,
    pub customer_id: Uuid,
    /// ISO 4217 code of every amount on the order.
    pub currency: String,
    /// Total in minor units (cents).
    pub total: i64,
    pub lines: Vec<OrderPlacedLine>,
    pub placed_at: DateTime<Utc>,
}

/// One line of an [`OrderPlaced`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderPlacedLine {
    pub sku: String,
    pub quantity: i32,
    /// Price of one unit in minor units, as charged.
    pub unit_price: i64,
}

impl Event for OrderPlaced {
    const DOMAIN: &'static str = "orders";
    const TYPE: &'static str = "OrderPlaced";
    const VERSION: u32 = 1;
}

/// An order was cancelled (from PLACED or PAID).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderCancelled {
    pub order_id: Uuid,
    pub customer_id: Uuid,
    /// The status it was cancelled from: `PLACED` or `PAID` (then its payment needs a refund).
    pub previous_status: String,
}

impl Event for OrderCancelled {
    const DOMAIN: &'static str = "orders";
    const TYPE: &'static str = "OrderCancelled";
    const VERSION: u32 = 1;
}

/// The order's payment was authorized: the order is PAID (fulfillment ships it, payments
/// captures it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderPaid {
    pub order_id: Uuid,
    pub customer_id: Uuid,
    pub payment_id: Uuid,
}

impl Event for OrderPaid {
    const DOMAIN: &'static str = "orders";
    const TYPE: &'static str = "OrderPaid";
    const VERSION: u32 = 1;
}

/// Every unit of the order was delivered: the order is FULFILLED.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderFulfilled {
    pub order_id: Uuid,
    pub customer_id: Uuid,
}

impl Event for OrderFulfilled {
    const DOMAIN: &'static str = "orders";
    const TYPE: &'static str = "OrderFulfilled";
    const VERSION: u32 = 1;
}
