//! Helpers shared by the returns tests.

use returns::events::Desk;
use returns::Returns;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use subgraph_kit::events::fulfillment::{ItemLine, ShipmentDelivered};
use subgraph_kit::events::orders::OrderPlaced;
use subgraph_kit::events::payments::PaymentCaptured;
use subgraph_kit::testing::{deliver, spawn_app, TestApp};
use uuid::Uuid;

pub async fn app() -> TestApp {
    spawn_app::<Returns>().await
}

pub const RETURN_FIELDS: &str =
    "id order { id } payment { id } lines { product { sku } quantity } \
    reason status rejectionReason createdAt";

pub const ORDER_ID: &str = "3f1c8a52-0000-4000-8000-000000000001";
pub const PAYMENT_ID: &str = "9a7d0c11-0000-4000-8000-000000000001";

pub fn uuid(prefix: &str, n: u32) -> String {
    format!("{prefix}-0000-4000-8000-{n:012}")
}

pub fn order_id(n: u32) -> String {
    uuid("3f1c8a52", n)
}

pub fn payment_id(n: u32) -> String {
    uuid("9a7d0c11", n)
}

/// Tell returns, as the other domains would, that order `order_id` of `customer` was placed
/// and 100 units of each of `skus` delivered, and that `payment_id` (if any) captured 1000.
pub async fn delivered_order(
    app: &TestApp,
    order_id: Uuid,
    customer: Uuid,
    skus: &[&str],
    payment_id: Option<Uuid>,
) {
    let placed = OrderPlaced {
        order_id,
        customer_id: customer,
        currency: "USD".into(),
        total: 1000,
        lines: vec![],
        placed_at: chrono::Utc::now(),
    };
    deliver(&app.pool, &Desk, &placed).await;
    let delivered = ShipmentDelivered {
        shipment_id: Uuid::new_v4(),
        order_id,
        lines: skus
            .iter()
            .map(|sku| ItemLine {
                sku: sku.to_string(),
                quantity: 100,
            })
            .collect(),
        order_delivered: true,
    };
    deliver(&app.pool, &Desk, &delivered).await;
    if let Some(payment_id) = payment_id {
        let captured = PaymentCaptured {
            payment_id,
            order_id,
            amount: 1000,
            currency: "USD".into(),
        };
        deliver(&app.pool, &Desk, &captured).await;
    }
}

/// `requestReturn` as staff, the order (when `input` names a valid one) first made known to
/// returns with 100 units of each SKU of `input` delivered and its payment captured.
pub async fn request(app: &TestApp, input: Value, key: &str) -> Value {
    let order = input["orderId"]
        .as_str()
        .and_then(|id| Uuid::parse_str(id).ok());
    if let Some(order) = order {
        let skus: Vec<&str> = input["lines"]
            .as_array()
            .map(|ls| ls.iter().filter_map(|l| l["sku"].as_str()).collect())
            .unwrap_or_default();
        let payment = input["paymentId"]
            .as_str()
            .and_then(|id| Uuid::parse_str(id).ok());
        delivered_order(app, order, Uuid::new_v4(), &skus, payment).await;
    }
    app.gql(
        &format!(
            "mutation($input: RequestReturnInput!, $key: String!) {{
               requestReturn(input: $input, idempotencyKey: $key) {{ {RETURN_FIELDS} }} }}"
        ),
        json!({"input": input, "key": key}),
    )
    .await
}

pub fn input(order_id: &str, payment_id: Option<&str>, qty: i32) -> Value {
    json!({"orderId": order_id, "paymentId": payment_id, "reason": "Wrong size",
           "lines": [{"sku": "SKU-0001", "quantity": qty}]})
}

/// Request a return (fresh key) and return its id.
pub async fn requested(app: &TestApp, order_id: &str, payment_id: Option<&str>) -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let key = format!("req-{}", NEXT.fetch_add(1, Ordering::SeqCst));
    let res = request(app, input(order_id, payment_id, 1), &key).await;
    res["data"]["requestReturn"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("requestReturn failed: {res}"))
        .to_string()
}

/// Run a review mutation (`approveReturn`, or `rejectReturn` with a reason) and return the
/// whole response.
pub async fn review(app: &TestApp, mutation: &str, id: &str, reason: Option<&str>) -> Value {
    let (args, vars) = match reason {
        Some(r) => ("id: $id, reason: $r", json!({"id": id, "r": r})),
        None => ("id: $id", json!({"id": id})),
    };
    let params = if reason.is_some() {
        "$id: ID!, $r: String!"
    } else {
        "$id: ID!"
    };
    app.gql(
        &format!("mutation({params}) {{ {mutation}({args}) {{ status rejectionReason }} }}"),
        vars,
    )
    .await
}
