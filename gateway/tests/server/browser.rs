//! CSRF prevention on by default, CORS off by default, one operation per
//! request, and metrics only on their internal listener.

use serde_json::{json, Value};

use crate::harness::{start, Options, Shop};
use crowdcrunch_gateway::server::{CorsConfig, CsrfConfig, ServerConfig};

const MUTATION: &str = r#"{"query": "mutation { createUser(name: \"Z\") { id } }"}"#;

async fn post_raw(shop: &Shop, headers: &[(&str, &str)], body: &str) -> (u16, Value) {
    let mut req = shop.http().post(&shop.url).body(body.to_string());
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    let res = req.send().await.unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

#[tokio::test]
async fn posts_a_browser_sends_without_preflight_are_refused_before_anything_runs() {
    let shop = start(Options::default()).await;
    for content_type in [
        Some("text/plain"),
        Some("text/plain;charset=UTF-8"),
        Some("application/x-www-form-urlencoded"),
        Some("multipart/form-data; boundary=x"),
        None,
    ] {
        let headers: Vec<_> = content_type
            .map(|c| ("content-type", c))
            .into_iter()
            .collect();
        let (status, body) = post_raw(&shop, &headers, MUTATION).await;
        assert_eq!(status, 415, "{content_type:?}: {body}");
        assert_eq!(
            body["errors"][0]["extensions"]["code"],
            "UNSUPPORTED_MEDIA_TYPE"
        );
    }
    assert_eq!(shop.subgraph_requests(), 0);
    assert!(shop.log.entries().is_empty(), "a mutation ran");
}

#[tokio::test]
async fn json_content_types_and_preflight_forcing_headers_are_accepted() {
    let shop = start(Options::default()).await;
    let query = r#"{"query": "{ me { name } }"}"#;
    for headers in [
        vec![("content-type", "application/json; charset=utf-8")],
        vec![("content-type", "application/graphql-response+json")],
        vec![
            ("content-type", "text/plain"),
            ("apollo-require-preflight", "true"),
        ],
        vec![("x-apollo-operation-name", "Me")],
    ] {
        let (status, body) = post_raw(&shop, &headers, query).await;
        assert_eq!(
            (status, &body),
            (200, &json!({"data": {"me": {"name": "Ada"}}})),
            "{headers:?}"
        );
    }
}

#[tokio::test]
async fn csrf_prevention_can_be_turned_off_for_clients_without_a_content_type() {
    let shop = start(Options {
        server: Some(ServerConfig {
            csrf: CsrfConfig {
                enabled: false,
                ..CsrfConfig::default()
            },
            ..ServerConfig::default()
        }),
        ..Options::default()
    })
    .await;
    let (status, _) = post_raw(&shop, &[("content-type", "text/plain")], MUTATION).await;
    assert_eq!(status, 200);
    assert_eq!(shop.log.entries().len(), 1);
}

#[tokio::test]
async fn json_array_batches_are_refused_with_a_plain_message() {
    let shop = start(Options::default()).await;
    let batch = r#" [{"query": "{ __typename }"}, {"query": "{ __typename }"}]"#;
    let (status, body) = post_raw(&shop, &[("content-type", "application/json")], batch).await;
    assert_eq!(status, 400);
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "BATCHING_NOT_SUPPORTED"
    );
    assert_eq!(
        body["errors"][0]["message"],
        "batching is not supported: send one operation per request"
    );
}

async fn preflight(shop: &Shop, origin: &str) -> reqwest::Response {
    shop.http()
        .request(reqwest::Method::OPTIONS, &shop.url)
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "content-type,apollo-require-preflight",
        )
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn cors_is_off_by_default_and_allows_only_configured_origins() {
    let shop = start(Options::default()).await;
    let res = preflight(&shop, "https://evil.example").await;
    assert!(res.headers().get("access-control-allow-origin").is_none());

    let shop = start(Options {
        server: Some(ServerConfig {
            cors: CorsConfig {
                allow_origins: vec!["https://shop.example".into()],
                ..CorsConfig::default()
            },
            ..ServerConfig::default()
        }),
        ..Options::default()
    })
    .await;
    let res = preflight(&shop, "https://shop.example").await;
    assert_eq!(
        res.headers()["access-control-allow-origin"],
        "https://shop.example"
    );
    let allowed = res.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap();
    assert!(allowed.contains("apollo-require-preflight"), "{allowed}");
    let res = preflight(&shop, "https://evil.example").await;
    assert!(res.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn metrics_are_served_on_the_internal_listener_only() {
    let shop = start(Options::default()).await;
    let public = format!("http://{}/metrics", shop.gateway.addr);
    assert_eq!(shop.http().get(public).send().await.unwrap().status(), 404);
    let internal = format!("http://{}/metrics", shop.gateway.metrics_addr.unwrap());
    let res = shop.http().get(internal).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
}
