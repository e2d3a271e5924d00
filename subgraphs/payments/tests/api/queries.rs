use crate::support::*;
use payments::Payments;
use serde_json::json;
use subgraph_kit::ids;
use subgraph_kit::testing::{error_code, spawn_app_with};

#[tokio::test(flavor = "multi_thread")]
async fn committed_schema_matches_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql");
    let sdl = payments::sdl();
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(path, &sdl).expect("write schema.graphql");
        return;
    }
    let committed = std::fs::read_to_string(path).expect("read schema.graphql");
    assert_eq!(
        committed, sdl,
        "schema.graphql drifted: rerun with UPDATE_SCHEMA=1"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn payment_query_returns_the_payment_or_null() {
    let app = app().await;
    let id = captured_payment(&app, ORDER_ID, 1234).await;
    let q = format!("query($id: ID!) {{ payment(id: $id) {{ {PAYMENT_FIELDS} }} }}");
    let res = app.gql(&q, json!({"id": id})).await;
    let p = &res["data"]["payment"];
    assert_eq!(p["status"], "CAPTURED", "{res}");
    assert_eq!(
        p["capturedAmount"],
        json!({"amount": "1234", "currency": "USD"})
    );
    assert_eq!(p["refundedAmount"]["amount"], "0");
    assert!(p["createdAt"].as_str().is_some_and(|t| t.contains('T')));

    let none = app
        .gql(&q, json!({"id": "00000000-0000-4000-8000-000000000000"}))
        .await;
    assert!(
        none["errors"].is_null() && none["data"]["payment"].is_null(),
        "{none}"
    );
    let bad = app.gql(&q, json!({"id": "x"})).await;
    assert_eq!(error_code(&bad), Some("BAD_USER_INPUT"), "{bad}");

    // Outside `_entities`, an order's payments come through the batch loader: two declined
    // attempts (over the card limit) on one order, oldest first.
    let declined = "3f1c8a52-0000-4000-8000-000000000099";
    let tries: Vec<String> = [
        authorize(&app, declined, 5_000_001, "try-1").await,
        authorize(&app, declined, 5_000_001, "try-2").await,
    ]
    .iter()
    .map(|r| {
        r["data"]["authorizePayment"]["id"]
            .as_str()
            .expect("a payment")
            .to_string()
    })
    .collect();
    let nested = app
        .gql(
            "query($id: ID!) { payment(id: $id) { order { payments { id status } } } }",
            json!({"id": tries[0]}),
        )
        .await;
    assert_eq!(
        nested["data"]["payment"]["order"]["payments"],
        json!([{"id": tries[0], "status": "FAILED"}, {"id": tries[1], "status": "FAILED"}]),
        "{nested}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn seed_loads_the_demo_payments_once() {
    let app = spawn_app_with::<Payments>(true).await;
    // Paid orders have their captured payment; the others none (the lifecycle's rule).
    let paid = (0..ids::ORDERS).filter(|&i| ids::order_is_paid(i)).count() as i64;
    assert!(paid > 300, "the demo data has paid orders: {paid}");
    assert_eq!(app.count("payments").await, paid);
    let refunds = app.count("refunds").await;
    assert!(refunds > 0 && refunds < paid, "{refunds}");

    // Seeding again is a no-op.
    <Payments as subgraph_kit::server::Subgraph>::seed(&app.pool)
        .await
        .expect("second seed");
    assert_eq!(app.count("payments").await, paid);

    // Demo payment i belongs to demo order i and captured the order's total.
    let i = (0..ids::ORDERS)
        .find(|&i| ids::order_is_paid(i) && !ids::order_has_return(i))
        .expect("a paid order");
    let q =
        "query($id: ID!) { payment(id: $id) { order { id } status capturedAmount { amount } } }";
    let res = app.gql(q, json!({"id": ids::payment_id(i)})).await;
    let p = &res["data"]["payment"];
    assert_eq!(p["order"]["id"], ids::order_id(i).to_string(), "{res}");
    assert_eq!(p["status"], "CAPTURED");
    assert_eq!(
        p["capturedAmount"]["amount"],
        ids::order_total(i).to_string()
    );
}
