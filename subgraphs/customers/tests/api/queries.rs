use crate::seeded_app;
use serde_json::json;
use std::collections::HashSet;
use subgraph_kit::ids;
use subgraph_kit::testing::error_code;

#[tokio::test]
async fn customer_by_id_returns_the_seeded_customer() {
    let app = seeded_app().await;
    let id = ids::customer_id(7).to_string();
    let res = app
        .gql(
            "query($id: ID!) { customer(id: $id) { id email name } }",
            json!({"id": id}),
        )
        .await;
    let (name, email) = customers::seed::demo_customer(7);
    assert_eq!(
        res["data"]["customer"],
        json!({"id": id, "email": email, "name": name})
    );
}

#[tokio::test]
async fn unknown_customer_is_null_and_malformed_id_is_bad_input() {
    let app = seeded_app().await;
    let q = "query($id: ID!) { customer(id: $id) { id } }";
    let unknown = app.gql(q, json!({"id": uuid::Uuid::new_v4()})).await;
    assert!(unknown["errors"].is_null(), "{unknown}");
    assert!(unknown["data"]["customer"].is_null());
    let malformed = app.gql(q, json!({"id": "not-a-uuid"})).await;
    assert_eq!(error_code(&malformed), Some("BAD_USER_INPUT"));
}

#[tokio::test]
async fn pagination_walks_every_customer_once_in_creation_order() {
    let app = seeded_app().await;
    let q = "query($after: String) { customers(first: 30, after: $after) {
        nodes { id createdAt } pageInfo { hasNextPage endCursor } } }";
    let (mut after, mut seen, mut created, mut pages) = (None::<String>, vec![], vec![], 0);
    loop {
        let res = app.gql(q, json!({"after": after})).await;
        let conn = &res["data"]["customers"];
        for node in conn["nodes"].as_array().unwrap() {
            seen.push(node["id"].as_str().unwrap().to_string());
            created.push(node["createdAt"].as_str().unwrap().to_string());
        }
        pages += 1;
        if !conn["pageInfo"]["hasNextPage"].as_bool().unwrap() {
            break;
        }
        after = Some(conn["pageInfo"]["endCursor"].as_str().unwrap().to_string());
    }
    assert_eq!(pages, 4);
    assert_eq!(seen.len(), ids::CUSTOMERS);
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), ids::CUSTOMERS);
    assert_eq!(seen[0], ids::customer_id(0).to_string());
    assert!(
        created.windows(2).all(|w| w[0] <= w[1]),
        "not in creation order"
    );
}

#[tokio::test]
async fn page_size_above_maximum_or_below_one_is_rejected() {
    let app = seeded_app().await;
    let q = "query($n: Int) { customers(first: $n) { nodes { id } } }";
    for n in [0, 101, -1] {
        let res = app.gql(q, json!({"n": n})).await;
        assert_eq!(error_code(&res), Some("BAD_USER_INPUT"), "first: {n}");
    }
    let max = app.gql(q, json!({"n": 100})).await;
    assert_eq!(
        max["data"]["customers"]["nodes"].as_array().unwrap().len(),
        100
    );
    let default = app.gql(q, json!({})).await;
    assert_eq!(
        default["data"]["customers"]["nodes"]
            .as_array()
            .unwrap()
            .len(),
        20
    );
}

#[tokio::test]
async fn garbage_cursor_is_bad_input() {
    let app = seeded_app().await;
    let res = app
        .gql(
            "{ customers(after: \"zz-not-hex\") { nodes { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(error_code(&res), Some("BAD_USER_INPUT"));
}
