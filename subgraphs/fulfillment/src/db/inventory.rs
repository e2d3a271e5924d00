use crate::domain::Line;
use sqlx::{PgConnection, PgPool};
use std::collections::HashMap;
use subgraph_kit::{AppError, AppResult};
use uuid::Uuid;

/// Stock of each known SKU (SKUs we never stocked are absent: their stock is 0).
pub async fn stock_by_skus(pool: &PgPool, skus: &[String]) -> AppResult<HashMap<String, i32>> {
    let rows: Vec<(String, i32)> =
        sqlx::query_as("SELECT sku, stock FROM inventory WHERE sku = ANY($1)")
            .bind(skus)
            .fetch_all(pool)
            .await?;
    Ok(rows.into_iter().collect())
}

/// Take `lines` out of stock, each with a conditional update so stock never goes below zero
/// even when shipments race: the row lock makes a second reservation re-check the fresh
/// stock. `lines` must be sorted by SKU so concurrent shipments lock rows in one order.
pub async fn reserve(conn: &mut PgConnection, lines: &[Line]) -> AppResult<()> {
    for line in lines {
        let done = sqlx::query(
            "UPDATE inventory SET stock = stock - $2, updated_at = now()
             WHERE sku = $1 AND stock >= $2",
        )
        .bind(&line.sku)
        .bind(line.quantity)
        .execute(&mut *conn)
        .await?;
        if done.rows_affected() == 0 {
            return Err(AppError::InsufficientStock(format!(
                "not enough stock of {} for {} unit(s)",
                line.sku, line.quantity
            )));
        }
    }
    Ok(())
}

/// Add `delta` to the stock of `sku` and record the adjustment. Returns the new stock, or
/// `InsufficientStock` when it would go below zero.
pub async fn adjust_stock(conn: &mut PgConnection, sku: &str, delta: i32) -> AppResult<i32> {
    let stock: Option<i32> = if delta > 0 {
        // Upsert: the first adjustment of a SKU creates its row.
        sqlx::query_scalar(
            "INSERT INTO inventory (sku, stock) VALUES ($1, $2)
             ON CONFLICT (sku) DO UPDATE SET stock = inventory.stock + EXCLUDED.stock,
                                             updated_at = now()
             RETURNING stock",
        )
        .bind(sku)
        .bind(delta)
        .fetch_optional(&mut *conn)
        .await?
    } else {
        // Conditional like a reservation: a SKU never stocked has nothing to remove.
        sqlx::query_scalar(
            "UPDATE inventory SET stock = stock + $2, updated_at = now()
             WHERE sku = $1 AND stock + $2 >= 0 RETURNING stock",
        )
        .bind(sku)
        .bind(delta)
        .fetch_optional(&mut *conn)
        .await?
    };
    let stock = stock.ok_or_else(|| {
        AppError::InsufficientStock(format!("stock of {sku} cannot go below zero"))
    })?;
    sqlx::query("INSERT INTO stock_adjustments (id, sku, delta) VALUES ($1, $2, $3)")
        .bind(Uuid::new_v4())
        .bind(sku)
        .bind(delta)
        .execute(&mut *conn)
        .await?;
    Ok(stock)
}
