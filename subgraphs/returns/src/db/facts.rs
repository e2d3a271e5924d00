//! What returns knows of orders, deliveries and payments (its read model), fed by events.

use crate::domain::{Line, OrderFacts};
use sqlx::PgConnection;
use subgraph_kit::AppResult;
use uuid::Uuid;

/// Remember a placed order's customer (a second time changes nothing).
pub async fn insert_order(
    conn: &mut PgConnection,
    order_id: Uuid,
    customer_id: Uuid,
) -> AppResult<()> {
    sqlx::query(
        "INSERT INTO known_orders (order_id, customer_id) VALUES ($1, $2)
         ON CONFLICT (order_id) DO NOTHING",
    )
    .bind(order_id)
    .bind(customer_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Add delivered units of an order.
pub async fn add_delivered(
    conn: &mut PgConnection,
    order_id: Uuid,
    lines: &[Line],
) -> AppResult<()> {
    for line in lines {
        sqlx::query(
            "INSERT INTO delivered_lines (order_id, sku, quantity) VALUES ($1, $2, $3)
             ON CONFLICT (order_id, sku)
             DO UPDATE SET quantity = delivered_lines.quantity + EXCLUDED.quantity",
        )
        .bind(order_id)
        .bind(&line.sku)
        .bind(line.quantity)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Remember a captured payment.
pub async fn insert_captured(
    conn: &mut PgConnection,
    payment_id: Uuid,
    order_id: Uuid,
    captured: i64,
) -> AppResult<()> {
    sqlx::query(
        "INSERT INTO captured_payments (payment_id, order_id, captured) VALUES ($1, $2, $3)
         ON CONFLICT (payment_id) DO NOTHING",
    )
    .bind(payment_id)
    .bind(order_id)
    .bind(captured)
    .execute(conn)
    .await?;
    Ok(())
}

/// Record everything refunded of a captured payment so far.
pub async fn set_refunded(
    conn: &mut PgConnection,
    payment_id: Uuid,
    refunded: i64,
) -> AppResult<()> {
    sqlx::query("UPDATE captured_payments SET refunded = $2 WHERE payment_id = $1")
        .bind(payment_id)
        .bind(refunded)
        .execute(conn)
        .await?;
    Ok(())
}

fn lines(rows: Vec<(String, i64)>) -> Vec<Line> {
    rows.into_iter()
        .map(|(sku, quantity)| Line {
            sku,
            quantity: i32::try_from(quantity).unwrap_or(i32::MAX),
        })
        .collect()
}

/// Everything returns knows of `order_id`, the order's row locked until the transaction
/// ends so two returns of one order are checked one after the other (`None`: not known yet).
pub async fn lock_order(conn: &mut PgConnection, order_id: Uuid) -> AppResult<Option<OrderFacts>> {
    let customer: Option<Uuid> =
        sqlx::query_scalar("SELECT customer_id FROM known_orders WHERE order_id = $1 FOR UPDATE")
            .bind(order_id)
            .fetch_optional(&mut *conn)
            .await?;
    let Some(customer_id) = customer else {
        return Ok(None);
    };
    let delivered: Vec<(String, i64)> =
        sqlx::query_as("SELECT sku, quantity::int8 FROM delivered_lines WHERE order_id = $1")
            .bind(order_id)
            .fetch_all(&mut *conn)
            .await?;
    let returned: Vec<(String, i64)> = sqlx::query_as(
        "SELECT l.sku, SUM(l.quantity)::int8 FROM returns r
         JOIN return_lines l ON l.return_id = r.id
         WHERE r.order_id = $1 AND r.status <> 'REJECTED' GROUP BY l.sku",
    )
    .bind(order_id)
    .fetch_all(&mut *conn)
    .await?;
    let payments: Vec<(Uuid, bool)> = sqlx::query_as(
        "SELECT payment_id, captured > refunded FROM captured_payments
         WHERE order_id = $1 AND captured > 0",
    )
    .bind(order_id)
    .fetch_all(conn)
    .await?;
    Ok(Some(OrderFacts {
        customer_id,
        delivered: lines(delivered),
        returned: lines(returned),
        captured_payments: payments.iter().map(|(id, _)| *id).collect(),
        refundable_payments: payments
            .iter()
            .filter(|(_, left)| *left)
            .map(|(id, _)| *id)
            .collect(),
    }))
}
