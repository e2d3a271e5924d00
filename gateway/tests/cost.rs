//! Demand control against a real gateway over HTTP in front of the shop
//! subgraphs: estimates from `@listSize`, refusals before any subgraph call,
//! the estimate in `extensions.cost` when the client asks for it.

// Shared with tests/federation.rs, which uses what this file does not.
#[allow(dead_code)]
#[path = "federation/harness.rs"]
mod harness;
#[allow(dead_code)]
#[path = "federation/subgraphs/mod.rs"]
mod subgraphs;
#[path = "federation/tls.rs"]
mod tls;

use serde_json::json;

use harness::{start, Options, SHOP_SUPERGRAPH};

/// The shop supergraph with `topProducts` sized by its `first` argument, as
/// composition writes a federation 2.9 `@listSize`.
fn sized_supergraph() -> std::path::PathBuf {
    let directive = "directive @listSize(assumedSize: Int, slicingArguments: [String!], \
        sizedFields: [String!], requireOneSlicingArgument: Boolean = true) on FIELD_DEFINITION\n";
    let sdl = SHOP_SUPERGRAPH.replacen(
        "topProducts(first: Int! = 5) : [Product!]!",
        "topProducts(first: Int! = 5) : [Product!]! @listSize(slicingArguments: [\"first\"])",
        1,
    );
    assert_ne!(sdl, SHOP_SUPERGRAPH);
    let path =
        std::env::temp_dir().join(format!("crowdcrunch-cost-{}.graphql", std::process::id()));
    std::fs::write(&path, format!("{directive}{sdl}")).unwrap();
    path
}

#[tokio::test]
async fn slicing_arguments_size_the_estimate_and_refuse_past_max_cost() {
    let shop = start(Options {
        supergraph_file: Some(sized_supergraph()),
        ..Options::default()
    })
    .await;
    let (status, body) = shop.query("{ topProducts(first: 100000) { upc } }").await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "COST_ESTIMATED_TOO_EXPENSIVE"
    );
    assert_eq!(
        body["errors"][0]["extensions"]["cost"]["estimated"],
        100000.0
    );
    assert_eq!(shop.subgraph_requests(), 0);
    // Sized by a variable: estimated per request, refused before fetching.
    let q = "query($n: Int!) { topProducts(first: $n) { upc } }";
    let (status, body) = shop
        .post(json!({"query": q, "variables": {"n": 60000}}))
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(shop.subgraph_requests(), 0);
    let (status, body) = shop
        .post(json!({"query": q, "variables": {"n": 2}, "extensions": {"cost": true}}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["extensions"]["cost"],
        json!({"estimated": 2.0, "max": 50000})
    );
}

#[tokio::test]
async fn nested_lists_multiply_by_the_default_list_size() {
    let shop = start(Options::default()).await;
    // users (10) → reviews (10) → product → reviews (10) → author → reviews (10) …
    let q = "{ users { reviews { product { reviews { author { reviews { product { reviews { id } } } } } } } } }";
    let (status, body) = shop.query(q).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "COST_ESTIMATED_TOO_EXPENSIVE"
    );
    assert_eq!(shop.subgraph_requests(), 0);
    // A plain query is cheap, and says so only when asked.
    let (status, body) = shop.query("{ me { name } }").await;
    assert_eq!(status, 200);
    assert!(body.get("extensions").is_none(), "{body}");
    let (_, body) = shop
        .post(json!({"query": "{ me { name } }", "extensions": {"cost": true}}))
        .await;
    assert_eq!(body["extensions"]["cost"]["estimated"], 1.0, "{body}");
}

#[tokio::test]
async fn every_request_records_its_estimate_per_operation() {
    use axum::response::IntoResponse;
    crowdcrunch_gateway::telemetry::metrics::install().unwrap();
    let shop = start(Options::default()).await;
    for _ in 0..3 {
        let (status, _) = shop.query("query CostlyMe { me { name } }").await;
        assert_eq!(status, 200);
    }
    let response = crowdcrunch_gateway::telemetry::metrics::metrics_handler()
        .await
        .into_response();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    let page = String::from_utf8(bytes.to_vec()).unwrap();
    let count = page
        .lines()
        .find(|l| {
            l.starts_with("gateway_operation_estimated_cost_count{")
                && l.contains("operation=\"CostlyMe\"")
        })
        .and_then(|l| l.rsplit(' ').next()?.parse::<f64>().ok());
    assert_eq!(count, Some(3.0), "{page}");
}
