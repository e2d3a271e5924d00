//! The event-driven order lifecycle through the real platform: the launcher starts its own
//! nats-server, and an order placed through the gateway is reserved, paid, shipped, delivered
//! and FULFILLED by the domains' events alone; a cancelled paid order is refunded and its
//! stock put back; the customer is notified of each step; writes that contradict what a
//! domain knows are refused with codes; and the invariants hold over the whole database.

use crate::support::{data, Options, Platform};
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use subgraph_kit::ids;
use subgraph_kit::testing::TestDb;

const PLACE: &str = "mutation($input: PlaceOrderInput!, $key: String!) {
  placeOrder(input: $input, idempotencyKey: $key) { id total { amount } } }";
const ORDER: &str = "query($id: ID!) { order(id: $id) {
  status amountDue { amount } payments { id status amount { amount } capturedAmount { amount } refundedAmount { amount } }
  shipments { id status lines { product { sku } quantity } } } }";

/// How long the lifecycle may take before a test gives up (not a timing assertion: a bound
/// on waiting, generous for a loaded CI machine).
const PATIENCE: Duration = Duration::from_secs(120);

fn key() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Poll `order(id)` as `token` until `done` says so; the last answer.
pub fn wait_for(
    platform: &Platform,
    token: &str,
    id: &str,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let (_, body) = platform.gql_as("gateway", Some(token), ORDER, json!({ "id": id }));
        if done(&body["data"]["order"]) {
            return body["data"]["order"].clone();
        }
        if Instant::now() > deadline {
            panic!(
                "order {id} never got there: {body:#}\n{}",
                platform.output()
            );
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Place `quantity` of product `product` for `customer` as `token`; the order's id.
pub fn place(
    platform: &Platform,
    token: &str,
    customer: uuid::Uuid,
    product: usize,
    quantity: i32,
) -> String {
    let input = json!({
        "customerId": customer, "currency": "USD",
        "lines": [{ "sku": ids::product_sku(product), "quantity": quantity }]
    });
    let (status, placed) = platform.gql_as(
        "gateway",
        Some(token),
        PLACE,
        json!({ "input": input, "key": key() }),
    );
    assert_eq!(status, 200, "{placed:#}");
    data(&placed)["placeOrder"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no order: {placed:#}"))
        .to_string()
}

fn status(order: &Value) -> &str {
    order["status"].as_str().unwrap_or("")
}

fn stock(platform: &Platform, product: usize) -> i64 {
    let (_, body) = platform.gql(
        "gateway",
        "query($s: ID!) { product(sku: $s) { stock } }",
        json!({ "s": ids::product_sku(product) }),
    );
    body["data"]["product"]["stock"]
        .as_i64()
        .unwrap_or_else(|| panic!("no stock: {body:#}"))
}

#[test]
fn an_order_placed_through_the_gateway_reaches_fulfilled_by_itself() {
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    let db = runtime.block_on(TestDb::create());
    let dir = std::env::temp_dir().join(format!("cc-events-{}", uuid::Uuid::new_v4()));
    let options = Options {
        database_url: Some(&db.url),
        data_dir: &dir,
    };
    let mut platform = Platform::start(options);
    assert!(
        !platform
            .lines("crowdcrunch: no NATS_URL: started nats-server")
            .is_empty(),
        "{}",
        platform.output()
    );
    let customer = ids::customer_id(3);
    let me = platform.token(&["--customer", &customer.to_string()]);
    let before = stock(&platform, 4);

    let order = place(&platform, &me, customer, 4, 2);
    // FULFILLED, and captured: payments captures on OrderPaid in its own time.
    let done = wait_for(&platform, &me, &order, |o| {
        status(o) == "FULFILLED" && o["payments"][0]["status"] == "CAPTURED"
    });
    let payments = done["payments"].as_array().expect("payments");
    assert_eq!(payments.len(), 1, "{done:#}");
    assert_eq!(payments[0]["status"], "CAPTURED");
    assert_eq!(
        payments[0]["capturedAmount"]["amount"],
        (ids::product_price(4) * 2).to_string()
    );
    assert_eq!(done["shipments"][0]["status"], "DELIVERED", "{done:#}");
    assert_eq!(done["amountDue"]["amount"], "0", "{done:#}");
    assert_eq!(done["shipments"][0]["lines"][0]["quantity"], 2);
    assert_eq!(stock(&platform, 4), before - 2);

    // A paid order cancelled before it left: refunded, shipment cancelled, stock back.
    let before = stock(&platform, 5);
    let slow = place(&platform, &me, customer, 5, 1);
    let paid = wait_for(&platform, &me, &slow, |o| status(o) != "PLACED");
    if status(&paid) == "PAID" {
        let (_, cancel) = platform.gql_as(
            "gateway",
            Some(&me),
            "mutation($id: ID!) { cancelOrder(id: $id) { status } }",
            json!({ "id": slow }),
        );
        // The carrier may have taken it meanwhile (then it is delivered, not cancelled).
        let answered = cancel["errors"].is_null().then(|| {
            assert_eq!(data(&cancel)["cancelOrder"]["status"], "CANCELLING");
            // Fulfillment answers: stopped (then CANCELLED), or a parcel was delivered first.
            let answered = wait_for(&platform, &me, &slow, |o| status(o) != "CANCELLING");
            assert!(
                ["CANCELLED", "PAID", "FULFILLED"].contains(&status(&answered)),
                "{answered:#}"
            );
            answered
        });
        if let Some(refused) = answered.as_ref().filter(|o| status(o) != "CANCELLED") {
            // Refused because a parcel arrived first: nothing refunded, the parcel delivered.
            assert_ne!(refused["payments"][0]["status"], "REFUNDED", "{refused:#}");
            let delivered = wait_for(&platform, &me, &slow, |o| {
                o["shipments"][0]["status"] == "DELIVERED"
            });
            assert_ne!(
                delivered["payments"][0]["status"], "REFUNDED",
                "{delivered:#}"
            );
        }
        if answered.is_some_and(|o| status(&o) == "CANCELLED") {
            // Payments and fulfillment each apply OrderCancelled in their own time: wait for
            // both (a shipment the carrier took meanwhile is recalled, so it ends CANCELLED too).
            let settled = wait_for(&platform, &me, &slow, |o| {
                let shipment = &o["shipments"][0]["status"];
                o["payments"][0]["status"] == "REFUNDED"
                    && (shipment == "CANCELLED" || shipment.is_null())
            });
            assert_eq!(status(&settled), "CANCELLED");
            // Refunded and cancelled: nothing is owed.
            assert_eq!(settled["amountDue"]["amount"], "0", "{settled:#}");
            let deadline = Instant::now() + PATIENCE;
            while stock(&platform, 5) != before && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(200));
            }
            // Reserved when placed, put back when cancelled.
            assert_eq!(stock(&platform, 5), before);
        }
    }

    // The customer was told of each step of the first order.
    let (_, notes) = platform.gql_as(
        "gateway",
        Some(&me),
        "query($id: ID!) { customer(id: $id) { notifications(first: 100) { kind subject } } }",
        json!({ "id": customer }),
    );
    let about: Vec<&str> = data(&notes)["customer"]["notifications"]
        .as_array()
        .expect("notifications")
        .iter()
        .filter(|n| n["subject"].as_str().is_some_and(|s| s.contains(&order)))
        .filter_map(|n| n["kind"].as_str())
        .collect();
    assert_eq!(
        about,
        vec!["OrderFulfilled", "OrderPaid", "OrderPlaced"],
        "{notes:#}"
    );

    crate::invariants::check(&runtime, &db.url);
    let status = platform.interrupt(Duration::from_secs(60));
    assert!(
        status.success(),
        "launcher exit {status}:\n{}",
        platform.output()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Run fulfillment outside the launcher (started with `--without fulfillment`), configured as
/// the launcher would, so a test can stop it and start it again.
fn start_fulfillment(
    platform: &Platform,
    db_url: &str,
    nats: &str,
    dir: &std::path::Path,
) -> std::process::Child {
    let addr = platform.addrs["fulfillment"];
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_crowdcrunch"))
        .args(["subgraph", "fulfillment"])
        .env("DATABASE_URL", db_url)
        .env("NATS_URL", nats)
        .env("FULFILLMENT_LISTEN", addr.to_string())
        .env("SEED", "1")
        .env("RUST_LOG", "warn")
        .env("FULFILLMENT_CARRIER_DELAY_MS", "200")
        .env("AUTH_JWKS_FILE", dir.join("auth").join("jwks.json"))
        .env("AUTH_ISSUER", crowdcrunch_auth::dev::DEV_ISSUER)
        .env("AUTH_AUDIENCE", crowdcrunch_auth::dev::DEV_AUDIENCE)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("start fulfillment");
    let deadline = Instant::now() + PATIENCE;
    let health = format!("http://{addr}/health");
    while platform.client.get(&health).send().is_err() {
        assert!(
            Instant::now() < deadline,
            "fulfillment never answered /health"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    child
}

/// `SELECT count(*)`-like scalar over the platform's database.
fn scalar(
    runtime: &tokio::runtime::Runtime,
    pool: &sqlx::PgPool,
    sql: &str,
    ids: &[uuid::Uuid],
) -> i64 {
    runtime
        .block_on(sqlx::query_scalar(sql).bind(ids).fetch_one(pool))
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

#[test]
fn orders_placed_while_fulfillment_is_down_are_all_shipped_exactly_once_after_it_restarts() {
    const ORDERS: usize = 500;
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    let db = runtime.block_on(TestDb::create());
    let dir = std::env::temp_dir().join(format!("cc-backlog-{}", uuid::Uuid::new_v4()));
    let options = Options {
        database_url: Some(&db.url),
        data_dir: &dir,
    };
    let platform = Platform::start_with(options, &["--without", "fulfillment"]);
    let line = platform.lines("crowdcrunch: no NATS_URL: started nats-server");
    let nats = line
        .first()
        .and_then(|l| l.rsplit(" at ").next())
        .unwrap_or_else(|| panic!("no broker started:\n{}", platform.output()))
        .to_string();
    let mut fulfillment = start_fulfillment(&platform, &db.url, &nats, &dir);
    let product = 6;
    let (_, stocked) = platform.gql(
        "gateway",
        "mutation($s: ID!, $k: String!) { adjustStock(sku: $s, delta: 1000, idempotencyKey: $k) { stock } }",
        json!({ "s": ids::product_sku(product), "k": key() }),
    );
    let before = data(&stocked)["adjustStock"]["stock"]
        .as_i64()
        .expect("stock");
    fulfillment.kill().expect("kill fulfillment");
    fulfillment.wait().expect("fulfillment gone");

    // 500 orders while fulfillment is down, from 8 clients.
    let placed: Vec<uuid::Uuid> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..8)
            .map(|w| {
                let platform = &platform;
                scope.spawn(move || {
                    (w..ORDERS)
                        .step_by(8)
                        .map(|i| {
                            let customer = ids::customer_id(i % 20);
                            let input = json!({
                                "customerId": customer, "currency": "USD",
                                "lines": [{ "sku": ids::product_sku(product), "quantity": 1 }]
                            });
                            let (_, body) = platform.gql(
                                "gateway",
                                PLACE,
                                json!({ "input": input, "key": key() }),
                            );
                            let id = data(&body)["placeOrder"]["id"]
                                .as_str()
                                .map(uuid::Uuid::parse_str);
                            match id {
                                Some(Ok(id)) => id,
                                _ => panic!("placeOrder failed: {body:#}"),
                            }
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("client"))
            .collect()
    });
    assert_eq!(placed.len(), ORDERS);
    let pool = runtime
        .block_on(sqlx::PgPool::connect(&db.url))
        .expect("connect");
    // Nothing can move them without fulfillment's StockReserved.
    let still_placed =
        "SELECT count(*) FROM orders.orders WHERE id = ANY($1) AND status = 'PLACED'";
    assert_eq!(
        scalar(&runtime, &pool, still_placed, &placed),
        ORDERS as i64
    );

    let mut fulfillment = start_fulfillment(&platform, &db.url, &nats, &dir);
    let fulfilled =
        "SELECT count(*) FROM orders.orders WHERE id = ANY($1) AND status = 'FULFILLED'";
    let deadline = Instant::now() + Duration::from_secs(600);
    while scalar(&runtime, &pool, fulfilled, &placed) < ORDERS as i64 {
        assert!(
            Instant::now() < deadline,
            "not all fulfilled:\n{}",
            platform.output()
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    // Exactly once: one shipment of one unit per order, 500 units out of stock, one event each.
    let shipments = "SELECT count(*) FROM fulfillment.shipments WHERE order_id = ANY($1)";
    assert_eq!(scalar(&runtime, &pool, shipments, &placed), ORDERS as i64);
    let units = "SELECT COALESCE(SUM(l.quantity), 0)::int8 FROM fulfillment.shipments s
                 JOIN fulfillment.shipment_lines l ON l.shipment_id = s.id WHERE s.order_id = ANY($1)";
    assert_eq!(scalar(&runtime, &pool, units, &placed), ORDERS as i64);
    let reserved = "SELECT count(*) FROM fulfillment.outbox
                    WHERE envelope->>'type' = 'StockReserved'
                      AND (envelope->'data'->>'orderId')::uuid = ANY($1)";
    assert_eq!(scalar(&runtime, &pool, reserved, &placed), ORDERS as i64);
    // Payments captures on OrderPaid in its own time: the invariants wait for the events to
    // settle (an order PAID or FULFILLED has its total captured).
    crate::invariants::check(&runtime, &db.url);
    let payments =
        "SELECT count(*) FROM payments.payments WHERE order_id = ANY($1) AND status = 'CAPTURED'";
    assert_eq!(scalar(&runtime, &pool, payments, &placed), ORDERS as i64);
    assert_eq!(stock(&platform, product), before - ORDERS as i64);

    let _ = fulfillment.kill();
    let _ = fulfillment.wait();
    let mut platform = platform;
    let status = platform.interrupt(Duration::from_secs(60));
    assert!(
        status.success(),
        "launcher exit {status}:\n{}",
        platform.output()
    );
    let _ = std::fs::remove_dir_all(&dir);
}
