//! Deterministic demo returns that line up with the demo orders and payments.

use chrono::{DateTime, Duration, TimeZone, Utc};
use sqlx::PgPool;
use subgraph_kit::demo_lines::DemoLines;
use subgraph_kit::ids::{self, demo_rand};
use subgraph_kit::AppResult;
use uuid::Uuid;

const REASONS: [&str; 4] = [
    "Arrived damaged",
    "Wrong size",
    "Not as described",
    "No longer needed",
];

/// Status of the return of demo order `i`. Re-hashed: the plain hash with a small salt
/// correlates with `order_has_return`. The payments seed refunds the REFUNDED ones.
pub fn demo_return_status(i: usize) -> &'static str {
    match demo_rand(demo_rand(i, 9) as usize, 11) % 4 {
        0 => "REQUESTED",
        1 => "APPROVED",
        2 => "REJECTED",
        _ => "REFUNDED",
    }
}

fn demo_time(i: usize) -> DateTime<Utc> {
    let base = Utc
        .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or_default();
    base + Duration::minutes(i as i64 * 37 + 5) + Duration::days(10)
}

/// Insert the demo returns when the returns table is empty, in one transaction.
pub async fn seed(pool: &PgPool) -> AppResult<()> {
    let mut tx = pool.begin().await?;
    // Two processes seeding at once: the second waits here, then sees the rows.
    sqlx::query("LOCK TABLE returns IN EXCLUSIVE MODE")
        .execute(&mut *tx)
        .await?;
    let existing: i64 = sqlx::query_scalar("SELECT count(*) FROM returns")
        .fetch_one(&mut *tx)
        .await?;
    if existing > 0 {
        return Ok(());
    }
    let mut r = Columns::default();
    for i in (0..ids::ORDERS).filter(|&i| ids::order_has_return(i)) {
        // Customers send back the first line of the order.
        let Some(&(product, quantity)) = ids::order_lines(i).first() else {
            continue;
        };
        let status = demo_return_status(i);
        r.id.push(ids::return_id(i));
        r.order_id.push(ids::order_id(i));
        r.customer.push(ids::customer_id(ids::order_customer(i)));
        r.payment_id.push(ids::payment_id(i));
        r.reason
            .push(REASONS[(demo_rand(i, 30) % REASONS.len() as u64) as usize].to_string());
        r.status.push(status.to_string());
        r.rejection_reason
            .push((status == "REJECTED").then(|| "Returned after the 30-day window".to_string()));
        r.created_at.push(demo_time(i));
        r.sku.push(ids::product_sku(product));
        r.quantity.push(quantity);
    }
    sqlx::query(
        "INSERT INTO returns (id, order_id, payment_id, reason, status, rejection_reason, created_at,
                              customer_id)
         SELECT * FROM UNNEST($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[],
                              $6::text[], $7::timestamptz[], $8::uuid[])",
    )
    .bind(&r.id)
    .bind(&r.order_id)
    .bind(&r.payment_id)
    .bind(&r.reason)
    .bind(&r.status)
    .bind(&r.rejection_reason)
    .bind(&r.created_at)
    .bind(&r.customer)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO return_lines (return_id, sku, quantity)
         SELECT * FROM UNNEST($1::uuid[], $2::text[], $3::int[])",
    )
    .bind(&r.id)
    .bind(&r.sku)
    .bind(&r.quantity)
    .execute(&mut *tx)
    .await?;
    read_model(&mut tx).await?;
    tx.commit().await?;
    Ok(())
}

/// Returns' read model of the demo orders, as their events would have left it: every order
/// and its customer, the lines of the delivered shipments ([`ids::shipment_status`]), and
/// each paid order's captured payment less what its refunded demo return took back. So a
/// return on a demo order is checked like any other, never NOT_YET_KNOWN.
async fn read_model(tx: &mut sqlx::PgConnection) -> AppResult<()> {
    let (mut order, mut customer) = (vec![], vec![]);
    let (mut payment, mut paid_order, mut captured, mut refunded) =
        (vec![], vec![], vec![], vec![]);
    for i in 0..ids::ORDERS {
        order.push(ids::order_id(i));
        customer.push(ids::customer_id(ids::order_customer(i)));
        if ids::order_is_paid(i) {
            let total = ids::order_total(i);
            payment.push(ids::payment_id(i));
            paid_order.push(ids::order_id(i));
            captured.push(total);
            refunded.push(demo_refunded(i).min(total));
        }
    }
    sqlx::query(
        "INSERT INTO known_orders (order_id, customer_id)
         SELECT * FROM UNNEST($1::uuid[], $2::uuid[]) ON CONFLICT (order_id) DO NOTHING",
    )
    .bind(&order)
    .bind(&customer)
    .execute(&mut *tx)
    .await?;
    DemoLines::of((0..ids::ORDERS).filter(|&i| ids::shipment_status(i) == Some("DELIVERED")))
        .insert_quantities(&mut *tx, "delivered_lines")
        .await?;
    sqlx::query(
        "INSERT INTO captured_payments (payment_id, order_id, captured, refunded)
         SELECT * FROM UNNEST($1::uuid[], $2::uuid[], $3::int8[], $4::int8[])
         ON CONFLICT (payment_id) DO NOTHING",
    )
    .bind(&payment)
    .bind(&paid_order)
    .bind(&captured)
    .bind(&refunded)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// What the refund of demo order `i`'s return took back (the payments seed's rule: the
/// value of the returned first line, for a REFUNDED return).
fn demo_refunded(i: usize) -> i64 {
    if !(ids::order_has_return(i) && demo_return_status(i) == "REFUNDED") {
        return 0;
    }
    ids::order_lines(i)
        .first()
        .map(|&(p, q)| ids::product_price(p) * q as i64)
        .unwrap_or(0)
}

#[derive(Default)]
struct Columns {
    id: Vec<Uuid>,
    order_id: Vec<Uuid>,
    customer: Vec<Uuid>,
    payment_id: Vec<Uuid>,
    reason: Vec<String>,
    status: Vec<String>,
    rejection_reason: Vec<Option<String>>,
    created_at: Vec<DateTime<Utc>>,
    sku: Vec<String>,
    quantity: Vec<i32>,
}
