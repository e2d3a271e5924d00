//! Order rules with no SQL and no GraphQL: statuses, transitions, validation, pricing and
//! who may do what.

pub mod access;
pub mod placement;

pub use placement::{price_order, CatalogEntry, OrderRequest, PricedLine, PricedOrder};

/// Where an order is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    Placed,
    Paid,
    Fulfilled,
    Cancelled,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Placed => "PLACED",
            Status::Paid => "PAID",
            Status::Fulfilled => "FULFILLED",
            Status::Cancelled => "CANCELLED",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        match s {
            "PLACED" => Some(Status::Placed),
            "PAID" => Some(Status::Paid),
            "FULFILLED" => Some(Status::Fulfilled),
            "CANCELLED" => Some(Status::Cancelled),
            _ => None,
        }
    }
}

/// A status change: a client asks to cancel; the others follow other domains' events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// The customer (or staff) cancels an open order; a paid one is refunded by payments.
    Cancel,
    /// The order cannot go on before it was paid (payment declined, stock short).
    Abandon,
    /// Its payment was authorized.
    Pay { payment_id: uuid::Uuid },
    /// Every unit was delivered.
    Fulfil,
}

impl Transition {
    /// The statuses this change may start from.
    pub fn allowed_from(self) -> &'static [Status] {
        match self {
            // Fulfilled goods are returned through the returns subgraph, not cancelled.
            Transition::Cancel => &[Status::Placed, Status::Paid],
            Transition::Abandon | Transition::Pay { .. } => &[Status::Placed],
            Transition::Fulfil => &[Status::Paid],
        }
    }

    pub fn target(self) -> Status {
        match self {
            Transition::Cancel | Transition::Abandon => Status::Cancelled,
            Transition::Pay { .. } => Status::Paid,
            Transition::Fulfil => Status::Fulfilled,
        }
    }

    pub fn verb(self) -> &'static str {
        match self {
            Transition::Cancel | Transition::Abandon => "cancel",
            Transition::Pay { .. } => "pay",
            Transition::Fulfil => "fulfil",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_round_trips_through_its_name() {
        for s in [
            Status::Placed,
            Status::Paid,
            Status::Fulfilled,
            Status::Cancelled,
        ] {
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
        assert_eq!(Status::parse("SHIPPED"), None);
    }

    #[test]
    fn only_open_orders_can_be_cancelled() {
        let from = Transition::Cancel.allowed_from();
        assert!(from.contains(&Status::Placed) && from.contains(&Status::Paid));
        assert!(!from.contains(&Status::Fulfilled) && !from.contains(&Status::Cancelled));
    }

    #[test]
    fn payment_and_fulfilment_follow_the_order_lifecycle() {
        let pay = Transition::Pay {
            payment_id: uuid::Uuid::nil(),
        };
        assert_eq!(pay.allowed_from(), &[Status::Placed]);
        assert_eq!(Transition::Fulfil.allowed_from(), &[Status::Paid]);
        // A failed payment cancels only an order not paid meanwhile.
        assert_eq!(Transition::Abandon.allowed_from(), &[Status::Placed]);
    }
}
