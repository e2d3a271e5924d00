//! The four benchmark subgraphs over real HTTP: each one's root fields and entity
//! lookups answer as the fixture README describes.

use serde_json::{json, Value};
use std::net::SocketAddr;

async fn start() -> SocketAddr {
    bench_subgraphs::spawn(([127, 0, 0, 1], 0).into())
        .await
        .unwrap()
}

async fn post(addr: SocketAddr, subgraph: &str, query: &str) -> Value {
    let response = reqwest::Client::new()
        .post(format!("http://{addr}/{subgraph}"))
        .json(&json!({ "query": query }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert!(body.get("errors").is_none(), "{subgraph}: {body}");
    body["data"].clone()
}

#[tokio::test]
async fn accounts_serve_me_user_users_and_user_entities() {
    let addr = start().await;
    let data = post(
        addr,
        "accounts",
        r#"{ me { id username } user(id: "3") { name } users { id }
             _entities(representations: [{__typename: "User", id: "6"}]) { ... on User { username birthday } } }"#,
    )
    .await;
    assert_eq!(
        data,
        json!({
            "me": {"id": "1", "username": "urigo"},
            "user": {"name": "Kamil Kisiela"},
            "users": [{"id": "1"}, {"id": "2"}, {"id": "3"}, {"id": "4"}, {"id": "5"}, {"id": "6"}],
            "_entities": [{"username": "laurin", "birthday": 1234567890}]
        })
    );
}

#[tokio::test]
async fn products_top_products_default_to_five_and_honour_first() {
    let addr = start().await;
    let data = post(
        addr,
        "products",
        r#"{ topProducts { upc } two: topProducts(first: 2) { name price weight }
             _entities(representations: [{__typename: "Product", upc: "8"}]) { ... on Product { name price } } }"#,
    )
    .await;
    assert_eq!(
        data,
        json!({
            "topProducts": [{"upc": "1"}, {"upc": "2"}, {"upc": "3"}, {"upc": "4"}, {"upc": "5"}],
            "two": [{"name": "Table", "price": 899, "weight": 100}, {"name": "Couch", "price": 1299, "weight": 1000}],
            "_entities": [{"name": "Fridge", "price": 100000}]
        })
    );
}

#[tokio::test]
async fn inventory_answers_stock_and_a_null_estimate_as_the_published_fixture_does() {
    let addr = start().await;
    let data = post(
        addr,
        "inventory",
        r#"{ _entities(representations: [
               {__typename: "Product", upc: "1", price: 899, weight: 100},
               {__typename: "Product", upc: "2", price: 1299, weight: 1000}]) {
             ... on Product { upc inStock shippingEstimate } } }"#,
    )
    .await;
    assert_eq!(
        data,
        json!({"_entities": [
            {"upc": "1", "inStock": true, "shippingEstimate": null},
            {"upc": "2", "inStock": false, "shippingEstimate": null}
        ]})
    );
}

#[tokio::test]
async fn reviews_extend_products_and_users_with_the_fixture_quirks() {
    let addr = start().await;
    let data = post(
        addr,
        "reviews",
        r#"{ _entities(representations: [
               {__typename: "Product", upc: "4"},
               {__typename: "User", id: "5"},
               {__typename: "Review", id: "9"}]) {
             ... on Product { reviews { id author { id username } } }
             ... on User { username reviews { id product { upc } } }
             ... on Review { id product { upc } } } }"#,
    )
    .await;
    let urigo = json!({"id": "1", "username": "urigo"});
    assert_eq!(
        data,
        json!({"_entities": [
            {"reviews": [{"id": "10", "author": urigo}, {"id": "11", "author": urigo}]},
            {"username": "user", "reviews": [{"id": "1", "product": {"upc": "1"}}, {"id": "2", "product": {"upc": "1"}}]},
            {"id": "9", "product": {"upc": "3"}}
        ]})
    );
}

#[tokio::test]
async fn a_product_without_reviews_has_an_empty_list() {
    let addr = start().await;
    let data = post(
        addr,
        "reviews",
        r#"{ _entities(representations: [{__typename: "Product", upc: "9"}]) { ... on Product { reviews { id } } } }"#,
    )
    .await;
    assert_eq!(data, json!({"_entities": [{"reviews": []}]}));
}

#[tokio::test]
async fn health_answers_ok() {
    let addr = start().await;
    let body = reqwest::get(format!("http://{addr}/health"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(body, "OK");
}
