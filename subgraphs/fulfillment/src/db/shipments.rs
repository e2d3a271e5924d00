use crate::domain::{Line, Shipment, Status};
use chrono::{DateTime, Utc};
use sqlx::{FromRow, PgConnection, PgPool};
use subgraph_kit::{AppError, AppResult};
use uuid::Uuid;

/// A shipment with its lines aggregated, so a batch of shipments is one statement.
const SELECT: &str = "SELECT s.id, s.order_id, s.status, s.carrier, s.tracking_number,
        s.created_at, array_agg(l.sku ORDER BY l.sku) AS skus,
        array_agg(l.quantity ORDER BY l.sku) AS quantities
    FROM shipments s JOIN shipment_lines l ON l.shipment_id = s.id";

#[derive(FromRow)]
struct ShipmentRow {
    id: Uuid,
    order_id: Uuid,
    status: String,
    carrier: String,
    tracking_number: Option<String>,
    created_at: DateTime<Utc>,
    skus: Vec<String>,
    quantities: Vec<i32>,
}

impl TryFrom<ShipmentRow> for Shipment {
    type Error = AppError;

    fn try_from(r: ShipmentRow) -> AppResult<Shipment> {
        let status = Status::parse(&r.status)
            .ok_or_else(|| AppError::Internal(format!("unknown shipment status {}", r.status)))?;
        let lines = r
            .skus
            .into_iter()
            .zip(r.quantities)
            .map(|(sku, quantity)| Line { sku, quantity })
            .collect();
        Ok(Shipment {
            id: r.id,
            order_id: r.order_id,
            status,
            carrier: r.carrier,
            tracking_number: r.tracking_number,
            created_at: r.created_at,
            lines,
        })
    }
}

fn convert(rows: Vec<ShipmentRow>) -> AppResult<Vec<Shipment>> {
    rows.into_iter().map(Shipment::try_from).collect()
}

pub async fn shipments_by_ids(pool: &PgPool, ids: &[Uuid]) -> AppResult<Vec<Shipment>> {
    let rows = sqlx::query_as(&format!("{SELECT} WHERE s.id = ANY($1) GROUP BY s.id"))
        .bind(ids)
        .fetch_all(pool)
        .await?;
    convert(rows)
}

/// Shipments of the given orders, oldest first.
pub async fn shipments_by_order_ids(pool: &PgPool, order_ids: &[Uuid]) -> AppResult<Vec<Shipment>> {
    let rows = sqlx::query_as(&format!(
        "{SELECT} WHERE s.order_id = ANY($1) GROUP BY s.id ORDER BY s.created_at, s.id"
    ))
    .bind(order_ids)
    .fetch_all(pool)
    .await?;
    convert(rows)
}

/// Insert a shipment and its lines.
pub async fn insert_shipment(conn: &mut PgConnection, s: &Shipment) -> AppResult<()> {
    sqlx::query(
        "INSERT INTO shipments (id, order_id, status, carrier, tracking_number, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(s.id)
    .bind(s.order_id)
    .bind(s.status.as_str())
    .bind(&s.carrier)
    .bind(&s.tracking_number)
    .bind(s.created_at)
    .execute(&mut *conn)
    .await?;
    let skus: Vec<&str> = s.lines.iter().map(|l| l.sku.as_str()).collect();
    let quantities: Vec<i32> = s.lines.iter().map(|l| l.quantity).collect();
    sqlx::query(
        "INSERT INTO shipment_lines (shipment_id, sku, quantity)
         SELECT $1, sku, quantity FROM UNNEST($2::text[], $3::int[]) AS t(sku, quantity)",
    )
    .bind(s.id)
    .bind(&skus)
    .bind(&quantities)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Read a shipment and lock it until the transaction ends (status changes race otherwise).
pub async fn lock_shipment(conn: &mut PgConnection, id: Uuid) -> AppResult<Option<Shipment>> {
    sqlx::query("SELECT 1 FROM shipments WHERE id = $1 FOR UPDATE")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    let row: Option<ShipmentRow> =
        sqlx::query_as(&format!("{SELECT} WHERE s.id = $1 GROUP BY s.id"))
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
    row.map(Shipment::try_from).transpose()
}

pub async fn update_status(conn: &mut PgConnection, s: &Shipment) -> AppResult<()> {
    sqlx::query("UPDATE shipments SET status = $2, tracking_number = $3 WHERE id = $1")
        .bind(s.id)
        .bind(s.status.as_str())
        .bind(&s.tracking_number)
        .execute(conn)
        .await?;
    Ok(())
}
