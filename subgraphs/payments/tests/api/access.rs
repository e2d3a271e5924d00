use crate::support::{app, know_order, ORDER_ID};
use serde_json::json;
use subgraph_kit::testing::{customer_token, error_code};

const AUTHORIZE: &str = "mutation($input: AuthorizePaymentInput!, $key: String!) {
    authorizePayment(input: $input, idempotencyKey: $key) { id } }";
const PAYMENT: &str = "query($id: ID!) { payment(id: $id) { id } }";

#[tokio::test]
async fn another_customer_reusing_an_idempotency_key_never_gets_the_first_customers_payment() {
    let app = app().await;
    let (ada, eve) = (uuid::Uuid::new_v4(), uuid::Uuid::new_v4());
    know_order(&app, ORDER_ID, 500, ada).await;
    let vars = json!({
        "input": {"orderId": ORDER_ID, "amount": "500", "currency": "USD", "method": "CARD"},
        "key": "shared-key"
    });
    let (_, first) = app
        .gql_as(Some(&customer_token(ada)), AUTHORIZE, vars.clone())
        .await;
    let id = first["data"]["authorizePayment"]["id"].clone();
    assert!(id.is_string(), "{first}");
    let (_, replay) = app
        .gql_as(Some(&customer_token(eve)), AUTHORIZE, vars.clone())
        .await;
    assert_eq!(
        error_code(&replay),
        Some("IDEMPOTENCY_KEY_REUSED"),
        "{replay}"
    );
    // The payer's own retry is still the idempotent replay.
    let (_, again) = app
        .gql_as(Some(&customer_token(ada)), AUTHORIZE, vars)
        .await;
    assert_eq!(again["data"]["authorizePayment"]["id"], id, "{again}");
    // And the payment is the payer's alone.
    let (_, theirs) = app
        .gql_as(Some(&customer_token(eve)), PAYMENT, json!({ "id": id }))
        .await;
    assert_eq!(error_code(&theirs), Some("FORBIDDEN"), "{theirs}");
    let (_, mine) = app
        .gql_as(Some(&customer_token(ada)), PAYMENT, json!({ "id": id }))
        .await;
    assert_eq!(mine["data"]["payment"]["id"], id, "{mine}");
}
