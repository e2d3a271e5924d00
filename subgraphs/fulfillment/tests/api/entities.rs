use crate::support::*;
use fulfillment::Fulfillment;
use serde_json::{json, Value};
use subgraph_kit::testing::{spawn_app, StatementCounter, TestApp};

const ENTITIES: &str = "query($r: [_Any!]!) { _entities(representations: $r) {
    __typename
    ... on Order { id shipments { id status lines { product { sku } quantity } } }
    ... on Product { sku stock }
    ... on Shipment { id status carrier order { id } lines { product { sku } quantity } } } }";

async fn entities(app: &TestApp, reps: Vec<Value>) -> Value {
    app.gql(ENTITIES, json!({ "r": reps })).await
}

#[tokio::test(flavor = "multi_thread")]
async fn products_resolve_with_their_stock_and_unknown_skus_have_none() {
    let app = spawn_app::<Fulfillment>().await;
    stock_up(&app, "SKU-1", 12).await;
    stock_up(&app, "SKU-2", 3).await;
    let reps = ["SKU-1", "SKU-NEVER", "SKU-2"]
        .iter()
        .map(|s| json!({"__typename": "Product", "sku": s}))
        .collect();
    let res = entities(&app, reps).await;
    assert!(res["errors"].is_null(), "{res}");
    assert_eq!(
        res["data"]["_entities"],
        json!([{"__typename": "Product", "sku": "SKU-1", "stock": 12},
               {"__typename": "Product", "sku": "SKU-NEVER", "stock": 0},
               {"__typename": "Product", "sku": "SKU-2", "stock": 3}])
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn orders_list_their_shipments_and_unknown_shipments_are_null() {
    let app = spawn_app::<Fulfillment>().await;
    stock_up(&app, "SKU-1", 50).await;
    let mut shipment_ids = Vec::new();
    for n in 0..15 {
        shipment_ids.push(shipment_of(&app, &order_id(n % 5), "SKU-1").await);
    }
    let mut reps: Vec<Value> = shipment_ids
        .iter()
        .map(|id| json!({"__typename": "Shipment", "id": id}))
        .collect();
    reps.insert(
        3,
        json!({"__typename": "Shipment", "id": "00000000-0000-4000-8000-000000000000"}),
    );
    reps.push(json!({"__typename": "Shipment", "id": "garbage"}));
    reps.push(json!({"__typename": "Order", "id": order_id(0)}));
    reps.push(json!({"__typename": "Order", "id": order_id(99)}));
    let res = entities(&app, reps).await;
    assert!(res["errors"].is_null(), "{res}");
    let got = res["data"]["_entities"].as_array().expect("list");
    assert_eq!(got.len(), 19);
    assert!(got[3].is_null());
    assert!(got[16].is_null());
    assert_eq!(got[0]["id"], shipment_ids[0].as_str());
    assert_eq!(got[4]["id"], shipment_ids[3].as_str());
    assert_eq!(got[4]["order"]["id"], order_id(3));
    assert_eq!(
        got[15]["lines"],
        json!([{"product": {"sku": "SKU-1"}, "quantity": 1}])
    );
    // Order 0 got shipments 0, 5 and 10, oldest first.
    let of_order_0: Vec<&str> = got[17]["shipments"]
        .as_array()
        .expect("shipments")
        .iter()
        .filter_map(|s| s["id"].as_str())
        .collect();
    assert_eq!(
        of_order_0,
        [&shipment_ids[0], &shipment_ids[5], &shipment_ids[10]]
    );
    assert_eq!(got[18]["shipments"], json!([]));
}

/// Current-thread runtime: the server, the driver and the client all run on the thread the
/// counter watches.
#[tokio::test]
async fn an_entities_request_is_one_sql_statement_whatever_its_size() {
    let app = spawn_app::<Fulfillment>().await;
    stock_up(&app, "SKU-1", 100).await;
    let mut shipment_ids = Vec::new();
    for n in 0..10 {
        shipment_ids.push(shipment_of(&app, &order_id(n), "SKU-1").await);
    }
    let (counter, _guard) = StatementCounter::install();
    sqlx_events_reach_this_thread(&app).await;
    for size in [1usize, 10, 100] {
        let batches: [(&str, Vec<Value>); 3] = [
            (
                "orders",
                (0..size as u32)
                    .map(|n| json!({"__typename": "Order", "id": order_id(n)}))
                    .collect(),
            ),
            (
                "shipments",
                (0..size)
                    .map(|n| json!({"__typename": "Shipment", "id": shipment_ids[n % 10]}))
                    .collect(),
            ),
            (
                "products",
                (0..size)
                    .map(|n| json!({"__typename": "Product", "sku": format!("SKU-{n}")}))
                    .collect(),
            ),
        ];
        for (what, reps) in batches {
            counter.reset();
            let res = entities(&app, reps).await;
            assert!(res["errors"].is_null(), "{res}");
            assert_eq!(
                res["data"]["_entities"].as_array().map(Vec::len),
                Some(size)
            );
            assert_eq!(counter.get(), 1, "{what} batch of {size}");
        }
    }
}

/// sqlx's query-event callsites are registered by the first thread that logs a statement
/// once a subscriber exists. With only the counter's (thread-local) subscriber registered,
/// tracing computes a new callsite's interest from the registering thread's subscriber, so a
/// test on another thread can cache "never" for everyone. Log a statement here, then
/// recompute every callsite's interest from this thread, where the counter is installed.
/// The slow statement registers the callsites sqlx uses for slow statements (over 500 ms).
async fn sqlx_events_reach_this_thread(app: &TestApp) {
    for warm_up in ["SELECT 1", "SELECT pg_sleep(0.6)"] {
        sqlx::query(warm_up)
            .execute(&app.pool)
            .await
            .expect("warm-up statement");
    }
    tracing::callsite::rebuild_interest_cache();
}

#[tokio::test(flavor = "multi_thread")]
async fn aliased_entities_fields_in_one_request_each_resolve_their_own_keys() {
    let app = spawn_app::<Fulfillment>().await;
    stock_up(&app, "SKU-1", 10).await;
    stock_up(&app, "SKU-2", 20).await;
    let first = shipment_of(&app, &order_id(1), "SKU-1").await;
    let second = shipment_of(&app, &order_id(2), "SKU-2").await;
    let q = "query($a: [_Any!]!, $b: [_Any!]!) {
        a: _entities(representations: $a) { ... on Shipment { id } ... on Order { shipments { id } } ... on Product { stock } }
        b: _entities(representations: $b) { ... on Shipment { id } ... on Order { shipments { id } } ... on Product { stock } } }";
    let res = app
        .gql(
            q,
            json!({
                "a": [{"__typename": "Shipment", "id": first},
                      {"__typename": "Order", "id": order_id(1)},
                      {"__typename": "Product", "sku": "SKU-1"}],
                "b": [{"__typename": "Shipment", "id": second},
                      {"__typename": "Order", "id": order_id(2)},
                      {"__typename": "Product", "sku": "SKU-2"}],
            }),
        )
        .await;
    assert!(res["errors"].is_null(), "{res}");
    assert_eq!(res["data"]["a"][0]["id"], first.as_str(), "{res}");
    assert_eq!(res["data"]["a"][1]["shipments"], json!([{"id": first}]));
    assert_eq!(res["data"]["a"][2]["stock"], 10);
    assert_eq!(res["data"]["b"][0]["id"], second.as_str());
    assert_eq!(res["data"]["b"][1]["shipments"], json!([{"id": second}]));
    assert_eq!(res["data"]["b"][2]["stock"], 20);
}
