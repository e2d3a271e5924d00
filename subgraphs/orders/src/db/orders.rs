//! Orders and their lines. Every read returns whole orders (lines and their products
//! aggregated as JSON) in ONE statement, so resolving any number of orders is one round trip.

use crate::db::Position;
use crate::domain::{PricedOrder, Status, Transition};
use chrono::{DateTime, Utc};
use sqlx::types::Json;
use sqlx::{PgConnection, PgPool};
use subgraph_kit::events::orders::{
    OrderCancellationRefused, OrderCancellationRequested, OrderCancelled, OrderFulfilled,
    OrderPaid, OrderPlaced, OrderPlacedLine,
};
use subgraph_kit::events::outbox;
use subgraph_kit::{AppError, AppResult};
use uuid::Uuid;

/// An order line with the catalog's current view of its product.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct LineRow {
    pub sku: String,
    pub name: String,
    pub price: i64,
    pub price_currency: String,
    pub quantity: i32,
    pub unit_price: i64,
}

/// A whole order.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OrderRow {
    pub id: Uuid,
    pub customer_id: Uuid,
    pub currency: String,
    pub total_amount: i64,
    pub status: String,
    pub placed_at: DateTime<Utc>,
    pub lines: Json<Vec<LineRow>>,
}

/// An order on one requested page of a customer's orders (`key_index` is 1-based).
#[derive(Debug, sqlx::FromRow)]
pub struct PagedOrderRow {
    pub key_index: i64,
    #[sqlx(flatten)]
    pub order: OrderRow,
}

/// Columns of [`OrderRow`], selected from a relation aliased `o`.
const ORDER_COLUMNS: &str = "o.id, o.customer_id, o.currency, o.total_amount, o.status,
    o.placed_at,
    COALESCE((SELECT json_agg(json_build_object(
                'sku', l.sku, 'name', p.name, 'price', p.price_amount,
                'price_currency', p.currency, 'quantity', l.quantity,
                'unit_price', l.unit_price) ORDER BY l.line_no)
              FROM order_lines l JOIN products p ON p.sku = l.sku
              WHERE l.order_id = o.id), '[]'::json) AS lines";

/// The orders among `ids` that exist.
pub async fn find_by_ids(pool: &PgPool, ids: &[Uuid]) -> AppResult<Vec<OrderRow>> {
    let sql = format!("SELECT {ORDER_COLUMNS} FROM orders o WHERE o.id = ANY($1)");
    Ok(sqlx::query_as(&sql).bind(ids).fetch_all(pool).await?)
}

/// One page request: a customer's orders, newest first, after `after`, at most `limit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PageRequest {
    pub customer_id: Uuid,
    pub after: Option<Position>,
    pub limit: i64,
}

/// Many customers' pages in one statement: one LATERAL page per request.
pub async fn customer_pages(
    pool: &PgPool,
    requests: &[PageRequest],
) -> AppResult<Vec<PagedOrderRow>> {
    let sql = format!(
        "SELECT k.idx AS key_index, {ORDER_COLUMNS}
         FROM unnest($1::uuid[], $2::timestamptz[], $3::uuid[], $4::int8[])
              WITH ORDINALITY AS k(cid, after_at, after_id, lim, idx)
         CROSS JOIN LATERAL (
             SELECT * FROM orders x
             WHERE x.customer_id = k.cid
               AND (k.after_at IS NULL OR (x.placed_at, x.id) < (k.after_at, k.after_id))
             ORDER BY x.placed_at DESC, x.id DESC
             LIMIT k.lim) o
         ORDER BY k.idx, o.placed_at DESC, o.id DESC"
    );
    let customers: Vec<Uuid> = requests.iter().map(|r| r.customer_id).collect();
    let after_at: Vec<Option<DateTime<Utc>>> = requests
        .iter()
        .map(|r| r.after.map(|p| p.placed_at))
        .collect();
    let after_id: Vec<Option<Uuid>> = requests.iter().map(|r| r.after.map(|p| p.id)).collect();
    let limits: Vec<i64> = requests.iter().map(|r| r.limit).collect();
    Ok(sqlx::query_as(&sql)
        .bind(customers)
        .bind(after_at)
        .bind(after_id)
        .bind(limits)
        .fetch_all(pool)
        .await?)
}

/// Insert a priced order and its lines with its `OrderPlaced` event (inside the caller's
/// transaction: the event is published if and only if the order exists); returns when it
/// was placed.
pub async fn insert(
    conn: &mut PgConnection,
    id: Uuid,
    customer_id: Uuid,
    currency: &str,
    priced: &PricedOrder,
) -> AppResult<DateTime<Utc>> {
    let placed_at: DateTime<Utc> = sqlx::query_scalar(
        "INSERT INTO orders (id, customer_id, currency, total_amount, status)
         VALUES ($1, $2, $3, $4, $5) RETURNING placed_at",
    )
    .bind(id)
    .bind(customer_id)
    .bind(currency)
    .bind(priced.total)
    .bind(Status::Placed.as_str())
    .fetch_one(&mut *conn)
    .await?;
    let line_no: Vec<i32> = (1..).take(priced.lines.len()).collect();
    let skus: Vec<&str> = priced.lines.iter().map(|l| l.sku.as_str()).collect();
    let qty: Vec<i32> = priced.lines.iter().map(|l| l.quantity).collect();
    let unit: Vec<i64> = priced.lines.iter().map(|l| l.unit_price).collect();
    sqlx::query(
        "INSERT INTO order_lines (order_id, line_no, sku, quantity, unit_price)
         SELECT $1, * FROM UNNEST($2::int4[], $3::text[], $4::int4[], $5::int8[])",
    )
    .bind(id)
    .bind(line_no)
    .bind(skus)
    .bind(qty)
    .bind(unit)
    .execute(&mut *conn)
    .await?;
    let event = OrderPlaced {
        order_id: id,
        customer_id,
        currency: currency.to_string(),
        total: priced.total,
        lines: priced
            .lines
            .iter()
            .map(|l| OrderPlacedLine {
                sku: l.sku.clone(),
                quantity: l.quantity,
                unit_price: l.unit_price,
            })
            .collect(),
        placed_at,
    };
    outbox::record(conn, &event).await?;
    Ok(placed_at)
}

/// The order's status, its row locked until the transaction ends (`None`: no such order).
pub async fn status_for_update(conn: &mut PgConnection, id: Uuid) -> AppResult<Option<String>> {
    let status = sqlx::query_scalar("SELECT status FROM orders WHERE id = $1 FOR UPDATE")
        .bind(id)
        .fetch_optional(conn)
        .await?;
    Ok(status)
}

/// Whether a parcel of order `id` has left the warehouse.
async fn shipped(conn: &mut PgConnection, id: Uuid) -> AppResult<bool> {
    let shipped = sqlx::query_scalar("SELECT shipped FROM orders WHERE id = $1")
        .bind(id)
        .fetch_one(conn)
        .await?;
    Ok(shipped)
}

/// Record that a parcel of order `id` left the warehouse (an unknown order: nothing to do).
pub async fn mark_shipped(conn: &mut PgConnection, id: Uuid) -> AppResult<()> {
    sqlx::query("UPDATE orders SET shipped = true WHERE id = $1 AND NOT shipped")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Apply `transition` to order `id` with the event it causes, in the caller's transaction.
/// The row is locked first, so concurrent transitions run one after the other and only one
/// of two conflicting ones wins. `NOT_FOUND` for no such order, `CONFLICT` when its status
/// is not one the change starts from.
pub async fn transition(
    conn: &mut PgConnection,
    id: Uuid,
    transition: Transition,
) -> AppResult<OrderRow> {
    let current = status_for_update(conn, id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("order {id} not found")))?;
    let from = Status::parse(&current)
        .ok_or_else(|| AppError::Internal(format!("unknown order status {current}")))?;
    if !transition.allowed_from().contains(&from) {
        return Err(AppError::conflict(format!(
            "cannot {} an order that is {current}",
            transition.verb()
        )));
    }
    // A client's cancel refunds the whole order: not once goods are on their way or there.
    if matches!(transition, Transition::Cancel) && shipped(conn, id).await? {
        return Err(AppError::conflict(
            "part of this order has shipped: it can no longer be cancelled; return what arrives instead",
        ));
    }
    let target = transition.target(from);
    // A cancellation asked of fulfillment is timed, so one left unanswered is asked again; an
    // order fulfilled while it waited keeps the mark until the refusal is told, once.
    let sql = format!(
        "WITH o AS (UPDATE orders SET status = $2,
                        cancel_requested_at = CASE WHEN $2 = 'CANCELLING' THEN now()
                                                   WHEN $2 = 'FULFILLED' THEN cancel_requested_at END,
                        cancel_asked_at = CASE WHEN $2 = 'CANCELLING' THEN now() END
                    WHERE id = $1 RETURNING *)
         SELECT {ORDER_COLUMNS} FROM o"
    );
    let row: OrderRow = sqlx::query_as(&sql)
        .bind(id)
        .bind(target.as_str())
        .fetch_one(&mut *conn)
        .await?;
    let customer_id = row.customer_id;
    match transition {
        // A paid order: fulfillment stops its parcels first (or says one was delivered).
        Transition::Cancel if target == Status::Cancelling => {
            let event = OrderCancellationRequested {
                order_id: id,
                customer_id,
            };
            outbox::record(conn, &event).await?;
        }
        Transition::Cancel | Transition::Abandon | Transition::ConfirmCancel => {
            // Confirmed from CANCELLING: it was paid, and payments refunds it.
            let previous_status = match transition {
                Transition::ConfirmCancel => Status::Paid.as_str().to_string(),
                _ => current,
            };
            let event = OrderCancelled {
                order_id: id,
                customer_id,
                previous_status,
            };
            outbox::record(conn, &event).await?;
        }
        // Its event carries fulfillment's reason: see `cancellation_refused`.
        Transition::RefuseCancel => {}
        Transition::Pay { payment_id } => {
            let event = OrderPaid {
                order_id: id,
                customer_id,
                payment_id,
            };
            outbox::record(conn, &event).await?;
        }
        Transition::Fulfil => {
            let event = OrderFulfilled {
                order_id: id,
                customer_id,
            };
            outbox::record(conn, &event).await?;
        }
    }
    Ok(row)
}

/// How many orders are CANCELLING, and how long (seconds) the oldest has waited since it
/// was first asked.
pub async fn cancellations_waiting(pool: &PgPool) -> AppResult<(i64, f64)> {
    let row = sqlx::query_as(
        "SELECT count(*), COALESCE(EXTRACT(EPOCH FROM now() - min(cancel_requested_at))::float8, 0)
         FROM orders WHERE status = 'CANCELLING'",
    )
    .fetch_one(pool)
    .await?;
    Ok(row)
}

/// Record `OrderCancellationRequested` again for up to `limit` orders CANCELLING for longer
/// than `waited`, restarting their wait; how many (orders another worker holds are skipped).
pub async fn ask_cancellation_again(
    conn: &mut PgConnection,
    waited: std::time::Duration,
    limit: i64,
) -> AppResult<usize> {
    let waiting: Vec<(Uuid, Uuid)> = sqlx::query_as(
        "UPDATE orders SET cancel_asked_at = now()
         WHERE id IN (SELECT id FROM orders WHERE status = 'CANCELLING'
                        AND cancel_asked_at <= now() - make_interval(secs => $1)
                      ORDER BY cancel_asked_at LIMIT $2 FOR UPDATE SKIP LOCKED)
         RETURNING id, customer_id",
    )
    .bind(waited.as_secs_f64())
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    for (order_id, customer_id) in &waiting {
        let event = OrderCancellationRequested {
            order_id: *order_id,
            customer_id: *customer_id,
        };
        outbox::record(conn, &event).await?;
    }
    Ok(waiting.len())
}

/// Fulfillment could not stop a cancelled order's parcels (one was delivered first): a
/// CANCELLING order is PAID again; either way (it may be FULFILLED by now) the customer is
/// told why, with `OrderCancellationRefused`. Any other status: a late answer, nothing to do.
pub async fn cancellation_refused(
    conn: &mut PgConnection,
    id: Uuid,
    reason: String,
) -> AppResult<()> {
    let current = status_for_update(conn, id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("order {id} not found")))?;
    let customer_id = match Status::parse(&current) {
        Some(Status::Cancelling) => {
            transition(conn, id, Transition::RefuseCancel)
                .await?
                .customer_id
        }
        // Fulfilled while the cancellation waited: told once, though it may have been asked
        // (and refused) more than once.
        Some(Status::Fulfilled) => {
            let marked: Option<Uuid> = sqlx::query_scalar(
                "UPDATE orders SET cancel_requested_at = NULL
                 WHERE id = $1 AND cancel_requested_at IS NOT NULL RETURNING customer_id",
            )
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
            match marked {
                Some(customer_id) => customer_id,
                None => return Ok(()),
            }
        }
        _ => return Ok(()),
    };
    let event = OrderCancellationRefused {
        order_id: id,
        customer_id,
        reason,
    };
    outbox::record(conn, &event).await?;
    Ok(())
}
