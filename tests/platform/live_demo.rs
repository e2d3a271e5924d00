//! The demo's live orders: on a platform started with its demo data and a broker, the launcher
//! places a few orders through the gateway as demo customers 95 to 99 and the events carry
//! them (FULFILLED; one cancelled and refunded; one returned and refunded), once per data
//! directory, with every invariant holding afterwards.

use crate::support::{data, Options, Platform};
use serde_json::json;
use std::time::Duration;
use subgraph_kit::ids;
use subgraph_kit::testing::TestDb;

#[test]
fn a_fresh_platform_places_the_demo_orders_through_the_lifecycle_once() {
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    let db = runtime.block_on(TestDb::create());
    let dir = std::env::temp_dir().join(format!("cc-live-demo-{}", uuid::Uuid::new_v4()));
    let options = Options {
        database_url: Some(&db.url),
        data_dir: &dir,
    };
    let env = [("CROWDCRUNCH_NO_DEMO_ORDERS", "false".into())];
    let mut platform = Platform::start_with_env(options, &[], &env);
    platform.wait_for_line(
        "crowdcrunch: demo orders placed through the gateway",
        Duration::from_secs(600),
    );
    // What became of each order, one line each, as the launcher recorded it.
    let record = std::fs::read_to_string(dir.join("demo-orders.done")).expect("the record");
    let lines: Vec<&str> = record.lines().collect();
    assert_eq!(lines.len(), 5, "{record}");
    for fulfilled in &lines[..3] {
        assert!(fulfilled.ends_with(" FULFILLED"), "{record}");
    }
    // The carrier may deliver the parcel before the cancellation reaches it: then it is
    // refused, and the order goes on.
    assert!(
        lines[3].ends_with(" CANCELLED and refunded") || lines[3].contains(" not cancelled: "),
        "{record}"
    );
    assert!(
        lines[4].ends_with(" delivered, one unit returned and refunded"),
        "{record}"
    );

    // Fulfilled, cancelled and refunded, or partly returned and refunded: nothing is owed.
    let staff = platform.token(&["--staff", "all"]);
    for line in &lines {
        let id = line.split(' ').next().expect("an order id");
        let (_, body) = platform.gql_as(
            "gateway",
            Some(&staff),
            "query($id: ID!) { order(id: $id) { status amountDue { amount } } }",
            json!({ "id": id }),
        );
        assert_eq!(
            data(&body)["order"]["amountDue"]["amount"],
            "0",
            "{line}: {body:#}"
        );
    }

    // Each demo customer has exactly the one order the demo placed for them.
    for customer in 95..100 {
        let (_, body) = platform.gql(
            "gateway",
            "query($id: ID!) { customer(id: $id) { orders(first: 50) { nodes { id } } } }",
            json!({ "id": ids::customer_id(customer) }),
        );
        let fixture = (0..ids::ORDERS)
            .filter(|&i| ids::order_customer(i) == customer)
            .count();
        let orders = data(&body)["customer"]["orders"]["nodes"]
            .as_array()
            .map_or(0, Vec::len);
        assert_eq!(orders, fixture + 1, "customer {customer}: {body:#}");
    }
    crate::invariants::check(&runtime, &db.url);
    assert!(platform.interrupt(Duration::from_secs(60)).success());

    // Started again on the same data: the demo does not run twice.
    let options = Options {
        database_url: Some(&db.url),
        data_dir: &dir,
    };
    let again = Platform::start_with_env(options, &[], &env);
    std::thread::sleep(Duration::from_secs(3));
    assert!(
        again.lines("crowdcrunch: demo orders").is_empty(),
        "{}",
        again.output()
    );
    let (_, body) = again.gql(
        "gateway",
        "query($id: ID!) { customer(id: $id) { orders(first: 50) { nodes { id } } } }",
        json!({ "id": ids::customer_id(95) }),
    );
    let fixture = (0..ids::ORDERS)
        .filter(|&i| ids::order_customer(i) == 95)
        .count();
    assert_eq!(
        data(&body)["customer"]["orders"]["nodes"]
            .as_array()
            .map_or(0, Vec::len),
        fixture + 1
    );
    drop(again);
    let _ = std::fs::remove_dir_all(&dir);
}
