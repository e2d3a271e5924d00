use crate::support::*;
use futures::future::join_all;
use returns::events::Desk;
use serde_json::json;
use subgraph_kit::events::fulfillment::{ItemLine, ShipmentDelivered};
use subgraph_kit::events::orders::OrderPlaced;
use subgraph_kit::events::payments::{PaymentRefunded, ReturnRefundRefused};
use subgraph_kit::testing::{customer_token, deliver, error_code};
use uuid::Uuid;

#[tokio::test(flavor = "multi_thread")]
async fn request_return_records_a_requested_return_with_its_lines() {
    let app = app().await;
    let res = request(
        &app,
        json!({"orderId": ORDER_ID, "paymentId": PAYMENT_ID, "reason": "  Arrived damaged ",
               "lines": [{"sku": "SKU-0002", "quantity": 2}, {"sku": "SKU-0001", "quantity": 1}]}),
        "k",
    )
    .await;
    let r = &res["data"]["requestReturn"];
    assert_eq!(r["status"], "REQUESTED", "{res}");
    assert_eq!(r["reason"], "Arrived damaged");
    assert_eq!(r["payment"]["id"], PAYMENT_ID);
    assert_eq!(
        r["lines"],
        json!([{"product": {"sku": "SKU-0001"}, "quantity": 1},
               {"product": {"sku": "SKU-0002"}, "quantity": 2}])
    );
    assert_eq!(app.count("returns").await, 1);
    assert_eq!(app.count("return_lines").await, 2);

    let unpaid = request(&app, input(ORDER_ID, None, 1), "k2").await;
    assert!(
        unpaid["data"]["requestReturn"]["payment"].is_null(),
        "{unpaid}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_requests_are_rejected_and_write_nothing() {
    let app = app().await;
    let line = json!([{"sku": "SKU-0001", "quantity": 1}]);
    let cases = [
        json!({"orderId": ORDER_ID, "reason": "x", "lines": []}),
        json!({"orderId": ORDER_ID, "reason": "x", "lines": [{"sku": "SKU-0001", "quantity": 0}]}),
        json!({"orderId": ORDER_ID, "reason": "x", "lines": [{"sku": "A", "quantity": 1},
                                                             {"sku": "A", "quantity": 2}]}),
        json!({"orderId": ORDER_ID, "reason": "x", "lines": [{"sku": " ", "quantity": 1}]}),
        json!({"orderId": ORDER_ID, "reason": "   ", "lines": line}),
        json!({"orderId": ORDER_ID, "reason": "x".repeat(501), "lines": line}),
        json!({"orderId": "bad", "reason": "x", "lines": line}),
        json!({"orderId": ORDER_ID, "paymentId": "bad", "reason": "x", "lines": line}),
    ];
    for input in cases {
        let res = request(&app, input.clone(), "k").await;
        assert_eq!(error_code(&res), Some("BAD_USER_INPUT"), "{input}: {res}");
    }
    assert_eq!(app.count("returns").await, 0);
    assert_eq!(app.count("idempotency_keys").await, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_approved_return_payments_cannot_refund_ends_rejected_with_the_reason() {
    let app = app().await;
    let id = requested(&app, ORDER_ID, Some(PAYMENT_ID)).await;
    review(&app, "approveReturn", &id, None).await;
    let refused = ReturnRefundRefused {
        return_id: Uuid::parse_str(&id).unwrap(),
        order_id: Uuid::parse_str(ORDER_ID).unwrap(),
        reason: "nothing of the order's payments is left to refund".into(),
    };
    deliver(&app.pool, &Desk, &refused).await;
    let (status, reason): (String, Option<String>) =
        sqlx::query_as("SELECT status, rejection_reason FROM returns WHERE id = $1::uuid")
            .bind(&id)
            .fetch_one(&app.pool)
            .await
            .expect("row");
    assert_eq!(status, "REJECTED");
    assert_eq!(reason.as_deref(), Some(refused.reason.as_str()));
    // Delivered again (or after it was closed otherwise): nothing changes.
    deliver(&app.pool, &Desk, &refused).await;
    let rejected: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM outbox WHERE envelope->>'type' = 'ReturnRejected'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(rejected, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_approved_return_becomes_refunded_when_payments_refunds_it() {
    let app = app().await;
    let id = requested(&app, ORDER_ID, Some(PAYMENT_ID)).await;
    let approved = review(&app, "approveReturn", &id, None).await;
    assert_eq!(
        approved["data"]["approveReturn"]["status"], "APPROVED",
        "{approved}"
    );
    let again = review(&app, "approveReturn", &id, None).await;
    assert_eq!(error_code(&again), Some("CONFLICT"), "{again}");
    let reject = review(&app, "rejectReturn", &id, Some("too late")).await;
    assert_eq!(error_code(&reject), Some("CONFLICT"), "{reject}");
    // No client marks it refunded: payments' refund does.
    let manual = review(&app, "markReturnRefunded", &id, None).await;
    let unknown = manual["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(unknown.contains("Unknown field"), "{manual}");
    let refunded = PaymentRefunded {
        payment_id: Uuid::parse_str(PAYMENT_ID).unwrap(),
        order_id: Uuid::parse_str(ORDER_ID).unwrap(),
        amount: 100,
        currency: "USD".into(),
        refunded_total: 100,
        return_id: Some(Uuid::parse_str(&id).unwrap()),
    };
    deliver(&app.pool, &Desk, &refunded).await;
    let status: String = sqlx::query_scalar("SELECT status FROM returns WHERE id = $1::uuid")
        .bind(&id)
        .fetch_one(&app.pool)
        .await
        .expect("row");
    assert_eq!(status, "REFUNDED");
    let types: Vec<String> =
        sqlx::query_scalar("SELECT envelope->>'type' FROM outbox ORDER BY seq")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(
        types,
        vec!["ReturnRequested", "ReturnApproved", "ReturnRefunded"]
    );
    // The approval names the payment to refund: the one the customer chose.
    let named: Option<String> = sqlx::query_scalar(
        "SELECT envelope->'data'->>'paymentId' FROM outbox WHERE envelope->>'type' = 'ReturnApproved'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(named.as_deref(), Some(PAYMENT_ID));
    let missing = review(
        &app,
        "approveReturn",
        "00000000-0000-4000-8000-000000000000",
        None,
    )
    .await;
    assert_eq!(error_code(&missing), Some("NOT_FOUND"), "{missing}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_return_must_fit_what_was_delivered_to_the_requester() {
    let app = app().await;
    let (ada, eve) = (Uuid::new_v4(), Uuid::new_v4());
    let order = Uuid::new_v4();
    let ask = |who: Uuid, order: Uuid, sku: &str, quantity: i32| {
        let vars = json!({
            "input": {"orderId": order, "reason": "broken",
                      "lines": [{"sku": sku, "quantity": quantity}]},
            "key": Uuid::new_v4().to_string(),
        });
        let app = &app;
        async move {
            app.gql_as(
                Some(&customer_token(who)),
                "mutation($input: RequestReturnInput!, $key: String!) {
                   requestReturn(input: $input, idempotencyKey: $key) { id } }",
                vars,
            )
            .await
            .1
        }
    };
    let unknown = ask(ada, order, "SKU-0001", 1).await;
    assert_eq!(error_code(&unknown), Some("NOT_YET_KNOWN"), "{unknown}");
    let placed = OrderPlaced {
        order_id: order,
        customer_id: ada,
        currency: "USD".into(),
        total: 1000,
        lines: vec![],
        placed_at: chrono::Utc::now(),
    };
    deliver(&app.pool, &Desk, &placed).await;
    let never_shipped = ask(ada, order, "SKU-0001", 1).await;
    assert_eq!(
        error_code(&never_shipped),
        Some("BAD_USER_INPUT"),
        "{never_shipped}"
    );
    let delivered = ShipmentDelivered {
        shipment_id: Uuid::new_v4(),
        order_id: order,
        lines: vec![ItemLine {
            sku: "SKU-0001".into(),
            quantity: 2,
        }],
        order_delivered: true,
    };
    deliver(&app.pool, &Desk, &delivered).await;
    let theirs = ask(eve, order, "SKU-0001", 1).await;
    assert_eq!(error_code(&theirs), Some("FORBIDDEN"), "{theirs}");
    for (sku, quantity) in [("SKU-0001", 99), ("BOGUS", 1)] {
        let res = ask(ada, order, sku, quantity).await;
        assert_eq!(error_code(&res), Some("BAD_USER_INPUT"), "{sku}: {res}");
    }
    assert!(ask(ada, order, "SKU-0001", 2).await["errors"].is_null());
    let again = ask(ada, order, "SKU-0001", 1).await;
    assert_eq!(error_code(&again), Some("BAD_USER_INPUT"), "{again}");
    assert_eq!(app.count("returns").await, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rejected_return_keeps_its_reason_and_goes_no_further() {
    let app = app().await;
    let id = requested(&app, ORDER_ID, None).await;
    let blank = review(&app, "rejectReturn", &id, Some("  ")).await;
    assert_eq!(error_code(&blank), Some("BAD_USER_INPUT"), "{blank}");
    let rejected = review(&app, "rejectReturn", &id, Some("Worn")).await;
    assert_eq!(
        rejected["data"]["rejectReturn"],
        json!({"status": "REJECTED", "rejectionReason": "Worn"})
    );
    let approve = review(&app, "approveReturn", &id, None).await;
    assert_eq!(error_code(&approve), Some("CONFLICT"), "{approve}");
    let status: String = sqlx::query_scalar("SELECT status FROM returns WHERE id = $1::uuid")
        .bind(&id)
        .fetch_one(&app.pool)
        .await
        .expect("row");
    assert_eq!(status, "REJECTED");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_reviews_decide_a_return_once() {
    let app = app().await;
    let id = requested(&app, ORDER_ID, None).await;
    let reviews = join_all((0..8).map(|n| {
        let app = &app;
        let id = id.clone();
        async move {
            if n % 2 == 0 {
                review(app, "approveReturn", &id, None).await
            } else {
                review(app, "rejectReturn", &id, Some("no")).await
            }
        }
    }))
    .await;
    let ok = reviews.iter().filter(|r| r["errors"].is_null()).count();
    let conflicts = reviews
        .iter()
        .filter(|r| error_code(r) == Some("CONFLICT"))
        .count();
    assert_eq!((ok, conflicts), (1, 7), "{reviews:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_same_key_and_input_replays_the_first_return() {
    let app = app().await;
    let first = request(&app, input(ORDER_ID, Some(PAYMENT_ID), 1), "same").await;
    let second = request(&app, input(ORDER_ID, Some(PAYMENT_ID), 1), "same").await;
    assert!(first["errors"].is_null(), "{first}");
    assert_eq!(first, second);
    assert_eq!(app.count("returns").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_retries_with_one_key_create_exactly_one_return() {
    let app = app().await;
    let results = join_all((0..8).map(|_| request(&app, input(ORDER_ID, None, 2), "burst"))).await;
    for r in &results {
        assert!(r["errors"].is_null(), "{r}");
        assert_eq!(r, &results[0]);
    }
    assert_eq!(app.count("returns").await, 1);
    assert_eq!(app.count("return_lines").await, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn reusing_a_key_with_different_input_is_refused() {
    let app = app().await;
    request(&app, input(ORDER_ID, None, 1), "k").await;
    let other = request(&app, input(ORDER_ID, None, 2), "k").await;
    assert_eq!(
        error_code(&other),
        Some("IDEMPOTENCY_KEY_REUSED"),
        "{other}"
    );
    assert_eq!(app.count("returns").await, 1);
}
