//! What the kit's HTTP side refuses before any work, for every subgraph (shown on customers):
//! requests a browser could send cross-site, bodies that are not one JSON request, and text
//! PostgreSQL cannot store.

use crate::app;
use serde_json::{json, Value};
use subgraph_kit::testing::{admin_token, error_code};

const CREATE: &str = r#"mutation { createCustomer(input: { name: "Eve", email: "eve@example.com" }, idempotencyKey: "csrf") { id } }"#;

async fn refused(res: reqwest::Response) -> (u16, String) {
    let status = res.status().as_u16();
    let body: Value = res.json().await.expect("a JSON body");
    let code = error_code(&body).expect("a coded error").to_string();
    assert!(body.get("data").is_none_or(Value::is_null), "{body}");
    (status, code)
}

#[tokio::test]
async fn a_plain_get_and_a_non_json_post_run_nothing() {
    let app = app().await;
    let res = app
        .client
        .get(app.graphql_url())
        .bearer_auth(admin_token())
        .query(&[("query", CREATE)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["allow"], "GET, POST");
    assert_eq!(refused(res).await, (405, "METHOD_NOT_ALLOWED".into()));
    let res = app
        .client
        .put(app.graphql_url())
        .bearer_auth(admin_token())
        .json(&json!({ "query": CREATE }))
        .send()
        .await
        .unwrap();
    assert_eq!(refused(res).await, (405, "METHOD_NOT_ALLOWED".into()));
    for content_type in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/graphql",
    ] {
        let res = app
            .client
            .post(app.graphql_url())
            .bearer_auth(admin_token())
            .header("content-type", content_type)
            .body(json!({ "query": CREATE }).to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(
            refused(res).await,
            (415, "UNSUPPORTED_MEDIA_TYPE".into()),
            "{content_type}"
        );
    }
    assert_eq!(app.count("customers").await, 0, "a refused request wrote");
    // The same mutation as JSON runs: the refusals were for how it came.
    let res = app
        .client
        .post(app.graphql_url())
        .bearer_auth(admin_token())
        .json(&json!({ "query": CREATE }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(app.count("customers").await, 1);
}

#[tokio::test]
async fn batches_big_and_broken_bodies_are_refused_with_codes() {
    let app = app().await;
    let post = |body: Vec<u8>| {
        app.client
            .post(app.graphql_url())
            .bearer_auth(admin_token())
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let batch = json!([{ "query": "{ __typename }" }, { "query": "{ __typename }" }]);
    let res = post(batch.to_string().into_bytes()).await.unwrap();
    assert_eq!(refused(res).await, (400, "BAD_REQUEST".into()));
    // serde reads a JSON array as a request's fields in order: not a way in either.
    let res = post(br#" ["{ __typename }"]"#.to_vec()).await.unwrap();
    assert_eq!(refused(res).await, (400, "BAD_REQUEST".into()));
    let secret = "x".repeat(64);
    let res = post(format!("{{\"query\": {secret}").into_bytes())
        .await
        .unwrap();
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    assert_eq!(status, 400, "{text}");
    assert!(
        !text.contains(&secret),
        "the refusal echoes the input: {text}"
    );
    // Refused from its Content-Length, unread. The server may close the connection before
    // the client has sent it all; then the client sees the reset instead of the 413.
    let huge = format!("{{\"query\": \"{}\"}}", " ".repeat(2 << 20));
    match post(huge.into_bytes()).await {
        Ok(res) => assert_eq!(refused(res).await, (413, "PAYLOAD_TOO_LARGE".into())),
        Err(err) => assert!(err.is_request() || err.is_body(), "{err}"),
    }
    // A single request still runs.
    let res = post(
        json!({ "query": "{ __typename }" })
            .to_string()
            .into_bytes(),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn a_nul_character_in_input_is_bad_user_input_not_a_server_error() {
    let app = app().await;
    let res = app
        .gql(
            crate::CREATE,
            json!({ "input": { "name": "Eve", "email": "eve@example.com" }, "key": "a\u{0}b" }),
        )
        .await;
    assert_eq!(error_code(&res), Some("BAD_USER_INPUT"), "{res}");
    assert_eq!(app.count("customers").await, 0);
}

#[tokio::test]
async fn too_complex_or_too_deep_requests_are_refused_before_running() {
    let app = app().await;
    let aliases: String = (0..3_000)
        .map(|i| format!("a{i}: customer(id: \"{}\") {{ id }} ", uuid::Uuid::nil()))
        .collect();
    let res = app.gql(&format!("{{ {aliases} }}"), json!({})).await;
    assert!(res["data"].is_null(), "ran a 6,000-field request: {res}");
    assert!(error_code(&res).is_some(), "{res}");
    let deep = |levels: usize| {
        format!(
            "{{ __type(name: \"Query\") {{ fields {{ type {{ {}name{} }} }} }} }}",
            "ofType { ".repeat(levels),
            " }".repeat(levels)
        )
    };
    let res = app.gql(&deep(45), json!({})).await;
    assert!(res["data"].is_null(), "ran a request 49 deep: {res}");
    assert!(error_code(&res).is_some(), "{res}");
    let res = app.gql(&deep(25), json!({})).await;
    assert!(res["errors"].is_null(), "{res}");
    // What the gateway sends stays well inside.
    let res = app.gql("{ __typename a: __typename }", json!({})).await;
    assert!(res["errors"].is_null(), "{res}");
}

#[tokio::test]
async fn a_fragment_bomb_is_refused_by_counting_not_by_expanding_it() {
    let app = app().await;
    // 2^30 fields in 2 KB: async-graphql's validation alone would walk them for hours.
    let mut bomb = String::from("{ ...F30 } fragment F0 on Query { __typename }");
    for i in 1..=30 {
        bomb.push_str(&format!(
            " fragment F{i} on Query {{ a: __typename ...F{p} b: __typename ...F{p} }}",
            p = i - 1
        ));
    }
    let started = std::time::Instant::now();
    let (status, res) = app.gql_as(None, &bomb, json!({})).await;
    assert_eq!(
        error_code(&res),
        Some("MAX_FIELDS_EXCEEDED"),
        "{status} {res}"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
}

#[tokio::test]
async fn a_nul_character_in_a_literal_or_a_variable_is_refused_before_any_lookup() {
    let app = app().await;
    let res = app
        .gql(r#"{ customer(id: "a\u0000b") { id } }"#, json!({}))
        .await;
    assert_eq!(error_code(&res), Some("BAD_USER_INPUT"), "{res}");
    let res = app
        .gql(
            "query($id: ID!) { customer(id: $id) { id } }",
            json!({ "id": "a\u{0}b" }),
        )
        .await;
    assert_eq!(error_code(&res), Some("BAD_USER_INPUT"), "{res}");
}
