use crate::{counts, order_input, seeded_app, PLACE};
use serde_json::json;
use subgraph_kit::ids;
use subgraph_kit::testing::error_code;

#[tokio::test]
async fn invalid_orders_are_rejected_and_write_nothing() {
    let app = seeded_app().await;
    let before = counts(&app).await;
    let mut unknown_sku = order_input(&[(1, 1)]);
    unknown_sku["lines"][0]["sku"] = json!("SKU-NOPE");
    let mut bad_currency = order_input(&[(1, 1)]);
    bad_currency["currency"] = json!("usd");
    let mut other_currency = order_input(&[(1, 1)]);
    other_currency["currency"] = json!("EUR");
    let mut bad_customer = order_input(&[(1, 1)]);
    bad_customer["customerId"] = json!("not-a-uuid");
    let cases = [
        ("unknown sku", unknown_sku),
        ("empty order", order_input(&[])),
        ("zero quantity", order_input(&[(1, 0)])),
        ("negative quantity", order_input(&[(1, 1), (2, -3)])),
        ("malformed currency", bad_currency),
        ("currency the catalog does not price in", other_currency),
        ("malformed customer id", bad_customer),
    ];
    for (what, input) in cases {
        let res = app
            .gql(PLACE, json!({"input": input, "key": "same-key"}))
            .await;
        assert_eq!(error_code(&res), Some("BAD_USER_INPUT"), "{what}: {res}");
    }
    let blank_key = app
        .gql(PLACE, json!({"input": order_input(&[(1, 1)]), "key": ""}))
        .await;
    assert_eq!(error_code(&blank_key), Some("BAD_USER_INPUT"));
    assert_eq!(counts(&app).await, before);
}

#[tokio::test]
async fn a_rejected_order_does_not_burn_its_idempotency_key() {
    let app = seeded_app().await;
    let mut input = order_input(&[(1, 1)]);
    input["lines"][0]["sku"] = json!("SKU-NOPE");
    let res = app.gql(PLACE, json!({"input": input, "key": "k"})).await;
    assert_eq!(error_code(&res), Some("BAD_USER_INPUT"));
    // Once the catalog has the product, the same request with the same key succeeds.
    sqlx::query("INSERT INTO products (sku, name, price_amount, currency) VALUES ('SKU-NOPE', 'New', 100, 'USD')")
        .execute(&app.pool)
        .await
        .unwrap();
    let res = app.gql(PLACE, json!({"input": input, "key": "k"})).await;
    assert!(res["errors"].is_null(), "{res}");
    assert_eq!(res["data"]["placeOrder"]["total"]["amount"], "100");
    assert_eq!(app.count("orders").await, ids::ORDERS as i64 + 1);
}
