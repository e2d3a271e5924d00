//! Helpers shared by the returns tests.

use returns::Returns;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use subgraph_kit::testing::{spawn_app, TestApp};

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

pub async fn request(app: &TestApp, input: Value, key: &str) -> Value {
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

/// Run a review mutation (`approveReturn`, `markReturnRefunded`, or `rejectReturn` with a
/// reason) and return the whole response.
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
