//! The orders fulfillment knows of (its read model of the orders domain), fed by events.

use crate::domain::{KnownOrder, Line};
use sqlx::{FromRow, PgConnection};
use subgraph_kit::AppResult;
use uuid::Uuid;

#[derive(FromRow)]
struct KnownRow {
    order_id: Uuid,
    customer_id: Uuid,
    status: String,
    reserved: bool,
}

/// Remember a placed order and its lines. `false`: it was known already (nothing changed).
pub async fn insert(
    conn: &mut PgConnection,
    order: &KnownOrder,
    lines: &[Line],
) -> AppResult<bool> {
    let inserted = sqlx::query(
        "INSERT INTO known_orders (order_id, customer_id, status, reserved)
         VALUES ($1, $2, $3, $4) ON CONFLICT (order_id) DO NOTHING",
    )
    .bind(order.order_id)
    .bind(order.customer_id)
    .bind(&order.status)
    .bind(order.reserved)
    .execute(&mut *conn)
    .await?;
    if inserted.rows_affected() == 0 {
        return Ok(false);
    }
    let skus: Vec<&str> = lines.iter().map(|l| l.sku.as_str()).collect();
    let quantities: Vec<i32> = lines.iter().map(|l| l.quantity).collect();
    sqlx::query(
        "INSERT INTO known_order_lines (order_id, sku, quantity)
         SELECT $1, * FROM UNNEST($2::text[], $3::int4[])",
    )
    .bind(order.order_id)
    .bind(&skus)
    .bind(&quantities)
    .execute(conn)
    .await?;
    Ok(true)
}

/// The order, its row locked until the transaction ends (`None`: not known yet).
pub async fn lock(conn: &mut PgConnection, order_id: Uuid) -> AppResult<Option<KnownOrder>> {
    let row: Option<KnownRow> = sqlx::query_as(
        "SELECT order_id, customer_id, status, reserved FROM known_orders
         WHERE order_id = $1 FOR UPDATE",
    )
    .bind(order_id)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| KnownOrder {
        order_id: r.order_id,
        customer_id: r.customer_id,
        status: r.status,
        reserved: r.reserved,
    }))
}

/// Record a known order's new status and reservation.
pub async fn update(conn: &mut PgConnection, order: &KnownOrder) -> AppResult<()> {
    sqlx::query("UPDATE known_orders SET status = $2, reserved = $3 WHERE order_id = $1")
        .bind(order.order_id)
        .bind(&order.status)
        .bind(order.reserved)
        .execute(conn)
        .await?;
    Ok(())
}

/// The order's lines, by SKU.
pub async fn lines(conn: &mut PgConnection, order_id: Uuid) -> AppResult<Vec<Line>> {
    let rows: Vec<(String, i32)> = sqlx::query_as(
        "SELECT sku, quantity FROM known_order_lines WHERE order_id = $1 ORDER BY sku",
    )
    .bind(order_id)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(sku, quantity)| Line { sku, quantity })
        .collect())
}

/// Units of the order in its shipments that are not cancelled, per SKU.
pub async fn shipped(conn: &mut PgConnection, order_id: Uuid) -> AppResult<Vec<Line>> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT l.sku, SUM(l.quantity)::int8 FROM shipments s
         JOIN shipment_lines l ON l.shipment_id = s.id
         WHERE s.order_id = $1 AND s.status <> 'CANCELLED' GROUP BY l.sku ORDER BY l.sku",
    )
    .bind(order_id)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(sku, quantity)| Line {
            sku,
            quantity: i32::try_from(quantity).unwrap_or(i32::MAX),
        })
        .collect())
}
