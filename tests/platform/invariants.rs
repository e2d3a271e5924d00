//! Invariants over the whole database of a platform (every subgraph's schema), checked once
//! the events have settled: every outbox published and the lifecycle's effects applied. They
//! cover every order fulfillment's read model knows: the lifecycle's, and the demo orders (each
//! seed records its domain's read model of them, as their events would have left it), and
//! include the states the lifecycle never leaves an order in, so the demo history is one the
//! lifecycle could have written.

use std::time::{Duration, Instant};

/// Each query returns the rows that break one invariant, as text.
const VIOLATIONS: [(&str, &str); 13] = [
    (
        "an event is still waiting in an outbox",
        "SELECT 'customers ' || id FROM customers.outbox WHERE published_at IS NULL
         UNION ALL SELECT 'orders ' || id FROM orders.outbox WHERE published_at IS NULL
         UNION ALL SELECT 'payments ' || id FROM payments.outbox WHERE published_at IS NULL
         UNION ALL SELECT 'fulfillment ' || id FROM fulfillment.outbox WHERE published_at IS NULL
         UNION ALL SELECT 'returns ' || id FROM returns.outbox WHERE published_at IS NULL",
    ),
    (
        "a cancelled order holds money (a live payment)",
        "SELECT o.id || ' ' || p.status FROM orders.orders o
         JOIN payments.payments p ON p.order_id = o.id
         WHERE o.status = 'CANCELLED' AND p.status IN ('AUTHORIZED', 'CAPTURED', 'PARTIALLY_REFUNDED')
           AND o.id IN (SELECT order_id FROM fulfillment.known_orders)",
    ),
    (
        "a cancelled order has a live or delivered shipment, or an open return",
        "SELECT o.id || ' shipment ' || s.status FROM orders.orders o
         JOIN fulfillment.shipments s ON s.order_id = o.id
         WHERE o.status = 'CANCELLED' AND s.status IN ('PENDING', 'SHIPPED', 'DELIVERED')
           AND o.id IN (SELECT order_id FROM fulfillment.known_orders)
         UNION ALL
         SELECT o.id || ' return ' || r.status FROM orders.orders o
         JOIN returns.returns r ON r.order_id = o.id
         WHERE o.status = 'CANCELLED' AND r.status IN ('REQUESTED', 'APPROVED')
           AND o.id IN (SELECT order_id FROM fulfillment.known_orders)",
    ),
    (
        "captured less refunded does not match the order's status",
        "SELECT o.id || ' ' || o.status || ' total ' || o.total_amount || ' captured '
                || COALESCE(SUM(p.captured_amount), 0) || ' refunded ' || COALESCE(SUM(p.refunded_amount), 0)
         FROM orders.orders o LEFT JOIN payments.payments p ON p.order_id = o.id
         WHERE o.id IN (SELECT order_id FROM fulfillment.known_orders)
         GROUP BY o.id, o.status, o.total_amount
         HAVING CASE o.status
             WHEN 'PLACED' THEN COALESCE(SUM(p.captured_amount), 0) <> 0
             WHEN 'CANCELLED' THEN COALESCE(SUM(p.captured_amount - p.refunded_amount), 0) <> 0
             ELSE COALESCE(SUM(p.captured_amount), 0) <> o.total_amount
         END",
    ),
    (
        "a refunded return has no refund, or an order was refunded beyond its returns",
        "SELECT r.id::text FROM returns.returns r
         WHERE r.status = 'REFUNDED' AND NOT EXISTS (
             SELECT 1 FROM payments.payments p WHERE p.order_id = r.order_id AND p.refunded_amount > 0)",
    ),
    (
        "an order's customer is unknown to orders, or orders knows a customer that is not one",
        "SELECT 'order ' || o.id FROM orders.orders o
         WHERE NOT EXISTS (SELECT 1 FROM orders.known_customers k WHERE k.customer_id = o.customer_id)
         UNION ALL
         SELECT 'known ' || k.customer_id FROM orders.known_customers k
         WHERE NOT EXISTS (SELECT 1 FROM customers.customers c WHERE c.id = k.customer_id)",
    ),
    ("stock is negative", "SELECT sku FROM fulfillment.inventory WHERE stock < 0"),
    (
        "a cancellation never got fulfillment's answer",
        "SELECT id::text FROM orders.orders WHERE status = 'CANCELLING'",
    ),
    // States the lifecycle never leaves an order in (the demo data's history included).
    (
        "a fulfilled order has a parcel that was not delivered",
        "SELECT o.id || ' ' || s.status FROM orders.orders o
         JOIN fulfillment.shipments s ON s.order_id = o.id
         WHERE o.status = 'FULFILLED' AND s.status IN ('PENDING', 'SHIPPED')",
    ),
    (
        "an order not paid yet holds money",
        "SELECT o.id || ' ' || p.status FROM orders.orders o
         JOIN payments.payments p ON p.order_id = o.id
         WHERE o.status = 'PLACED' AND p.status IN ('AUTHORIZED', 'CAPTURED', 'PARTIALLY_REFUNDED')",
    ),
    (
        "orders would cancel an order whose parcel left the warehouse",
        "SELECT o.id::text FROM orders.orders o
         WHERE NOT o.shipped AND o.status IN ('PLACED', 'PAID') AND EXISTS (
             SELECT 1 FROM fulfillment.shipments s
             WHERE s.order_id = o.id AND s.status IN ('SHIPPED', 'DELIVERED'))",
    ),
    (
        "a return of goods never delivered",
        "SELECT r.id::text FROM returns.returns r
         WHERE NOT EXISTS (SELECT 1 FROM fulfillment.shipments s
                           WHERE s.order_id = r.order_id AND s.status = 'DELIVERED')",
    ),
    (
        "a cancelled order still holds reserved stock, or a shipped one lost its reservation",
        "SELECT k.order_id || ' ' || k.status FROM fulfillment.known_orders k
         WHERE (k.status = 'CANCELLED' AND k.reserved)
            OR (EXISTS (SELECT 1 FROM fulfillment.shipments s WHERE s.order_id = k.order_id
                        AND s.status <> 'CANCELLED') AND NOT k.reserved)",
    ),
];

/// Every invariant's violations (empty: all hold).
async fn violations(pool: &sqlx::PgPool) -> Vec<String> {
    let mut found = Vec::new();
    for (what, sql) in VIOLATIONS {
        let rows: Vec<String> = sqlx::query_scalar(sql)
            .fetch_all(pool)
            .await
            .unwrap_or_else(|e| panic!("invariant query {what:?}: {e}"));
        found.extend(rows.into_iter().map(|row| format!("{what}: {row}")));
    }
    found
}

/// Wait (bounded) until every invariant holds over the database at `url`; panic with what
/// still breaks them.
pub fn check(runtime: &tokio::runtime::Runtime, url: &str) {
    runtime.block_on(async {
        let pool = sqlx::PgPool::connect(url)
            .await
            .expect("connect for invariants");
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let found = violations(&pool).await;
            if found.is_empty() {
                break;
            }
            if Instant::now() > deadline {
                panic!("invariants broken:\n{}", found.join("\n"));
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        pool.close().await;
    });
}
