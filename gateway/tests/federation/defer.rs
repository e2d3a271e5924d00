//! `@defer` over `multipart/mixed`: the primary part first, deferred parts as their data
//! arrives, and the same answer as the undeferred operation once merged.

use std::sync::Arc;

use async_graphql_axum::GraphQL;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::routing::post_service;
use axum::Router;
use serde_json::{json, Value};
use tokio::sync::Semaphore;

use crate::harness::{start, Options, Shop};
use crate::multipart::{merge, post_multipart};
use crate::subgraphs;

/// Holds every request that selects `slow` until the test opens the gate, so that what
/// arrives before it is known to be sent before the slow field was even resolved.
async fn hold_slow(
    State(gate): State<Arc<Semaphore>>,
    req: Request,
    next: Next,
) -> axum::response::Response {
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap();
    if bytes.windows(4).any(|w| w == b"slow") {
        let _permit = gate.acquire().await.unwrap();
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

async fn gated_reviews(gate: Arc<Semaphore>) -> String {
    let app = Router::new()
        .route(
            "/graphql",
            post_service(GraphQL::new(subgraphs::reviews::schema())),
        )
        .layer(axum::middleware::from_fn_with_state(gate, hold_slow));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}/graphql")
}

/// All parts of the deferred answer, and the plain (JSON) answer to the same document.
async fn both(shop: &Shop, query: &str) -> (Vec<Value>, Value) {
    let mut parts = post_multipart(shop.http(), &shop.url, json!({ "query": query })).await;
    let all = parts.rest().await;
    let (status, plain) = shop.query(query).await;
    assert_eq!(status, 200);
    (all, plain)
}

fn labels(payload: &Value) -> Vec<&str> {
    payload["incremental"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|i| i["label"].as_str())
        .collect()
}

#[tokio::test]
async fn the_primary_part_arrives_before_a_slow_deferred_field() {
    let gate = Arc::new(Semaphore::new(0));
    let shop = start(Options {
        urls: vec![("reviews", gated_reviews(gate.clone()).await)],
        ..Options::default()
    })
    .await;
    let query =
        r#"{ product(upc: "1") { name reviews { body ... @defer(label: "slow") { slow } } } }"#;
    let mut parts = post_multipart(shop.http(), &shop.url, json!({ "query": query })).await;
    // The gate is closed: no subgraph has resolved `slow` yet.
    let first = parts.next().await.unwrap();
    assert_eq!(
        first,
        json!({"data": {"product": {"name": "Table", "reviews": [
            {"body": "Love it"}, {"body": "Too expensive"}
        ]}}, "hasNext": true})
    );
    gate.add_permits(1_000);
    let rest = parts.rest().await;
    assert_eq!(
        rest,
        [json!({"hasNext": false, "incremental": [
            {"data": {"slow": "late"}, "path": ["product", "reviews", 0], "label": "slow"},
            {"data": {"slow": "late"}, "path": ["product", "reviews", 1], "label": "slow"}
        ]})]
    );
    let mut all = vec![first];
    all.extend(rest);
    let (_, plain) = shop.query(query).await;
    assert_eq!(merge(&all), plain);
}

#[tokio::test]
async fn nested_defers_arrive_after_their_parents_and_merge_to_the_plain_answer() {
    let shop = start(Options::default()).await;
    let query = r#"{ me { name ... @defer(label: "outer") { reviews { body product {
        name ... @defer(label: "inner") { inStock shippingEstimate } } } } } }"#;
    let (parts, plain) = both(&shop, query).await;
    let order: Vec<&str> = parts.iter().flat_map(labels).collect();
    assert_eq!(order.first(), Some(&"outer"), "{parts:?}");
    assert!(order[1..].iter().all(|l| *l == "inner"), "{parts:?}");
    assert!(order.len() > 1, "{parts:?}");
    assert_eq!(merge(&parts), plain);
}

#[tokio::test]
async fn a_defer_inside_a_list_is_delivered_per_element() {
    let shop = start(Options::default()).await;
    let query = "{ topProducts(first: 3) { upc ... @defer(label: \"stock\") { inStock name } } }";
    let (parts, plain) = both(&shop, query).await;
    assert_eq!(parts.len(), 2, "{parts:?}");
    let paths: Vec<&Value> = parts[1]["incremental"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| &i["path"])
        .collect();
    assert_eq!(
        paths,
        [
            &json!(["topProducts", 0]),
            &json!(["topProducts", 1]),
            &json!(["topProducts", 2])
        ]
    );
    assert!(parts[0]["data"]["topProducts"][0].get("inStock").is_none());
    assert_eq!(merge(&parts), plain);
}

#[tokio::test]
async fn errors_inside_a_deferred_part_travel_with_it() {
    let shop = start(Options::default()).await;
    let query =
        r#"{ product(upc: "1") { name reviews { id ... @defer(label: "flaky") { flaky } } } }"#;
    let (parts, plain) = both(&shop, query).await;
    assert!(parts[0].get("errors").is_none(), "{parts:?}");
    let items = parts[1]["incremental"].as_array().unwrap();
    let failing = items
        .iter()
        .find(|i| i["path"] == json!(["product", "reviews", 1]))
        .unwrap();
    assert_eq!(failing["data"], json!({"flaky": null}));
    assert_eq!(
        failing["errors"][0]["path"],
        json!(["product", "reviews", 1, "flaky"])
    );
    assert_eq!(failing["errors"][0]["extensions"]["serviceName"], "reviews");
    assert_eq!(merge(&parts), plain);
}

#[tokio::test]
async fn a_null_parent_gets_no_deferred_payload() {
    let shop = start(Options::default()).await;
    // Product 404 does not exist: `product` is null, its deferred fragment never delivered.
    let query = r#"{ product(upc: "404") { name ... @defer { inStock } } me { ... @defer(label: "me") { username } } }"#;
    let (parts, plain) = both(&shop, query).await;
    let delivered: Vec<&str> = parts.iter().flat_map(labels).collect();
    assert_eq!(delivered, ["me"], "{parts:?}");
    assert_eq!(merge(&parts), plain);
}

#[tokio::test]
async fn clients_without_multipart_get_the_whole_answer_at_once() {
    let shop = start(Options::default()).await;
    let deferred = shop
        .http()
        .post(&shop.url)
        .header("accept", "application/json")
        .json(&json!({"query": "{ topProducts(first: 2) { upc ... @defer { inStock } } }"}))
        .send()
        .await
        .unwrap();
    assert_eq!(deferred.headers()["content-type"], "application/json");
    let deferred: Value = deferred.json().await.unwrap();
    let (_, plain) = shop
        .query("{ topProducts(first: 2) { upc inStock } }")
        .await;
    assert_eq!(deferred, plain);
}

#[tokio::test]
async fn if_false_answers_at_once_even_to_multipart_clients() {
    let shop = start(Options::default()).await;
    let response = shop
        .http()
        .post(&shop.url)
        .header("accept", crate::multipart::ACCEPT_MULTIPART)
        .json(&json!({
            "query": "query($d: Boolean!) { topProducts(first: 1) { upc ... @defer(if: $d) { inStock } } }",
            "variables": {"d": false}
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["content-type"], "application/json");
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body,
        json!({"data": {"topProducts": [{"upc": "1", "inStock": true}]}})
    );
}
