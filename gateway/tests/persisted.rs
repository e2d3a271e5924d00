//! Persisted documents against a real gateway over HTTP in front of the shop
//! subgraphs: APQ miss, registration and hash mismatch (POST and GET), the
//! manifest by id, the safelist refusing other documents.

// Shared with tests/federation.rs, which uses what this file does not.
#[allow(dead_code)]
#[path = "federation/harness.rs"]
mod harness;
#[allow(dead_code)]
#[path = "federation/subgraphs/mod.rs"]
mod subgraphs;
#[path = "federation/tls.rs"]
mod tls;

use crowdcrunch_gateway::persisted::{sha256_hex, PersistedConfig};
use serde_json::{json, Value};

use harness::{start, Options, Shop};

const DOC: &str = "query Me { me { name } }";

fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("")
}

async fn get(shop: &Shop, params: &[(&str, String)]) -> (u16, Value) {
    let res = shop
        .http()
        .get(&shop.url)
        .query(params)
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

#[tokio::test]
async fn automatic_persisted_queries_miss_register_and_hit_over_post_and_get() {
    let shop = start(Options::default()).await;
    let ext = json!({"persistedQuery": {"version": 1, "sha256Hash": sha256_hex(DOC)}});
    let (status, body) = shop.post(json!({"extensions": ext})).await;
    assert_eq!(
        (status, code(&body)),
        (400, "PERSISTED_QUERY_NOT_FOUND"),
        "{body}"
    );
    let (status, body) = shop
        .post(json!({"query": "{ __typename }", "extensions": ext}))
        .await;
    assert_eq!(
        (status, code(&body)),
        (400, "PERSISTED_QUERY_HASH_MISMATCH"),
        "{body}"
    );
    assert_eq!(shop.subgraph_requests(), 0);
    let (status, body) = shop.post(json!({"query": DOC, "extensions": ext})).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = shop.post(json!({"extensions": ext})).await;
    assert_eq!(body, json!({"data": {"me": {"name": "Ada"}}}), "{status}");
    let (status, body) = get(&shop, &[("extensions", ext.to_string())]).await;
    assert_eq!(body, json!({"data": {"me": {"name": "Ada"}}}), "{status}");
}

#[tokio::test]
async fn a_safelist_serves_manifest_documents_by_id_and_refuses_others() {
    let path = std::env::temp_dir().join(format!("pq-manifest-{}.json", std::process::id()));
    let manifest = json!({"format": "apollo-persisted-query-manifest", "version": 1,
        "operations": [{"id": "me-1", "name": "Me", "type": "query", "body": DOC}]});
    std::fs::write(&path, manifest.to_string()).unwrap();
    let shop = start(Options {
        persisted: Some(PersistedConfig {
            manifest: Some(path),
            safelist: true,
            ..PersistedConfig::default()
        }),
        ..Options::default()
    })
    .await;
    let (status, body) = shop.query("{ me { name username } }").await;
    assert_eq!(
        (status, code(&body)),
        (400, "PERSISTED_QUERY_NOT_IN_LIST"),
        "{body}"
    );
    let (status, body) = shop.post(json!({"documentId": "unknown"})).await;
    assert_eq!(
        (status, code(&body)),
        (400, "PERSISTED_QUERY_NOT_FOUND"),
        "{body}"
    );
    assert_eq!(shop.subgraph_requests(), 0);
    let (_, body) = shop.post(json!({"documentId": "me-1"})).await;
    assert_eq!(body, json!({"data": {"me": {"name": "Ada"}}}));
    let ext = json!({"persistedQuery": {"version": 1, "sha256Hash": sha256_hex(DOC)}});
    let (_, body) = shop.post(json!({"extensions": ext})).await;
    assert_eq!(body, json!({"data": {"me": {"name": "Ada"}}}));
    let (_, body) = get(&shop, &[("documentId", "me-1".into())]).await;
    assert_eq!(body, json!({"data": {"me": {"name": "Ada"}}}));
}
