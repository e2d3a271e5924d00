use crate::domain::{Line, StockAdjustment, StockError, MAX_STOCK};
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
/// stock. A SKU this service does not stock is `NotFound`. `lines` must be sorted by SKU so
/// concurrent reservations lock rows in one order.
async fn reserve(conn: &mut PgConnection, lines: &[Line]) -> AppResult<()> {
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
            let known: Option<i32> = sqlx::query_scalar("SELECT 1 FROM inventory WHERE sku = $1")
                .bind(&line.sku)
                .fetch_optional(&mut *conn)
                .await?;
            if known.is_none() {
                return Err(AppError::not_found(format!(
                    "no product with sku {:?}",
                    line.sku
                )));
            }
            return Err(AppError::InsufficientStock(format!(
                "not enough stock of {} for {} unit(s)",
                line.sku, line.quantity
            )));
        }
    }
    Ok(())
}

/// Take `lines` (sorted by SKU) out of stock for an order, all or nothing: on a shortage
/// nothing is taken (a savepoint is rolled back) and the answer says which line fell short.
pub async fn try_reserve(conn: &mut PgConnection, lines: &[Line]) -> AppResult<Result<(), String>> {
    use sqlx::Connection;
    let mut savepoint = conn.begin().await?;
    match reserve(&mut savepoint, lines).await {
        Ok(()) => {
            savepoint.commit().await?;
            Ok(Ok(()))
        }
        Err(AppError::InsufficientStock(why) | AppError::NotFound(why)) => {
            savepoint.rollback().await?;
            Ok(Err(why))
        }
        Err(other) => Err(other),
    }
}

/// Put `lines` back in stock (a cancelled order's reservation).
pub async fn release(conn: &mut PgConnection, lines: &[Line]) -> AppResult<()> {
    for line in lines {
        sqlx::query(
            "INSERT INTO inventory (sku, stock) VALUES ($1, $2)
             ON CONFLICT (sku) DO UPDATE SET stock = inventory.stock + EXCLUDED.stock,
                                             updated_at = now()",
        )
        .bind(&line.sku)
        .bind(line.quantity)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Apply `adjustment` to a SKU's stock and record it. Returns the new stock; `NotFound` for a
/// SKU this service does not stock (the catalog's SKUs each have a row, so a typo never
/// creates one), `InsufficientStock` below zero, `BadInput` above [`MAX_STOCK`]. Errors
/// write nothing: the caller's transaction rolls back.
pub async fn adjust_stock(conn: &mut PgConnection, adjustment: &StockAdjustment) -> AppResult<i32> {
    let sku = adjustment.sku.as_str();
    // The row lock makes concurrent adjustments of one SKU apply one after the other.
    let current: Option<i32> =
        sqlx::query_scalar("SELECT stock FROM inventory WHERE sku = $1 FOR UPDATE")
            .bind(sku)
            .fetch_optional(&mut *conn)
            .await?;
    let current =
        current.ok_or_else(|| AppError::not_found(format!("no product with sku {sku:?}")))?;
    let stock = adjustment.apply(current).map_err(|e| match e {
        StockError::BelowZero => {
            AppError::InsufficientStock(format!("stock of {sku} cannot go below zero"))
        }
        StockError::AboveMax => {
            AppError::bad_input(format!("stock of {sku} would exceed {MAX_STOCK}"))
        }
    })?;
    sqlx::query("UPDATE inventory SET stock = $2, updated_at = now() WHERE sku = $1")
        .bind(sku)
        .bind(stock)
        .execute(&mut *conn)
        .await?;
    record(conn, sku, adjustment.delta).await?;
    Ok(stock)
}

/// Add an adjustment to the audit trail.
async fn record(conn: &mut PgConnection, sku: &str, delta: i32) -> AppResult<()> {
    sqlx::query("INSERT INTO stock_adjustments (id, sku, delta) VALUES ($1, $2, $3)")
        .bind(Uuid::new_v4())
        .bind(sku)
        .bind(delta)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
