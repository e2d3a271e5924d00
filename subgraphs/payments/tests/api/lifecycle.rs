//! Payments against what it knows of orders: authorizations checked against the order,
//! the provider paying an order once its stock is reserved, capture on PAID, void or refund on
//! cancellation, and an approved return refunded at the prices charged.

use crate::support::{app, know_order, ledger, PAYMENT_FIELDS};
use serde_json::{json, Value};
use subgraph_kit::events::fulfillment::{ItemLine, StockReserved};
use subgraph_kit::events::orders::{OrderCancelled, OrderPaid, OrderPlaced, OrderPlacedLine};
use subgraph_kit::events::returns::ReturnApproved;
use subgraph_kit::testing::{customer_token, deliver, error_code, TestApp};
use uuid::Uuid;

const AUTHORIZE: &str = "mutation($input: AuthorizePaymentInput!, $key: String!) {
    authorizePayment(input: $input, idempotencyKey: $key) { id status } }";

async fn authorize_as(
    app: &TestApp,
    who: Uuid,
    order: Uuid,
    amount: &str,
    currency: &str,
) -> Value {
    let vars = json!({
        "input": {"orderId": order, "amount": amount, "currency": currency, "method": "CARD"},
        "key": Uuid::new_v4().to_string(),
    });
    app.gql_as(Some(&customer_token(who)), AUTHORIZE, vars)
        .await
        .1
}

/// The order's payments as (status, amount, captured, refunded), oldest first.
async fn payments_of(app: &TestApp, order: Uuid) -> Vec<(String, i64, i64, i64)> {
    sqlx::query_as(
        "SELECT status, amount, captured_amount, refunded_amount FROM payments
         WHERE order_id = $1 ORDER BY created_at, id",
    )
    .bind(order)
    .fetch_all(&app.pool)
    .await
    .expect("payments")
}

/// An order of two SKU-A at 300 and one SKU-B at 400 (total 1000 USD) placed by `customer`.
async fn placed(app: &TestApp, customer: Uuid) -> Uuid {
    let order_id = Uuid::new_v4();
    let line = |sku: &str, quantity, unit_price| OrderPlacedLine {
        sku: sku.into(),
        quantity,
        unit_price,
    };
    let event = OrderPlaced {
        order_id,
        customer_id: customer,
        currency: "USD".into(),
        total: 1000,
        lines: vec![line("SKU-A", 2, 300), line("SKU-B", 1, 400)],
        placed_at: chrono::Utc::now(),
    };
    deliver(&app.pool, &ledger(), &event).await;
    order_id
}

#[tokio::test]
async fn an_authorization_must_be_the_amount_due_of_a_known_open_order_of_the_payer() {
    let app = app().await;
    let (ada, eve) = (Uuid::new_v4(), Uuid::new_v4());
    let order = placed(&app, ada).await;
    let unknown = authorize_as(&app, ada, Uuid::new_v4(), "1000", "USD").await;
    assert_eq!(error_code(&unknown), Some("NOT_YET_KNOWN"), "{unknown}");
    let theirs = authorize_as(&app, eve, order, "1000", "USD").await;
    assert_eq!(error_code(&theirs), Some("FORBIDDEN"), "{theirs}");
    for (amount, currency) in [
        ("1001", "USD"),
        ("999", "USD"),
        ("9223372036854775807", "USD"),
        ("1000", "EUR"),
    ] {
        let res = authorize_as(&app, ada, order, amount, currency).await;
        assert_eq!(
            error_code(&res),
            Some("BAD_USER_INPUT"),
            "{amount} {currency}: {res}"
        );
    }
    assert!(payments_of(&app, order).await.is_empty());
    let ok = authorize_as(&app, ada, order, "1000", "USD").await;
    assert_eq!(
        ok["data"]["authorizePayment"]["status"], "AUTHORIZED",
        "{ok}"
    );
    let twice = authorize_as(&app, ada, order, "1000", "USD").await;
    assert_eq!(error_code(&twice), Some("CONFLICT"), "{twice}");

    let cancelled = placed(&app, ada).await;
    let event = OrderCancelled {
        order_id: cancelled,
        customer_id: ada,
        previous_status: "PLACED".into(),
    };
    deliver(&app.pool, &ledger(), &event).await;
    let late = authorize_as(&app, ada, cancelled, "1000", "USD").await;
    assert_eq!(error_code(&late), Some("CONFLICT"), "{late}");
}

#[tokio::test]
async fn reserved_stock_gets_the_order_authorized_paid_gets_it_captured() {
    let app = app().await;
    let ada = Uuid::new_v4();
    let order = placed(&app, ada).await;
    deliver(&app.pool, &ledger(), &StockReserved { order_id: order }).await;
    assert_eq!(
        payments_of(&app, order).await,
        vec![("AUTHORIZED".into(), 1000, 0, 0)]
    );
    let payment_id: Uuid = sqlx::query_scalar("SELECT id FROM payments WHERE order_id = $1")
        .bind(order)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let paid = OrderPaid {
        order_id: order,
        customer_id: ada,
        payment_id,
    };
    deliver(&app.pool, &ledger(), &paid).await;
    assert_eq!(
        payments_of(&app, order).await,
        vec![("CAPTURED".into(), 1000, 1000, 0)]
    );
    // The customer sees it as theirs.
    let (_, mine) = app
        .gql_as(
            Some(&customer_token(ada)),
            &format!("query($id: ID!) {{ payment(id: $id) {{ {PAYMENT_FIELDS} }} }}"),
            json!({ "id": payment_id }),
        )
        .await;
    assert_eq!(mine["data"]["payment"]["status"], "CAPTURED", "{mine}");

    // A return naming a payment that is not the order's refunds nothing: payments says so.
    let stranger = Uuid::new_v4();
    let event = ReturnApproved {
        return_id: stranger,
        order_id: order,
        lines: vec![ItemLine {
            sku: "SKU-A".into(),
            quantity: 1,
        }],
        payment_id: Some(Uuid::new_v4()),
    };
    deliver(&app.pool, &ledger(), &event).await;
    assert_eq!(payments_of(&app, order).await[0].3, 0);

    // An approved return of one SKU-A refunds 300 from the payment it names; of the other
    // SKU-A and SKU-B, 700 more.
    for (lines, refunded) in [
        (vec![("SKU-A", 1)], 300),
        (vec![("SKU-A", 1), ("SKU-B", 1)], 1000),
    ] {
        let event = ReturnApproved {
            return_id: Uuid::new_v4(),
            order_id: order,
            lines: lines
                .into_iter()
                .map(|(sku, quantity)| ItemLine {
                    sku: sku.into(),
                    quantity,
                })
                .collect(),
            payment_id: Some(payment_id),
        };
        deliver(&app.pool, &ledger(), &event).await;
        assert_eq!(payments_of(&app, order).await[0].3, refunded);
    }
    assert_eq!(payments_of(&app, order).await[0].0, "REFUNDED");

    // One more approved return (naming no payment, as before `paymentId` was carried) finds
    // nothing left to refund: payments says so, once.
    let late = Uuid::new_v4();
    let event = ReturnApproved {
        return_id: late,
        order_id: order,
        lines: vec![ItemLine {
            sku: "SKU-B".into(),
            quantity: 1,
        }],
        payment_id: None,
    };
    deliver(&app.pool, &ledger(), &event).await;
    assert_eq!(payments_of(&app, order).await[0].3, 1000);
    let refused: Vec<String> = sqlx::query_scalar(
        "SELECT envelope->'data'->>'returnId' FROM outbox
         WHERE envelope->>'type' = 'ReturnRefundRefused' ORDER BY seq",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(refused, vec![stranger.to_string(), late.to_string()]);
}

#[tokio::test]
async fn cancelling_voids_an_authorization_and_refunds_a_capture() {
    let app = app().await;
    let ada = Uuid::new_v4();
    let authorized = placed(&app, ada).await;
    deliver(
        &app.pool,
        &ledger(),
        &StockReserved {
            order_id: authorized,
        },
    )
    .await;
    let captured = placed(&app, ada).await;
    deliver(&app.pool, &ledger(), &StockReserved { order_id: captured }).await;
    let payment_id: Uuid = sqlx::query_scalar("SELECT id FROM payments WHERE order_id = $1")
        .bind(captured)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let paid = OrderPaid {
        order_id: captured,
        customer_id: ada,
        payment_id,
    };
    deliver(&app.pool, &ledger(), &paid).await;
    for (order, previous) in [(authorized, "PLACED"), (captured, "PAID")] {
        let event = OrderCancelled {
            order_id: order,
            customer_id: ada,
            previous_status: previous.into(),
        };
        deliver(&app.pool, &ledger(), &event).await;
    }
    assert_eq!(
        payments_of(&app, authorized).await,
        vec![("VOIDED".into(), 1000, 0, 0)]
    );
    assert_eq!(
        payments_of(&app, captured).await,
        vec![("REFUNDED".into(), 1000, 1000, 1000)]
    );
    // A cancelled order's stock reservation no longer gets it paid.
    deliver(
        &app.pool,
        &ledger(),
        &StockReserved {
            order_id: authorized,
        },
    )
    .await;
    assert_eq!(payments_of(&app, authorized).await.len(), 1);
}

#[tokio::test]
async fn an_order_over_the_card_limit_is_declined_by_the_provider() {
    let app = app().await;
    let order = Uuid::new_v4();
    know_order(&app, &order.to_string(), 5_000_001, Uuid::new_v4()).await;
    deliver(&app.pool, &ledger(), &StockReserved { order_id: order }).await;
    assert_eq!(
        payments_of(&app, order).await,
        vec![("FAILED".into(), 5_000_001, 0, 0)]
    );
    let events: Vec<String> =
        sqlx::query_scalar("SELECT envelope->>'type' FROM outbox ORDER BY seq")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(events, vec!["PaymentFailed"]);
}

#[tokio::test]
async fn a_late_order_paid_does_not_bring_a_cancelled_order_back() {
    let app = app().await;
    let ada = Uuid::new_v4();
    let order = placed(&app, ada).await;
    deliver(&app.pool, &ledger(), &StockReserved { order_id: order }).await;
    let payment_id: Uuid = sqlx::query_scalar("SELECT id FROM payments WHERE order_id = $1")
        .bind(order)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let cancelled = OrderCancelled {
        order_id: order,
        customer_id: ada,
        previous_status: "PLACED".into(),
    };
    deliver(&app.pool, &ledger(), &cancelled).await;
    // Its OrderPaid failed once and comes back after its backoff, behind the cancellation.
    let paid = OrderPaid {
        order_id: order,
        customer_id: ada,
        payment_id,
    };
    deliver(&app.pool, &ledger(), &paid).await;
    let status: String = sqlx::query_scalar("SELECT status FROM order_facts WHERE order_id = $1")
        .bind(order)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(status, "CANCELLED");
    assert_eq!(payments_of(&app, order).await[0].0, "VOIDED");
}
