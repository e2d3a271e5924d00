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
