//! The five subgraphs and the gateway as real processes on the real PostgreSQL, driven only
//! through the gateway.

use crate::support::{data, Options, Platform};
use nix::sys::signal::{kill, Signal};
use serde_json::{json, Value};
use std::time::Duration;
use subgraph_kit::ids;
use subgraph_kit::testing::TestDb;

const CUSTOMER_HISTORY: &str = "query($id: ID!) {
  customer(id: $id) {
    id email
    orders(first: 100) {
      nodes {
        id status
        total { amount currency }
        amountDue { amount currency }
        lines { quantity product { sku name stock } }
        payments { id status capturedAmount { amount } returns { id } }
        shipments { id status carrier }
        returns { id status reason }
      }
    }
  }
}";

const PLACE: &str = "mutation($input: PlaceOrderInput!, $key: String!) {
  placeOrder(input: $input, idempotencyKey: $key) { id status total { amount currency } }
}";
const AUTHORIZE: &str = "mutation($input: AuthorizePaymentInput!, $key: String!) {
  authorizePayment(input: $input, idempotencyKey: $key) { id status amount { amount currency } }
}";
const SHIP: &str = "mutation($input: CreateShipmentInput!, $key: String!) {
  createShipment(input: $input, idempotencyKey: $key) { id status }
}";
const ORDER: &str = "query($id: ID!) {
  order(id: $id) {
    id status
    amountDue { amount }
    payments { id status }
    shipments { id status lines { quantity product { sku stock } } }
  }
}";

fn start(db: &TestDb) -> Platform {
    let dir = std::env::temp_dir().join(format!("cc-e2e-{}", uuid::Uuid::new_v4()));
    Platform::start(Options {
        database_url: Some(&db.url),
        data_dir: &dir,
    })
}

fn new_database() -> TestDb {
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    runtime.block_on(TestDb::create())
}

fn gateway(platform: &Platform, query: &str, variables: Value) -> Value {
    let (status, body) = platform.gql("gateway", query, variables);
    assert_eq!(status, 200, "{body:#}");
    body
}

#[test]
fn one_query_joins_customer_orders_payments_shipments_and_returns() {
    let db = new_database();
    let platform = start(&db);
    // A demo order that was fulfilled and has a return request, and its customer.
    let order = (0..ids::ORDERS)
        .find(|i| ids::order_has_return(*i))
        .expect("the demo data has a return");
    let customer = ids::customer_id(ids::order_customer(order));
    let body = gateway(&platform, CUSTOMER_HISTORY, json!({ "id": customer }));
    let customer_data = &data(&body)["customer"];
    assert_eq!(customer_data["id"], customer.to_string());
    let nodes = customer_data["orders"]["nodes"].as_array().expect("orders");
    let node = nodes
        .iter()
        .find(|n| n["id"] == ids::order_id(order).to_string())
        .expect("the customer's order is listed");
    assert_eq!(node["status"], "FULFILLED");
    assert_eq!(node["total"]["amount"], ids::order_total(order).to_string());
    assert_eq!(node["amountDue"]["currency"], "USD");
    assert!(
        !node["payments"].as_array().expect("payments").is_empty(),
        "{node:#}"
    );
    assert!(
        !node["shipments"].as_array().expect("shipments").is_empty(),
        "{node:#}"
    );
    assert!(
        !node["returns"].as_array().expect("returns").is_empty(),
        "{node:#}"
    );
    assert!(node["lines"][0]["product"]["stock"].is_i64(), "{node:#}");
}

#[test]
fn place_order_then_pay_then_ship_through_the_gateway() {
    let db = new_database();
    let platform = start(&db);
    let sku = ids::product_sku(0);
    let key = uuid::Uuid::new_v4().to_string();
    let input = json!({
        "customerId": ids::customer_id(0), "currency": "USD",
        "lines": [{ "sku": sku, "quantity": 2 }]
    });
    let placed = gateway(&platform, PLACE, json!({ "input": input, "key": key }));
    let order = data(&placed)["placeOrder"].clone();
    assert_eq!(order["status"], "PLACED");
    assert_eq!(
        order["total"]["amount"],
        (ids::product_price(0) * 2).to_string()
    );
    let before = gateway(&platform, ORDER, json!({ "id": order["id"] }));
    assert_eq!(
        data(&before)["order"]["amountDue"]["amount"],
        order["total"]["amount"]
    );

    let input = json!({
        "orderId": order["id"], "amount": order["total"]["amount"], "currency": "USD", "method": "CARD"
    });
    let paid = gateway(&platform, AUTHORIZE, json!({ "input": input, "key": key }));
    assert_eq!(data(&paid)["authorizePayment"]["status"], "AUTHORIZED");

    let input = json!({ "orderId": order["id"], "carrier": "DHL", "lines": [{ "sku": sku, "quantity": 2 }] });
    let shipped = gateway(&platform, SHIP, json!({ "input": input, "key": key }));
    assert_eq!(data(&shipped)["createShipment"]["status"], "PENDING");

    let after = gateway(&platform, ORDER, json!({ "id": order["id"] }));
    let after = &data(&after)["order"];
    assert_eq!(
        after["payments"][0]["id"],
        data(&paid)["authorizePayment"]["id"]
    );
    assert_eq!(
        after["shipments"][0]["id"],
        data(&shipped)["createShipment"]["id"]
    );
    assert_eq!(after["shipments"][0]["lines"][0]["quantity"], 2);
}

#[test]
fn a_killed_subgraph_gives_partial_data_with_coded_errors() {
    let db = new_database();
    let mut platform = start(&db);
    let query = "query($c: ID!, $o: ID!) {
      customer(id: $c) { email }
      order(id: $o) { id payments { id } }
    }";
    let vars = json!({ "c": ids::customer_id(1), "o": ids::order_id(1) });
    let healthy = gateway(&platform, query, vars.clone());
    assert!(data(&healthy)["order"]["payments"].is_array());

    kill(platform.pid_of("payments"), Signal::SIGKILL).expect("kill payments");
    platform.wait_for_line("crowdcrunch: payments (pid", Duration::from_secs(10));
    let partial = gateway(&platform, query, vars);
    assert!(
        partial["data"]["customer"]["email"].is_string(),
        "{partial:#}"
    );
    assert!(partial["data"]["order"].is_null(), "{partial:#}");
    let errors = partial["errors"].as_array().expect("errors");
    assert!(!errors.is_empty());
    assert!(
        errors.iter().all(|e| e["extensions"]["code"].is_string()),
        "{partial:#}"
    );
    assert!(
        errors
            .iter()
            .any(|e| e["extensions"]["serviceName"] == "payments" && e["path"][0] == "order"),
        "{partial:#}"
    );

    let status = platform.interrupt(Duration::from_secs(60));
    assert!(
        status.success(),
        "launcher exit {status}:\n{}",
        platform.output()
    );
}
