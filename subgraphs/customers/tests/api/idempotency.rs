use crate::{app, create, CREATE};
use futures::future::join_all;
use serde_json::json;
use subgraph_kit::testing::error_code;

#[tokio::test]
async fn retry_with_same_key_returns_the_first_customer() {
    let app = app().await;
    let first = create(&app, "ada@example.com", "Ada", "key-1").await;
    let again = create(&app, "ada@example.com", "Ada", "key-1").await;
    assert_eq!(first, again);
    assert_eq!(app.count("customers").await, 1);
}

#[tokio::test]
async fn concurrent_retries_create_exactly_one_customer() {
    let app = app().await;
    let vars = json!({"input": {"email": "ada@example.com", "name": "Ada"}, "key": "key-c"});
    let results = join_all((0..8).map(|_| app.gql(CREATE, vars.clone()))).await;
    let ids: Vec<_> = results
        .iter()
        .map(|r| {
            assert!(r["errors"].is_null(), "{r}");
            r["data"]["createCustomer"]["id"].clone()
        })
        .collect();
    assert!(ids.iter().all(|id| *id == ids[0]));
    assert_eq!(app.count("customers").await, 1);
    assert_eq!(app.count("idempotency_keys").await, 1);
}

#[tokio::test]
async fn same_key_with_different_input_is_rejected() {
    let app = app().await;
    create(&app, "ada@example.com", "Ada", "key-r").await;
    let res = app
        .gql(
            CREATE,
            json!({"input": {"email": "grace@example.com", "name": "Grace"}, "key": "key-r"}),
        )
        .await;
    assert_eq!(error_code(&res), Some("IDEMPOTENCY_KEY_REUSED"));
    assert_eq!(app.count("customers").await, 1);
}
