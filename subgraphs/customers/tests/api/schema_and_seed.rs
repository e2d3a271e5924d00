use crate::{app, seeded_app};
use serde_json::json;
use subgraph_kit::ids;

#[test]
fn committed_schema_matches_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql");
    let sdl = customers::sdl();
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
fn sdl_declares_the_customer_entity_for_federation_v2() {
    let sdl = customers::sdl();
    assert!(sdl.contains("https://specs.apollo.dev/federation/v2"));
    assert!(sdl.contains("type Customer @key(fields: \"id\")"), "{sdl}");
}

#[tokio::test]
async fn seed_loads_the_demo_customers_once() {
    let app = seeded_app().await;
    assert_eq!(app.count("customers").await, ids::CUSTOMERS as i64);
    customers::seed::seed(&app.pool).await.unwrap();
    assert_eq!(app.count("customers").await, ids::CUSTOMERS as i64);
    let res = app
        .gql(
            "query($id: ID!) { customer(id: $id) { email } }",
            json!({"id": ids::customer_id(99)}),
        )
        .await;
    assert_eq!(
        res["data"]["customer"]["email"],
        customers::seed::demo_customer(99).1
    );
}

#[tokio::test]
async fn seed_does_nothing_when_customers_exist() {
    let app = app().await;
    crate::create(&app, "ada@example.com", "Ada", "k").await;
    customers::seed::seed(&app.pool).await.unwrap();
    assert_eq!(app.count("customers").await, 1);
}

#[tokio::test]
async fn health_and_readiness_answer() {
    let app = app().await;
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
