use crate::seeded_app;
use serde_json::{json, Value};
use subgraph_kit::ids;

const ENTITIES: &str = "query($r: [_Any!]!) { _entities(representations: $r) {
    ... on Customer { id email name createdAt } } }";

fn reps(ids: &[String]) -> Value {
    ids.iter()
        .map(|id| json!({"__typename": "Customer", "id": id}))
        .collect()
}

#[tokio::test]
async fn entities_resolve_known_keys_and_null_unknown_ones_in_order() {
    let app = seeded_app().await;
    let mut wanted: Vec<String> = (0..60).map(|i| ids::customer_id(i).to_string()).collect();
    wanted.insert(10, uuid::Uuid::new_v4().to_string());
    wanted.insert(30, "not-a-uuid".to_string());
    let res = app.gql(ENTITIES, json!({"r": reps(&wanted)})).await;
    assert!(res["errors"].is_null(), "{res}");
    let got = res["data"]["_entities"].as_array().unwrap();
    assert_eq!(got.len(), wanted.len());
    for (i, (entity, id)) in got.iter().zip(&wanted).enumerate() {
        if i == 10 || i == 30 {
            assert!(entity.is_null(), "{id} should resolve to null");
        } else {
            assert_eq!(entity["id"].as_str(), Some(id.as_str()));
            assert!(entity["email"].as_str().unwrap().ends_with("@example.com"));
        }
    }
}

#[tokio::test]
async fn entities_batch_of_100_is_batched_not_one_statement_each() {
    let app = seeded_app().await;
    let wanted: Vec<String> = (0..100).map(|i| ids::customer_id(i).to_string()).collect();
    let (counter, _guards) = crate::count_statements();
    let res = app.gql(ENTITIES, json!({"r": reps(&wanted)})).await;
    assert!(res["errors"].is_null(), "{res}");
    assert_eq!(res["data"]["_entities"].as_array().unwrap().len(), 100);
    // The request's entity batch loads every customer at once (N+1 loading would be 100),
    // however long reaching the 100 resolvers takes.
    assert_eq!(counter.get(), 1, "statements for 100 entities");
}
