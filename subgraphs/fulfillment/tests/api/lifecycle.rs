//! Fulfillment against orders' events: reservation at placement, the shipment of a paid
//! order, and a cancellation (stopped parcels and stock back, or refused once one arrived).

use crate::support::*;
use fulfillment::events::Warehouse;
use serde_json::json;
use subgraph_kit::events::orders::{OrderCancellationRequested, OrderCancelled};
use subgraph_kit::testing::{deliver, error_code, TestApp};
use uuid::Uuid;

#[tokio::test(flavor = "multi_thread")]
async fn placing_an_order_reserves_every_line_and_its_shipment_takes_nothing_more() {
    let app = app().await;
    stock_up(&app, "SKU-A", 5).await;
    stock_up(&app, "SKU-B", 5).await;
    let customer = Uuid::new_v4();
    placed(&app, ORDER_ID, &[("SKU-A", 2), ("SKU-B", 5)], customer).await;
    assert_eq!(stock_of(&app, "SKU-A").await, 3);
    assert_eq!(stock_of(&app, "SKU-B").await, 0);
    assert_eq!(outbox_types(&app).await, vec!["StockReserved"]);
    // Paid: one PENDING shipment of every line, to the order's customer, by itself.
    paid(&app, &Warehouse { auto_ship: true }, ORDER_ID, customer).await;
    let shipments: Vec<(String, String, Option<Uuid>)> =
        sqlx::query_as("SELECT status, carrier, customer_id FROM shipments")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(
        shipments,
        vec![("PENDING".into(), "SimPost".into(), Some(customer))]
    );
    assert_eq!(app.count("shipment_lines").await, 2);
    assert_eq!(stock_of(&app, "SKU-A").await, 3);
    assert_eq!(
        outbox_types(&app).await,
        vec!["StockReserved", "ShipmentCreated"]
    );
    // Nothing is left to ship.
    let more = create(
        &app,
        ORDER_ID,
        json!([{"sku": "SKU-A", "quantity": 1}]),
        "k",
    )
    .await;
    assert_eq!(error_code(&more), Some("BAD_USER_INPUT"), "{more}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_order_short_of_stock_on_any_line_reserves_nothing() {
    let app = app().await;
    stock_up(&app, "SKU-A", 5).await;
    stock_up(&app, "SKU-B", 1).await;
    let customer = Uuid::new_v4();
    placed(&app, ORDER_ID, &[("SKU-A", 2), ("SKU-B", 2)], customer).await;
    placed(&app, &order_id(2), &[("SKU-NONE", 1)], customer).await;
    assert_eq!(stock_of(&app, "SKU-A").await, 5);
    assert_eq!(stock_of(&app, "SKU-B").await, 1);
    assert_eq!(
        outbox_types(&app).await,
        vec!["StockRejected", "StockRejected"]
    );
    // Paid anyway (orders cancels it on StockRejected): no shipment without stock.
    paid(&app, &Warehouse { auto_ship: true }, ORDER_ID, customer).await;
    assert_eq!(app.count("shipments").await, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn cancelling_cancels_what_has_not_left_and_puts_its_stock_back() {
    let app = app().await;
    stock_up(&app, "SKU-A", 5).await;
    let customer = Uuid::new_v4();
    placed(&app, ORDER_ID, &[("SKU-A", 2)], customer).await;
    placed(&app, &order_id(2), &[("SKU-A", 3)], customer).await;
    paid(&app, &Warehouse { auto_ship: true }, &order_id(2), customer).await;
    assert_eq!(stock_of(&app, "SKU-A").await, 0);
    for (order, previous) in [(ORDER_ID.to_string(), "PLACED"), (order_id(2), "PAID")] {
        let event = OrderCancelled {
            order_id: Uuid::parse_str(&order).unwrap(),
            customer_id: customer,
            previous_status: previous.into(),
        };
        deliver(&app.pool, &MANUAL, &event).await;
    }
    assert_eq!(stock_of(&app, "SKU-A").await, 5);
    let status: String = sqlx::query_scalar("SELECT status FROM shipments")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(status, "CANCELLED");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cancellation_that_races_the_carrier_recalls_the_parcel_and_restocks_it() {
    // Orders accepted the cancellation of a PAID order while the carrier took its parcel:
    // the shipment is recalled (never both refunded and delivered), its goods back in stock.
    let app = app().await;
    stock_up(&app, "SKU-A", 5).await;
    let customer = Uuid::new_v4();
    placed(&app, ORDER_ID, &[("SKU-A", 2)], customer).await;
    paid(&app, &Warehouse { auto_ship: true }, ORDER_ID, customer).await;
    let shipment: Uuid = sqlx::query_scalar("SELECT id FROM shipments")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let shipped = app
        .gql(
            "mutation($id: ID!) { markShipped(id: $id, trackingNumber: \"T1\") { status } }",
            json!({"id": shipment}),
        )
        .await;
    assert_eq!(
        shipped["data"]["markShipped"]["status"], "SHIPPED",
        "{shipped}"
    );
    assert_eq!(stock_of(&app, "SKU-A").await, 3);
    let event = OrderCancelled {
        order_id: Uuid::parse_str(ORDER_ID).unwrap(),
        customer_id: customer,
        previous_status: "PAID".into(),
    };
    deliver(&app.pool, &MANUAL, &event).await;
    let status: String = sqlx::query_scalar("SELECT status FROM shipments")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(status, "CANCELLED");
    assert_eq!(stock_of(&app, "SKU-A").await, 5);
}

/// A paid order of two SKU-A (stock 5) with its parcel PENDING; the parcel's id.
async fn paid_with_parcel(app: &TestApp, customer: Uuid) -> Uuid {
    stock_up(app, "SKU-A", 5).await;
    placed(app, ORDER_ID, &[("SKU-A", 2)], customer).await;
    paid(app, &Warehouse { auto_ship: true }, ORDER_ID, customer).await;
    sqlx::query_scalar("SELECT id FROM shipments")
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

fn cancellation_of(order: &str, customer: Uuid) -> OrderCancellationRequested {
    OrderCancellationRequested {
        order_id: Uuid::parse_str(order).unwrap(),
        customer_id: customer,
    }
}

async fn shipment_status(app: &TestApp) -> String {
    sqlx::query_scalar("SELECT status FROM shipments")
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_paid_orders_cancellation_stops_its_parcel_and_is_confirmed() {
    let app = app().await;
    let customer = Uuid::new_v4();
    paid_with_parcel(&app, customer).await;
    deliver(&app.pool, &MANUAL, &cancellation_of(ORDER_ID, customer)).await;
    assert_eq!(shipment_status(&app).await, "CANCELLED");
    assert_eq!(stock_of(&app, "SKU-A").await, 5);
    assert_eq!(
        outbox_types(&app).await.last().map(String::as_str),
        Some("CancellationConfirmed")
    );
    // Orders' OrderCancelled that follows finds nothing left to stop.
    let event = OrderCancelled {
        order_id: Uuid::parse_str(ORDER_ID).unwrap(),
        customer_id: customer,
        previous_status: "PAID".into(),
    };
    deliver(&app.pool, &MANUAL, &event).await;
    assert_eq!(stock_of(&app, "SKU-A").await, 5);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cancellation_is_refused_once_a_parcel_was_delivered_and_changes_nothing() {
    let app = app().await;
    let customer = Uuid::new_v4();
    let shipment = paid_with_parcel(&app, customer).await;
    for step in [
        "markShipped(id: $id, trackingNumber: \"T1\")",
        "markDelivered(id: $id)",
    ] {
        let q = format!("mutation($id: ID!) {{ {step} {{ status }} }}");
        let res = app.gql(&q, json!({"id": shipment})).await;
        assert!(res["errors"].is_null(), "{res}");
    }
    deliver(&app.pool, &MANUAL, &cancellation_of(ORDER_ID, customer)).await;
    assert_eq!(shipment_status(&app).await, "DELIVERED");
    assert_eq!(stock_of(&app, "SKU-A").await, 3);
    assert_eq!(
        outbox_types(&app).await.last().map(String::as_str),
        Some("CancellationRefused")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_parcel_delivered_while_the_cancellation_is_handled_is_seen_delivered_not_missed() {
    let app = app().await;
    let customer = Uuid::new_v4();
    let shipment = paid_with_parcel(&app, customer).await;
    // The carrier is delivering the parcel (its row locked, not committed yet) when the
    // cancellation arrives: the handler waits for it and then sees it DELIVERED.
    let mut carrier = app.pool.begin().await.unwrap();
    sqlx::query("UPDATE shipments SET status = 'DELIVERED', tracking_number = 'T1' WHERE id = $1")
        .bind(shipment)
        .execute(&mut *carrier)
        .await
        .unwrap();
    let pool = app.pool.clone();
    let handling =
        tokio::spawn(
            async move { deliver(&pool, &MANUAL, &cancellation_of(ORDER_ID, customer)).await },
        );
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(
        !handling.is_finished(),
        "the handler did not wait for the parcel"
    );
    carrier.commit().await.unwrap();
    handling.await.unwrap();
    assert_eq!(shipment_status(&app).await, "DELIVERED");
    assert_eq!(
        outbox_types(&app).await.last().map(String::as_str),
        Some("CancellationRefused")
    );
}
