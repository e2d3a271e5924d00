//! The public benchmark fixture end to end: the gateway, given the fixture's supergraph
//! (URLs rewritten to where the bench subgraphs listen), answers `query.graphql` with
//! exactly `expected-response.json`, key order aside.

use crowdcrunch_gateway::{spawn, Config, RunningGateway};
use serde_json::{json, Value};

const SUPERGRAPH: &str = include_str!("../data/supergraph.graphql");
const QUERY: &str = include_str!("../data/query.graphql");
const EXPECTED: &str = include_str!("../data/expected-response.json");

/// The gateway keeps serving while the returned handle lives (dropping it shuts it down).
async fn gateway_over_bench_subgraphs() -> (RunningGateway, String) {
    let subgraphs = bench_subgraphs::spawn(([127, 0, 0, 1], 0).into())
        .await
        .unwrap();
    let sdl = SUPERGRAPH.replace("http://0.0.0.0:4200", &format!("http://{subgraphs}"));
    let config = Config {
        listen: "127.0.0.1:0".to_owned(),
        ..Config::default()
    };
    let gateway = spawn(&sdl, config).await.unwrap();
    let url = format!("http://{}/graphql", gateway.addr);
    (gateway, url)
}

async fn post(url: &str, body: Value) -> Value {
    let response = reqwest::Client::new()
        .post(url)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

#[tokio::test]
async fn gateway_answers_the_benchmark_query_with_the_published_response() {
    let (_gateway, url) = gateway_over_bench_subgraphs().await;
    let expected: Value = serde_json::from_str(EXPECTED).unwrap();
    let body = json!({ "query": QUERY, "operationName": "TestQuery" });
    // serde_json's map equality ignores key order (also with `preserve_order`).
    let actual = post(&url, body.clone()).await;
    assert!(actual == expected, "first answer differs: {actual}");
    // A second run is served from the plan cache and must answer the same.
    let again = post(&url, body).await;
    assert!(again == expected, "cached-plan answer differs: {again}");
}

#[tokio::test]
async fn gateway_joins_a_user_with_reviews_and_inventory() {
    let (_gateway, url) = gateway_over_bench_subgraphs().await;
    let actual = post(
        &url,
        json!({ "query": r#"{ user(id: "2") { name reviews { id product { name inStock } } } }"# }),
    )
    .await;
    let review = |id: &str| json!({"id": id, "product": {"name": "Table", "inStock": true}});
    assert_eq!(
        actual,
        json!({"data": {"user": {"name": "Dotan Simha", "reviews": [review("1"), review("2")]}}})
    );
}
