//! The fulfillment domain's events (`crowdcrunch.fulfillment.<Type>`), version 1.

use super::Event;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A product line: `quantity` units of `sku`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemLine {
    pub sku: String,
    pub quantity: i32,
}

/// Every line of a placed order was taken out of stock for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StockReserved {
    pub order_id: Uuid,
}

impl Event for StockReserved {
    const DOMAIN: &'static str = "fulfillment";
    const TYPE: &'static str = "StockReserved";
    const VERSION: u32 = 1;
}

/// A placed order could not be reserved (nothing was taken): the order cannot be fulfilled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StockRejected {
    pub order_id: Uuid,
    /// Why, e.g. `not enough stock of SKU-0001`.
    pub reason: String,
}

impl Event for StockRejected {
    const DOMAIN: &'static str = "fulfillment";
    const TYPE: &'static str = "StockRejected";
    const VERSION: u32 = 1;
}

/// A PENDING shipment was created for (part of) an order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShipmentCreated {
    pub shipment_id: Uuid,
    pub order_id: Uuid,
    pub carrier: String,
    pub lines: Vec<ItemLine>,
}

impl Event for ShipmentCreated {
    const DOMAIN: &'static str = "fulfillment";
    const TYPE: &'static str = "ShipmentCreated";
    const VERSION: u32 = 1;
}

/// The carrier took the parcel (SHIPPED).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShipmentShipped {
    pub shipment_id: Uuid,
    pub order_id: Uuid,
    pub tracking_number: String,
}

impl Event for ShipmentShipped {
    const DOMAIN: &'static str = "fulfillment";
    const TYPE: &'static str = "ShipmentShipped";
    const VERSION: u32 = 1;
}

/// The parcel arrived (DELIVERED). `order_delivered`: every ordered unit has now been delivered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShipmentDelivered {
    pub shipment_id: Uuid,
    pub order_id: Uuid,
    pub lines: Vec<ItemLine>,
    pub order_delivered: bool,
}

impl Event for ShipmentDelivered {
    const DOMAIN: &'static str = "fulfillment";
    const TYPE: &'static str = "ShipmentDelivered";
    const VERSION: u32 = 1;
}

/// Fulfillment's answer to an `OrderCancellationRequested`: no parcel of the order was
/// delivered, and every other one is stopped (PENDING cancelled, SHIPPED recalled) with its
/// stock back. Orders may now cancel the order (and payments then refunds it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CancellationConfirmed {
    pub order_id: Uuid,
}

impl Event for CancellationConfirmed {
    const DOMAIN: &'static str = "fulfillment";
    const TYPE: &'static str = "CancellationConfirmed";
    const VERSION: u32 = 1;
}

/// Fulfillment's answer to an `OrderCancellationRequested` when a parcel of the order was
/// delivered already: nothing was stopped, and the order goes on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CancellationRefused {
    pub order_id: Uuid,
    pub reason: String,
}

impl Event for CancellationRefused {
    const DOMAIN: &'static str = "fulfillment";
    const TYPE: &'static str = "CancellationRefused";
    const VERSION: u32 = 1;
}
