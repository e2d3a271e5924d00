//! Fulfillment's mutations: shipments staff create and move, stock adjustments, and their
//! idempotency keys.

use crate::support::*;
use futures::future::join_all;
use serde_json::json;
use subgraph_kit::testing::error_code;
use uuid::Uuid;

#[tokio::test(flavor = "multi_thread")]
async fn a_shipment_must_fit_a_known_paid_order() {
    let app = app().await;
    let one = json!([{"sku": "SKU-A", "quantity": 1}]);
    let unknown = app
        .gql(
            "mutation($input: CreateShipmentInput!) {
               createShipment(input: $input, idempotencyKey: \"k0\") { id } }",
            json!({"input": {"orderId": order_id(9), "carrier": "DHL", "lines": one}}),
        )
        .await;
    assert_eq!(error_code(&unknown), Some("NOT_YET_KNOWN"), "{unknown}");
    placed(&app, &order_id(3), &[("SKU-A", 2)], Uuid::new_v4()).await;
    let unpaid = app
        .gql(
            "mutation($input: CreateShipmentInput!) {
               createShipment(input: $input, idempotencyKey: \"k1\") { id } }",
            json!({"input": {"orderId": order_id(3), "carrier": "DHL", "lines": one}}),
        )
        .await;
    assert_eq!(error_code(&unpaid), Some("CONFLICT"), "{unpaid}");
    paid_order(&app, ORDER_ID, &["SKU-A"]).await;
    for (lines, key) in [
        (json!([{"sku": "SKU-A", "quantity": 101}]), "k2"),
        (json!([{"sku": "BOGUS", "quantity": 1}]), "k3"),
    ] {
        let res = app
            .gql(
                "mutation($input: CreateShipmentInput!, $key: String!) {
                   createShipment(input: $input, idempotencyKey: $key) { id } }",
                json!({"input": {"orderId": ORDER_ID, "carrier": "DHL", "lines": lines},
                       "key": key}),
            )
            .await;
        assert_eq!(error_code(&res), Some("BAD_USER_INPUT"), "{res}");
    }
    let ok = create(
        &app,
        ORDER_ID,
        json!([{"sku": "SKU-A", "quantity": 60}]),
        "k4",
    )
    .await;
    assert!(ok["errors"].is_null(), "{ok}");
    let over = create(
        &app,
        ORDER_ID,
        json!([{"sku": "SKU-A", "quantity": 41}]),
        "k5",
    )
    .await;
    assert_eq!(error_code(&over), Some("BAD_USER_INPUT"), "{over}");
    assert_eq!(app.count("shipments").await, 1);
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
    catalog(&app, "SKU-A").await;
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
    assert_eq!(stock_of(&app, "SKU-A").await, 4);
    assert_eq!(app.count("stock_adjustments").await, 2);
    assert_eq!(app.count("inventory").await, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn adjusting_an_unknown_sku_is_not_found_and_writes_nothing() {
    let app = app().await;
    catalog(&app, "SKU-A").await;
    let keys_before = app.count("idempotency_keys").await;
    for (delta, key) in [(5, "u1"), (-1, "u2")] {
        let res = adjust(&app, "SKU-BOGUS", delta, key).await;
        assert_eq!(error_code(&res), Some("NOT_FOUND"), "{res}");
        assert!(res["data"].is_null(), "{res}");
        // A replay of the key finds no stored result: it runs again and fails again.
        let replay = adjust(&app, "SKU-BOGUS", delta, key).await;
        assert_eq!(replay, res);
    }
    assert_eq!(app.count("inventory").await, 1);
    assert_eq!(app.count("stock_adjustments").await, 0);
    assert_eq!(app.count("idempotency_keys").await, keys_before);
    // The key is free for the write it was meant for.
    let ok = adjust(&app, "SKU-A", 5, "u1").await;
    assert_eq!(ok["data"]["adjustStock"]["stock"], 5, "{ok}");
}

#[tokio::test(flavor = "multi_thread")]
async fn adjustments_that_would_overflow_are_bad_input_and_write_nothing() {
    let app = app().await;
    stock_up(&app, "SKU-A", 5).await;
    let keys_before = app.count("idempotency_keys").await;
    let adjustments_before = app.count("stock_adjustments").await;
    // Int's extremes, then past Int (refused by the type itself).
    for (delta, key) in [(i32::MAX, "o1"), (i32::MIN, "o2"), (-i32::MAX, "o3")] {
        let res = adjust(&app, "SKU-A", delta, key).await;
        assert_eq!(error_code(&res), Some("BAD_USER_INPUT"), "{delta}: {res}");
    }
    for literal in ["2147483648", "-2147483649", "1.5", "true", "\"1\""] {
        let res = app
            .gql(
                &format!(
                    "mutation {{ adjustStock(sku: \"SKU-A\", delta: {literal}, \
                     idempotencyKey: \"o4\") {{ stock }} }}"
                ),
                json!({}),
            )
            .await;
        assert_eq!(error_code(&res), Some("BAD_USER_INPUT"), "{literal}: {res}");
    }
    // Up to the ceiling one step at a time would take 1,000 calls: set it, then go past.
    sqlx::query("UPDATE inventory SET stock = $1 WHERE sku = 'SKU-A'")
        .bind(fulfillment::domain::MAX_STOCK)
        .execute(&app.pool)
        .await
        .expect("set stock");
    let past = adjust(&app, "SKU-A", 1, "o5").await;
    assert_eq!(error_code(&past), Some("BAD_USER_INPUT"), "{past}");
    assert_eq!(
        stock_of(&app, "SKU-A").await,
        i64::from(fulfillment::domain::MAX_STOCK)
    );
    assert_eq!(app.count("idempotency_keys").await, keys_before);
    assert_eq!(app.count("stock_adjustments").await, adjustments_before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_orders_never_drive_stock_negative() {
    let app = app().await;
    stock_up(&app, "SKU-HOT", 5).await;
    let orders: Vec<String> = (0..10).map(|n| order_id(100 + n)).collect();
    join_all(
        orders
            .iter()
            .map(|o| placed(&app, o, &[("SKU-HOT", 1)], Uuid::new_v4())),
    )
    .await;
    let mut types = outbox_types(&app).await;
    types.sort();
    let reserved = types.iter().filter(|t| *t == "StockReserved").count();
    assert_eq!((reserved, types.len()), (5, 10), "{types:?}");
    assert_eq!(stock_of(&app, "SKU-HOT").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_multi_line_orders_in_opposite_orders_do_not_deadlock() {
    let app = app().await;
    stock_up(&app, "SKU-X", 20).await;
    stock_up(&app, "SKU-Y", 20).await;
    let orders: Vec<String> = (0..10).map(|n| order_id(200 + n)).collect();
    join_all(orders.iter().enumerate().map(|(n, o)| {
        let lines: &[(&str, i32)] = if n % 2 == 0 {
            &[("SKU-X", 1), ("SKU-Y", 1)]
        } else {
            &[("SKU-Y", 1), ("SKU-X", 1)]
        };
        placed(&app, o, lines, Uuid::new_v4())
    }))
    .await;
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

    let a1 = adjust(&app, "SKU-A", 10, "adj").await;
    let a2 = adjust(&app, "SKU-A", 10, "adj").await;
    assert_eq!(a1, a2);
    assert_eq!(stock_of(&app, "SKU-A").await, 15);
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

    let adjustments = join_all((0..8).map(|_| adjust(&app, "SKU-A", 1, "adj-burst"))).await;
    assert!(
        adjustments.iter().all(|r| r == &adjustments[0]),
        "{adjustments:?}"
    );
    assert_eq!(stock_of(&app, "SKU-A").await, 51);
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
    assert_eq!(stock_of(&app, "SKU-A").await, 5);
}
