//! The returns domain's events (`crowdcrunch.returns.<Type>`), version 1.

use super::fulfillment::ItemLine;
use super::Event;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A customer (or staff) asked to send goods back (REQUESTED).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReturnRequested {
    pub return_id: Uuid,
    pub order_id: Uuid,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<Uuid>,
    pub lines: Vec<ItemLine>,
}

impl Event for ReturnRequested {
    const DOMAIN: &'static str = "returns";
    const TYPE: &'static str = "ReturnRequested";
    const VERSION: u32 = 1;
}

/// Staff accepted the return (APPROVED): payments refunds the returned lines at the prices
/// charged, from the payment the return names, else from the order's captured payment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReturnApproved {
    pub return_id: Uuid,
    pub order_id: Uuid,
    pub lines: Vec<ItemLine>,
    /// The payment the customer asked to be refunded to (`requestReturn`'s `paymentId`).
    /// Added within version 1: absent from earlier events, which refund the first payment
    /// with something left to refund.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_id: Option<Uuid>,
}

impl Event for ReturnApproved {
    const DOMAIN: &'static str = "returns";
    const TYPE: &'static str = "ReturnApproved";
    const VERSION: u32 = 1;
}

/// Staff refused the return (REJECTED).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReturnRejected {
    pub return_id: Uuid,
    pub order_id: Uuid,
    pub reason: String,
}

impl Event for ReturnRejected {
    const DOMAIN: &'static str = "returns";
    const TYPE: &'static str = "ReturnRejected";
    const VERSION: u32 = 1;
}

/// The refund of an approved return was recorded by payments (REFUNDED).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReturnRefunded {
    pub return_id: Uuid,
    pub order_id: Uuid,
}

impl Event for ReturnRefunded {
    const DOMAIN: &'static str = "returns";
    const TYPE: &'static str = "ReturnRefunded";
    const VERSION: u32 = 1;
}
