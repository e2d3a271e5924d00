//! Helpers shared by the fulfillment tests.

use fulfillment::Fulfillment;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use subgraph_kit::testing::{spawn_app, TestApp};

pub async fn app() -> TestApp {
    spawn_app::<Fulfillment>().await
}

pub const SHIPMENT_FIELDS: &str = "id order { id } lines { product { sku stock } quantity } \
    status carrier trackingNumber createdAt";

pub const ORDER_ID: &str = "3f1c8a52-0000-4000-8000-000000000001";

pub fn order_id(n: u32) -> String {
    format!("3f1c8a52-0000-4000-8000-{n:012}")
}

pub async fn adjust(app: &TestApp, sku: &str, delta: i32, key: &str) -> Value {
    app.gql(
        "mutation($sku: ID!, $delta: Int!, $key: String!) {
           adjustStock(sku: $sku, delta: $delta, idempotencyKey: $key) { sku stock } }",
        json!({"sku": sku, "delta": delta, "key": key}),
    )
    .await
}

/// Set up `stock` units of `sku` (one adjustment).
pub async fn stock_up(app: &TestApp, sku: &str, stock: i32) {
    let res = adjust(app, sku, stock, &format!("stock-{sku}-{stock}")).await;
    assert!(res["errors"].is_null(), "{res}");
}

pub async fn create(app: &TestApp, order_id: &str, lines: Value, key: &str) -> Value {
    app.gql(
        &format!(
            "mutation($input: CreateShipmentInput!, $key: String!) {{
               createShipment(input: $input, idempotencyKey: $key) {{ {SHIPMENT_FIELDS} }} }}"
        ),
        json!({"input": {"orderId": order_id, "carrier": "DHL", "lines": lines}, "key": key}),
    )
    .await
}

/// Create a shipment of one unit of `sku` (with a fresh idempotency key) and return its id.
pub async fn shipment_of(app: &TestApp, order_id: &str, sku: &str) -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let key = format!("ship-{}", NEXT.fetch_add(1, Ordering::SeqCst));
    let res = create(app, order_id, json!([{"sku": sku, "quantity": 1}]), &key).await;
    res["data"]["createShipment"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("createShipment failed: {res}"))
        .to_string()
}

pub async fn stock_of(app: &TestApp, sku: &str) -> i64 {
    sqlx::query_scalar::<_, i32>("SELECT stock FROM inventory WHERE sku = $1")
        .bind(sku)
        .fetch_optional(&app.pool)
        .await
        .expect("stock query")
        .map(i64::from)
        .unwrap_or(0)
}
