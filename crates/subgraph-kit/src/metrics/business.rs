//! The business counters of the metrics contract. Subgraphs call these at the point the
//! business event commits, so the numbers match what the database holds.

/// An order was placed (`orders_placed_total{currency}`).
pub fn order_placed(currency: &str) {
    ::metrics::counter!("orders_placed_total", "currency" => currency.to_string()).increment(1);
}

/// A payment was authorized (`payments_authorized_total{currency}`).
pub fn payment_authorized(currency: &str) {
    ::metrics::counter!("payments_authorized_total", "currency" => currency.to_string())
        .increment(1);
}

/// A payment failed for `reason`, a short fixed word such as `declined` or
/// `insufficient_funds`, never free text (`payments_failed_total{reason}`).
pub fn payment_failed(reason: &str) {
    ::metrics::counter!("payments_failed_total", "reason" => reason.to_string()).increment(1);
}

/// `amount_minor` (cents) was refunded (`refunded_amount_minor_total{currency}`).
pub fn refunded(currency: &str, amount_minor: u64) {
    ::metrics::counter!("refunded_amount_minor_total", "currency" => currency.to_string())
        .increment(amount_minor);
}

/// Paid orders waiting in CANCELLING for fulfillment's answer, and how long the oldest has
/// waited since it was first asked (`orders_cancellations_waiting`,
/// `orders_cancellation_oldest_wait_seconds`; 0 when none waits).
pub fn cancellations_waiting(count: i64, oldest_seconds: f64) {
    ::metrics::gauge!("orders_cancellations_waiting").set(count as f64);
    ::metrics::gauge!("orders_cancellation_oldest_wait_seconds").set(oldest_seconds.max(0.0));
}

pub(crate) fn describe() {
    use ::metrics::{describe_counter, describe_gauge};
    describe_gauge!(
        "orders_cancellations_waiting",
        "Paid orders whose cancellation waits for fulfillment's answer"
    );
    describe_gauge!(
        "orders_cancellation_oldest_wait_seconds",
        "How long the oldest waiting cancellation has waited, in seconds"
    );
    describe_counter!("orders_placed_total", "Orders placed, by currency");
    describe_counter!(
        "payments_authorized_total",
        "Payments authorized, by currency"
    );
    describe_counter!("payments_failed_total", "Payments failed, by reason");
    describe_counter!(
        "refunded_amount_minor_total",
        "Refunded amount in minor units, by currency"
    );
}
