use crate::{count_statements, seeded_app};
use serde_json::{json, Value};
use subgraph_kit::ids;

const ORDERS: &str = "query($r: [_Any!]!) { _entities(representations: $r) {
    ... on Order { id status customer { id } total { amount currency }
                   lines { quantity product { sku name price { amount } } } } } }";

/// Representations of the first `n` seeded customers.
fn customer_reps(n: usize) -> Value {
    (0..n)
        .map(|c| json!({"__typename": "Customer", "id": ids::customer_id(c)}))
        .collect()
}

fn order_reps(ids: &[String]) -> Value {
    ids.iter()
        .map(|id| json!({"__typename": "Order", "id": id}))
        .collect()
}

#[tokio::test]
async fn order_entities_resolve_known_ids_and_null_unknown_ones_in_order() {
    let app = seeded_app().await;
    let mut wanted: Vec<String> = (0..80).map(|i| ids::order_id(i).to_string()).collect();
    wanted.insert(5, uuid::Uuid::new_v4().to_string());
    wanted.insert(50, "not-a-uuid".to_string());
    let res = app.gql(ORDERS, json!({"r": order_reps(&wanted)})).await;
    assert!(res["errors"].is_null(), "{res}");
    let got = res["data"]["_entities"].as_array().unwrap();
    assert_eq!(got.len(), wanted.len());
    for (i, (entity, id)) in got.iter().zip(&wanted).enumerate() {
        if i == 5 || i == 50 {
            assert!(entity.is_null(), "{id} should resolve to null");
        } else {
            assert_eq!(entity["id"].as_str(), Some(id.as_str()));
            assert!(!entity["lines"].as_array().unwrap().is_empty());
        }
    }
}

#[tokio::test]
async fn product_entities_resolve_known_skus_and_null_unknown_ones() {
    let app = seeded_app().await;
    let reps = json!([
        {"__typename": "Product", "sku": ids::product_sku(0)},
        {"__typename": "Product", "sku": "SKU-NOPE"},
        {"__typename": "Product", "sku": ids::product_sku(49)},
    ]);
    let res = app
        .gql(
            "query($r: [_Any!]!) { _entities(representations: $r) {
                ... on Product { sku name price { amount currency } } } }",
            json!({"r": reps}),
        )
        .await;
    assert!(res["errors"].is_null(), "{res}");
    let got = &res["data"]["_entities"];
    assert_eq!(got[0]["sku"], ids::product_sku(0));
    assert!(got[1].is_null());
    assert_eq!(got[2]["name"], orders::seed::demo_product_name(49));
}

#[tokio::test]
async fn customer_entities_carry_their_orders_and_unknown_customers_have_none() {
    let app = seeded_app().await;
    let reps = json!([
        {"__typename": "Customer", "id": ids::customer_id(0)},
        {"__typename": "Customer", "id": uuid::Uuid::new_v4()},
    ]);
    let res = app
        .gql(
            "query($r: [_Any!]!) { _entities(representations: $r) {
                ... on Customer { id orders(first: 100) { nodes { customer { id } } } } } }",
            json!({"r": reps}),
        )
        .await;
    assert!(res["errors"].is_null(), "{res}");
    let expected = (0..ids::ORDERS)
        .filter(|&i| ids::order_customer(i) == 0)
        .count();
    let first = res["data"]["_entities"][0]["orders"]["nodes"]
        .as_array()
        .unwrap();
    assert_eq!(first.len(), expected);
    assert!(first
        .iter()
        .all(|o| o["customer"]["id"] == ids::customer_id(0).to_string()));
    assert_eq!(res["data"]["_entities"][1]["orders"]["nodes"], json!([]));
}

#[tokio::test]
async fn order_entities_batch_of_100_with_lines_is_one_sql_statement() {
    let app = seeded_app().await;
    let wanted: Vec<String> = (0..100).map(|i| ids::order_id(i * 7).to_string()).collect();
    let (counter, _guards) = count_statements();
    let res = app.gql(ORDERS, json!({"r": order_reps(&wanted)})).await;
    assert!(res["errors"].is_null(), "{res}");
    let got = res["data"]["_entities"].as_array().unwrap();
    assert!(got.iter().all(|o| !o.is_null()));
    assert_eq!(counter.get(), 1, "one round trip for the whole batch");
}

#[tokio::test]
async fn customer_order_pages_for_many_customers_are_batched_not_one_statement_each() {
    let app = seeded_app().await;
    let reps = customer_reps(40);
    let (counter, _guards) = count_statements();
    let res = app
        .gql(
            "query($r: [_Any!]!) { _entities(representations: $r) {
                ... on Customer { orders(first: 3) { nodes { id lines { product { sku } } }
                                                     pageInfo { hasNextPage } } } } }",
            json!({"r": reps}),
        )
        .await;
    assert!(res["errors"].is_null(), "{res}");
    let pages = res["data"]["_entities"].as_array().unwrap();
    assert_eq!(pages.len(), 40);
    assert!(pages
        .iter()
        .all(|p| p["orders"]["nodes"].as_array().unwrap().len() == 3));
    // The request's entity batch reads every customer's page at once (N+1 loading would be
    // 40), however long reaching the 40 resolvers takes.
    assert_eq!(counter.get(), 1, "statements for 40 pages");
}

#[tokio::test]
async fn aliased_page_windows_of_many_customers_are_one_statement_per_window() {
    let app = seeded_app().await;
    let reps = customer_reps(10);
    let (counter, _guards) = count_statements();
    let res = app
        .gql(
            "query($r: [_Any!]!) { _entities(representations: $r) {
                ... on Customer { one: orders(first: 1) { nodes { id } }
                                  two: orders(first: 2) { nodes { id } } } } }",
            json!({"r": reps}),
        )
        .await;
    assert!(res["errors"].is_null(), "{res}");
    for page in res["data"]["_entities"].as_array().unwrap() {
        let one = page["one"]["nodes"].as_array().unwrap();
        let two = page["two"]["nodes"].as_array().unwrap();
        assert_eq!((one.len(), two.len()), (1, 2), "{page}");
        // Both windows start at the newest order.
        assert_eq!(one[0], two[0]);
    }
    assert_eq!(
        counter.get(),
        2,
        "statements for two windows of 10 customers"
    );
}
