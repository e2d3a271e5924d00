//! SQL for payments and refunds. Every function takes an executor so mutations can run it
//! inside the transaction that claimed their idempotency key.

use crate::domain::{Method, Payment, Status};
use chrono::{DateTime, Utc};
use sqlx::{FromRow, PgConnection, PgPool};
use subgraph_kit::{AppError, AppResult};
use uuid::Uuid;

const COLUMNS: &str = "id, order_id, amount, currency, captured_amount, refunded_amount, \
                       status, method, created_at";

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

/// Insert a new payment.
pub async fn insert_payment(
    conn: &mut PgConnection,
    payment: &Payment,
    failure_reason: Option<&str>,
) -> AppResult<Payment> {
    let row: PaymentRow = sqlx::query_as(&format!(
        "INSERT INTO payments (id, order_id, amount, currency, captured_amount, refunded_amount,
                               status, method, failure_reason)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING {COLUMNS}"
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
    .fetch_one(conn)
    .await?;
    Payment::try_from(row)
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

/// Write back the amounts and status of a locked payment.
pub async fn update_amounts(conn: &mut PgConnection, payment: &Payment) -> AppResult<()> {
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

/// Record one refund of `amount` against `payment_id`.
pub async fn insert_refund(
    conn: &mut PgConnection,
    payment_id: Uuid,
    amount: i64,
) -> AppResult<()> {
    sqlx::query("INSERT INTO refunds (id, payment_id, amount) VALUES ($1, $2, $3)")
        .bind(Uuid::new_v4())
        .bind(payment_id)
        .bind(amount)
        .execute(conn)
        .await?;
    Ok(())
}
