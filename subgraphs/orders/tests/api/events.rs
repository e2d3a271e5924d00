use crate::{order_input, place, seeded_app, PLACE};
use orders::events::Lifecycle;
use serde_json::{json, Value};
use subgraph_kit::events::fulfillment::CancellationConfirmed;
use subgraph_kit::events::orders::{
    OrderCancellationRequested, OrderCancelled, OrderPaid, OrderPlaced,
};
use subgraph_kit::events::payments::PaymentAuthorized;
use subgraph_kit::events::relay::BATCH;
use subgraph_kit::events::{Bus, BusConfig, Envelope, Relay};
use subgraph_kit::ids;
use subgraph_kit::testing::{deliver, error_code, TestApp};
use uuid::Uuid;

/// Every envelope in the outbox, oldest first.
async fn outbox(app: &TestApp) -> Vec<Envelope> {
    let rows: Vec<Value> = sqlx::query_scalar("SELECT envelope FROM outbox ORDER BY seq")
        .fetch_all(&app.pool)
        .await
        .expect("outbox");
    rows.into_iter()
        .map(|v| serde_json::from_value(v).expect("an envelope"))
        .collect()
}

async fn transition(app: &TestApp, mutation: &str, id: &Value) -> Value {
    let q = format!("mutation($id: ID!) {{ {mutation}(id: $id) {{ id status }} }}");
    app.gql(&q, json!({"id": id})).await
}

#[tokio::test]
async fn placing_an_order_records_order_placed_with_its_priced_lines() {
    let app = seeded_app().await;
    assert!(outbox(&app).await.is_empty());
    let order = place(&app, &[(1, 2), (7, 1)], "k-event").await;
    let events = outbox(&app).await;
    assert_eq!(events.len(), 1);
    assert_eq!(
        (events[0].source.as_str(), events[0].event_type.as_str()),
        ("orders", "OrderPlaced")
    );
    let placed: OrderPlaced = events[0].decode().expect("OrderPlaced v1");
    assert_eq!(placed.order_id.to_string(), order["id"].as_str().unwrap());
    assert_eq!(placed.customer_id, ids::customer_id(0));
    assert_eq!(placed.currency, "USD");
    assert_eq!(
        placed.total.to_string(),
        order["total"]["amount"].as_str().unwrap()
    );
    let lines: Vec<(String, i32, i64)> = placed
        .lines
        .iter()
        .map(|l| (l.sku.clone(), l.quantity, l.unit_price))
        .collect();
    assert_eq!(
        lines,
        vec![
            (ids::product_sku(1), 2, ids::product_price(1)),
            (ids::product_sku(7), 1, ids::product_price(7)),
        ]
    );

    // A replay of the key returns the first order and records nothing more.
    place(&app, &[(1, 2), (7, 1)], "k-event").await;
    assert_eq!(outbox(&app).await.len(), 1);
}

#[tokio::test]
async fn a_refused_order_records_no_event() {
    let app = seeded_app().await;
    let mut input = order_input(&[(1, 1)]);
    input["lines"][0]["sku"] = json!("BOGUS");
    let res = app
        .gql(PLACE, json!({"input": input, "key": "k-bogus"}))
        .await;
    assert!(error_code(&res).is_some(), "{res}");
    assert!(outbox(&app).await.is_empty());
}

#[tokio::test]
async fn cancelling_records_order_cancelled_with_the_status_it_left() {
    let app = seeded_app().await;
    let placed = place(&app, &[(2, 1)], "k-c1").await;
    let paid = place(&app, &[(3, 1)], "k-c2").await;
    let payment_id = Uuid::new_v4();
    let authorized = PaymentAuthorized {
        payment_id,
        order_id: Uuid::parse_str(paid["id"].as_str().unwrap()).unwrap(),
        amount: ids::product_price(3),
        currency: "USD".into(),
    };
    deliver(&app.pool, &Lifecycle, &authorized).await;
    let res = transition(&app, "cancelOrder", &placed["id"]).await;
    assert_eq!(res["data"]["cancelOrder"]["status"], "CANCELLED", "{res}");
    // A paid order is cancelled once fulfillment confirmed it stopped every parcel.
    let res = transition(&app, "cancelOrder", &paid["id"]).await;
    assert_eq!(res["data"]["cancelOrder"]["status"], "CANCELLING", "{res}");
    let paid_id = Uuid::parse_str(paid["id"].as_str().unwrap()).unwrap();
    deliver(
        &app.pool,
        &Lifecycle,
        &CancellationConfirmed { order_id: paid_id },
    )
    .await;
    // Cancelling twice is a CONFLICT and records nothing.
    let again = transition(&app, "cancelOrder", &placed["id"]).await;
    assert_eq!(error_code(&again), Some("CONFLICT"));

    let events = outbox(&app).await;
    let cancelled: Vec<OrderCancelled> = events
        .iter()
        .filter(|e| e.event_type == "OrderCancelled")
        .map(|e| e.decode().expect("OrderCancelled v1"))
        .collect();
    let seen: Vec<(String, String)> = cancelled
        .iter()
        .map(|c| (c.order_id.to_string(), c.previous_status.clone()))
        .collect();
    let id = |o: &Value| o["id"].as_str().unwrap().to_string();
    assert_eq!(
        seen,
        vec![(id(&placed), "PLACED".into()), (id(&paid), "PAID".into())]
    );
    assert_eq!(cancelled[0].customer_id, ids::customer_id(0));
    // Two OrderPlaced, the OrderPaid of the authorized payment, the cancellation asked of
    // fulfillment, two OrderCancelled.
    let paid_events: Vec<OrderPaid> = events
        .iter()
        .filter(|e| e.event_type == "OrderPaid")
        .map(|e| e.decode().expect("OrderPaid v1"))
        .collect();
    assert_eq!(paid_events.len(), 1);
    assert_eq!(paid_events[0].payment_id, payment_id);
    let asked: Vec<OrderCancellationRequested> = events
        .iter()
        .filter(|e| e.event_type == "OrderCancellationRequested")
        .map(|e| e.decode().expect("OrderCancellationRequested v1"))
        .collect();
    assert_eq!(asked.len(), 1);
    assert_eq!(asked[0].order_id, paid_id);
    assert_eq!(events.len(), 6);
}

#[tokio::test]
async fn the_relay_publishes_the_orders_outbox_to_its_subject() {
    let app = seeded_app().await;
    let order = place(&app, &[(5, 1)], "k-relay").await;
    let tag = Uuid::new_v4().simple().to_string();
    let url = std::env::var("NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".into());
    let mut config = BusConfig::new(url);
    config.stream = format!("TEST_{tag}");
    config.subject_prefix = format!("t{tag}");
    let bus = Bus::connect(&config).await.expect("connect to NATS");
    let relay = Relay::new(app.pool.clone(), bus.clone());
    assert_eq!(relay.publish_batch(BATCH).await.expect("publish"), 1);

    let stream = bus.jetstream.get_stream(&bus.stream).await.expect("stream");
    let subject = format!("t{tag}.orders.OrderPlaced");
    let message = stream
        .get_last_raw_message_by_subject(&subject)
        .await
        .expect("the event on its subject");
    let envelope: Envelope = serde_json::from_slice(&message.payload).expect("envelope");
    let placed: OrderPlaced = envelope.decode().expect("OrderPlaced");
    assert_eq!(placed.order_id.to_string(), order["id"].as_str().unwrap());
    let id_header = message
        .headers
        .get("Nats-Msg-Id")
        .map(|v| v.as_str().to_string());
    assert_eq!(id_header, Some(envelope.id.to_string()));
    let _ = bus.jetstream.delete_stream(&bus.stream).await;
}
