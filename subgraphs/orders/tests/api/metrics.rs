use crate::{place_input, seeded_app, PLACE};
use serde_json::json;

/// The value of `orders_placed_total` for `currency` in the Prometheus text, if present.
fn placed(currency: &str) -> Option<f64> {
    let wanted = format!("currency=\"{currency}\"");
    subgraph_kit::metrics::render()
        .lines()
        .find(|l| l.starts_with("orders_placed_total{") && l.contains(&wanted))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

#[tokio::test]
async fn placed_orders_are_counted_once_by_currency() {
    subgraph_kit::metrics::install("orders").unwrap();
    let app = seeded_app().await;
    // A currency no other test orders in, so parallel tests cannot move this series.
    sqlx::query("INSERT INTO products (sku, name, price_amount, currency) VALUES ('JP-1', 'Tea', 500, 'JPY')")
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(placed("JPY"), None);
    let vars = json!({"input": place_input("JPY", &[("JP-1", 2)]), "key": "m1"});
    let first = app.gql(PLACE, vars.clone()).await;
    assert!(first["errors"].is_null(), "{first}");
    assert_eq!(placed("JPY"), Some(1.0));
    // A replay and a rejected order are not new orders.
    app.gql(PLACE, vars).await;
    let rejected = json!({"input": place_input("JPY", &[("JP-1", 0)]), "key": "m2"});
    app.gql(PLACE, rejected).await;
    assert_eq!(placed("JPY"), Some(1.0));
}

/// The value of `subgraph_auth_failures_total` for `reason`, if present.
fn auth_failures(reason: &str) -> Option<f64> {
    let wanted = format!("reason=\"{reason}\"");
    subgraph_kit::metrics::render()
        .lines()
        .find(|l| l.starts_with("subgraph_auth_failures_total{") && l.contains(&wanted))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

#[tokio::test]
async fn refused_tokens_get_401_unauthenticated_and_are_counted_by_reason() {
    subgraph_kit::metrics::install("orders").unwrap();
    let app = seeded_app().await;
    let before = auth_failures("malformed").unwrap_or(0.0);
    let secret = "Basic c2VjcmV0LXBhc3N3b3Jk";
    let response = app
        .client
        .post(app.graphql_url())
        .header("authorization", secret)
        .json(&json!({ "query": "{ products(first: 1) { nodes { sku } } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 401);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    assert_eq!(body["errors"][0]["extensions"]["reason"], "malformed");
    assert!(!body.to_string().contains("c2VjcmV0"), "{body}");
    assert_eq!(auth_failures("malformed"), Some(before + 1.0));
    // Without a token the catalog answers (anonymous), and nothing is counted.
    let (status, anonymous) = app
        .gql_as(None, "{ products(first: 1) { nodes { sku } } }", json!({}))
        .await;
    assert_eq!(status, 200, "{anonymous}");
    assert!(anonymous["errors"].is_null(), "{anonymous}");
    assert_eq!(auth_failures("malformed"), Some(before + 1.0));
}
