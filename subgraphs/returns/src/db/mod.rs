//! SQL for returns and their lines.

pub mod facts;

use crate::domain::{Line, Return, Status};
use chrono::{DateTime, Utc};
use sqlx::{FromRow, PgConnection, PgPool};
use subgraph_kit::events::fulfillment::ItemLine;
use subgraph_kit::events::returns::{
    ReturnApproved, ReturnRefunded, ReturnRejected, ReturnRequested,
};
use subgraph_kit::events::{outbox, Event};
use subgraph_kit::{AppError, AppResult};
use uuid::Uuid;

/// A return with its lines aggregated, so a batch of returns is one statement.
const SELECT: &str = "SELECT r.id, r.order_id, r.payment_id, r.reason, r.status,
        r.rejection_reason, r.created_at, r.customer_id, array_agg(l.sku ORDER BY l.sku) AS skus,
        array_agg(l.quantity ORDER BY l.sku) AS quantities
    FROM returns r JOIN return_lines l ON l.return_id = r.id";

#[derive(FromRow)]
struct ReturnRow {
    id: Uuid,
    order_id: Uuid,
    payment_id: Option<Uuid>,
    reason: String,
    status: String,
    rejection_reason: Option<String>,
    created_at: DateTime<Utc>,
    customer_id: Option<Uuid>,
    skus: Vec<String>,
    quantities: Vec<i32>,
}

impl TryFrom<ReturnRow> for Return {
    type Error = AppError;

    fn try_from(r: ReturnRow) -> AppResult<Return> {
        let status = Status::parse(&r.status)
            .ok_or_else(|| AppError::Internal(format!("unknown return status {}", r.status)))?;
        let lines = r
            .skus
            .into_iter()
            .zip(r.quantities)
            .map(|(sku, quantity)| Line { sku, quantity })
            .collect();
        Ok(Return {
            id: r.id,
            order_id: r.order_id,
            payment_id: r.payment_id,
            reason: r.reason,
            status,
            rejection_reason: r.rejection_reason,
            created_at: r.created_at,
            customer_id: r.customer_id,
            lines,
        })
    }
}

async fn fetch(pool: &PgPool, filter: &str, ids: &[Uuid]) -> AppResult<Vec<Return>> {
    let rows: Vec<ReturnRow> = sqlx::query_as(&format!(
        "{SELECT} WHERE {filter} = ANY($1) GROUP BY r.id ORDER BY r.created_at, r.id"
    ))
    .bind(ids)
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(Return::try_from).collect()
}

pub async fn returns_by_ids(pool: &PgPool, ids: &[Uuid]) -> AppResult<Vec<Return>> {
    fetch(pool, "r.id", ids).await
}

/// Returns of the given orders, oldest first.
pub async fn returns_by_order_ids(pool: &PgPool, ids: &[Uuid]) -> AppResult<Vec<Return>> {
    fetch(pool, "r.order_id", ids).await
}

/// Returns against the given payments, oldest first.
pub async fn returns_by_payment_ids(pool: &PgPool, ids: &[Uuid]) -> AppResult<Vec<Return>> {
    fetch(pool, "r.payment_id", ids).await
}

fn item_lines(r: &Return) -> Vec<ItemLine> {
    r.lines
        .iter()
        .map(|l| ItemLine {
            sku: l.sku.clone(),
            quantity: l.quantity,
        })
        .collect()
}

/// Insert a return and its lines, with its `ReturnRequested` event.
pub async fn insert_return(conn: &mut PgConnection, r: &Return) -> AppResult<()> {
    sqlx::query(
        "INSERT INTO returns (id, order_id, payment_id, reason, status, rejection_reason, created_at,
                              customer_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(r.id)
    .bind(r.order_id)
    .bind(r.payment_id)
    .bind(&r.reason)
    .bind(r.status.as_str())
    .bind(&r.rejection_reason)
    .bind(r.created_at)
    .bind(r.customer_id)
    .execute(&mut *conn)
    .await?;
    let skus: Vec<&str> = r.lines.iter().map(|l| l.sku.as_str()).collect();
    let quantities: Vec<i32> = r.lines.iter().map(|l| l.quantity).collect();
    sqlx::query(
        "INSERT INTO return_lines (return_id, sku, quantity)
         SELECT $1, sku, quantity FROM UNNEST($2::text[], $3::int[]) AS t(sku, quantity)",
    )
    .bind(r.id)
    .bind(&skus)
    .bind(&quantities)
    .execute(&mut *conn)
    .await?;
    let event = ReturnRequested {
        return_id: r.id,
        order_id: r.order_id,
        customer_id: r.customer_id,
        lines: item_lines(r),
    };
    outbox::record(conn, &event).await?;
    Ok(())
}

/// Read a return and lock it until the transaction ends, so two reviewers cannot both
/// decide it.
pub async fn lock_return(conn: &mut PgConnection, id: Uuid) -> AppResult<Option<Return>> {
    sqlx::query("SELECT 1 FROM returns WHERE id = $1 FOR UPDATE")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    let row: Option<ReturnRow> = sqlx::query_as(&format!("{SELECT} WHERE r.id = $1 GROUP BY r.id"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    row.map(Return::try_from).transpose()
}

/// Write back a locked return's new status with its event.
pub async fn update_status(conn: &mut PgConnection, r: &Return) -> AppResult<()> {
    sqlx::query("UPDATE returns SET status = $2, rejection_reason = $3 WHERE id = $1")
        .bind(r.id)
        .bind(r.status.as_str())
        .bind(&r.rejection_reason)
        .execute(&mut *conn)
        .await?;
    let (return_id, order_id) = (r.id, r.order_id);
    match r.status {
        Status::Requested => Ok(()),
        Status::Approved => {
            let lines = item_lines(r);
            let event = ReturnApproved {
                return_id,
                order_id,
                lines,
                payment_id: r.payment_id,
            };
            record(conn, &event).await
        }
        Status::Rejected => {
            let reason = r.rejection_reason.clone().unwrap_or_default();
            let event = ReturnRejected {
                return_id,
                order_id,
                reason,
            };
            record(conn, &event).await
        }
        Status::Refunded => {
            record(
                conn,
                &ReturnRefunded {
                    return_id,
                    order_id,
                },
            )
            .await
        }
    }
}

async fn record<E: Event>(conn: &mut PgConnection, event: &E) -> AppResult<()> {
    outbox::record(conn, event).await?;
    Ok(())
}
