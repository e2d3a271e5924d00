//! The orders payments knows of (its read model of the orders domain), fed by events.

use crate::domain::{FactLine, OrderFacts};
use sqlx::{FromRow, PgConnection};
use subgraph_kit::AppResult;
use uuid::Uuid;

#[derive(FromRow)]
struct FactsRow {
    order_id: Uuid,
    customer_id: Uuid,
    currency: String,
    total: i64,
    status: String,
    stock_reserved: bool,
}

impl From<FactsRow> for OrderFacts {
    fn from(r: FactsRow) -> Self {
        OrderFacts {
            order_id: r.order_id,
            customer_id: r.customer_id,
            currency: r.currency,
            total: r.total,
            status: r.status,
            stock_reserved: r.stock_reserved,
        }
    }
}

/// Remember a placed order and its lines (a second time changes nothing).
pub async fn insert(
    conn: &mut PgConnection,
    order: &OrderFacts,
    lines: &[FactLine],
) -> AppResult<()> {
    let inserted = sqlx::query(
        "INSERT INTO order_facts (order_id, customer_id, currency, total, status)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (order_id) DO NOTHING",
    )
    .bind(order.order_id)
    .bind(order.customer_id)
    .bind(&order.currency)
    .bind(order.total)
    .bind(&order.status)
    .execute(&mut *conn)
    .await?;
    if inserted.rows_affected() == 0 {
        return Ok(());
    }
    let skus: Vec<&str> = lines.iter().map(|l| l.sku.as_str()).collect();
    let quantities: Vec<i32> = lines.iter().map(|l| l.quantity).collect();
    let prices: Vec<i64> = lines.iter().map(|l| l.unit_price).collect();
    sqlx::query(
        "INSERT INTO order_fact_lines (order_id, sku, quantity, unit_price)
         SELECT $1, * FROM UNNEST($2::text[], $3::int4[], $4::int8[])",
    )
    .bind(order.order_id)
    .bind(&skus)
    .bind(&quantities)
    .bind(&prices)
    .execute(conn)
    .await?;
    Ok(())
}

/// The order, its row locked until the transaction ends (`None`: not known yet).
pub async fn lock(conn: &mut PgConnection, order_id: Uuid) -> AppResult<Option<OrderFacts>> {
    let row: Option<FactsRow> = sqlx::query_as(
        "SELECT order_id, customer_id, currency, total, status, stock_reserved
         FROM order_facts WHERE order_id = $1 FOR UPDATE",
    )
    .bind(order_id)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(OrderFacts::from))
}

/// Record what orders or fulfillment said of a known order.
pub async fn update(conn: &mut PgConnection, order: &OrderFacts) -> AppResult<()> {
    sqlx::query("UPDATE order_facts SET status = $2, stock_reserved = $3 WHERE order_id = $1")
        .bind(order.order_id)
        .bind(&order.status)
        .bind(order.stock_reserved)
        .execute(conn)
        .await?;
    Ok(())
}

/// The order's lines at the prices charged.
pub async fn lines(conn: &mut PgConnection, order_id: Uuid) -> AppResult<Vec<FactLine>> {
    let rows: Vec<(String, i32, i64)> = sqlx::query_as(
        "SELECT sku, quantity, unit_price FROM order_fact_lines WHERE order_id = $1 ORDER BY sku",
    )
    .bind(order_id)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(sku, quantity, unit_price)| FactLine {
            sku,
            quantity,
            unit_price,
        })
        .collect())
}

/// Which of `order_ids` payments knows to be CANCELLED.
pub async fn cancelled_among(pool: &sqlx::PgPool, order_ids: &[Uuid]) -> AppResult<Vec<Uuid>> {
    let ids = sqlx::query_scalar(
        "SELECT order_id FROM order_facts WHERE order_id = ANY($1) AND status = 'CANCELLED'",
    )
    .bind(order_ids)
    .fetch_all(pool)
    .await?;
    Ok(ids)
}
