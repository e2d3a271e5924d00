use crate::{app, create, CREATE};
use serde_json::json;
use subgraph_kit::testing::error_code;

const UPDATE: &str = "mutation($id: ID!, $input: UpdateCustomerInput!) {
    updateCustomer(id: $id, input: $input) { id email name } }";

#[tokio::test]
async fn create_customer_stores_a_lower_cased_email() {
    let app = app().await;
    let c = create(&app, "  Ada@Example.COM ", " Ada Lovelace ", "k1").await;
    assert_eq!(c["email"], "ada@example.com");
    assert_eq!(c["name"], "Ada Lovelace");
    assert_eq!(app.count("customers").await, 1);
    let stored: String = sqlx::query_scalar("SELECT email FROM customers")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(stored, "ada@example.com");
}

#[tokio::test]
async fn invalid_create_input_is_rejected_and_writes_nothing() {
    let app = app().await;
    let cases = [
        json!({"email": "not-an-email", "name": "Ada"}),
        json!({"email": "ada@example.com", "name": "   "}),
        json!({"email": "a@b", "name": "Ada"}),
    ];
    for input in cases {
        let res = app.gql(CREATE, json!({"input": input, "key": "k"})).await;
        assert_eq!(error_code(&res), Some("BAD_USER_INPUT"), "{input}");
    }
    let blank_key = app
        .gql(
            CREATE,
            json!({"input": {"email": "ada@example.com", "name": "Ada"}, "key": " "}),
        )
        .await;
    assert_eq!(error_code(&blank_key), Some("BAD_USER_INPUT"));
    assert_eq!(app.count("customers").await, 0);
    assert_eq!(app.count("idempotency_keys").await, 0);
}

#[tokio::test]
async fn duplicate_email_is_a_conflict_whatever_its_case() {
    let app = app().await;
    create(&app, "ada@example.com", "Ada", "k1").await;
    let res = app
        .gql(
            CREATE,
            json!({"input": {"email": "ADA@example.com", "name": "Other"}, "key": "k2"}),
        )
        .await;
    assert_eq!(error_code(&res), Some("CONFLICT"));
    assert_eq!(app.count("customers").await, 1);
    // The failed attempt's key was rolled back with it, so the client may retry with it.
    assert_eq!(app.count("idempotency_keys").await, 1);
}

#[tokio::test]
async fn update_customer_changes_name_and_email() {
    let app = app().await;
    let c = create(&app, "ada@example.com", "Ada", "k1").await;
    let res = app
        .gql(
            UPDATE,
            json!({"id": c["id"], "input": {"name": "Ada King"}}),
        )
        .await;
    assert_eq!(res["data"]["updateCustomer"]["name"], "Ada King");
    assert_eq!(res["data"]["updateCustomer"]["email"], "ada@example.com");
    let res = app
        .gql(
            UPDATE,
            json!({"id": c["id"], "input": {"email": "Countess@Example.com"}}),
        )
        .await;
    assert_eq!(
        res["data"]["updateCustomer"]["email"],
        "countess@example.com"
    );
    assert_eq!(res["data"]["updateCustomer"]["name"], "Ada King");
}

#[tokio::test]
async fn update_to_another_customers_email_is_a_conflict_and_changes_nothing() {
    let app = app().await;
    create(&app, "ada@example.com", "Ada", "k1").await;
    let grace = create(&app, "grace@example.com", "Grace", "k2").await;
    let res = app
        .gql(
            UPDATE,
            json!({"id": grace["id"], "input": {"email": "ADA@example.com", "name": "X"}}),
        )
        .await;
    assert_eq!(error_code(&res), Some("CONFLICT"));
    let q = "query($id: ID!) { customer(id: $id) { email name } }";
    let now = app.gql(q, json!({"id": grace["id"]})).await;
    assert_eq!(
        now["data"]["customer"],
        json!({"email": "grace@example.com", "name": "Grace"})
    );
}

#[tokio::test]
async fn update_rejects_unknown_ids_and_invalid_input() {
    let app = app().await;
    let c = create(&app, "ada@example.com", "Ada", "k1").await;
    let unknown = app
        .gql(
            UPDATE,
            json!({"id": uuid::Uuid::new_v4(), "input": {"name": "X"}}),
        )
        .await;
    assert_eq!(error_code(&unknown), Some("NOT_FOUND"));
    for input in [json!({}), json!({"email": "nope"}), json!({"name": ""})] {
        let res = app
            .gql(UPDATE, json!({"id": c["id"], "input": input}))
            .await;
        assert_eq!(error_code(&res), Some("BAD_USER_INPUT"), "{input}");
    }
    let q = "query($id: ID!) { customer(id: $id) { email name } }";
    let now = app.gql(q, json!({"id": c["id"]})).await;
    assert_eq!(
        now["data"]["customer"],
        json!({"email": "ada@example.com", "name": "Ada"})
    );
}
