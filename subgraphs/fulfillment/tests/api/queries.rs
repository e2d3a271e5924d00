use crate::support::*;
use fulfillment::seed::{demo_shipment_status, demo_stock};
use fulfillment::Fulfillment;
use serde_json::json;
use subgraph_kit::ids;
use subgraph_kit::testing::{error_code, spawn_app_with};

#[tokio::test(flavor = "multi_thread")]
async fn committed_schema_matches_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql");
    let sdl = fulfillment::sdl();
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(path, &sdl).expect("write schema.graphql");
        return;
    }
    let committed = std::fs::read_to_string(path).expect("read schema.graphql");
    assert_eq!(
        committed, sdl,
        "schema.graphql drifted: rerun with UPDATE_SCHEMA=1"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn shipment_query_returns_the_shipment_or_null() {
    let app = app().await;
    stock_up(&app, "SKU-A", 10).await;
    stock_up(&app, "SKU-B", 10).await;
    let res = create(
        &app,
        ORDER_ID,
        json!([{"sku": "SKU-B", "quantity": 2}, {"sku": "SKU-A", "quantity": 3}]),
        "k",
    )
    .await;
    let id = res["data"]["createShipment"]["id"].as_str().expect("id");
    let q = format!("query($id: ID!) {{ shipment(id: $id) {{ {SHIPMENT_FIELDS} }} }}");
    let got = app.gql(&q, json!({"id": id})).await;
    let s = &got["data"]["shipment"];
    assert_eq!(s["status"], "PENDING", "{got}");
    assert_eq!(s["order"]["id"], ORDER_ID);
    assert_eq!(s["carrier"], "DHL");
    assert!(s["trackingNumber"].is_null());
    assert_eq!(
        s["lines"],
        // The order's stock was reserved when it was placed (here: 100 of each, more than
        // the 10 on hand, so nothing was), and a shipment takes nothing more.
        json!([{"product": {"sku": "SKU-A", "stock": 10}, "quantity": 3},
               {"product": {"sku": "SKU-B", "stock": 10}, "quantity": 2}])
    );

    let none = app
        .gql(&q, json!({"id": "00000000-0000-4000-8000-000000000000"}))
        .await;
    assert!(
        none["errors"].is_null() && none["data"]["shipment"].is_null(),
        "{none}"
    );
    let bad = app.gql(&q, json!({"id": "x"})).await;
    assert_eq!(error_code(&bad), Some("BAD_USER_INPUT"), "{bad}");

    // Outside `_entities`, an order's shipments come through the batch loader.
    let nested = app
        .gql(
            "query($id: ID!) { shipment(id: $id) { order { shipments { id status } } } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(
        nested["data"]["shipment"]["order"]["shipments"],
        json!([{"id": id, "status": "PENDING"}]),
        "{nested}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn seed_loads_the_demo_inventory_and_shipments_once() {
    let app = spawn_app_with::<Fulfillment>(true).await;
    let shipped: Vec<usize> = (0..ids::ORDERS)
        .filter(|&i| demo_shipment_status(i).is_some())
        .collect();
    let fulfilled = (0..ids::ORDERS)
        .filter(|&i| ids::order_status(i) == "FULFILLED")
        .count();
    assert!(
        shipped.len() > fulfilled,
        "every fulfilled order and some paid ones"
    );
    let lines: usize = shipped.iter().map(|&i| ids::order_lines(i).len()).sum();
    assert_eq!(app.count("inventory").await, ids::PRODUCTS as i64);
    assert_eq!(app.count("shipments").await, shipped.len() as i64);
    assert_eq!(app.count("shipment_lines").await, lines as i64);

    <Fulfillment as subgraph_kit::server::Subgraph>::seed(&app.pool)
        .await
        .expect("second seed");
    assert_eq!(app.count("shipments").await, shipped.len() as i64);

    let i = shipped[0];
    let q = "query($id: ID!) { shipment(id: $id) { order { id } status lines { product { sku stock } quantity } } }";
    let res = app.gql(q, json!({"id": ids::shipment_id(i)})).await;
    let s = &res["data"]["shipment"];
    assert_eq!(s["order"]["id"], ids::order_id(i).to_string(), "{res}");
    assert_eq!(s["status"], demo_shipment_status(i).unwrap_or_default());
    let (p, q) = ids::order_lines(i)
        .into_iter()
        .min_by_key(|&(p, _)| ids::product_sku(p))
        .expect("a line");
    assert_eq!(s["lines"][0]["product"]["sku"], ids::product_sku(p));
    assert_eq!(s["lines"][0]["product"]["stock"], demo_stock(p));
    assert_eq!(s["lines"][0]["quantity"], q);
}

#[tokio::test(flavor = "multi_thread")]
async fn created_at_reads_back_exactly_as_the_mutation_answered() {
    let app = app().await;
    stock_up(&app, "SKU-A", 100).await;
    let q = format!("query($id: ID!) {{ shipment(id: $id) {{ {SHIPMENT_FIELDS} }} }}");
    for n in 0..20 {
        let line = json!([{"sku": "SKU-A", "quantity": 1}]);
        let made = create(&app, ORDER_ID, line, &format!("ts-{n}")).await;
        let made = &made["data"]["createShipment"];
        let read = app.gql(&q, json!({"id": made["id"]})).await;
        assert!(made["createdAt"].is_string(), "{made}");
        assert_eq!(
            read["data"]["shipment"]["createdAt"], made["createdAt"],
            "{read}"
        );
    }
}
