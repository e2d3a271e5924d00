use crate::domain::{Line, Shipment, Status};
use chrono::{DateTime, Utc};
use sqlx::{FromRow, PgConnection, PgPool};
use subgraph_kit::events::fulfillment::{
    ItemLine, ShipmentCreated, ShipmentDelivered, ShipmentShipped,
};
use subgraph_kit::events::outbox;
use subgraph_kit::{AppError, AppResult};
use uuid::Uuid;

/// A shipment with its lines aggregated, so a batch of shipments is one statement.
const SELECT: &str = "SELECT s.id, s.order_id, s.status, s.carrier, s.tracking_number,
        s.created_at, s.customer_id, array_agg(l.sku ORDER BY l.sku) AS skus,
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
    customer_id: Option<Uuid>,
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
            customer_id: r.customer_id,
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

fn item_lines(lines: &[Line]) -> Vec<ItemLine> {
    lines
        .iter()
        .map(|l| ItemLine {
            sku: l.sku.clone(),
            quantity: l.quantity,
        })
        .collect()
}

/// Insert a shipment and its lines, with its `ShipmentCreated` event.
pub async fn insert_shipment(conn: &mut PgConnection, s: &Shipment) -> AppResult<()> {
    sqlx::query(
        "INSERT INTO shipments (id, order_id, status, carrier, tracking_number, created_at,
                                customer_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(s.id)
    .bind(s.order_id)
    .bind(s.status.as_str())
    .bind(&s.carrier)
    .bind(&s.tracking_number)
    .bind(s.created_at)
    .bind(s.customer_id)
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
    let event = ShipmentCreated {
        shipment_id: s.id,
        order_id: s.order_id,
        carrier: s.carrier.clone(),
        lines: item_lines(&s.lines),
    };
    outbox::record(conn, &event).await?;
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

/// Write back a locked shipment's new status with its event (`ShipmentShipped` or
/// `ShipmentDelivered`).
pub async fn update_status(conn: &mut PgConnection, s: &Shipment) -> AppResult<()> {
    sqlx::query(
        "UPDATE shipments SET status = $2, tracking_number = $3, status_changed_at = now()
         WHERE id = $1",
    )
    .bind(s.id)
    .bind(s.status.as_str())
    .bind(&s.tracking_number)
    .execute(&mut *conn)
    .await?;
    match s.status {
        Status::Pending | Status::Cancelled => {}
        Status::Shipped => {
            let event = ShipmentShipped {
                shipment_id: s.id,
                order_id: s.order_id,
                tracking_number: s.tracking_number.clone().unwrap_or_default(),
            };
            outbox::record(conn, &event).await?;
        }
        Status::Delivered => {
            let order_delivered = order_delivered(conn, s.order_id).await?;
            let event = ShipmentDelivered {
                shipment_id: s.id,
                order_id: s.order_id,
                lines: item_lines(&s.lines),
                order_delivered,
            };
            outbox::record(conn, &event).await?;
        }
    }
    Ok(())
}

/// Whether every unit ordered on `order_id` has been delivered: every line of the order
/// (as fulfillment knows it) covered by DELIVERED shipments; for an order fulfillment never
/// heard of, whether all its shipments are delivered.
async fn order_delivered(conn: &mut PgConnection, order_id: Uuid) -> AppResult<bool> {
    let delivered: bool = sqlx::query_scalar(
        "SELECT CASE WHEN EXISTS (SELECT 1 FROM known_orders WHERE order_id = $1) THEN
            NOT EXISTS (
                SELECT 1 FROM known_order_lines k WHERE k.order_id = $1 AND k.quantity >
                    COALESCE((SELECT SUM(l.quantity) FROM shipments s
                              JOIN shipment_lines l ON l.shipment_id = s.id
                              WHERE s.order_id = $1 AND s.status = 'DELIVERED'
                                AND l.sku = k.sku), 0))
         ELSE
            NOT EXISTS (SELECT 1 FROM shipments WHERE order_id = $1
                        AND status NOT IN ('DELIVERED', 'CANCELLED'))
         END",
    )
    .bind(order_id)
    .fetch_one(conn)
    .await?;
    Ok(delivered)
}

/// Every shipment of `order_id`, locked until the transaction ends, as committed once locked:
/// one the carrier (or staff) is moving right now is waited for and read as it then is, never
/// skipped (selecting by status first could miss a parcel delivered meanwhile).
pub async fn lock_order_shipments(
    conn: &mut PgConnection,
    order_id: Uuid,
) -> AppResult<Vec<Shipment>> {
    let ids: Vec<Uuid> =
        sqlx::query_scalar("SELECT id FROM shipments WHERE order_id = $1 ORDER BY id FOR UPDATE")
            .bind(order_id)
            .fetch_all(&mut *conn)
            .await?;
    let mut found = Vec::with_capacity(ids.len());
    for id in ids {
        found.extend(lock_shipment(conn, id).await?);
    }
    Ok(found)
}

/// Up to `limit` of `carrier`'s shipments in `status` for at least `age`, of orders
/// fulfillment knows and that are not cancelled, locked (skipping those another worker
/// holds): what the simulated carrier moves next. Other carriers' parcels (the demo data's,
/// staff's own) are moved by staff with `markShipped` / `markDelivered`.
pub async fn lock_due(
    conn: &mut PgConnection,
    carrier: &str,
    status: Status,
    age: std::time::Duration,
    limit: i64,
) -> AppResult<Vec<Shipment>> {
    let ids: Vec<Uuid> = sqlx::query_scalar(
        "SELECT s.id FROM shipments s JOIN known_orders k ON k.order_id = s.order_id
         WHERE s.status = $1 AND s.carrier = $4 AND k.status <> 'CANCELLED'
           AND s.status_changed_at <= now() - make_interval(secs => $2)
         ORDER BY s.status_changed_at LIMIT $3 FOR UPDATE OF s SKIP LOCKED",
    )
    .bind(status.as_str())
    .bind(age.as_secs_f64())
    .bind(limit)
    .bind(carrier)
    .fetch_all(&mut *conn)
    .await?;
    let mut found = Vec::with_capacity(ids.len());
    for id in ids {
        found.extend(lock_shipment(conn, id).await?);
    }
    Ok(found)
}
