//! The e-mail a customer gets for each step of an order's life.

use uuid::Uuid;

/// One e-mail to a customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub customer_id: Uuid,
    /// The event type that caused it, e.g. `OrderPlaced`.
    pub kind: String,
    pub subject: String,
    pub body: String,
}

/// Most notifications one `Customer.notifications` answers.
pub const MAX_NOTIFICATIONS: i32 = 100;

/// What order `order_id`'s event `kind` tells customer `customer_id` (`None`: nothing).
pub fn for_order(kind: &str, customer_id: Uuid, order_id: Uuid) -> Option<Notification> {
    let (subject, body) = match kind {
        "OrderPlaced" => (
            "We received your order",
            "we will take payment and let you know",
        ),
        "OrderPaid" => (
            "Payment received",
            "your order is being prepared for shipping",
        ),
        "OrderFulfilled" => ("Your order was delivered", "every item has arrived"),
        "OrderCancelled" => (
            "Your order was cancelled",
            "any money taken is refunded and nothing will ship",
        ),
        "OrderCancellationRefused" => (
            "Your order could not be cancelled",
            "part of it was delivered before we could stop it, so it goes on; you can return what arrives",
        ),
        _ => return None,
    };
    Some(Notification {
        customer_id,
        kind: kind.to_string(),
        subject: format!("{subject} (order {order_id})"),
        body: format!("Order {order_id}: {body}."),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_step_of_an_order_has_its_email() {
        let (c, o) = (Uuid::from_u128(1), Uuid::from_u128(2));
        for kind in [
            "OrderPlaced",
            "OrderPaid",
            "OrderFulfilled",
            "OrderCancelled",
            "OrderCancellationRefused",
        ] {
            let n = for_order(kind, c, o).expect("an e-mail");
            assert!(n.subject.contains(&o.to_string()) && n.kind == kind);
        }
        assert_eq!(for_order("OrderRenamed", c, o), None);
    }
}
