//! Integration tests of the orders subgraph over real HTTP against the real PostgreSQL.

#[path = "api/customers.rs"]
mod customers;
#[path = "api/entities.rs"]
mod entities;
#[path = "api/events.rs"]
mod events;
#[path = "api/idempotency.rs"]
mod idempotency;
#[path = "api/metrics.rs"]
mod metrics;
#[path = "api/mutations.rs"]
mod mutations;
#[path = "api/queries.rs"]
mod queries;
#[path = "api/schema_and_seed.rs"]
mod schema_and_seed;
#[path = "api/validation.rs"]
mod validation;

use orders::Orders;
use serde_json::{json, Value};
use subgraph_kit::ids;
use subgraph_kit::testing::{spawn_app_with, StatementCounter, TestApp};

pub const PLACE: &str = "mutation($input: PlaceOrderInput!, $key: String!) {
    placeOrder(input: $input, idempotencyKey: $key) {
        id customer { id } status placedAt total { amount currency }
        lines { product { sku name price { amount currency } } quantity
                unitPrice { amount currency } lineTotal { amount currency } } } }";

/// The orders subgraph on a fresh database holding the demo catalog and orders.
pub async fn seeded_app() -> TestApp {
    spawn_app_with::<Orders>(true).await
}

/// A `placeOrder` input for demo customer 0 buying `(product index, quantity)` lines.
pub fn order_input(lines: &[(usize, i32)]) -> Value {
    let lines: Vec<Value> = lines
        .iter()
        .map(|&(p, q)| json!({"sku": ids::product_sku(p), "quantity": q}))
        .collect();
    json!({"customerId": ids::customer_id(0), "currency": "USD", "lines": lines})
}

/// A `placeOrder` input for demo customer 0 in `currency` with `(sku, quantity)` lines.
pub fn place_input(currency: &str, lines: &[(&str, i32)]) -> Value {
    let lines: Vec<Value> = lines
        .iter()
        .map(|&(sku, q)| json!({"sku": sku, "quantity": q}))
        .collect();
    json!({"customerId": ids::customer_id(0), "currency": currency, "lines": lines})
}

/// Place an order and return the `placeOrder` object, failing on any error.
pub async fn place(app: &TestApp, lines: &[(usize, i32)], key: &str) -> Value {
    let res = app
        .gql(PLACE, json!({"input": order_input(lines), "key": key}))
        .await;
    assert!(res["errors"].is_null(), "placeOrder failed: {res}");
    res["data"]["placeOrder"].clone()
}

/// Row counts of every table a rejected mutation must leave alone.
pub async fn counts(app: &TestApp) -> [i64; 4] {
    [
        app.count("orders").await,
        app.count("order_lines").await,
        app.count("products").await,
        app.count("idempotency_keys").await,
    ]
}

/// Count sqlx statements on this thread while the guard lives.
pub fn count_statements() -> (StatementCounter, subgraph_kit::testing::CounterGuard) {
    StatementCounter::install()
}
