use crate::support::*;
use payments::Payments;
use serde_json::{json, Value};
use subgraph_kit::testing::{spawn_app, StatementCounter, TestApp};

const ENTITIES: &str = "query($r: [_Any!]!) { _entities(representations: $r) {
    __typename
    ... on Order { id amountDue { amount currency } payments { id status } }
    ... on Payment { id status amount { amount currency } order { id } } } }";

const ORDER_PAYMENTS: &str = "query($r: [_Any!]!) { _entities(representations: $r) {
    ... on Order { id payments { id capturedAmount { amount } } } } }";

fn order_rep(id: &str, total: i64) -> Value {
    json!({"__typename": "Order", "id": id,
           "total": {"amount": total.to_string(), "currency": "USD"}})
}

fn order_id(n: u32) -> String {
    format!("3f1c8a52-0000-4000-8000-{n:012}")
}

async fn entities(app: &TestApp, query: &str, reps: Vec<Value>) -> Value {
    app.gql(query, json!({ "r": reps })).await
}

#[tokio::test(flavor = "multi_thread")]
async fn amount_due_is_the_required_total_less_captured_and_nothing_once_cancelled() {
    let app = spawn_app::<Payments>().await;
    let partly_paid = order_id(1);
    let unpaid = order_id(2);
    let overpaid = order_id(3);
    let id = captured_payment(&app, &partly_paid, 3000).await;
    let r = refund(&app, &id, 500, "refund-1").await;
    assert_eq!(
        r["data"]["refundPayment"]["status"], "PARTIALLY_REFUNDED",
        "{r}"
    );
    // An authorization that was never captured collected nothing.
    let auth = authorize(&app, &unpaid, 999, "auth-unpaid").await;
    assert!(auth["errors"].is_null(), "{auth}");
    captured_payment(&app, &overpaid, 5000).await;
    // Cancelled before it was paid: nothing is owed.
    let cancelled = order_id(4);
    know_order(&app, &cancelled, 900, uuid::Uuid::new_v4()).await;
    let event = subgraph_kit::events::orders::OrderCancelled {
        order_id: uuid::Uuid::parse_str(&cancelled).unwrap(),
        customer_id: uuid::Uuid::new_v4(),
        previous_status: "PLACED".into(),
    };
    subgraph_kit::testing::deliver(&app.pool, &ledger(), &event).await;

    let res = entities(
        &app,
        ENTITIES,
        vec![
            order_rep(&partly_paid, 10_000),
            order_rep(&unpaid, 400),
            order_rep(&overpaid, 4000),
            order_rep(&cancelled, 900),
        ],
    )
    .await;
    assert!(res["errors"].is_null(), "{res}");
    let got = &res["data"]["_entities"];
    // 3,000 captured of 10,000; the 500 refunded later makes nothing due again.
    assert_eq!(
        got[0]["amountDue"],
        json!({"amount": "7000", "currency": "USD"})
    );
    assert_eq!(got[0]["payments"][0]["id"], id.as_str());
    assert_eq!(
        got[1]["amountDue"],
        json!({"amount": "400", "currency": "USD"})
    );
    assert_eq!(got[1]["payments"][0]["status"], "AUTHORIZED");
    assert_eq!(
        got[2]["amountDue"]["amount"], "0",
        "never below zero: {res}"
    );
    assert_eq!(got[3]["amountDue"]["amount"], "0", "cancelled: {res}");
}

#[tokio::test(flavor = "multi_thread")]
async fn amount_due_accepts_a_total_with_typename_and_a_numeric_amount() {
    let app = spawn_app::<Payments>().await;
    let order = order_id(8);
    captured_payment(&app, &order, 250).await;
    // Routers may send the required selection with `__typename` and JSON numbers.
    let rep = json!({"__typename": "Order", "id": order,
                     "total": {"__typename": "Money", "amount": 1000, "currency": "USD"}});
    let res = entities(&app, ENTITIES, vec![rep]).await;
    assert_eq!(
        res["data"]["_entities"][0]["amountDue"],
        json!({"amount": "750", "currency": "USD"}),
        "{res}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn amount_due_ignores_payments_in_another_currency() {
    let app = spawn_app::<Payments>().await;
    let order = order_id(7);
    captured_payment(&app, &order, 2500).await;
    let rep = json!({"__typename": "Order", "id": order,
                     "total": {"amount": "9000", "currency": "EUR"}});
    let res = entities(&app, ENTITIES, vec![rep]).await;
    assert_eq!(
        res["data"]["_entities"][0]["amountDue"],
        json!({"amount": "9000", "currency": "EUR"}),
        "{res}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_and_malformed_keys_resolve_to_null_without_failing_the_batch() {
    let app = spawn_app::<Payments>().await;
    let mut ids = Vec::new();
    for n in 0..20 {
        ids.push(captured_payment(&app, &order_id(100 + n), 100 + n as i64).await);
    }
    let mut reps: Vec<Value> = ids
        .iter()
        .map(|id| json!({"__typename": "Payment", "id": id}))
        .collect();
    reps.insert(
        5,
        json!({"__typename": "Payment", "id": "00000000-0000-4000-8000-000000000000"}),
    );
    reps.push(json!({"__typename": "Payment", "id": "not-a-uuid"}));
    let res = entities(&app, ENTITIES, reps).await;
    assert!(res["errors"].is_null(), "{res}");
    let got = res["data"]["_entities"].as_array().expect("entities list");
    assert_eq!(got.len(), 22);
    assert!(got[5].is_null());
    assert!(got[21].is_null());
    assert_eq!(got[0]["id"], ids[0].as_str());
    assert_eq!(got[6]["id"], ids[5].as_str());
    assert_eq!(got[20]["id"], ids[19].as_str());
    assert_eq!(got[20]["order"]["id"], order_id(119));
    assert_eq!(got[20]["amount"]["amount"], "119");
}

#[tokio::test(flavor = "multi_thread")]
async fn order_without_payments_has_an_empty_list() {
    let app = spawn_app::<Payments>().await;
    let rep = json!({"__typename": "Order", "id": order_id(9)});
    let res = entities(&app, ORDER_PAYMENTS, vec![rep]).await;
    assert!(res["errors"].is_null(), "{res}");
    assert_eq!(res["data"]["_entities"][0]["payments"], json!([]));
}

/// Current-thread runtime: the server, the driver and the client all run on the thread the
/// counter watches.
#[tokio::test]
async fn an_entities_request_is_a_fixed_number_of_sql_statements_whatever_its_size() {
    let app = spawn_app::<Payments>().await;
    let mut payment_ids = Vec::new();
    for n in 0..10 {
        payment_ids.push(captured_payment(&app, &order_id(200 + n), 1000).await);
    }
    let (counter, _guard) = StatementCounter::install();
    sqlx_events_reach_this_thread(&app).await;
    for size in [1usize, 10, 100] {
        let orders: Vec<Value> = (0..size as u32)
            .map(|n| order_rep(&order_id(200 + n), 5000))
            .collect();
        counter.reset();
        let res = entities(&app, ENTITIES, orders).await;
        assert!(res["errors"].is_null(), "{res}");
        // The payments, then which of the orders not paid in full were cancelled.
        assert_eq!(counter.get(), 2, "orders batch of {size}");
        // Every order paid in full (the ten with a payment, repeated): nothing to ask.
        let paid: Vec<Value> = (0..size as u32)
            .map(|n| order_rep(&order_id(200 + n % 10), 1000))
            .collect();
        counter.reset();
        let res = entities(&app, ENTITIES, paid).await;
        assert!(res["errors"].is_null(), "{res}");
        assert_eq!(counter.get(), 1, "paid orders batch of {size}");

        let payments: Vec<Value> = (0..size)
            .map(|n| json!({"__typename": "Payment", "id": payment_ids[n % payment_ids.len()]}))
            .collect();
        counter.reset();
        let res = entities(&app, ENTITIES, payments).await;
        assert_eq!(
            res["data"]["_entities"].as_array().map(Vec::len),
            Some(size)
        );
        assert_eq!(counter.get(), 1, "payments batch of {size}");
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
    let app = spawn_app::<Payments>().await;
    let first = captured_payment(&app, &order_id(31), 100).await;
    let second = captured_payment(&app, &order_id(32), 200).await;
    let q = "query($a: [_Any!]!, $b: [_Any!]!) {
        a: _entities(representations: $a) { ... on Payment { id } ... on Order { payments { id } } }
        b: _entities(representations: $b) { ... on Payment { id } ... on Order { payments { id } } } }";
    let res = app
        .gql(
            q,
            json!({
                "a": [{"__typename": "Payment", "id": first},
                      {"__typename": "Order", "id": order_id(31)}],
                "b": [{"__typename": "Payment", "id": second},
                      {"__typename": "Order", "id": order_id(32)}],
            }),
        )
        .await;
    assert!(res["errors"].is_null(), "{res}");
    assert_eq!(res["data"]["a"][0]["id"], first.as_str());
    assert_eq!(res["data"]["a"][1]["payments"], json!([{"id": first}]));
    assert_eq!(res["data"]["b"][0]["id"], second.as_str());
    assert_eq!(res["data"]["b"][1]["payments"], json!([{"id": second}]));
}
