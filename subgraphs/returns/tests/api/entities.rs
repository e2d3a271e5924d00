use crate::support::*;
use returns::Returns;
use serde_json::{json, Value};
use subgraph_kit::testing::{spawn_app, StatementCounter, TestApp};

const ENTITIES: &str = "query($r: [_Any!]!) { _entities(representations: $r) {
    __typename
    ... on Order { id returns { id status } }
    ... on Payment { id returns { id order { id } } }
    ... on Return { id status reason order { id } payment { id } lines { product { sku } quantity } } } }";

async fn entities(app: &TestApp, reps: Vec<Value>) -> Value {
    app.gql(ENTITIES, json!({ "r": reps })).await
}

#[tokio::test(flavor = "multi_thread")]
async fn returns_resolve_and_unknown_or_malformed_ids_are_null() {
    let app = spawn_app::<Returns>().await;
    let mut ids = Vec::new();
    for n in 0..12 {
        ids.push(requested(&app, &order_id(n), None).await);
    }
    let mut reps: Vec<Value> = ids
        .iter()
        .map(|id| json!({"__typename": "Return", "id": id}))
        .collect();
    reps.insert(
        2,
        json!({"__typename": "Return", "id": "00000000-0000-4000-8000-000000000000"}),
    );
    reps.push(json!({"__typename": "Return", "id": "nope"}));
    let res = entities(&app, reps).await;
    assert!(res["errors"].is_null(), "{res}");
    let got = res["data"]["_entities"].as_array().expect("list");
    assert_eq!(got.len(), 14);
    assert!(got[2].is_null());
    assert!(got[13].is_null());
    assert_eq!(got[3]["id"], ids[2].as_str());
    assert_eq!(got[3]["order"]["id"], order_id(2));
    assert!(got[3]["payment"].is_null());
    assert_eq!(
        got[12]["lines"],
        json!([{"product": {"sku": "SKU-0001"}, "quantity": 1}])
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn orders_and_payments_list_their_returns() {
    let app = spawn_app::<Returns>().await;
    let first = requested(&app, &order_id(1), Some(&payment_id(1))).await;
    let second = requested(&app, &order_id(1), Some(&payment_id(1))).await;
    let other = requested(&app, &order_id(2), Some(&payment_id(2))).await;
    let reps = vec![
        json!({"__typename": "Order", "id": order_id(1)}),
        json!({"__typename": "Payment", "id": payment_id(2)}),
        json!({"__typename": "Order", "id": order_id(3)}),
        json!({"__typename": "Payment", "id": payment_id(1)}),
    ];
    let res = entities(&app, reps).await;
    assert!(res["errors"].is_null(), "{res}");
    let got = &res["data"]["_entities"];
    let ids = |v: &Value| -> Vec<String> {
        v["returns"]
            .as_array()
            .expect("returns")
            .iter()
            .filter_map(|r| r["id"].as_str().map(str::to_string))
            .collect()
    };
    assert_eq!(ids(&got[0]), [first.clone(), second.clone()]);
    assert_eq!(ids(&got[1]), [other]);
    assert_eq!(got[1]["returns"][0]["order"]["id"], order_id(2));
    assert_eq!(got[2]["returns"], json!([]));
    assert_eq!(ids(&got[3]), [first, second]);
}

/// Current-thread runtime: the server, the driver and the client all run on the thread the
/// counter watches.
#[tokio::test]
async fn an_entities_request_is_one_sql_statement_whatever_its_size() {
    let app = spawn_app::<Returns>().await;
    let mut return_ids = Vec::new();
    for n in 0..10 {
        return_ids.push(requested(&app, &order_id(n), Some(&payment_id(n))).await);
    }
    let (counter, _guard) = StatementCounter::install();
    sqlx_events_reach_this_thread(&app).await;
    for size in [1usize, 10, 100] {
        let batches: [(&str, Vec<Value>); 3] = [
            (
                "orders",
                (0..size as u32)
                    .map(|n| json!({"__typename": "Order", "id": order_id(n)}))
                    .collect(),
            ),
            (
                "payments",
                (0..size as u32)
                    .map(|n| json!({"__typename": "Payment", "id": payment_id(n)}))
                    .collect(),
            ),
            (
                "returns",
                (0..size)
                    .map(|n| json!({"__typename": "Return", "id": return_ids[n % 10]}))
                    .collect(),
            ),
        ];
        for (what, reps) in batches {
            counter.reset();
            let res = entities(&app, reps).await;
            assert!(res["errors"].is_null(), "{res}");
            assert_eq!(
                res["data"]["_entities"].as_array().map(Vec::len),
                Some(size)
            );
            assert_eq!(counter.get(), 1, "{what} batch of {size}");
        }
    }
}

/// sqlx's query-event callsites are registered by the first thread that logs a statement
/// once a subscriber exists. With only the counter's (thread-local) subscriber registered,
/// tracing computes a new callsite's interest from the registering thread's subscriber, so a
/// test on another thread can cache "never" for everyone. Log a statement here, then
/// recompute every callsite's interest from this thread, where the counter is installed.
/// The slow statement registers the callsites sqlx uses for slow statements (over 500 ms).
async fn sqlx_events_reach_this_thread(app: &TestApp) {
    for warm_up in ["SELECT 1", "SELECT pg_sleep(0.6)"] {
        sqlx::query(warm_up)
            .execute(&app.pool)
            .await
            .expect("warm-up statement");
    }
    tracing::callsite::rebuild_interest_cache();
}

#[tokio::test(flavor = "multi_thread")]
async fn aliased_entities_fields_in_one_request_each_resolve_their_own_keys() {
    let app = spawn_app::<Returns>().await;
    let first = requested(&app, &order_id(1), Some(&payment_id(1))).await;
    let second = requested(&app, &order_id(2), Some(&payment_id(2))).await;
    let q = "query($a: [_Any!]!, $b: [_Any!]!) {
        a: _entities(representations: $a) { ... on Return { id } ... on Order { returns { id } } ... on Payment { returns { id } } }
        b: _entities(representations: $b) { ... on Return { id } ... on Order { returns { id } } ... on Payment { returns { id } } } }";
    let reps = |id: &str, n: u32| {
        json!([{"__typename": "Return", "id": id},
               {"__typename": "Order", "id": order_id(n)},
               {"__typename": "Payment", "id": payment_id(n)}])
    };
    let res = app
        .gql(q, json!({"a": reps(&first, 1), "b": reps(&second, 2)}))
        .await;
    assert!(res["errors"].is_null(), "{res}");
    for (alias, id) in [("a", &first), ("b", &second)] {
        let got = &res["data"][alias];
        assert_eq!(got[0]["id"], id.as_str(), "{res}");
        assert_eq!(got[1]["returns"], json!([{"id": id}]));
        assert_eq!(got[2]["returns"], json!([{"id": id}]));
    }
}
