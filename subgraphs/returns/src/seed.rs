//! Deterministic demo returns that line up with the demo orders and payments.

use chrono::{DateTime, Duration, TimeZone, Utc};
use sqlx::PgPool;
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
        "INSERT INTO returns (id, order_id, payment_id, reason, status, rejection_reason, created_at)
         SELECT * FROM UNNEST($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[],
                              $6::text[], $7::timestamptz[])",
    )
    .bind(&r.id)
    .bind(&r.order_id)
    .bind(&r.payment_id)
    .bind(&r.reason)
    .bind(&r.status)
    .bind(&r.rejection_reason)
    .bind(&r.created_at)
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
    tx.commit().await?;
    Ok(())
}

#[derive(Default)]
struct Columns {
    id: Vec<Uuid>,
    order_id: Vec<Uuid>,
    payment_id: Vec<Uuid>,
    reason: Vec<String>,
    status: Vec<String>,
    rejection_reason: Vec<Option<String>>,
    created_at: Vec<DateTime<Utc>>,
    sku: Vec<String>,
    quantity: Vec<i32>,
}
