use crate::support::*;
use futures::future::join_all;
use serde_json::json;
use subgraph_kit::testing::{error_code, TestApp};

async fn refunded_amount(app: &TestApp, id: &str) -> i64 {
    sqlx::query_scalar("SELECT refunded_amount FROM payments WHERE id = $1::uuid")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .expect("payment row")
}

#[tokio::test(flavor = "multi_thread")]
async fn authorize_records_an_authorized_payment() {
    let app = app().await;
    let res = authorize(&app, ORDER_ID, 1999, "k1").await;
    let p = &res["data"]["authorizePayment"];
    assert_eq!(p["status"], "AUTHORIZED", "{res}");
    assert_eq!(p["amount"], json!({"amount": "1999", "currency": "USD"}));
    assert_eq!(p["capturedAmount"]["amount"], "0");
    assert_eq!(p["order"]["id"], ORDER_ID);
    assert_eq!(p["method"], "CARD");
    assert_eq!(app.count("payments").await, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn authorization_over_the_card_limit_is_recorded_as_failed() {
    let app = app().await;
    let res = authorize(&app, ORDER_ID, 5_000_001, "big").await;
    assert_eq!(res["data"]["authorizePayment"]["status"], "FAILED", "{res}");
    let id = res["data"]["authorizePayment"]["id"].as_str().expect("id");
    let cap = capture(&app, id, "cap-failed").await;
    assert_eq!(error_code(&cap), Some("CONFLICT"), "{cap}");
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_authorizations_are_rejected_and_write_nothing() {
    let app = app().await;
    let cases = [
        json!({"orderId": ORDER_ID, "amount": "0", "currency": "USD", "method": "CARD"}),
        json!({"orderId": ORDER_ID, "amount": "-5", "currency": "USD", "method": "CARD"}),
        json!({"orderId": ORDER_ID, "amount": "100", "currency": "usd", "method": "CARD"}),
        json!({"orderId": ORDER_ID, "amount": "100", "currency": "DOLLARS", "method": "CARD"}),
        json!({"orderId": "nope", "amount": "100", "currency": "USD", "method": "CARD"}),
        json!({"orderId": ORDER_ID, "amount": "12.5", "currency": "USD", "method": "CARD"}),
        json!({"orderId": ORDER_ID, "amount": "100", "currency": "USD", "method": "CASH"}),
    ];
    for input in cases {
        let res = app
            .gql(
                "mutation($input: AuthorizePaymentInput!) {
                   authorizePayment(input: $input, idempotencyKey: \"k\") { id } }",
                json!({ "input": input }),
            )
            .await;
        assert_eq!(error_code(&res), Some("BAD_USER_INPUT"), "{input}: {res}");
    }
    let blank_key = authorize(&app, ORDER_ID, 100, "  ").await;
    assert_eq!(
        error_code(&blank_key),
        Some("BAD_USER_INPUT"),
        "{blank_key}"
    );
    assert_eq!(app.count("payments").await, 0);
    assert_eq!(app.count("idempotency_keys").await, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn capture_takes_the_whole_amount_once() {
    let app = app().await;
    let auth = authorize(&app, ORDER_ID, 4200, "a").await;
    let id = auth["data"]["authorizePayment"]["id"].as_str().expect("id");
    let cap = capture(&app, id, "c1").await;
    let p = &cap["data"]["capturePayment"];
    assert_eq!(p["status"], "CAPTURED", "{cap}");
    assert_eq!(p["capturedAmount"]["amount"], "4200");
    let again = capture(&app, id, "c2").await;
    assert_eq!(error_code(&again), Some("CONFLICT"), "{again}");
    let missing = capture(&app, "00000000-0000-4000-8000-000000000000", "c3").await;
    assert_eq!(error_code(&missing), Some("NOT_FOUND"), "{missing}");
    // Rejected captures leave no claimed key behind: a (fixed) retry may use it again.
    assert_eq!(app.count("idempotency_keys").await, 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn refunds_accumulate_up_to_the_captured_amount() {
    let app = app().await;
    let id = captured_payment(&app, ORDER_ID, 1000).await;
    let r1 = refund(&app, &id, 400, "r1").await;
    assert_eq!(
        r1["data"]["refundPayment"]["status"], "PARTIALLY_REFUNDED",
        "{r1}"
    );
    assert_eq!(
        r1["data"]["refundPayment"]["refundedAmount"]["amount"],
        "400"
    );
    let r2 = refund(&app, &id, 600, "r2").await;
    assert_eq!(r2["data"]["refundPayment"]["status"], "REFUNDED", "{r2}");
    assert_eq!(app.count("refunds").await, 2);
    let r3 = refund(&app, &id, 1, "r3").await;
    assert_eq!(error_code(&r3), Some("CONFLICT"), "fully refunded: {r3}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refund_never_exceeds_what_is_left_and_a_rejected_one_writes_nothing() {
    let app = app().await;
    let id = captured_payment(&app, ORDER_ID, 1000).await;
    let ok = refund(&app, &id, 700, "r1").await;
    assert!(ok["errors"].is_null(), "{ok}");
    let too_much = refund(&app, &id, 301, "r2").await;
    assert_eq!(error_code(&too_much), Some("BAD_USER_INPUT"), "{too_much}");
    for amount in [0, -10] {
        let res = refund(&app, &id, amount, "r3").await;
        assert_eq!(error_code(&res), Some("BAD_USER_INPUT"), "{res}");
    }
    assert_eq!(refunded_amount(&app, &id).await, 700);
    assert_eq!(app.count("refunds").await, 1);
    let keys: i64 = sqlx::query_scalar("SELECT count(*) FROM idempotency_keys WHERE key LIKE 'r%'")
        .fetch_one(&app.pool)
        .await
        .expect("count keys");
    assert_eq!(keys, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_uncaptured_payment_cannot_be_refunded() {
    let app = app().await;
    let auth = authorize(&app, ORDER_ID, 1000, "a").await;
    let id = auth["data"]["authorizePayment"]["id"].as_str().expect("id");
    let res = refund(&app, id, 100, "r").await;
    assert_eq!(error_code(&res), Some("CONFLICT"), "{res}");
    assert_eq!(app.count("refunds").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_refunds_never_over_refund() {
    let app = app().await;
    let id = captured_payment(&app, ORDER_ID, 1000).await;
    // Two refunds of 600: only one fits.
    let keys: Vec<String> = (0..2).map(|k| format!("pair-{k}")).collect();
    let pair = join_all(keys.iter().map(|k| refund(&app, &id, 600, k))).await;
    let ok = pair.iter().filter(|r| r["errors"].is_null()).count();
    assert_eq!(ok, 1, "{pair:?}");
    assert!(pair.iter().any(|r| error_code(r) == Some("BAD_USER_INPUT")));
    // Eight refunds of 150 against the 400 left: exactly two fit.
    let keys: Vec<String> = (0..8).map(|k| format!("many-{k}")).collect();
    let many = join_all(keys.iter().map(|k| refund(&app, &id, 150, k))).await;
    let ok = many.iter().filter(|r| r["errors"].is_null()).count();
    assert_eq!(ok, 2, "{many:?}");
    assert_eq!(refunded_amount(&app, &id).await, 900);
    assert_eq!(app.count("refunds").await, 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_same_key_and_input_replays_the_first_payment() {
    let app = app().await;
    let first = authorize(&app, ORDER_ID, 500, "same").await;
    let second = authorize(&app, ORDER_ID, 500, "same").await;
    assert!(first["errors"].is_null(), "{first}");
    assert_eq!(first, second);
    assert_eq!(app.count("payments").await, 1);

    let id = first["data"]["authorizePayment"]["id"]
        .as_str()
        .expect("id");
    let c1 = capture(&app, id, "cap").await;
    let c2 = capture(&app, id, "cap").await;
    assert_eq!(c1, c2, "a replayed capture is not a CONFLICT");

    let r1 = refund(&app, id, 100, "ref").await;
    let r2 = refund(&app, id, 100, "ref").await;
    assert_eq!(r1, r2);
    assert_eq!(refunded_amount(&app, id).await, 100);
    assert_eq!(app.count("refunds").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_retries_with_one_key_create_exactly_one_payment() {
    let app = app().await;
    let responses = join_all((0..8).map(|_| authorize(&app, ORDER_ID, 777, "burst"))).await;
    for r in &responses {
        assert!(r["errors"].is_null(), "{r}");
        assert_eq!(r, &responses[0]);
    }
    assert_eq!(app.count("payments").await, 1);

    let id = responses[0]["data"]["authorizePayment"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    capture(&app, &id, "cap").await;
    let refunds = join_all((0..8).map(|_| refund(&app, &id, 100, "refund-burst"))).await;
    assert!(refunds.iter().all(|r| r == &refunds[0]), "{refunds:?}");
    assert_eq!(app.count("refunds").await, 1);
    assert_eq!(refunded_amount(&app, &id).await, 100);
}

#[tokio::test(flavor = "multi_thread")]
async fn reusing_a_key_with_different_input_is_refused() {
    let app = app().await;
    authorize(&app, ORDER_ID, 500, "k").await;
    let other = authorize(&app, ORDER_ID, 501, "k").await;
    assert_eq!(
        error_code(&other),
        Some("IDEMPOTENCY_KEY_REUSED"),
        "{other}"
    );
    assert_eq!(app.count("payments").await, 1);

    let another_order = "3f1c8a52-0000-4000-8000-000000000002";
    let id = captured_payment(&app, another_order, 1000).await;
    refund(&app, &id, 100, "rk").await;
    let other = refund(&app, &id, 200, "rk").await;
    assert_eq!(
        error_code(&other),
        Some("IDEMPOTENCY_KEY_REUSED"),
        "{other}"
    );
    // A key is scoped to its operation: a capture may not reuse an authorize key.
    let cross = capture(&app, &id, "k").await;
    assert_eq!(
        error_code(&cross),
        Some("IDEMPOTENCY_KEY_REUSED"),
        "{cross}"
    );
    assert_eq!(refunded_amount(&app, &id).await, 100);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_captures_with_different_keys_capture_once() {
    let app = app().await;
    let auth = authorize(&app, ORDER_ID, 3000, "a").await;
    let id = auth["data"]["authorizePayment"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let keys: Vec<String> = (0..8).map(|k| format!("cap-{k}")).collect();
    let results = join_all(keys.iter().map(|k| capture(&app, &id, k))).await;
    let ok = results.iter().filter(|r| r["errors"].is_null()).count();
    let conflicts = results
        .iter()
        .filter(|r| error_code(r) == Some("CONFLICT"))
        .count();
    assert_eq!((ok, conflicts), (1, 7), "{results:?}");
    let captured: i64 =
        sqlx::query_scalar("SELECT captured_amount FROM payments WHERE id = $1::uuid")
            .bind(&id)
            .fetch_one(&app.pool)
            .await
            .expect("row");
    assert_eq!(captured, 3000);
}
