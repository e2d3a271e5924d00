use crate::{order_input, place, seeded_app, PLACE};
use futures::future::join_all;
use serde_json::json;
use subgraph_kit::ids;
use subgraph_kit::testing::error_code;

#[tokio::test]
async fn retry_with_same_key_returns_the_first_order() {
    let app = seeded_app().await;
    let first = place(&app, &[(1, 2)], "key-1").await;
    let again = place(&app, &[(1, 2)], "key-1").await;
    assert_eq!(first, again);
    assert_eq!(app.count("orders").await, ids::ORDERS as i64 + 1);
}

#[tokio::test]
async fn concurrent_retries_place_exactly_one_order() {
    let app = seeded_app().await;
    let vars = json!({"input": order_input(&[(1, 2), (5, 1)]), "key": "key-c"});
    let results = join_all((0..8).map(|_| app.gql(PLACE, vars.clone()))).await;
    let ids: Vec<_> = results
        .iter()
        .map(|r| {
            assert!(r["errors"].is_null(), "{r}");
            r["data"]["placeOrder"]["id"].clone()
        })
        .collect();
    assert!(ids.iter().all(|id| *id == ids[0]));
    assert_eq!(app.count("orders").await, ids::ORDERS as i64 + 1);
    assert_eq!(app.count("idempotency_keys").await, 1);
}

#[tokio::test]
async fn same_key_with_different_input_is_rejected() {
    let app = seeded_app().await;
    place(&app, &[(1, 2)], "key-r").await;
    let res = app
        .gql(
            PLACE,
            json!({"input": order_input(&[(1, 3)]), "key": "key-r"}),
        )
        .await;
    assert_eq!(error_code(&res), Some("IDEMPOTENCY_KEY_REUSED"));
    assert_eq!(app.count("orders").await, ids::ORDERS as i64 + 1);
}
