use crate::{place, seeded_app};
use orders::events::Lifecycle;
use serde_json::{json, Value};
use subgraph_kit::events::fulfillment::{
    CancellationConfirmed, CancellationRefused, ShipmentDelivered, ShipmentShipped, StockRejected,
};
use subgraph_kit::events::payments::{PaymentAuthorized, PaymentFailed};
use subgraph_kit::ids;
use subgraph_kit::testing::{deliver, error_code, try_deliver, TestApp};
use uuid::Uuid;

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
async fn orders_move_from_placed_to_paid_to_fulfilled_on_payment_and_delivery_events() {
    let app = seeded_app().await;
    let order = place(&app, &[(2, 1)], "k1").await;
    pay(&app, &order["id"]).await;
    assert_eq!(status_of(&app, &order["id"]).await, "PAID");
    // A delivery that leaves units on the road does not fulfil the order; the last one does.
    deliver_order(&app, &order["id"], false).await;
    assert_eq!(status_of(&app, &order["id"]).await, "PAID");
    deliver_order(&app, &order["id"], true).await;
    assert_eq!(status_of(&app, &order["id"]).await, "FULFILLED");
}

#[tokio::test]
async fn a_failed_payment_or_a_stock_shortage_cancels_a_placed_order() {
    let app = seeded_app().await;
    let declined = place(&app, &[(2, 1)], "k1").await;
    let e = PaymentFailed {
        payment_id: Uuid::new_v4(),
        order_id: id(&declined["id"]),
        reason: "declined".into(),
    };
    deliver(&app.pool, &Lifecycle, &e).await;
    assert_eq!(status_of(&app, &declined["id"]).await, "CANCELLED");
    let short = place(&app, &[(3, 1)], "k2").await;
    let e = StockRejected {
        order_id: id(&short["id"]),
        reason: "not enough stock".into(),
    };
    deliver(&app.pool, &Lifecycle, &e).await;
    assert_eq!(status_of(&app, &short["id"]).await, "CANCELLED");
}

#[tokio::test]
async fn a_payment_event_for_an_order_no_longer_placed_changes_nothing() {
    let app = seeded_app().await;
    let order = place(&app, &[(2, 1)], "k1").await;
    transition(&app, "cancelOrder", &order["id"]).await;
    pay(&app, &order["id"]).await;
    assert_eq!(status_of(&app, &order["id"]).await, "CANCELLED");
    // A failed payment after another one succeeded leaves the paid order alone.
    let paid = place(&app, &[(3, 1)], "k2").await;
    pay(&app, &paid["id"]).await;
    let e = PaymentFailed {
        payment_id: Uuid::new_v4(),
        order_id: id(&paid["id"]),
        reason: "declined".into(),
    };
    deliver(&app.pool, &Lifecycle, &e).await;
    assert_eq!(status_of(&app, &paid["id"]).await, "PAID");
}

#[tokio::test]
async fn an_event_about_an_unknown_order_is_refused_for_a_retry() {
    let app = seeded_app().await;
    let e = PaymentAuthorized {
        payment_id: Uuid::new_v4(),
        order_id: Uuid::new_v4(),
        amount: 100,
        currency: "USD".into(),
    };
    assert!(try_deliver(&app.pool, &Lifecycle, &e).await.is_err());
}

#[tokio::test]
async fn a_paid_order_with_a_parcel_on_its_way_or_delivered_cannot_be_cancelled() {
    let app = seeded_app().await;
    for (key, delivered) in [("k1", false), ("k2", true)] {
        let order = place(&app, &[(2, 1)], key).await;
        pay(&app, &order["id"]).await;
        if delivered {
            // One parcel of several arrived (its ShipmentShipped not seen): still shipped.
            deliver_order(&app, &order["id"], false).await;
        } else {
            let e = ShipmentShipped {
                shipment_id: Uuid::new_v4(),
                order_id: id(&order["id"]),
                tracking_number: "SIM-1".into(),
            };
            deliver(&app.pool, &Lifecycle, &e).await;
        }
        let res = transition(&app, "cancelOrder", &order["id"]).await;
        assert_eq!(error_code(&res), Some("CONFLICT"), "{res}");
        assert_eq!(status_of(&app, &order["id"]).await, "PAID");
    }
}

#[tokio::test]
async fn placed_and_paid_orders_can_be_cancelled_a_paid_one_once_fulfillment_confirms() {
    let app = seeded_app().await;
    let placed = place(&app, &[(2, 1)], "k1").await;
    let res = transition(&app, "cancelOrder", &placed["id"]).await;
    assert_eq!(res["data"]["cancelOrder"]["status"], "CANCELLED");
    let paid = place(&app, &[(3, 1)], "k2").await;
    pay(&app, &paid["id"]).await;
    let res = transition(&app, "cancelOrder", &paid["id"]).await;
    assert_eq!(res["data"]["cancelOrder"]["status"], "CANCELLING", "{res}");
    // Asked twice: the first one is on its way.
    let again = transition(&app, "cancelOrder", &paid["id"]).await;
    assert_eq!(error_code(&again), Some("CONFLICT"), "{again}");
    assert_eq!(last_event(&app).await, "OrderCancellationRequested");
    let confirmed = CancellationConfirmed {
        order_id: id(&paid["id"]),
    };
    deliver(&app.pool, &Lifecycle, &confirmed).await;
    assert_eq!(status_of(&app, &paid["id"]).await, "CANCELLED");
    // Now payments refunds it: the cancellation says it was paid.
    let (kind, previous): (String, String) = sqlx::query_as(
        "SELECT envelope->>'type', envelope->'data'->>'previousStatus' FROM outbox
         ORDER BY seq DESC LIMIT 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        (kind.as_str(), previous.as_str()),
        ("OrderCancelled", "PAID")
    );
}

#[tokio::test]
async fn a_cancellation_fulfillment_refuses_leaves_the_order_paid_and_tells_the_customer() {
    let app = seeded_app().await;
    let paid = place(&app, &[(3, 1)], "k1").await;
    pay(&app, &paid["id"]).await;
    transition(&app, "cancelOrder", &paid["id"]).await;
    let refused = CancellationRefused {
        order_id: id(&paid["id"]),
        reason: "a parcel of the order was delivered".into(),
    };
    deliver(&app.pool, &Lifecycle, &refused).await;
    assert_eq!(status_of(&app, &paid["id"]).await, "PAID");
    assert_eq!(last_event(&app).await, "OrderCancellationRefused");
    // The last parcel delivered while the cancellation waited still fulfils the order.
    let fulfilled = place(&app, &[(4, 1)], "k2").await;
    pay(&app, &fulfilled["id"]).await;
    transition(&app, "cancelOrder", &fulfilled["id"]).await;
    deliver_order(&app, &fulfilled["id"], true).await;
    assert_eq!(status_of(&app, &fulfilled["id"]).await, "FULFILLED");
    let refused = CancellationRefused {
        order_id: id(&fulfilled["id"]),
        reason: "a parcel of the order was delivered".into(),
    };
    deliver(&app.pool, &Lifecycle, &refused).await;
    assert_eq!(status_of(&app, &fulfilled["id"]).await, "FULFILLED");
    assert_eq!(last_event(&app).await, "OrderCancellationRefused");
    // Asked twice, refused twice: the customer is told once.
    let told = || async {
        sqlx::query_scalar::<_, i64>(
            "SELECT count(*) FROM outbox WHERE envelope->>'type' = 'OrderCancellationRefused'",
        )
        .fetch_one(&app.pool)
        .await
        .unwrap()
    };
    let before = told().await;
    deliver(&app.pool, &Lifecycle, &refused).await;
    assert_eq!(told().await, before);
}

#[tokio::test]
async fn a_cancellation_fulfillment_never_answered_is_asked_again_once_it_waited() {
    let app = seeded_app().await;
    let paid = place(&app, &[(3, 1)], "k1").await;
    pay(&app, &paid["id"]).await;
    transition(&app, "cancelOrder", &paid["id"]).await;
    let asked = || async {
        sqlx::query_scalar::<_, i64>(
            "SELECT count(*) FROM outbox WHERE envelope->>'type' = 'OrderCancellationRequested'",
        )
        .fetch_one(&app.pool)
        .await
        .unwrap()
    };
    let ask_again = || async {
        orders::cancellations::ask_again(&app.pool, orders::cancellations::ASK_AGAIN_AFTER)
            .await
            .unwrap()
    };
    let two_minutes_pass = || async {
        sqlx::query("UPDATE orders SET cancel_asked_at = now() - interval '2 minutes'")
            .execute(&app.pool)
            .await
            .unwrap();
    };
    // Not waited long enough: nothing.
    assert_eq!(ask_again().await, 0);
    assert_eq!(asked().await, 1);
    two_minutes_pass().await;
    assert_eq!(ask_again().await, 1);
    assert_eq!(asked().await, 2);
    // Asked again restarts the wait; answered, the order is never asked again.
    assert_eq!(ask_again().await, 0);
    let confirmed = CancellationConfirmed {
        order_id: id(&paid["id"]),
    };
    deliver(&app.pool, &Lifecycle, &confirmed).await;
    two_minutes_pass().await;
    assert_eq!(ask_again().await, 0);
    // A late second answer changes nothing.
    deliver(&app.pool, &Lifecycle, &confirmed).await;
    assert_eq!(status_of(&app, &paid["id"]).await, "CANCELLED");
}

/// The type of the last event orders recorded.
async fn last_event(app: &TestApp) -> String {
    sqlx::query_scalar("SELECT envelope->>'type' FROM outbox ORDER BY seq DESC LIMIT 1")
        .fetch_one(&app.pool)
        .await
        .expect("an event")
}

#[tokio::test]
async fn paying_and_fulfilling_are_no_longer_mutations() {
    let app = seeded_app().await;
    let order = place(&app, &[(2, 1)], "k1").await;
    for mutation in ["markOrderPaid", "markOrderFulfilled"] {
        let res = transition(&app, mutation, &order["id"]).await;
        let unknown = res["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(unknown.contains("Unknown field"), "{mutation}: {res}");
    }
    assert_eq!(status_of(&app, &order["id"]).await, "PLACED");
}

#[tokio::test]
async fn cancelling_twice_is_a_conflict_and_changes_nothing() {
    let app = seeded_app().await;
    let order = place(&app, &[(2, 1)], "k1").await;
    transition(&app, "cancelOrder", &order["id"]).await;
    let res = transition(&app, "cancelOrder", &order["id"]).await;
    assert_eq!(error_code(&res), Some("CONFLICT"));
    assert_eq!(status_of(&app, &order["id"]).await, "CANCELLED");
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
    let malformed = transition(&app, "cancelOrder", &json!("nope")).await;
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

fn id(value: &Value) -> Uuid {
    Uuid::parse_str(value.as_str().expect("an id")).expect("a UUID")
}

async fn status_of(app: &TestApp, order: &Value) -> String {
    sqlx::query_scalar("SELECT status FROM orders WHERE id = $1")
        .bind(id(order))
        .fetch_one(&app.pool)
        .await
        .expect("the order")
}

/// What payments says when it authorized the order's payment.
async fn pay(app: &TestApp, order: &Value) {
    let e = PaymentAuthorized {
        payment_id: Uuid::new_v4(),
        order_id: id(order),
        amount: 1,
        currency: "USD".into(),
    };
    deliver(&app.pool, &Lifecycle, &e).await;
}

/// What fulfillment says when a shipment of the order arrived.
async fn deliver_order(app: &TestApp, order: &Value, order_delivered: bool) {
    let e = ShipmentDelivered {
        shipment_id: Uuid::new_v4(),
        order_id: id(order),
        lines: vec![],
        order_delivered,
    };
    deliver(&app.pool, &Lifecycle, &e).await;
}
