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
    /// A paid order whose cancellation waits for fulfillment to stop its parcels.
    Cancelling,
    Fulfilled,
    Cancelled,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Placed => "PLACED",
            Status::Paid => "PAID",
            Status::Cancelling => "CANCELLING",
            Status::Fulfilled => "FULFILLED",
            Status::Cancelled => "CANCELLED",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        match s {
            "PLACED" => Some(Status::Placed),
            "PAID" => Some(Status::Paid),
            "CANCELLING" => Some(Status::Cancelling),
            "FULFILLED" => Some(Status::Fulfilled),
            "CANCELLED" => Some(Status::Cancelled),
            _ => None,
        }
    }
}

/// A status change: a client asks to cancel; the others follow other domains' events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// The customer (or staff) cancels an open order: a PLACED one at once; a PAID one waits
    /// (CANCELLING) for fulfillment to stop its parcels, and is refunded only then.
    Cancel,
    /// The order cannot go on before it was paid (payment declined, stock short).
    Abandon,
    /// Its payment was authorized.
    Pay { payment_id: uuid::Uuid },
    /// Every unit was delivered (also while a cancellation waits: fulfillment refuses it).
    Fulfil,
    /// Fulfillment stopped every parcel: the cancellation is done (payments refunds).
    ConfirmCancel,
    /// A parcel was delivered first: the order goes on as PAID.
    RefuseCancel,
}

impl Transition {
    /// Every kind of change (the payment id of `Pay` is nil).
    pub const ALL: [Transition; 6] = [
        Transition::Cancel,
        Transition::Abandon,
        Transition::Pay {
            payment_id: uuid::Uuid::nil(),
        },
        Transition::Fulfil,
        Transition::ConfirmCancel,
        Transition::RefuseCancel,
    ];

    /// The statuses this change may start from.
    pub fn allowed_from(self) -> &'static [Status] {
        match self {
            // Fulfilled goods are returned through the returns subgraph, not cancelled.
            Transition::Cancel => &[Status::Placed, Status::Paid],
            Transition::Abandon | Transition::Pay { .. } => &[Status::Placed],
            Transition::Fulfil => &[Status::Paid, Status::Cancelling],
            Transition::ConfirmCancel | Transition::RefuseCancel => &[Status::Cancelling],
        }
    }

    /// Where the change leads from `from` (one of [`Transition::allowed_from`]).
    pub fn target(self, from: Status) -> Status {
        match self {
            Transition::Cancel if from == Status::Paid => Status::Cancelling,
            Transition::Cancel | Transition::Abandon | Transition::ConfirmCancel => {
                Status::Cancelled
            }
            Transition::Pay { .. } | Transition::RefuseCancel => Status::Paid,
            Transition::Fulfil => Status::Fulfilled,
        }
    }

    pub fn verb(self) -> &'static str {
        match self {
            Transition::Cancel | Transition::Abandon | Transition::ConfirmCancel => "cancel",
            Transition::RefuseCancel => "resume",
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
            Status::Cancelling,
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
        assert_eq!(
            Transition::Fulfil.allowed_from(),
            &[Status::Paid, Status::Cancelling]
        );
        // A failed payment cancels only an order not paid meanwhile.
        assert_eq!(Transition::Abandon.allowed_from(), &[Status::Placed]);
    }

    #[test]
    fn a_paid_order_is_cancelled_only_once_fulfillment_confirms() {
        assert_eq!(Transition::Cancel.target(Status::Placed), Status::Cancelled);
        assert_eq!(Transition::Cancel.target(Status::Paid), Status::Cancelling);
        assert_eq!(
            Transition::ConfirmCancel.target(Status::Cancelling),
            Status::Cancelled
        );
        assert_eq!(
            Transition::RefuseCancel.target(Status::Cancelling),
            Status::Paid
        );
        // Asked twice, the second is refused; a delivery still fulfils the order.
        assert!(!Transition::Cancel
            .allowed_from()
            .contains(&Status::Cancelling));
        assert_eq!(
            Transition::Fulfil.target(Status::Cancelling),
            Status::Fulfilled
        );
    }
}
