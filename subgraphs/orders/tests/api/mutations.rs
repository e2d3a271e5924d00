use crate::{place, seeded_app};
use serde_json::{json, Value};
use subgraph_kit::ids;
use subgraph_kit::testing::{error_code, TestApp};

async fn transition(app: &TestApp, mutation: &str, id: &Value) -> Value {
    let q = format!("mutation($id: ID!) {{ {mutation}(id: $id) {{ id status }} }}");
    app.gql(&q, json!({"id": id})).await
}

#[tokio::test]
async fn place_order_prices_lines_from_the_catalog() {
    let app = seeded_app().await;
    let before = app.count("orders").await;
    let order = place(&app, &[(1, 2), (7, 1)], "k1").await;
    let expected = ids::product_price(1) * 2 + ids::product_price(7);
    assert_eq!(
        order["total"],
        json!({"amount": expected.to_string(), "currency": "USD"})
    );
    assert_eq!(order["status"], "PLACED");
    assert_eq!(order["customer"]["id"], ids::customer_id(0).to_string());
    assert_eq!(
        order["lines"][0]["unitPrice"]["amount"],
        ids::product_price(1).to_string()
    );
    assert_eq!(
        order["lines"][0]["lineTotal"]["amount"],
        (ids::product_price(1) * 2).to_string()
    );
    assert_eq!(
        order["lines"][1]["product"]["name"],
        orders::seed::demo_product_name(7)
    );
    assert_eq!(app.count("orders").await, before + 1);
    // What the mutation returned is what a later read sees.
    let q = "query($id: ID!) { order(id: $id) { total { amount } lines { quantity } } }";
    let read = app.gql(q, json!({"id": order["id"]})).await;
    assert_eq!(
        read["data"]["order"]["total"]["amount"],
        expected.to_string()
    );
    assert_eq!(
        read["data"]["order"]["lines"],
        json!([{"quantity": 2}, {"quantity": 1}])
    );
}

#[tokio::test]
async fn repeated_skus_on_one_order_are_merged_into_one_line() {
    let app = seeded_app().await;
    let order = place(&app, &[(4, 1), (4, 2)], "k-merge").await;
    assert_eq!(order["lines"].as_array().unwrap().len(), 1);
    assert_eq!(order["lines"][0]["quantity"], 3);
}

#[tokio::test]
async fn orders_move_from_placed_to_paid_to_fulfilled() {
    let app = seeded_app().await;
    let order = place(&app, &[(2, 1)], "k1").await;
    let paid = transition(&app, "markOrderPaid", &order["id"]).await;
    assert_eq!(paid["data"]["markOrderPaid"]["status"], "PAID");
    let done = transition(&app, "markOrderFulfilled", &order["id"]).await;
    assert_eq!(done["data"]["markOrderFulfilled"]["status"], "FULFILLED");
}

#[tokio::test]
async fn placed_and_paid_orders_can_be_cancelled() {
    let app = seeded_app().await;
    let placed = place(&app, &[(2, 1)], "k1").await;
    let res = transition(&app, "cancelOrder", &placed["id"]).await;
    assert_eq!(res["data"]["cancelOrder"]["status"], "CANCELLED");
    let paid = place(&app, &[(3, 1)], "k2").await;
    transition(&app, "markOrderPaid", &paid["id"]).await;
    let res = transition(&app, "cancelOrder", &paid["id"]).await;
    assert_eq!(res["data"]["cancelOrder"]["status"], "CANCELLED");
}

#[tokio::test]
async fn transitions_from_the_wrong_state_are_conflicts_and_change_nothing() {
    let app = seeded_app().await;
    let order = place(&app, &[(2, 1)], "k1").await;
    let early = transition(&app, "markOrderFulfilled", &order["id"]).await;
    assert_eq!(error_code(&early), Some("CONFLICT"));
    transition(&app, "cancelOrder", &order["id"]).await;
    for mutation in ["cancelOrder", "markOrderPaid", "markOrderFulfilled"] {
        let res = transition(&app, mutation, &order["id"]).await;
        assert_eq!(
            error_code(&res),
            Some("CONFLICT"),
            "{mutation} on a cancelled order"
        );
    }
    let status: String = sqlx::query_scalar("SELECT status FROM orders WHERE id = $1::uuid")
        .bind(order["id"].as_str().unwrap())
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(status, "CANCELLED");
}

#[tokio::test]
async fn fulfilled_orders_cannot_be_cancelled() {
    let app = seeded_app().await;
    let i = (0..ids::ORDERS)
        .find(|&i| ids::order_status(i) == "FULFILLED")
        .unwrap();
    let res = transition(&app, "cancelOrder", &json!(ids::order_id(i))).await;
    assert_eq!(error_code(&res), Some("CONFLICT"));
}

#[tokio::test]
async fn transitions_of_unknown_or_malformed_ids_fail() {
    let app = seeded_app().await;
    let unknown = transition(&app, "cancelOrder", &json!(uuid::Uuid::new_v4())).await;
    assert_eq!(error_code(&unknown), Some("NOT_FOUND"));
    let malformed = transition(&app, "markOrderPaid", &json!("nope")).await;
    assert_eq!(error_code(&malformed), Some("BAD_USER_INPUT"));
}

#[tokio::test]
async fn concurrent_cancels_succeed_exactly_once() {
    let app = seeded_app().await;
    let order = place(&app, &[(2, 1)], "k1").await;
    let attempts =
        futures::future::join_all((0..8).map(|_| transition(&app, "cancelOrder", &order["id"])))
            .await;
    let won = attempts.iter().filter(|r| r["errors"].is_null()).count();
    let conflicts = attempts
        .iter()
        .filter(|r| error_code(r) == Some("CONFLICT"))
        .count();
    assert_eq!((won, conflicts), (1, 7));
}
