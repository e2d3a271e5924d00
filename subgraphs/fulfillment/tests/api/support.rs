//! Helpers shared by the fulfillment tests.

use fulfillment::events::Warehouse;
use fulfillment::Fulfillment;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use subgraph_kit::events::orders::{OrderPaid, OrderPlaced, OrderPlacedLine};
use subgraph_kit::testing::{deliver, spawn_app, TestApp};
use uuid::Uuid;

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

/// Make `sku` a product this service stocks, with none on hand: what the seed does for each
/// catalog SKU. `adjustStock` and shipments know no other SKU.
pub async fn catalog(app: &TestApp, sku: &str) {
    sqlx::query("INSERT INTO inventory (sku, stock) VALUES ($1, 0) ON CONFLICT DO NOTHING")
        .bind(sku)
        .execute(&app.pool)
        .await
        .expect("insert inventory row");
}

/// Set up `stock` units of `sku` (a catalog SKU, then one adjustment).
pub async fn stock_up(app: &TestApp, sku: &str, stock: i32) {
    catalog(app, sku).await;
    let res = adjust(app, sku, stock, &format!("stock-{sku}-{stock}")).await;
    assert!(res["errors"].is_null(), "{res}");
}

/// What fulfillment does with orders' events; `auto_ship: false` leaves a paid order to
/// staff's `createShipment`.
pub const MANUAL: Warehouse = Warehouse { auto_ship: false };

/// Tell fulfillment, as the orders domain would, that order `order_id` was placed with
/// `lines` (sku, quantity), which reserves them if the stock is there.
pub async fn placed(app: &TestApp, order_id: &str, lines: &[(&str, i32)], customer: Uuid) {
    let event = OrderPlaced {
        order_id: Uuid::parse_str(order_id).expect("an order id"),
        customer_id: customer,
        currency: "USD".into(),
        total: 100,
        lines: lines
            .iter()
            .map(|(sku, quantity)| OrderPlacedLine {
                sku: sku.to_string(),
                quantity: *quantity,
                unit_price: 1,
            })
            .collect(),
        placed_at: chrono::Utc::now(),
    };
    deliver(&app.pool, &MANUAL, &event).await;
}

/// Tell fulfillment order `order_id` was paid.
pub async fn paid(app: &TestApp, warehouse: &Warehouse, order_id: &str, customer: Uuid) {
    let event = OrderPaid {
        order_id: Uuid::parse_str(order_id).expect("an order id"),
        customer_id: customer,
        payment_id: Uuid::new_v4(),
    };
    deliver(&app.pool, warehouse, &event).await;
}

/// Make `order_id` a PAID order fulfillment knows, with 100 units of each of `skus` ordered
/// and none shipped (an order known already keeps its lines).
pub async fn paid_order(app: &TestApp, order_id: &str, skus: &[&str]) {
    let lines: Vec<(&str, i32)> = skus.iter().map(|sku| (*sku, 100)).collect();
    let customer = Uuid::new_v4();
    placed(app, order_id, &lines, customer).await;
    paid(app, &MANUAL, order_id, customer).await;
}

/// `createShipment` of `lines` for `order_id` (made a paid order of their SKUs first).
pub async fn create(app: &TestApp, order_id: &str, lines: Value, key: &str) -> Value {
    let skus: Vec<&str> = lines
        .as_array()
        .map(|ls| ls.iter().filter_map(|l| l["sku"].as_str()).collect())
        .unwrap_or_default();
    paid_order(app, order_id, &skus).await;
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

/// Types of the events in the outbox, oldest first.
pub async fn outbox_types(app: &TestApp) -> Vec<String> {
    sqlx::query_scalar("SELECT envelope->>'type' FROM outbox ORDER BY seq")
        .fetch_all(&app.pool)
        .await
        .expect("outbox")
}
