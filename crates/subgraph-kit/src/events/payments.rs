//! The payments domain's events (`crowdcrunch.payments.<Type>`), version 1. Amounts are minor
//! units of `currency`.

use super::Event;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The provider authorized `amount` for the order (payment AUTHORIZED).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentAuthorized {
    pub payment_id: Uuid,
    pub order_id: Uuid,
    pub amount: i64,
    pub currency: String,
}

impl Event for PaymentAuthorized {
    const DOMAIN: &'static str = "payments";
    const TYPE: &'static str = "PaymentAuthorized";
    const VERSION: u32 = 1;
}

/// The provider declined the authorization (payment FAILED).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentFailed {
    pub payment_id: Uuid,
    pub order_id: Uuid,
    /// Why, e.g. `declined`, `limit_exceeded`.
    pub reason: String,
}

impl Event for PaymentFailed {
    const DOMAIN: &'static str = "payments";
    const TYPE: &'static str = "PaymentFailed";
    const VERSION: u32 = 1;
}

/// The authorized amount was captured (payment CAPTURED).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentCaptured {
    pub payment_id: Uuid,
    pub order_id: Uuid,
    pub amount: i64,
    pub currency: String,
}

impl Event for PaymentCaptured {
    const DOMAIN: &'static str = "payments";
    const TYPE: &'static str = "PaymentCaptured";
    const VERSION: u32 = 1;
}

/// Part or all of a captured payment was refunded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentRefunded {
    pub payment_id: Uuid,
    pub order_id: Uuid,
    /// This refund.
    pub amount: i64,
    pub currency: String,
    /// Everything refunded on the payment so far, this refund included.
    pub refunded_total: i64,
    /// The return this refund pays back, when it was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_id: Option<Uuid>,
}

impl Event for PaymentRefunded {
    const DOMAIN: &'static str = "payments";
    const TYPE: &'static str = "PaymentRefunded";
    const VERSION: u32 = 1;
}

/// An approved return could not be refunded: nothing of the order's payments was left to
/// refund (refunded in full meanwhile). Returns rejects it instead of waiting for ever.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReturnRefundRefused {
    pub return_id: Uuid,
    pub order_id: Uuid,
    pub reason: String,
}

impl Event for ReturnRefundRefused {
    const DOMAIN: &'static str = "payments";
    const TYPE: &'static str = "ReturnRefundRefused";
    const VERSION: u32 = 1;
}

/// An authorization was released uncaptured because its order was cancelled (VOIDED).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentVoided {
    pub payment_id: Uuid,
    pub order_id: Uuid,
}

impl Event for PaymentVoided {
    const DOMAIN: &'static str = "payments";
    const TYPE: &'static str = "PaymentVoided";
    const VERSION: u32 = 1;
}
