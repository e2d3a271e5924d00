//! SQL for payments and refunds. Every function takes an executor so mutations can run it
//! inside the transaction that claimed their idempotency key.

pub mod facts;

use crate::domain::{Method, Payment, Status};
use chrono::{DateTime, Utc};
use sqlx::{FromRow, PgConnection, PgPool};
use subgraph_kit::events::outbox;
use subgraph_kit::events::payments::{
    PaymentAuthorized, PaymentCaptured, PaymentFailed, PaymentRefunded, PaymentVoided,
};
use subgraph_kit::{AppError, AppResult};
use uuid::Uuid;

const COLUMNS: &str = "id, order_id, amount, currency, captured_amount, refunded_amount, \
                       status, method, created_at, customer_id";

#[derive(Debug, FromRow)]
struct PaymentRow {
    id: Uuid,
    order_id: Uuid,
    amount: i64,
    currency: String,
    captured_amount: i64,
    refunded_amount: i64,
    status: String,
    method: String,
    created_at: DateTime<Utc>,
    customer_id: Option<Uuid>,
}

impl TryFrom<PaymentRow> for Payment {
    type Error = AppError;

    fn try_from(r: PaymentRow) -> AppResult<Payment> {
        let status = Status::parse(&r.status)
            .ok_or_else(|| AppError::Internal(format!("unknown payment status {}", r.status)))?;
        let method = Method::parse(&r.method)
            .ok_or_else(|| AppError::Internal(format!("unknown payment method {}", r.method)))?;
        Ok(Payment {
            id: r.id,
            order_id: r.order_id,
            amount: r.amount,
            currency: r.currency,
            captured_amount: r.captured_amount,
            refunded_amount: r.refunded_amount,
            status,
            method,
            created_at: r.created_at,
            customer_id: r.customer_id,
        })
    }
}

fn convert(rows: Vec<PaymentRow>) -> AppResult<Vec<Payment>> {
    rows.into_iter().map(Payment::try_from).collect()
}

/// Payments with the given ids (unknown ids are simply absent).
pub async fn payments_by_ids(pool: &PgPool, ids: &[Uuid]) -> AppResult<Vec<Payment>> {
    let rows: Vec<PaymentRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM payments WHERE id = ANY($1)"
    ))
    .bind(ids)
    .fetch_all(pool)
    .await?;
    convert(rows)
}

/// Payments of the given orders, oldest first within each order.
pub async fn payments_by_order_ids(pool: &PgPool, order_ids: &[Uuid]) -> AppResult<Vec<Payment>> {
    let rows: Vec<PaymentRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM payments WHERE order_id = ANY($1) ORDER BY created_at, id"
    ))
    .bind(order_ids)
    .fetch_all(pool)
    .await?;
    convert(rows)
}

/// Insert a new payment and, in the same transaction, its `PaymentAuthorized` or
/// `PaymentFailed` event.
pub async fn insert_payment(
    conn: &mut PgConnection,
    payment: &Payment,
    failure_reason: Option<&str>,
) -> AppResult<Payment> {
    let row: PaymentRow = sqlx::query_as(&format!(
        "INSERT INTO payments (id, order_id, amount, currency, captured_amount, refunded_amount,
                               status, method, failure_reason, customer_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING {COLUMNS}"
    ))
    .bind(payment.id)
    .bind(payment.order_id)
    .bind(payment.amount)
    .bind(&payment.currency)
    .bind(payment.captured_amount)
    .bind(payment.refunded_amount)
    .bind(payment.status.as_str())
    .bind(payment.method.as_str())
    .bind(failure_reason)
    .bind(payment.customer_id)
    .fetch_one(&mut *conn)
    .await?;
    let payment = Payment::try_from(row)?;
    match failure_reason {
        None => {
            let event = PaymentAuthorized {
                payment_id: payment.id,
                order_id: payment.order_id,
                amount: payment.amount,
                currency: payment.currency.clone(),
            };
            outbox::record(conn, &event).await?;
        }
        Some(reason) => {
            let event = PaymentFailed {
                payment_id: payment.id,
                order_id: payment.order_id,
                reason: reason.to_string(),
            };
            outbox::record(conn, &event).await?;
        }
    }
    Ok(payment)
}

/// Read a payment and lock its row until the transaction ends, so concurrent captures and
/// refunds of the same payment run one after the other on fresh amounts.
pub async fn lock_payment(conn: &mut PgConnection, id: Uuid) -> AppResult<Option<Payment>> {
    let row: Option<PaymentRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM payments WHERE id = $1 FOR UPDATE"
    ))
    .bind(id)
    .fetch_optional(conn)
    .await?;
    row.map(Payment::try_from).transpose()
}

/// Write back a locked payment just captured, with its `PaymentCaptured` event.
pub async fn record_capture(conn: &mut PgConnection, payment: &Payment) -> AppResult<()> {
    update_amounts(conn, payment).await?;
    let event = PaymentCaptured {
        payment_id: payment.id,
        order_id: payment.order_id,
        amount: payment.captured_amount,
        currency: payment.currency.clone(),
    };
    outbox::record(conn, &event).await?;
    Ok(())
}

/// The payments of an order, oldest first, locked until the transaction ends.
pub async fn lock_order_payments(
    conn: &mut PgConnection,
    order_id: Uuid,
) -> AppResult<Vec<Payment>> {
    let rows: Vec<PaymentRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM payments WHERE order_id = $1 ORDER BY created_at, id FOR UPDATE"
    ))
    .bind(order_id)
    .fetch_all(conn)
    .await?;
    convert(rows)
}

/// Write back a locked payment just voided, with its `PaymentVoided` event.
pub async fn record_void(conn: &mut PgConnection, payment: &Payment) -> AppResult<()> {
    update_amounts(conn, payment).await?;
    let event = PaymentVoided {
        payment_id: payment.id,
        order_id: payment.order_id,
    };
    outbox::record(conn, &event).await?;
    Ok(())
}

/// Write back the amounts and status of a locked payment.
async fn update_amounts(conn: &mut PgConnection, payment: &Payment) -> AppResult<()> {
    sqlx::query(
        "UPDATE payments SET captured_amount = $2, refunded_amount = $3, status = $4
         WHERE id = $1",
    )
    .bind(payment.id)
    .bind(payment.captured_amount)
    .bind(payment.refunded_amount)
    .bind(payment.status.as_str())
    .execute(conn)
    .await?;
    Ok(())
}

/// Write back a locked payment `amount` of which was just refunded (for return `return_id`,
/// if any): its amounts, the refund's row, and the `PaymentRefunded` event.
pub async fn record_refund(
    conn: &mut PgConnection,
    payment: &Payment,
    amount: i64,
    return_id: Option<Uuid>,
) -> AppResult<()> {
    update_amounts(conn, payment).await?;
    sqlx::query("INSERT INTO refunds (id, payment_id, amount) VALUES ($1, $2, $3)")
        .bind(Uuid::new_v4())
        .bind(payment.id)
        .bind(amount)
        .execute(&mut *conn)
        .await?;
    let event = PaymentRefunded {
        payment_id: payment.id,
        order_id: payment.order_id,
        amount,
        currency: payment.currency.clone(),
        refunded_total: payment.refunded_amount,
        return_id,
    };
    outbox::record(conn, &event).await?;
    Ok(())
}
