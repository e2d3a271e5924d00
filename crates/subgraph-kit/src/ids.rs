//! Deterministic identifiers for the demo data set. Every subgraph seeds its own schema, and
//! references across subgraphs line up because all of them derive ids the same way.

use uuid::Uuid;

/// Namespace for demo ids (a fixed random UUID).
const DEMO: Uuid = Uuid::from_u128(0x6c1e_2b4a_9f3d_4e8a_b7c5_0d1f_2a3b_4c5d);

/// Number of demo customers.
pub const CUSTOMERS: usize = 100;
/// Number of demo products.
pub const PRODUCTS: usize = 50;
/// Number of demo orders.
pub const ORDERS: usize = 1000;

pub fn customer_id(i: usize) -> Uuid {
    Uuid::new_v5(&DEMO, format!("customer-{i}").as_bytes())
}

pub fn order_id(i: usize) -> Uuid {
    Uuid::new_v5(&DEMO, format!("order-{i}").as_bytes())
}

pub fn payment_id(i: usize) -> Uuid {
    Uuid::new_v5(&DEMO, format!("payment-{i}").as_bytes())
}

pub fn shipment_id(i: usize) -> Uuid {
    Uuid::new_v5(&DEMO, format!("shipment-{i}").as_bytes())
}

pub fn return_id(i: usize) -> Uuid {
    Uuid::new_v5(&DEMO, format!("return-{i}").as_bytes())
}

pub fn product_sku(i: usize) -> String {
    format!("SKU-{:04}", i + 1)
}

/// The demo customer who placed order `i`.
pub fn order_customer(i: usize) -> usize {
    (i * 7 + 3) % CUSTOMERS
}

/// Deterministic pseudo-random number for demo data: the same inputs give the same output.
pub fn demo_rand(seed: usize, salt: u64) -> u64 {
    let mut x = (seed as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ salt;
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x
}

/// Currency of the whole demo data set.
pub const DEMO_CURRENCY: &str = "USD";

/// Price of demo product `p` in minor units.
pub fn product_price(p: usize) -> i64 {
    (500 + demo_rand(p, 1) % 20_000) as i64
}

/// Lines of demo order `i`: (product index, quantity), distinct products.
pub fn order_lines(i: usize) -> Vec<(usize, i32)> {
    let n = 1 + (demo_rand(i, 2) % 4) as usize;
    let first = (demo_rand(i, 5) % PRODUCTS as u64) as usize;
    (0..n)
        .map(|k| {
            let product = (first + k * 13) % PRODUCTS;
            let qty = 1 + (demo_rand(i * 10 + k, 6) % 3) as i32;
            (product, qty)
        })
        .collect()
}

/// Total of demo order `i` in minor units.
pub fn order_total(i: usize) -> i64 {
    order_lines(i)
        .iter()
        .map(|&(p, q)| product_price(p) * q as i64)
        .sum()
}

/// Status of demo order `i`: one of PLACED, PAID, FULFILLED, CANCELLED.
pub fn order_status(i: usize) -> &'static str {
    match demo_rand(i, 3) % 100 {
        0..=9 => "CANCELLED",
        10..=29 => "PLACED",
        30..=59 => "PAID",
        _ => "FULFILLED",
    }
}

/// Whether demo order `i` was paid (and so has a captured payment).
pub fn order_is_paid(i: usize) -> bool {
    matches!(order_status(i), "PAID" | "FULFILLED")
}

/// Status of the shipment of demo order `i`, if it has one, as the lifecycle leaves it: a
/// fulfilled order's parcel was delivered (FULFILLED means every unit arrived); of the paid
/// ones, a third are being packed (PENDING), a third on the road (SHIPPED) and a third wait
/// for staff to ship them. Shared: returns knows what was delivered, and orders what left the
/// warehouse, by the same rule.
pub fn shipment_status(i: usize) -> Option<&'static str> {
    match order_status(i) {
        "FULFILLED" => Some("DELIVERED"),
        "PAID" => match demo_rand(i, 22) % 3 {
            0 => Some("PENDING"),
            1 => Some("SHIPPED"),
            _ => None,
        },
        _ => None,
    }
}

/// Whether a parcel of demo order `i` has left the warehouse (orders then refuses to cancel
/// it, as it would on `ShipmentShipped`).
pub fn order_shipped(i: usize) -> bool {
    matches!(shipment_status(i), Some("SHIPPED" | "DELIVERED"))
}

/// Whether demo order `i` has a return request.
pub fn order_has_return(i: usize) -> bool {
    order_status(i) == "FULFILLED" && demo_rand(i, 4).is_multiple_of(8)
}
