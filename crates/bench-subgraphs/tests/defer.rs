//! `@defer` on the public benchmark schema: the benchmark query with deferred fragments at
//! the root, on a named fragment of an entity (with `@requires`) and inside nested lists,
//! streamed as `multipart/mixed`, merges to exactly the published response.

#[path = "../../../gateway/tests/federation/multipart.rs"]
mod multipart;

use crowdcrunch_gateway::{spawn, Config};
use serde_json::{json, Value};

const SUPERGRAPH: &str = include_str!("../data/supergraph.graphql");
const EXPECTED: &str = include_str!("../data/expected-response.json");

/// The benchmark's `query.graphql`, its selections unchanged, with four `@defer`s.
const DEFERRED_QUERY: &str = include_str!("../../../bench/defer-query.graphql");

#[tokio::test]
async fn the_deferred_benchmark_query_merges_to_the_published_response() {
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
    let http = reqwest::Client::new();
    let body = json!({ "query": DEFERRED_QUERY, "operationName": "TestQuery" });
    let expected: Value = serde_json::from_str(EXPECTED).unwrap();
    for run in ["planned", "cached"] {
        let mut parts = multipart::post_multipart(&http, &url, body.clone()).await;
        let parts = parts.rest().await;
        let mut labels: Vec<&str> = parts
            .iter()
            .flat_map(|p| p["incremental"].as_array().into_iter().flatten())
            .filter_map(|i| i["label"].as_str())
            .collect();
        labels.sort();
        labels.dedup();
        assert_eq!(labels, ["authorReviews", "deep", "product", "top"], "{run}");
        let merged = multipart::merge(&parts);
        assert!(merged == expected, "{run}: merged answer differs: {merged}");
    }
    // Without multipart the same document is answered whole.
    let whole: Value = http
        .post(&url)
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(whole == expected, "whole answer differs: {whole}");
}
