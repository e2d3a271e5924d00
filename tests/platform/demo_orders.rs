//! The demo orders are in every domain's read model, as their events would have left them:
//! through the gateway a staff cancel of a demo PAID order is refunded and its parcel stopped
//! by the lifecycle (not retried and dead-lettered as an unknown order), a demo FULFILLED
//! order's customer can return a delivered line, and the whole database, demo data included,
//! keeps the invariants.

use crate::events::wait_for;
use crate::support::{data, Options, Platform};
use serde_json::json;
use subgraph_kit::ids;
use subgraph_kit::testing::TestDb;
use uuid::Uuid;

const RETURN: &str = "mutation($o: ID!, $sku: ID!, $key: String!) {
  requestReturn(input: { orderId: $o, reason: \"too small\", lines: [{ sku: $sku, quantity: 1 }] },
                idempotencyKey: $key) { id status } }";

#[test]
fn demo_orders_move_through_the_lifecycle_like_any_other() {
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    let db = runtime.block_on(TestDb::create());
    let dir = std::env::temp_dir().join(format!("cc-demo-{}", Uuid::new_v4()));
    let mut platform = Platform::start(Options {
        database_url: Some(&db.url),
        data_dir: &dir,
    });
    let staff = platform.token(&[
        "--staff",
        "orders:manage,payments:manage,fulfillment:manage",
    ]);

    // A demo PAID order with a PENDING shipment, cancelled by staff: payments must refund it
    // and fulfillment stop its parcel, each from its own read model of the demo order.
    let paid = (0..ids::ORDERS)
        .find(|&i| ids::order_status(i) == "PAID" && ids::shipment_status(i) == Some("PENDING"))
        .expect("a demo PAID order being packed");
    let order = ids::order_id(paid).to_string();
    let (_, cancel) = platform.gql_as(
        "gateway",
        Some(&staff),
        "mutation($id: ID!) { cancelOrder(id: $id) { status } }",
        json!({ "id": order }),
    );
    // Paid: cancelled once fulfillment stopped its parcel, then refunded.
    assert_eq!(
        data(&cancel)["cancelOrder"]["status"],
        "CANCELLING",
        "{cancel:#}"
    );
    wait_for(&platform, &staff, &order, |o| {
        o["status"] == "CANCELLED"
            && o["payments"][0]["status"] == "REFUNDED"
            && o["shipments"][0]["status"] == "CANCELLED"
    });

    // A demo FULFILLED order with a delivered shipment and no return: its customer returns one
    // unit of a delivered line.
    let delivered = (0..ids::ORDERS)
        .find(|&i| ids::shipment_status(i) == Some("DELIVERED") && !ids::order_has_return(i))
        .expect("a delivered demo order");
    let customer = ids::customer_id(ids::order_customer(delivered));
    let me = platform.token(&["--customer", &customer.to_string()]);
    let (product, _) = ids::order_lines(delivered)[0];
    let (_, ret) = platform.gql_as(
        "gateway",
        Some(&me),
        RETURN,
        json!({ "o": ids::order_id(delivered), "sku": ids::product_sku(product), "key": "demo-return" }),
    );
    assert_eq!(
        data(&ret)["requestReturn"]["status"],
        "REQUESTED",
        "{ret:#}"
    );

    // The invariants hold over every order, demo ones included.
    crate::invariants::check(&runtime, &db.url);
    platform.interrupt(std::time::Duration::from_secs(60));
    let _ = std::fs::remove_dir_all(&dir);
}
