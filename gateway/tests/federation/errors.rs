//! Subgraph errors and failures: partial data, coded errors, client paths.

use serde_json::json;

use crate::harness::{start, Options};

#[tokio::test]
async fn subgraph_errors_are_repathed_to_client_paths_with_service_name() {
    let shop = start(Options::default()).await;
    let (status, body) = shop
        .query(r#"{ product(upc: "1") { name reviews { id flaky } } }"#)
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        body["data"],
        json!({"product": {"name": "Table", "reviews": [
            {"id": "r1", "flaky": "fine"},
            {"id": "r2", "flaky": null}
        ]}})
    );
    let errors = body["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(
        errors[0]["path"],
        json!(["product", "reviews", 1, "flaky"]),
        "{errors:?}"
    );
    assert_eq!(errors[0]["extensions"]["serviceName"], "reviews");
    assert!(errors[0]["extensions"]["code"].is_string());
}

#[tokio::test]
async fn subgraph_down_gives_partial_data_and_coded_errors() {
    let shop = start(Options {
        down: Some("inventory"),
        ..Options::default()
    })
    .await;
    let (status, body) = shop
        .query("{ topProducts(first: 2) { name inStock } }")
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        body["data"],
        json!({"topProducts": [{"name": "Table", "inStock": null}, {"name": "Couch", "inStock": null}]})
    );
    let errors = body["errors"].as_array().unwrap();
    let paths: Vec<_> = errors.iter().map(|e| e["path"].clone()).collect();
    assert_eq!(
        paths,
        [json!(["topProducts", 0]), json!(["topProducts", 1])]
    );
    for e in errors {
        assert_eq!(e["extensions"]["code"], "SUBGRAPH_REQUEST_FAILED");
        assert_eq!(e["extensions"]["serviceName"], "inventory");
    }
}

#[tokio::test]
async fn root_subgraph_down_nulls_its_fields_and_keeps_the_others() {
    let shop = start(Options {
        down: Some("accounts"),
        ..Options::default()
    })
    .await;
    let (status, body) = shop
        .query(r#"{ me { name } product(upc: "2") { name } }"#)
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        body["data"],
        json!({"me": null, "product": {"name": "Couch"}})
    );
    assert_eq!(body["errors"][0]["path"], json!(["me"]));
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "SUBGRAPH_REQUEST_FAILED"
    );
}

#[tokio::test]
async fn a_subgraph_slower_than_its_timeout_gives_a_timeout_error() {
    let shop = start(Options {
        timeouts: vec![("reviews", 300)],
        ..Options::default()
    })
    .await;
    let started = std::time::Instant::now();
    let (status, body) = shop
        .query(r#"{ me { name } review(id: "r1") { slow } }"#)
        .await;
    assert!(started.elapsed() < std::time::Duration::from_millis(1500));
    assert_eq!(status, 200);
    assert_eq!(body["data"], json!({"me": {"name": "Ada"}, "review": null}));
    assert_eq!(body["errors"][0]["path"], json!(["review"]));
    assert_eq!(body["errors"][0]["extensions"]["code"], "SUBGRAPH_TIMEOUT");
    assert_eq!(body["errors"][0]["extensions"]["serviceName"], "reviews");
}

#[tokio::test]
async fn a_subgraph_answer_over_the_size_limit_is_a_failed_fetch_not_a_crash() {
    let shop = start(Options {
        subgraph_response_limit: Some(40),
        ..Options::default()
    })
    .await;
    let (status, body) = shop.query("{ users { id name } }").await;
    assert_eq!(status, 200);
    assert_eq!(body["data"], json!(null));
    assert_eq!(body["errors"][0]["path"], json!(["users"]));
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "SUBGRAPH_REQUEST_FAILED"
    );
    assert!(body["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("larger than 40 bytes"));
}
