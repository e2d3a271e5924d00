//! Integration tests of the customers subgraph over real HTTP against the real PostgreSQL.

#[path = "api/entities.rs"]
mod entities;
#[path = "api/http.rs"]
mod http;
#[path = "api/idempotency.rs"]
mod idempotency;
#[path = "api/mutations.rs"]
mod mutations;
#[path = "api/notifications.rs"]
mod notifications;
#[path = "api/queries.rs"]
mod queries;
#[path = "api/schema_and_seed.rs"]
mod schema_and_seed;

use customers::Customers;
use serde_json::{json, Value};
use subgraph_kit::testing::{spawn_app, spawn_app_with, StatementCounter, TestApp};

pub const CREATE: &str = "mutation($input: CreateCustomerInput!, $key: String!) {
    createCustomer(input: $input, idempotencyKey: $key) { id email name createdAt }
}";

pub async fn app() -> TestApp {
    spawn_app::<Customers>().await
}

pub async fn seeded_app() -> TestApp {
    spawn_app_with::<Customers>(true).await
}

/// Create a customer and return its `createCustomer` object, failing on any error.
pub async fn create(app: &TestApp, email: &str, name: &str, key: &str) -> Value {
    let res = app
        .gql(
            CREATE,
            json!({"input": {"email": email, "name": name}, "key": key}),
        )
        .await;
    assert!(res["errors"].is_null(), "createCustomer failed: {res}");
    res["data"]["createCustomer"].clone()
}

/// Count sqlx statements on this thread while the guard lives.
pub fn count_statements() -> (StatementCounter, subgraph_kit::testing::CounterGuard) {
    StatementCounter::install()
}
