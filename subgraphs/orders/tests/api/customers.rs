//! orders knows the customers the customers domain registered (`CustomerRegistered`, and the
//! demo customers from the seed) and places orders only for them: any other customer is
//! `NOT_YET_KNOWN`, a refusal that writes nothing and that a retry carries through once the
//! registration arrives.

use crate::{counts, order_input, seeded_app, PLACE};
use orders::events::Lifecycle;
use serde_json::{json, Value};
use subgraph_kit::events::customers::CustomerRegistered;
use subgraph_kit::ids;
use subgraph_kit::testing::{customer_token, deliver, error_code, TestApp};
use uuid::Uuid;

/// An order of product 1 for `customer`.
fn input_for(customer: Uuid) -> Value {
    let mut input = order_input(&[(1, 1)]);
    input["customerId"] = json!(customer);
    input
}

fn registered(customer: Uuid) -> CustomerRegistered {
    CustomerRegistered {
        customer_id: customer,
        email: format!("{}@example.com", customer.simple()),
        name: "New Customer".into(),
    }
}

async fn outbox_len(app: &TestApp) -> i64 {
    app.count("outbox").await
}

#[tokio::test]
async fn an_order_for_a_customer_orders_never_heard_of_is_not_yet_known_and_writes_nothing() {
    let app = seeded_app().await;
    let before = (counts(&app).await, outbox_len(&app).await);
    let stranger = Uuid::new_v4();
    let res = app
        .gql(
            PLACE,
            json!({"input": input_for(stranger), "key": "k-stranger"}),
        )
        .await;
    assert_eq!(error_code(&res), Some("NOT_YET_KNOWN"), "{res}");
    assert!(res["data"].is_null(), "{res}");
    assert_eq!((counts(&app).await, outbox_len(&app).await), before);
    let known: i64 =
        sqlx::query_scalar("SELECT count(*) FROM known_customers WHERE customer_id = $1")
            .bind(stranger)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(known, 0, "a refused order teaches orders nothing");
}

#[tokio::test]
async fn a_customer_becomes_known_by_their_registration_and_the_same_request_then_succeeds() {
    let app = seeded_app().await;
    let customer = Uuid::new_v4();
    let token = customer_token(customer);
    let vars = json!({"input": input_for(customer), "key": "k-new"});
    let (_, early) = app.gql_as(Some(&token), PLACE, vars.clone()).await;
    assert_eq!(error_code(&early), Some("NOT_YET_KNOWN"), "{early}");

    deliver(&app.pool, &Lifecycle, &registered(customer)).await;
    // Delivered again (a redelivery the inbox would drop anyway): still one known customer.
    deliver(&app.pool, &Lifecycle, &registered(customer)).await;
    let (_, placed) = app.gql_as(Some(&token), PLACE, vars.clone()).await;
    assert!(placed["errors"].is_null(), "{placed}");
    let order = &placed["data"]["placeOrder"];
    assert_eq!(order["customer"]["id"], customer.to_string());
    assert_eq!(order["status"], "PLACED");
    // The key was not burnt by the refusal; replayed, it is the same order.
    let (_, replay) = app.gql_as(Some(&token), PLACE, vars).await;
    assert_eq!(replay["data"]["placeOrder"]["id"], order["id"], "{replay}");
    assert_eq!(app.count("orders").await, ids::ORDERS as i64 + 1);
}

#[tokio::test]
async fn a_request_a_retry_cannot_fix_is_refused_for_that_reason_first() {
    let app = seeded_app().await;
    let stranger = Uuid::new_v4();
    // Someone else's order: FORBIDDEN, whether or not orders knows the customer.
    let (_, other) = app
        .gql_as(
            Some(&customer_token(Uuid::new_v4())),
            PLACE,
            json!({"input": input_for(stranger), "key": "k-other"}),
        )
        .await;
    assert_eq!(error_code(&other), Some("FORBIDDEN"), "{other}");
    // A SKU the catalog lacks is the client's error, not a fact still on its way.
    let mut input = input_for(stranger);
    input["lines"][0]["sku"] = json!("SKU-NOPE");
    let res = app
        .gql(PLACE, json!({"input": input, "key": "k-sku"}))
        .await;
    assert_eq!(error_code(&res), Some("BAD_USER_INPUT"), "{res}");
}

#[tokio::test]
async fn the_seed_knows_every_demo_customer_and_only_them() {
    let app = seeded_app().await;
    let known: Vec<Uuid> =
        sqlx::query_scalar("SELECT customer_id FROM known_customers ORDER BY customer_id")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    let mut demo: Vec<Uuid> = (0..ids::CUSTOMERS).map(ids::customer_id).collect();
    demo.sort();
    assert_eq!(known, demo);
    // Every demo order's customer is among them.
    let orphans: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM orders o
         WHERE NOT EXISTS (SELECT 1 FROM known_customers k WHERE k.customer_id = o.customer_id)",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(orphans, 0);
}
