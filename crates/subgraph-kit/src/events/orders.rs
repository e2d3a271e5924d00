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

/// An order was cancelled: from PLACED, or from CANCELLING once fulfillment confirmed it
/// stopped every parcel (previous status `PAID`).
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

/// A customer (or staff) asked to cancel a PAID order (PAID → CANCELLING). Fulfillment
/// answers: every parcel not delivered stopped ([`CancellationConfirmed`]), or one delivered
/// already ([`CancellationRefused`]). Nothing is refunded before the answer, so an order is
/// never both refunded and delivered.
///
/// [`CancellationConfirmed`]: super::fulfillment::CancellationConfirmed
/// [`CancellationRefused`]: super::fulfillment::CancellationRefused
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderCancellationRequested {
    pub order_id: Uuid,
    pub customer_id: Uuid,
}

impl Event for OrderCancellationRequested {
    const DOMAIN: &'static str = "orders";
    const TYPE: &'static str = "OrderCancellationRequested";
    const VERSION: u32 = 1;
}

/// A cancellation could not be done (a parcel was delivered first): the order goes on
/// (CANCELLING → PAID, or it is FULFILLED already) and the customer may return what arrived.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderCancellationRefused {
    pub order_id: Uuid,
    pub customer_id: Uuid,
    pub reason: String,
}

impl Event for OrderCancellationRefused {
    const DOMAIN: &'static str = "orders";
    const TYPE: &'static str = "OrderCancellationRefused";
    const VERSION: u32 = 1;
}
