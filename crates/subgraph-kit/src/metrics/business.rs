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

pub(crate) fn describe() {
    use ::metrics::describe_counter;
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
