//! Helpers shared by the payments tests.

use payments::domain::provider::Provider;
use payments::events::Ledger;
use payments::Payments;
use serde_json::{json, Value};
use subgraph_kit::events::orders::OrderPlaced;
use subgraph_kit::testing::{deliver, spawn_app, TestApp};
use uuid::Uuid;

pub async fn app() -> TestApp {
    spawn_app::<Payments>().await
}

pub const PAYMENT_FIELDS: &str = "id order { id } amount { amount currency } \
    capturedAmount { amount currency } refundedAmount { amount currency } status method createdAt";

pub const ORDER_ID: &str = "3f1c8a52-0000-4000-8000-000000000001";

/// What payments does with events, as its consumer runs it.
pub fn ledger() -> Ledger {
    Ledger {
        provider: Provider::default(),
    }
}

/// Make payments know order `order_id` of `customer`, `total` USD, as the orders domain's
/// `OrderPlaced` tells it (an order already known stays as it is).
pub async fn know_order(app: &TestApp, order_id: &str, total: i64, customer: Uuid) {
    let event = OrderPlaced {
        order_id: Uuid::parse_str(order_id).expect("an order id"),
        customer_id: customer,
        currency: "USD".into(),
        total,
        lines: vec![],
        placed_at: chrono::Utc::now(),
    };
    deliver(&app.pool, &ledger(), &event).await;
}

/// Authorize `amount` USD by card for `order_id` as staff, the order known to payments with
/// that total (unless it was known already); returns the whole response.
pub async fn authorize(app: &TestApp, order_id: &str, amount: i64, key: &str) -> Value {
    know_order(app, order_id, amount, Uuid::new_v4()).await;
    app.gql(
        &format!(
            "mutation($input: AuthorizePaymentInput!, $key: String!) {{
               authorizePayment(input: $input, idempotencyKey: $key) {{ {PAYMENT_FIELDS} }} }}"
        ),
        json!({
            "input": {"orderId": order_id, "amount": amount.to_string(), "currency": "USD",
                      "method": "CARD"},
            "key": key
        }),
    )
    .await
}

/// Authorize and capture `amount`; returns the payment id.
pub async fn captured_payment(app: &TestApp, order_id: &str, amount: i64) -> String {
    let auth = authorize(app, order_id, amount, &format!("auth-{order_id}-{amount}")).await;
    let id = auth["data"]["authorizePayment"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("authorize failed: {auth}"))
        .to_string();
    let cap = capture(app, &id, &format!("cap-{id}")).await;
    assert_eq!(cap["data"]["capturePayment"]["status"], "CAPTURED", "{cap}");
    id
}

pub async fn capture(app: &TestApp, id: &str, key: &str) -> Value {
    app.gql(
        &format!(
            "mutation($id: ID!, $key: String!) {{
               capturePayment(id: $id, idempotencyKey: $key) {{ {PAYMENT_FIELDS} }} }}"
        ),
        json!({"id": id, "key": key}),
    )
    .await
}

pub async fn refund(app: &TestApp, id: &str, amount: i64, key: &str) -> Value {
    app.gql(
        &format!(
            "mutation($id: ID!, $amount: Int64!, $key: String!) {{
               refundPayment(id: $id, amount: $amount, idempotencyKey: $key) {{ {PAYMENT_FIELDS} }} }}"
        ),
        json!({"id": id, "amount": amount.to_string(), "key": key}),
    )
    .await
}
