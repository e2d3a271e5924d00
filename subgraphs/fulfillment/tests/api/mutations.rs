use crate::support::*;
use futures::future::join_all;
use serde_json::json;
use subgraph_kit::testing::error_code;

#[tokio::test(flavor = "multi_thread")]
async fn create_shipment_reserves_every_line() {
    let app = app().await;
    stock_up(&app, "SKU-A", 5).await;
    stock_up(&app, "SKU-B", 5).await;
    let res = create(
        &app,
        ORDER_ID,
        json!([{"sku": "SKU-A", "quantity": 2}, {"sku": "SKU-B", "quantity": 5}]),
        "k",
    )
    .await;
    let s = &res["data"]["createShipment"];
    assert_eq!(s["status"], "PENDING", "{res}");
    assert_eq!(s["lines"][1]["product"]["stock"], 0);
    assert_eq!(stock_of(&app, "SKU-A").await, 3);
    assert_eq!(stock_of(&app, "SKU-B").await, 0);
    assert_eq!(app.count("shipments").await, 1);
    assert_eq!(app.count("shipment_lines").await, 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_shipment_short_of_stock_on_any_line_reserves_nothing() {
    let app = app().await;
    stock_up(&app, "SKU-A", 5).await;
    stock_up(&app, "SKU-B", 1).await;
    let res = create(
        &app,
        ORDER_ID,
        json!([{"sku": "SKU-A", "quantity": 2}, {"sku": "SKU-B", "quantity": 2}]),
        "k",
    )
    .await;
    assert_eq!(error_code(&res), Some("INSUFFICIENT_STOCK"), "{res}");
    let unknown = create(
        &app,
        ORDER_ID,
        json!([{"sku": "SKU-NONE", "quantity": 1}]),
        "k2",
    )
    .await;
    assert_eq!(
        error_code(&unknown),
        Some("INSUFFICIENT_STOCK"),
        "{unknown}"
    );
    assert_eq!(stock_of(&app, "SKU-A").await, 5);
    assert_eq!(stock_of(&app, "SKU-B").await, 1);
    assert_eq!(app.count("shipments").await, 0);
    assert_eq!(app.count("shipment_lines").await, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_shipments_are_rejected_and_write_nothing() {
    let app = app().await;
    stock_up(&app, "SKU-A", 5).await;
    let keys_before = app.count("idempotency_keys").await;
    let line = json!([{"sku": "SKU-A", "quantity": 1}]);
    let cases = [
        json!({"orderId": ORDER_ID, "carrier": "DHL", "lines": []}),
        json!({"orderId": ORDER_ID, "carrier": "DHL", "lines": [{"sku": "SKU-A", "quantity": 0}]}),
        json!({"orderId": ORDER_ID, "carrier": "DHL", "lines": [{"sku": "SKU-A", "quantity": -1}]}),
        json!({"orderId": ORDER_ID, "carrier": "DHL", "lines": [{"sku": "SKU-A", "quantity": 1},
                                                                {"sku": "SKU-A", "quantity": 1}]}),
        json!({"orderId": ORDER_ID, "carrier": "DHL", "lines": [{"sku": "", "quantity": 1}]}),
        json!({"orderId": ORDER_ID, "carrier": "  ", "lines": line}),
        json!({"orderId": "not-an-id", "carrier": "DHL", "lines": line}),
    ];
    for input in cases {
        let res = app
            .gql(
                "mutation($input: CreateShipmentInput!) {
                   createShipment(input: $input, idempotencyKey: \"k\") { id } }",
                json!({ "input": input }),
            )
            .await;
        assert_eq!(error_code(&res), Some("BAD_USER_INPUT"), "{input}: {res}");
    }
    for (sku, delta) in [("SKU-A", 0), ("bad sku", 3)] {
        let res = adjust(&app, sku, delta, "adj").await;
        assert_eq!(error_code(&res), Some("BAD_USER_INPUT"), "{res}");
    }
    assert_eq!(app.count("shipments").await, 0);
    assert_eq!(app.count("idempotency_keys").await, keys_before);
    assert_eq!(stock_of(&app, "SKU-A").await, 5);
}

#[tokio::test(flavor = "multi_thread")]
async fn shipments_move_from_pending_to_shipped_to_delivered() {
    let app = app().await;
    stock_up(&app, "SKU-A", 5).await;
    let id = shipment_of(&app, ORDER_ID, "SKU-A").await;
    let ship = "mutation($id: ID!, $t: String!) { markShipped(id: $id, trackingNumber: $t) { status trackingNumber } }";
    let deliver = "mutation($id: ID!) { markDelivered(id: $id) { status trackingNumber } }";

    let early = app.gql(deliver, json!({"id": id})).await;
    assert_eq!(error_code(&early), Some("CONFLICT"), "{early}");
    let blank = app.gql(ship, json!({"id": id, "t": " "})).await;
    assert_eq!(error_code(&blank), Some("BAD_USER_INPUT"), "{blank}");

    let shipped = app
        .gql(ship, json!({"id": id, "t": "1Z999AA10123456784"}))
        .await;
    assert_eq!(
        shipped["data"]["markShipped"],
        json!({"status": "SHIPPED", "trackingNumber": "1Z999AA10123456784"})
    );
    let twice = app.gql(ship, json!({"id": id, "t": "OTHER"})).await;
    assert_eq!(error_code(&twice), Some("CONFLICT"), "{twice}");

    let delivered = app.gql(deliver, json!({"id": id})).await;
    assert_eq!(
        delivered["data"]["markDelivered"]["status"], "DELIVERED",
        "{delivered}"
    );
    let tracking: Option<String> =
        sqlx::query_scalar("SELECT tracking_number FROM shipments WHERE id = $1::uuid")
            .bind(&id)
            .fetch_one(&app.pool)
            .await
            .expect("row");
    assert_eq!(tracking.as_deref(), Some("1Z999AA10123456784"));

    let missing = app
        .gql(
            deliver,
            json!({"id": "00000000-0000-4000-8000-000000000000"}),
        )
        .await;
    assert_eq!(error_code(&missing), Some("NOT_FOUND"), "{missing}");
}

#[tokio::test(flavor = "multi_thread")]
async fn adjust_stock_adds_and_removes_but_never_below_zero() {
    let app = app().await;
    let up = adjust(&app, "SKU-A", 7, "a1").await;
    assert_eq!(
        up["data"]["adjustStock"],
        json!({"sku": "SKU-A", "stock": 7}),
        "{up}"
    );
    let down = adjust(&app, "SKU-A", -3, "a2").await;
    assert_eq!(down["data"]["adjustStock"]["stock"], 4, "{down}");
    let too_far = adjust(&app, "SKU-A", -5, "a3").await;
    assert_eq!(
        error_code(&too_far),
        Some("INSUFFICIENT_STOCK"),
        "{too_far}"
    );
    let new_negative = adjust(&app, "SKU-NEW", -1, "a4").await;
    assert_eq!(
        error_code(&new_negative),
        Some("INSUFFICIENT_STOCK"),
        "{new_negative}"
    );
    assert_eq!(stock_of(&app, "SKU-A").await, 4);
    assert_eq!(app.count("stock_adjustments").await, 2);
    assert_eq!(app.count("inventory").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_shipments_never_drive_stock_negative() {
    let app = app().await;
    stock_up(&app, "SKU-HOT", 5).await;
    let keys: Vec<String> = (0..10).map(|k| format!("race-{k}")).collect();
    let line = json!([{"sku": "SKU-HOT", "quantity": 1}]);
    let results = join_all(keys.iter().map(|k| create(&app, ORDER_ID, line.clone(), k))).await;
    let ok = results.iter().filter(|r| r["errors"].is_null()).count();
    let short = results
        .iter()
        .filter(|r| error_code(r) == Some("INSUFFICIENT_STOCK"))
        .count();
    assert_eq!((ok, short), (5, 5), "{results:?}");
    assert_eq!(stock_of(&app, "SKU-HOT").await, 0);
    assert_eq!(app.count("shipments").await, 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_multi_line_shipments_in_opposite_orders_do_not_deadlock() {
    let app = app().await;
    stock_up(&app, "SKU-X", 20).await;
    stock_up(&app, "SKU-Y", 20).await;
    let xy = json!([{"sku": "SKU-X", "quantity": 1}, {"sku": "SKU-Y", "quantity": 1}]);
    let yx = json!([{"sku": "SKU-Y", "quantity": 1}, {"sku": "SKU-X", "quantity": 1}]);
    let keys: Vec<String> = (0..10).map(|k| format!("xy-{k}")).collect();
    let results = join_all(keys.iter().enumerate().map(|(n, k)| {
        let lines = if n % 2 == 0 { xy.clone() } else { yx.clone() };
        create(&app, ORDER_ID, lines, k)
    }))
    .await;
    assert!(results.iter().all(|r| r["errors"].is_null()), "{results:?}");
    assert_eq!(stock_of(&app, "SKU-X").await, 10);
    assert_eq!(stock_of(&app, "SKU-Y").await, 10);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_same_key_and_input_replays_the_first_result() {
    let app = app().await;
    stock_up(&app, "SKU-A", 5).await;
    let line = json!([{"sku": "SKU-A", "quantity": 2}]);
    let first = create(&app, ORDER_ID, line.clone(), "same").await;
    let second = create(&app, ORDER_ID, line, "same").await;
    assert!(first["errors"].is_null(), "{first}");
    assert_eq!(
        first["data"]["createShipment"]["id"],
        second["data"]["createShipment"]["id"]
    );
    assert_eq!(app.count("shipments").await, 1);
    assert_eq!(stock_of(&app, "SKU-A").await, 3);

    let a1 = adjust(&app, "SKU-A", 10, "adj").await;
    let a2 = adjust(&app, "SKU-A", 10, "adj").await;
    assert_eq!(a1, a2);
    assert_eq!(stock_of(&app, "SKU-A").await, 13);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_retries_with_one_key_create_exactly_one_shipment() {
    let app = app().await;
    stock_up(&app, "SKU-A", 50).await;
    let line = json!([{"sku": "SKU-A", "quantity": 3}]);
    let results = join_all((0..8).map(|_| create(&app, ORDER_ID, line.clone(), "burst"))).await;
    let ids: Vec<&serde_json::Value> = results
        .iter()
        .map(|r| &r["data"]["createShipment"]["id"])
        .collect();
    assert!(
        ids.iter().all(|id| id.is_string() && *id == ids[0]),
        "{results:?}"
    );
    assert_eq!(app.count("shipments").await, 1);
    assert_eq!(stock_of(&app, "SKU-A").await, 47);

    let adjustments = join_all((0..8).map(|_| adjust(&app, "SKU-A", 1, "adj-burst"))).await;
    assert!(
        adjustments.iter().all(|r| r == &adjustments[0]),
        "{adjustments:?}"
    );
    assert_eq!(stock_of(&app, "SKU-A").await, 48);
}

#[tokio::test(flavor = "multi_thread")]
async fn reusing_a_key_with_different_input_is_refused() {
    let app = app().await;
    stock_up(&app, "SKU-A", 5).await;
    create(
        &app,
        ORDER_ID,
        json!([{"sku": "SKU-A", "quantity": 1}]),
        "k",
    )
    .await;
    let other = create(
        &app,
        ORDER_ID,
        json!([{"sku": "SKU-A", "quantity": 2}]),
        "k",
    )
    .await;
    assert_eq!(
        error_code(&other),
        Some("IDEMPOTENCY_KEY_REUSED"),
        "{other}"
    );
    let other = adjust(&app, "SKU-A", 3, "k").await;
    assert_eq!(
        error_code(&other),
        Some("IDEMPOTENCY_KEY_REUSED"),
        "{other}"
    );
    assert_eq!(app.count("shipments").await, 1);
    assert_eq!(stock_of(&app, "SKU-A").await, 4);
}
