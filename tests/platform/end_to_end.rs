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

/// A request through the gateway with `token`.
fn gateway_as(platform: &Platform, token: &str, query: &str, variables: Value) -> Value {
    let (status, body) = platform.gql_as("gateway", Some(token), query, variables);
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
    // As the customer themself: every subgraph shows them their own data.
    let token = platform.token(&["--customer", &customer.to_string()]);
    let body = gateway_as(
        &platform,
        &token,
        CUSTOMER_HISTORY,
        json!({ "id": customer }),
    );
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
fn a_killed_subgraph_gives_partial_data_with_coded_errors() {
    let db = new_database();
    // Not restarted, so the gateway surely answers while payments is down.
    let dir = std::env::temp_dir().join(format!("cc-e2e-{}", uuid::Uuid::new_v4()));
    let options = Options {
        database_url: Some(&db.url),
        data_dir: &dir,
    };
    let mut platform = Platform::start_with(options, &["--no-restart"]);
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
    // Only what payments contributes is lost: `Order.payments` is nullable, so the order
    // itself (from orders) still answers.
    assert_eq!(
        partial["data"]["order"]["id"], healthy["data"]["order"]["id"],
        "{partial:#}"
    );
    assert!(
        partial["data"]["order"]["payments"].is_null(),
        "{partial:#}"
    );
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
