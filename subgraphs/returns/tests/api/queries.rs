use crate::support::*;
use returns::seed::demo_return_status;
use returns::Returns;
use serde_json::json;
use subgraph_kit::ids;
use subgraph_kit::testing::{error_code, spawn_app_with};

#[tokio::test(flavor = "multi_thread")]
async fn committed_schema_matches_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql");
    let sdl = returns::sdl();
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
async fn return_query_returns_the_return_or_null() {
    let app = app().await;
    let id = requested(&app, ORDER_ID, Some(PAYMENT_ID)).await;
    let q = format!("query($id: ID!) {{ return(id: $id) {{ {RETURN_FIELDS} }} }}");
    let res = app.gql(&q, json!({"id": id})).await;
    let r = &res["data"]["return"];
    assert_eq!(r["status"], "REQUESTED", "{res}");
    assert_eq!(r["order"]["id"], ORDER_ID);
    assert_eq!(r["payment"]["id"], PAYMENT_ID);
    assert_eq!(r["reason"], "Wrong size");
    assert!(r["rejectionReason"].is_null());
    assert_eq!(
        r["lines"],
        json!([{"product": {"sku": "SKU-0001"}, "quantity": 1}])
    );

    let none = app
        .gql(&q, json!({"id": "00000000-0000-4000-8000-000000000000"}))
        .await;
    assert!(
        none["errors"].is_null() && none["data"]["return"].is_null(),
        "{none}"
    );
    let bad = app.gql(&q, json!({"id": "x"})).await;
    assert_eq!(error_code(&bad), Some("BAD_USER_INPUT"), "{bad}");

    // Outside `_entities`, related returns come through the batch loaders.
    let nested = app
        .gql(
            "query($id: ID!) { return(id: $id) { order { returns { id } } payment { returns { id } } } }",
            json!({"id": id}),
        )
        .await;
    let r = &nested["data"]["return"];
    assert_eq!(r["order"]["returns"], json!([{"id": id}]), "{nested}");
    assert_eq!(r["payment"]["returns"], json!([{"id": id}]), "{nested}");
}

#[tokio::test(flavor = "multi_thread")]
async fn seed_loads_the_demo_returns_once() {
    let app = spawn_app_with::<Returns>(true).await;
    let with_return: Vec<usize> = (0..ids::ORDERS)
        .filter(|&i| ids::order_has_return(i))
        .collect();
    assert!(with_return.len() > 10, "{}", with_return.len());
    assert_eq!(app.count("returns").await, with_return.len() as i64);
    assert_eq!(app.count("return_lines").await, with_return.len() as i64);
    let refunded: i64 =
        sqlx::query_scalar("SELECT count(*) FROM returns WHERE status = 'REFUNDED'")
            .fetch_one(&app.pool)
            .await
            .expect("count");
    let expected = with_return
        .iter()
        .filter(|&&i| demo_return_status(i) == "REFUNDED")
        .count() as i64;
    assert_eq!(refunded, expected);

    <Returns as subgraph_kit::server::Subgraph>::seed(&app.pool)
        .await
        .expect("second seed");
    assert_eq!(app.count("returns").await, with_return.len() as i64);

    let i = with_return[0];
    let q = "query($id: ID!) { return(id: $id) { order { id } payment { id } status lines { product { sku } quantity } } }";
    let res = app.gql(q, json!({"id": ids::return_id(i)})).await;
    let r = &res["data"]["return"];
    assert_eq!(r["order"]["id"], ids::order_id(i).to_string(), "{res}");
    assert_eq!(r["payment"]["id"], ids::payment_id(i).to_string());
    assert_eq!(r["status"], demo_return_status(i));
    let (p, q) = ids::order_lines(i)[0];
    assert_eq!(
        r["lines"],
        json!([{"product": {"sku": ids::product_sku(p)}, "quantity": q}])
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn created_at_reads_back_exactly_as_the_mutation_answered() {
    let app = app().await;
    for n in 0..20 {
        let made = request(&app, input(ORDER_ID, None, 1), &format!("ts-{n}")).await;
        let made = &made["data"]["requestReturn"];
        let q = "query($id: ID!) { return(id: $id) { createdAt } }";
        let read = app.gql(q, json!({"id": made["id"]})).await;
        assert!(made["createdAt"].is_string(), "{made}");
        assert_eq!(
            read["data"]["return"]["createdAt"], made["createdAt"],
            "{read}"
        );
    }
}
