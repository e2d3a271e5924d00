//! The deterministic demo catalog and orders (ids, lines and statuses from
//! `subgraph_kit::ids`, so the other subgraphs' demo payments, shipments and returns match),
//! and the demo customers as known customers.
//!
//! The demo customers are known from the ids every seed derives, not from the customers
//! seed's events: recorded in the transaction of the demo orders that reference them, every
//! order's customer is known by construction, with or without a broker, and placing an order
//! for a demo customer works from the first request.

use crate::db::customers;
use chrono::{DateTime, Duration, Utc};
use sqlx::{PgConnection, PgPool};
use subgraph_kit::ids;
use subgraph_kit::AppResult;
use uuid::Uuid;

const ADJECTIVES: [&str; 10] = [
    "Classic", "Urban", "Alpine", "Coastal", "Vintage", "Modern", "Rugged", "Cozy", "Solar",
    "Nordic",
];
const NOUNS: [&str; 5] = ["Backpack", "Lamp", "Kettle", "Sweater", "Headphones"];

/// Name of demo product `p` (unique for every demo product).
pub fn demo_product_name(p: usize) -> String {
    format!(
        "{} {}",
        ADJECTIVES[p % ADJECTIVES.len()],
        NOUNS[(p / ADJECTIVES.len()) % NOUNS.len()]
    )
}

/// When demo order `i` was placed: every three hours from 2025-01-01.
pub fn demo_placed_at(i: usize) -> DateTime<Utc> {
    DateTime::<Utc>::UNIX_EPOCH + Duration::days(20_089) + Duration::hours(3 * i as i64)
}

/// Insert the demo catalog, customers and orders unless orders already exist. Idempotent.
pub async fn seed(pool: &PgPool) -> AppResult<()> {
    let mut tx = pool.begin().await?;
    // Two processes seeding at once must not both see an empty table.
    sqlx::query("LOCK TABLE products, orders IN EXCLUSIVE MODE")
        .execute(&mut *tx)
        .await?;
    let has_orders: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM orders)")
        .fetch_one(&mut *tx)
        .await?;
    if has_orders {
        return Ok(());
    }
    let demo_customers: Vec<Uuid> = (0..ids::CUSTOMERS).map(ids::customer_id).collect();
    customers::learn(&mut tx, &demo_customers).await?;
    seed_products(&mut tx).await?;
    seed_orders(&mut tx).await?;
    tx.commit().await?;
    tracing::info!(
        products = ids::PRODUCTS,
        customers = ids::CUSTOMERS,
        orders = ids::ORDERS,
        "seeded demo catalog, known customers and orders"
    );
    Ok(())
}

async fn seed_products(conn: &mut PgConnection) -> AppResult<()> {
    let skus: Vec<String> = (0..ids::PRODUCTS).map(ids::product_sku).collect();
    let names: Vec<String> = (0..ids::PRODUCTS).map(demo_product_name).collect();
    let prices: Vec<i64> = (0..ids::PRODUCTS).map(ids::product_price).collect();
    sqlx::query(
        "INSERT INTO products (sku, name, price_amount, currency)
         SELECT s, n, p, $4 FROM UNNEST($1::text[], $2::text[], $3::int8[]) AS t(s, n, p)
         ON CONFLICT (sku) DO NOTHING",
    )
    .bind(skus)
    .bind(names)
    .bind(prices)
    .bind(ids::DEMO_CURRENCY)
    .execute(conn)
    .await?;
    Ok(())
}

async fn seed_orders(conn: &mut PgConnection) -> AppResult<()> {
    let n = ids::ORDERS;
    let order_ids: Vec<Uuid> = (0..n).map(ids::order_id).collect();
    let customers: Vec<Uuid> = (0..n)
        .map(|i| ids::customer_id(ids::order_customer(i)))
        .collect();
    let totals: Vec<i64> = (0..n).map(ids::order_total).collect();
    let statuses: Vec<&str> = (0..n).map(ids::order_status).collect();
    let placed: Vec<DateTime<Utc>> = (0..n).map(demo_placed_at).collect();
    // What fulfillment's shipments of the demo orders would have told orders.
    let shipped: Vec<bool> = (0..n).map(ids::order_shipped).collect();
    sqlx::query(
        "INSERT INTO orders (id, customer_id, currency, total_amount, status, placed_at, shipped)
         SELECT i, c, $6, t, s, p, sh
         FROM UNNEST($1::uuid[], $2::uuid[], $3::int8[], $4::text[], $5::timestamptz[],
                     $7::bool[]) AS u(i, c, t, s, p, sh)",
    )
    .bind(order_ids)
    .bind(customers)
    .bind(totals)
    .bind(statuses)
    .bind(placed)
    .bind(ids::DEMO_CURRENCY)
    .bind(shipped)
    .execute(&mut *conn)
    .await?;

    let (mut line_order, mut line_no, mut skus, mut qty, mut unit) =
        (vec![], vec![], vec![], vec![], vec![]);
    for i in 0..n {
        for (k, (product, quantity)) in ids::order_lines(i).into_iter().enumerate() {
            line_order.push(ids::order_id(i));
            line_no.push(k as i32 + 1);
            skus.push(ids::product_sku(product));
            qty.push(quantity);
            unit.push(ids::product_price(product));
        }
    }
    sqlx::query(
        "INSERT INTO order_lines (order_id, line_no, sku, quantity, unit_price)
         SELECT * FROM UNNEST($1::uuid[], $2::int4[], $3::text[], $4::int4[], $5::int8[])",
    )
    .bind(line_order)
    .bind(line_no)
    .bind(skus)
    .bind(qty)
    .bind(unit)
    .execute(conn)
    .await?;
    Ok(())
}
