//! Deterministic demo inventory and shipments that line up with the demo orders and catalog.

use chrono::{DateTime, Duration, TimeZone, Utc};
use sqlx::PgPool;
use subgraph_kit::demo_lines::DemoLines;
use subgraph_kit::ids::{self, demo_rand};
use subgraph_kit::AppResult;
use uuid::Uuid;

const CARRIERS: [&str; 4] = ["DHL", "UPS", "FedEx", "USPS"];

/// Demo stock of product `p`.
pub fn demo_stock(p: usize) -> i32 {
    20 + (demo_rand(p, 20) % 200) as i32
}

/// Status of the shipment of demo order `i`, if it has one ([`ids::shipment_status`]).
pub fn demo_shipment_status(i: usize) -> Option<&'static str> {
    ids::shipment_status(i)
}

fn demo_time(i: usize) -> DateTime<Utc> {
    let base = Utc
        .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or_default();
    base + Duration::minutes(i as i64 * 37 + 5) + Duration::days(1)
}

/// Insert the demo data when the shipments table is empty, in one transaction.
pub async fn seed(pool: &PgPool) -> AppResult<()> {
    let mut tx = pool.begin().await?;
    // Two processes seeding at once: the second waits here, then sees the rows.
    sqlx::query("LOCK TABLE shipments IN EXCLUSIVE MODE")
        .execute(&mut *tx)
        .await?;
    let existing: i64 = sqlx::query_scalar("SELECT count(*) FROM shipments")
        .fetch_one(&mut *tx)
        .await?;
    if existing > 0 {
        return Ok(());
    }
    let skus: Vec<String> = (0..ids::PRODUCTS).map(ids::product_sku).collect();
    let stock: Vec<i32> = (0..ids::PRODUCTS).map(demo_stock).collect();
    sqlx::query(
        "INSERT INTO inventory (sku, stock) SELECT * FROM UNNEST($1::text[], $2::int[])
         ON CONFLICT (sku) DO NOTHING",
    )
    .bind(&skus)
    .bind(&stock)
    .execute(&mut *tx)
    .await?;

    let mut s = ShipmentColumns::default();
    let mut l = LineColumns::default();
    for i in 0..ids::ORDERS {
        let Some(status) = demo_shipment_status(i) else {
            continue;
        };
        let id = ids::shipment_id(i);
        s.id.push(id);
        s.order_id.push(ids::order_id(i));
        s.customer.push(ids::customer_id(ids::order_customer(i)));
        s.status.push(status.to_string());
        s.carrier
            .push(CARRIERS[(demo_rand(i, 23) % CARRIERS.len() as u64) as usize].to_string());
        s.tracking
            .push((status != "PENDING").then(|| format!("1Z{:016X}", demo_rand(i, 24))));
        s.created_at.push(demo_time(i));
        for (p, q) in ids::order_lines(i) {
            l.shipment_id.push(id);
            l.sku.push(ids::product_sku(p));
            l.quantity.push(q);
        }
    }
    sqlx::query(
        "INSERT INTO shipments (id, order_id, status, carrier, tracking_number, created_at,
                                customer_id)
         SELECT * FROM UNNEST($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[],
                              $6::timestamptz[], $7::uuid[])",
    )
    .bind(&s.id)
    .bind(&s.order_id)
    .bind(&s.status)
    .bind(&s.carrier)
    .bind(&s.tracking)
    .bind(&s.created_at)
    .bind(&s.customer)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO shipment_lines (shipment_id, sku, quantity)
         SELECT * FROM UNNEST($1::uuid[], $2::text[], $3::int[])",
    )
    .bind(&l.shipment_id)
    .bind(&l.sku)
    .bind(&l.quantity)
    .execute(&mut *tx)
    .await?;
    known_orders(&mut tx).await?;
    tx.commit().await?;
    Ok(())
}

/// Fulfillment's read model of the demo orders, as their events would have left it: every
/// order and its lines, the paid ones' stock taken (the demo stock is what they left), so a
/// command or an event about a demo order is checked like any other, never NOT_YET_KNOWN.
async fn known_orders(tx: &mut sqlx::PgConnection) -> AppResult<()> {
    let (mut order, mut customer, mut status, mut reserved) = (vec![], vec![], vec![], vec![]);
    for i in 0..ids::ORDERS {
        order.push(ids::order_id(i));
        customer.push(ids::customer_id(ids::order_customer(i)));
        status.push(ids::order_status(i));
        reserved.push(ids::order_is_paid(i));
    }
    sqlx::query(
        "INSERT INTO known_orders (order_id, customer_id, status, reserved)
         SELECT * FROM UNNEST($1::uuid[], $2::uuid[], $3::text[], $4::bool[])
         ON CONFLICT (order_id) DO NOTHING",
    )
    .bind(&order)
    .bind(&customer)
    .bind(&status)
    .bind(&reserved)
    .execute(&mut *tx)
    .await?;
    DemoLines::of(0..ids::ORDERS)
        .insert_quantities(tx, "known_order_lines")
        .await
}

#[derive(Default)]
struct ShipmentColumns {
    id: Vec<Uuid>,
    order_id: Vec<Uuid>,
    customer: Vec<Uuid>,
    status: Vec<String>,
    carrier: Vec<String>,
    tracking: Vec<Option<String>>,
    created_at: Vec<DateTime<Utc>>,
}

#[derive(Default)]
struct LineColumns {
    shipment_id: Vec<Uuid>,
    sku: Vec<String>,
    quantity: Vec<i32>,
}
