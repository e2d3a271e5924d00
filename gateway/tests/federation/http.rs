//! GraphQL over HTTP details and supergraph reloading.

use std::time::Duration;

use serde_json::json;

use crate::harness::{start, Options, Shop, SHOP_SUPERGRAPH};

#[tokio::test]
async fn get_runs_queries_but_not_mutations() {
    let shop = start(Options::default()).await;
    let res = shop
        .http()
        .get(&shop.url)
        .query(&[("query", "{ me { name } }")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.json::<serde_json::Value>().await.unwrap(),
        json!({"data": {"me": {"name": "Ada"}}})
    );
    let res = shop
        .http()
        .get(&shop.url)
        .query(&[("query", "mutation { createUser(name: \"Z\") { id } }")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 405);
    // Asking for an event stream (GraphQL over SSE) changes nothing: a GET is a simple
    // cross-site request, so it never runs a mutation.
    let res = shop
        .http()
        .get(&shop.url)
        .header("accept", "text/event-stream")
        .query(&[("query", "mutation { createUser(name: \"Z\") { id } }")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 405);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "METHOD_NOT_ALLOWED"
    );
    // Other methods: the same coded refusal, saying what is allowed.
    for method in [
        reqwest::Method::PUT,
        reqwest::Method::DELETE,
        reqwest::Method::PATCH,
    ] {
        let res = shop.http().request(method, &shop.url).send().await.unwrap();
        assert_eq!(res.status(), 405);
        assert_eq!(res.headers()["allow"], "GET, POST");
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(
            body["errors"][0]["extensions"]["code"],
            "METHOD_NOT_ALLOWED"
        );
    }
    assert!(shop.log.entries().is_empty());
}

#[tokio::test]
async fn response_media_type_follows_the_accept_header() {
    let shop = start(Options::default()).await;
    for (accept, expected) in [
        (
            "application/graphql-response+json",
            "application/graphql-response+json",
        ),
        ("application/json", "application/json"),
    ] {
        let res = shop
            .http()
            .post(&shop.url)
            .header("accept", accept)
            .json(&json!({"query": "{ __typename }"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.headers()["content-type"], expected);
    }
}

#[tokio::test]
async fn oversized_bodies_are_refused_with_413() {
    let shop = start(Options {
        body_limit: Some(1024),
        ..Options::default()
    })
    .await;
    let big = format!("{{ me {{ name }} }} #{}", "x".repeat(4096));
    let res = shop
        .http()
        .post(&shop.url)
        .json(&json!({"query": big}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
    assert_eq!(shop.subgraph_requests(), 0);
}

#[tokio::test]
async fn health_is_ok_once_loaded() {
    let shop = start(Options::default()).await;
    let url = format!("http://{}/health", shop.gateway.addr);
    assert_eq!(shop.http().get(url).send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn invalid_supergraph_reload_keeps_serving_the_old_one_and_valid_reload_swaps() {
    let dir = std::env::temp_dir().join(format!("gw-reload-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("supergraph.graphql");
    std::fs::write(&path, SHOP_SUPERGRAPH).unwrap();
    let shop = start(Options {
        supergraph_file: Some(path.clone()),
        ..Options::default()
    })
    .await;
    let q = r#"{ review(id: "r1") { body } }"#;
    tokio::time::sleep(Duration::from_millis(300)).await;
    std::fs::write(&path, "this is not a supergraph {").unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (_, body) = shop.query(q).await;
    assert_eq!(body, json!({"data": {"review": {"body": "Love it"}}}));

    // A valid supergraph without the `review` root field replaces it.
    let without_review =
        SHOP_SUPERGRAPH.replace("review(id: ID!) : Review @join__field(graph: REVIEWS) ", "");
    assert_ne!(without_review, SHOP_SUPERGRAPH);
    std::fs::write(&path, without_review).unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (status, body) = shop.query(q).await;
    assert_eq!(status, 400, "{body}");
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn browsers_opening_graphql_are_sent_to_the_playground() {
    let shop = start(Options::default()).await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let res = client
        .get(&shop.url)
        .header("accept", "text/html,application/xhtml+xml")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 307);
    assert_eq!(res.headers()["location"], "/playground");
}

#[tokio::test]
async fn shutdown_waits_for_in_flight_requests() {
    let shop = start(Options::default()).await;
    let url = shop.url.clone();
    let in_flight = tokio::spawn(async move {
        reqwest::Client::new()
            .post(url)
            .json(&json!({"query": "{ me { name reviews { body product { name inStock } } } }"}))
            .send()
            .await
            .map(|r| r.status().as_u16())
    });
    // Wait until the gateway is executing the request (a subgraph saw it).
    while shop.subgraph_requests() == 0 {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    shop.gateway.shutdown().await.unwrap();
    let status = in_flight
        .await
        .unwrap()
        .expect("in-flight request was cut off");
    assert_eq!(status, 200);
}

#[tokio::test]
async fn connections_spread_over_several_workers_all_get_whole_answers() {
    let shop = start(Options {
        workers: Some(3),
        ..Options::default()
    })
    .await;
    let query =
        json!({"query": "{ topProducts { upc name inStock reviews { body author { name } } } }"});
    // One client per connection: the acceptor deals them out to the workers in turn.
    let answers = futures::future::join_all((0..9).map(|_| {
        let url = shop.url.clone();
        let query = query.clone();
        async move {
            let client = reqwest::Client::new();
            let mut bodies = Vec::new();
            for _ in 0..3 {
                let res = client.post(&url).json(&query).send().await.unwrap();
                assert_eq!(res.status(), 200);
                bodies.push(res.json::<serde_json::Value>().await.unwrap());
            }
            bodies
        }
    }))
    .await;
    let first = &answers[0][0];
    assert!(first["errors"].is_null(), "{first}");
    assert!(
        first["data"]["topProducts"][0]["inStock"].is_boolean(),
        "{first}"
    );
    for body in answers.iter().flatten() {
        assert_eq!(body, first);
    }
    shop.gateway.shutdown().await.unwrap();
}

async fn query_with_headers(shop: &Shop, query: &str) -> serde_json::Value {
    shop.http()
        .post(&shop.url)
        .header("authorization", "Bearer t1")
        .header("x-tenant", "acme")
        .header("x-not-forwarded", "secret")
        .json(&json!({ "query": query }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn configured_client_headers_reach_every_subgraph_called_and_no_others() {
    let shop = start(Options {
        propagate_headers: vec!["Authorization".into(), "x-tenant".into()],
        ..Options::default()
    })
    .await;
    let body =
        query_with_headers(&shop, "{ topProducts(first: 1) { name reviews { body } } }").await;
    assert!(body.get("errors").is_none(), "{body}");
    let expected = vec![
        ("authorization".to_string(), "Bearer t1".to_string()),
        ("x-tenant".to_string(), "acme".to_string()),
    ];
    assert_eq!(shop.headers_seen_by("products"), expected);
    assert_eq!(shop.headers_seen_by("reviews"), expected);
    assert_eq!(shop.headers_seen_by("accounts"), vec![]);
}

#[tokio::test]
async fn client_headers_are_not_passed_on_unless_configured() {
    let shop = start(Options::default()).await;
    let body = query_with_headers(&shop, "{ topProducts(first: 1) { name } }").await;
    assert!(body.get("errors").is_none(), "{body}");
    assert_eq!(shop.headers_seen_by("products"), vec![]);
}

/// `{ me { name } }` (served by `accounts`) through a shop started with `opts`.
async fn my_name(opts: Options) -> serde_json::Value {
    let shop = start(opts).await;
    let (status, body) = shop.query("{ me { name } }").await;
    assert_eq!(status, 200);
    body
}

/// The answer when `accounts` could not be reached: null, coded error; the
/// error's message.
fn failed_fetch_message(body: &serde_json::Value) -> String {
    assert_eq!(body["data"], json!({"me": null}));
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "SUBGRAPH_REQUEST_FAILED"
    );
    body["errors"][0]["message"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn an_https_subgraph_signed_by_the_configured_ca_is_served() {
    let body = my_name(Options {
        accounts_over_tls: Some(true),
        ..Options::default()
    })
    .await;
    assert_eq!(body, json!({"data": {"me": {"name": "Ada"}}}));
}

#[tokio::test]
async fn an_https_subgraph_with_an_untrusted_certificate_is_a_failed_fetch() {
    let body = my_name(Options {
        accounts_over_tls: Some(false),
        ..Options::default()
    })
    .await;
    let message = failed_fetch_message(&body);
    assert!(message.contains("certificate"), "{message}");
}

#[tokio::test]
async fn an_https_subgraph_requiring_a_client_certificate_is_served_with_the_configured_one() {
    let body = my_name(Options {
        accounts_client_cert: Some(true),
        ..Options::default()
    })
    .await;
    assert_eq!(body, json!({"data": {"me": {"name": "Ada"}}}));
}

#[tokio::test]
async fn an_https_subgraph_requiring_a_client_certificate_refuses_a_gateway_without_one() {
    let body = my_name(Options {
        accounts_client_cert: Some(false),
        ..Options::default()
    })
    .await;
    failed_fetch_message(&body);
}
