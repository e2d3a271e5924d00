use crate::seeded_app;
use subgraph_kit::ids;
use subgraph_kit::testing::spawn_app;

#[test]
fn committed_schema_matches_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql");
    let sdl = orders::sdl();
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(path, &sdl).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == sdl,
        "schema.graphql drifted from the code; rerun with UPDATE_SCHEMA=1 to rewrite it"
    );
}

#[test]
fn sdl_declares_the_contract_entities() {
    let sdl = orders::sdl();
    for wanted in [
        "type Order @key(fields: \"id\")",
        "type Product @key(fields: \"sku\")",
        "type Customer @key(fields: \"id\")",
        // Nullable: it hangs off the customers subgraph's entity.
        "orders(first: Int, after: String): OrderConnection @",
        "customer: Customer\n",
    ] {
        assert!(sdl.contains(wanted), "missing {wanted:?} in\n{sdl}");
    }
}

#[tokio::test]
async fn seed_loads_the_demo_catalog_and_orders_once() {
    let app = seeded_app().await;
    let lines: usize = (0..ids::ORDERS).map(|i| ids::order_lines(i).len()).sum();
    let expected = [ids::PRODUCTS as i64, ids::ORDERS as i64, lines as i64];
    let actual = [
        app.count("products").await,
        app.count("orders").await,
        app.count("order_lines").await,
    ];
    assert_eq!(actual, expected);
    orders::seed::seed(&app.pool).await.unwrap();
    let again = [
        app.count("products").await,
        app.count("orders").await,
        app.count("order_lines").await,
    ];
    assert_eq!(again, expected);
    let cancelled: i64 =
        sqlx::query_scalar("SELECT count(*) FROM orders WHERE status = 'CANCELLED'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let expected_cancelled = (0..ids::ORDERS)
        .filter(|&i| ids::order_status(i) == "CANCELLED")
        .count();
    assert_eq!(cancelled, expected_cancelled as i64);
}

#[tokio::test]
async fn unseeded_service_starts_empty_and_answers_health_checks() {
    let app = spawn_app::<orders::Orders>().await;
    assert_eq!(app.count("orders").await, 0);
    for path in ["health", "ready"] {
        let res = app
            .client
            .get(format!("http://{}/{path}", app.addr))
            .send()
            .await
            .unwrap();
        assert!(res.status().is_success(), "/{path}: {}", res.status());
    }
}
