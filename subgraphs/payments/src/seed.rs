//! Deterministic demo payments that line up with the orders subgraph's demo orders.

use chrono::{DateTime, Duration, TimeZone, Utc};
use sqlx::PgPool;
use subgraph_kit::demo_lines::DemoLines;
use subgraph_kit::ids::{self, demo_rand};
use subgraph_kit::AppResult;
use uuid::Uuid;

/// Whether demo order `i` has a payment, and in which status with what refunded amount.
/// Paid orders have a captured payment (payments captures on `OrderPaid`); placed and
/// cancelled ones none (an authorized payment makes the order PAID). Orders whose demo return
/// was refunded (see the returns subgraph) are refunded by the value of the returned line.
pub fn demo_payment(i: usize) -> Option<(&'static str, i64, i64)> {
    let total = ids::order_total(i);
    if ids::order_is_paid(i) {
        let refunded = if demo_return_refunded(i) {
            demo_return_value(i).min(total)
        } else {
            0
        };
        let status = match refunded {
            0 => "CAPTURED",
            r if r == total => "REFUNDED",
            _ => "PARTIALLY_REFUNDED",
        };
        return Some((status, total, refunded));
    }
    None
}

/// Whether demo order `i` has a return that was refunded (the returns subgraph's rule).
pub fn demo_return_refunded(i: usize) -> bool {
    // Re-hashed: the plain hash with a small salt correlates with `order_has_return`.
    ids::order_has_return(i) && demo_rand(demo_rand(i, 9) as usize, 11) % 4 == 3
}

/// Value of the returned goods of demo order `i`: its first line.
pub fn demo_return_value(i: usize) -> i64 {
    ids::order_lines(i)
        .first()
        .map(|&(p, q)| ids::product_price(p) * q as i64)
        .unwrap_or(0)
}

fn demo_time(i: usize) -> DateTime<Utc> {
    let base = Utc
        .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or_default();
    base + Duration::minutes(i as i64 * 37 + 5)
}

/// Insert the demo payments when the payments table is empty, in one transaction.
pub async fn seed(pool: &PgPool) -> AppResult<()> {
    let mut tx = pool.begin().await?;
    // Two processes seeding at once: the second waits here, then sees the rows.
    sqlx::query("LOCK TABLE payments IN EXCLUSIVE MODE")
        .execute(&mut *tx)
        .await?;
    let existing: i64 = sqlx::query_scalar("SELECT count(*) FROM payments")
        .fetch_one(&mut *tx)
        .await?;
    if existing > 0 {
        return Ok(());
    }
    let mut cols = Columns::default();
    for i in 0..ids::ORDERS {
        let Some((status, captured, refunded)) = demo_payment(i) else {
            continue;
        };
        let method = ["CARD", "BANK_TRANSFER", "WALLET"][(demo_rand(i, 10) % 3) as usize];
        cols.id.push(ids::payment_id(i));
        cols.order_id.push(ids::order_id(i));
        cols.customer.push(ids::customer_id(ids::order_customer(i)));
        cols.amount.push(ids::order_total(i));
        cols.captured.push(captured);
        cols.refunded.push(refunded);
        cols.status.push(status.to_string());
        cols.method.push(method.to_string());
        cols.created_at.push(demo_time(i));
    }
    sqlx::query(
        "INSERT INTO payments (id, order_id, amount, currency, captured_amount, refunded_amount,
                               status, method, created_at, customer_id)
         SELECT id, order_id, amount, $4, captured, refunded, status, method, created_at,
                customer_id
         FROM UNNEST($1::uuid[], $2::uuid[], $3::bigint[], $5::bigint[], $6::bigint[],
                     $7::text[], $8::text[], $9::timestamptz[], $10::uuid[])
              AS t(id, order_id, amount, captured, refunded, status, method, created_at,
                   customer_id)",
    )
    .bind(&cols.id)
    .bind(&cols.order_id)
    .bind(&cols.amount)
    .bind(ids::DEMO_CURRENCY)
    .bind(&cols.captured)
    .bind(&cols.refunded)
    .bind(&cols.status)
    .bind(&cols.method)
    .bind(&cols.created_at)
    .bind(&cols.customer)
    .execute(&mut *tx)
    .await?;
    // One refund row per refunded payment, so the audit trail matches the amounts.
    sqlx::query(
        "INSERT INTO refunds (id, payment_id, amount, created_at)
         SELECT md5(id::text || '-refund')::uuid, id, refunded_amount, created_at + interval '3 days'
         FROM payments WHERE refunded_amount > 0",
    )
    .execute(&mut *tx)
    .await?;
    order_facts(&mut tx).await?;
    tx.commit().await?;
    Ok(())
}

/// Payments' read model of the demo orders, as their events would have left it: each order's
/// customer, currency, total, status and lines at the prices charged, the paid ones' stock
/// taken. So a command or an event about a demo order (a cancel, a return's refund) is
/// checked like any other, never NOT_YET_KNOWN.
async fn order_facts(tx: &mut sqlx::PgConnection) -> AppResult<()> {
    let (mut order, mut customer, mut total, mut status, mut reserved) =
        (vec![], vec![], vec![], vec![], vec![]);
    for i in 0..ids::ORDERS {
        order.push(ids::order_id(i));
        customer.push(ids::customer_id(ids::order_customer(i)));
        total.push(ids::order_total(i));
        status.push(ids::order_status(i));
        reserved.push(ids::order_is_paid(i));
    }
    sqlx::query(
        "INSERT INTO order_facts (order_id, customer_id, currency, total, status, stock_reserved)
         SELECT o, c, $6, t, s, r
         FROM UNNEST($1::uuid[], $2::uuid[], $3::int8[], $4::text[], $5::bool[]) AS u(o, c, t, s, r)
         ON CONFLICT (order_id) DO NOTHING",
    )
    .bind(&order)
    .bind(&customer)
    .bind(&total)
    .bind(&status)
    .bind(&reserved)
    .bind(ids::DEMO_CURRENCY)
    .execute(&mut *tx)
    .await?;
    let lines = DemoLines::of(0..ids::ORDERS);
    sqlx::query(
        "INSERT INTO order_fact_lines (order_id, sku, quantity, unit_price)
         SELECT * FROM UNNEST($1::uuid[], $2::text[], $3::int[], $4::int8[])
         ON CONFLICT (order_id, sku) DO NOTHING",
    )
    .bind(&lines.order_id)
    .bind(&lines.sku)
    .bind(&lines.quantity)
    .bind(&lines.unit_price)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

#[derive(Default)]
struct Columns {
    id: Vec<Uuid>,
    order_id: Vec<Uuid>,
    customer: Vec<Uuid>,
    amount: Vec<i64>,
    captured: Vec<i64>,
    refunded: Vec<i64>,
    status: Vec<String>,
    method: Vec<String>,
    created_at: Vec<DateTime<Utc>>,
}
