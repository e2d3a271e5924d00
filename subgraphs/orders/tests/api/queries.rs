use crate::seeded_app;
use serde_json::json;
use std::collections::HashSet;
use subgraph_kit::ids;
use subgraph_kit::testing::error_code;

#[tokio::test]
async fn order_by_id_returns_the_seeded_order_with_its_lines() {
    let app = seeded_app().await;
    let i = 42;
    let q = "query($id: ID!) { order(id: $id) { id customer { id } status
        total { amount currency } lines { product { sku } quantity unitPrice { amount }
        lineTotal { amount } } } }";
    let res = app.gql(q, json!({"id": ids::order_id(i)})).await;
    let order = &res["data"]["order"];
    assert_eq!(
        order["customer"]["id"],
        ids::customer_id(ids::order_customer(i)).to_string()
    );
    assert_eq!(order["status"], ids::order_status(i));
    assert_eq!(
        order["total"],
        json!({"amount": ids::order_total(i).to_string(), "currency": "USD"})
    );
    let lines = order["lines"].as_array().unwrap();
    let expected = ids::order_lines(i);
    assert_eq!(lines.len(), expected.len());
    for (line, (p, q)) in lines.iter().zip(expected) {
        assert_eq!(line["product"]["sku"], ids::product_sku(p));
        assert_eq!(line["quantity"], q);
        assert_eq!(
            line["unitPrice"]["amount"],
            ids::product_price(p).to_string()
        );
        assert_eq!(
            line["lineTotal"]["amount"],
            (ids::product_price(p) * q as i64).to_string()
        );
    }
}

#[tokio::test]
async fn unknown_order_is_null_and_malformed_id_is_bad_input() {
    let app = seeded_app().await;
    let q = "query($id: ID!) { order(id: $id) { id } }";
    let unknown = app.gql(q, json!({"id": uuid::Uuid::new_v4()})).await;
    assert!(unknown["errors"].is_null(), "{unknown}");
    assert!(unknown["data"]["order"].is_null());
    let malformed = app.gql(q, json!({"id": "nope"})).await;
    assert_eq!(error_code(&malformed), Some("BAD_USER_INPUT"));
}

#[tokio::test]
async fn product_by_sku_and_unknown_sku() {
    let app = seeded_app().await;
    let q = "query($sku: ID!) { product(sku: $sku) { sku name price { amount currency } } }";
    let res = app.gql(q, json!({"sku": ids::product_sku(3)})).await;
    assert_eq!(
        res["data"]["product"],
        json!({"sku": ids::product_sku(3), "name": orders::seed::demo_product_name(3),
               "price": {"amount": ids::product_price(3).to_string(), "currency": "USD"}})
    );
    let unknown = app.gql(q, json!({"sku": "NOPE"})).await;
    assert!(unknown["data"]["product"].is_null());
}

#[tokio::test]
async fn products_pagination_walks_the_catalog_in_sku_order() {
    let app = seeded_app().await;
    let q = "query($after: String) { products(first: 20, after: $after) {
        nodes { sku } pageInfo { hasNextPage endCursor } } }";
    let (mut after, mut skus, mut pages) = (None::<String>, vec![], 0);
    loop {
        let res = app.gql(q, json!({"after": after})).await;
        let conn = &res["data"]["products"];
        skus.extend(
            conn["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n["sku"].clone()),
        );
        pages += 1;
        if !conn["pageInfo"]["hasNextPage"].as_bool().unwrap() {
            break;
        }
        after = conn["pageInfo"]["endCursor"].as_str().map(String::from);
    }
    assert_eq!(pages, 3);
    let expected: Vec<_> = (0..ids::PRODUCTS)
        .map(|p| json!(ids::product_sku(p)))
        .collect();
    assert_eq!(skus, expected);
}

#[tokio::test]
async fn page_sizes_outside_1_to_100_are_rejected() {
    let app = seeded_app().await;
    for n in [0, 101] {
        let res = app
            .gql(
                "query($n: Int) { products(first: $n) { nodes { sku } } }",
                json!({"n": n}),
            )
            .await;
        assert_eq!(
            error_code(&res),
            Some("BAD_USER_INPUT"),
            "products first: {n}"
        );
        let res = app
            .gql(
                "query($r: [_Any!]!, $n: Int) { _entities(representations: $r) {
                    ... on Customer { orders(first: $n) { nodes { id } } } } }",
                json!({"n": n, "r": [{"__typename": "Customer", "id": ids::customer_id(0)}]}),
            )
            .await;
        assert_eq!(
            error_code(&res),
            Some("BAD_USER_INPUT"),
            "orders first: {n}"
        );
    }
}

#[tokio::test]
async fn customer_orders_are_paginated_newest_first() {
    let app = seeded_app().await;
    let customer = 3;
    let mine: HashSet<String> = (0..ids::ORDERS)
        .filter(|&i| ids::order_customer(i) == customer)
        .map(|i| ids::order_id(i).to_string())
        .collect();
    let q = "query($r: [_Any!]!, $after: String) { _entities(representations: $r) {
        ... on Customer { orders(first: 4, after: $after) {
            nodes { id placedAt } pageInfo { hasNextPage endCursor } } } } }";
    let reps = json!([{"__typename": "Customer", "id": ids::customer_id(customer)}]);
    let (mut after, mut seen, mut placed) = (None::<String>, vec![], vec![]);
    loop {
        let res = app.gql(q, json!({"r": reps, "after": after})).await;
        let conn = &res["data"]["_entities"][0]["orders"];
        for n in conn["nodes"].as_array().unwrap() {
            seen.push(n["id"].as_str().unwrap().to_string());
            placed.push(n["placedAt"].as_str().unwrap().to_string());
        }
        if !conn["pageInfo"]["hasNextPage"].as_bool().unwrap() {
            break;
        }
        after = conn["pageInfo"]["endCursor"].as_str().map(String::from);
    }
    assert_eq!(seen.len(), mine.len());
    assert_eq!(seen.iter().cloned().collect::<HashSet<_>>(), mine);
    assert!(placed.windows(2).all(|w| w[0] >= w[1]), "not newest first");
}
