//! What payments knows of an order (from orders' and fulfillment's events) and the checks a
//! payment must pass against it.

use super::{AuthorizeRequest, Payment};
use subgraph_kit::AppError;
use uuid::Uuid;

/// An order as payments knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderFacts {
    pub order_id: Uuid,
    pub customer_id: Uuid,
    pub currency: String,
    /// Minor units of `currency`.
    pub total: i64,
    /// `PLACED`, `PAID`, `FULFILLED` or `CANCELLED`, as orders last said.
    pub status: String,
    pub stock_reserved: bool,
}

/// One line of a known order at the price charged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactLine {
    pub sku: String,
    pub quantity: i32,
    pub unit_price: i64,
}

/// What is still to be paid of an order of `total`, given what its payments (in the total's
/// currency) `captured`: nothing once it is cancelled (its money is given back, nothing is
/// owed), else the total less what was captured, never below zero. A refund does not make
/// anything due again: it pays back returned goods (or a concession), whose value the
/// customer no longer owes.
pub fn amount_due(total: i64, cancelled: bool, captured: impl IntoIterator<Item = i64>) -> i64 {
    if cancelled {
        return 0;
    }
    let captured = subgraph_kit::money::checked_sum(captured).unwrap_or(i64::MAX);
    total.saturating_sub(captured).max(0)
}

/// Check an `authorizePayment` by `payer` (`None`: staff) against what payments knows:
/// the order exists (else `NOT_YET_KNOWN`: its `OrderPlaced` may still be on its way), is the
/// payer's, is still PLACED with no live payment, and the amount and currency are exactly
/// what is due.
pub fn check_authorization(
    facts: Option<&OrderFacts>,
    payments: &[Payment],
    req: &AuthorizeRequest,
    payer: Option<Uuid>,
) -> Result<(), AppError> {
    let Some(order) = facts else {
        return Err(AppError::not_yet_known(format!(
            "order {} is not known to payments (yet): retry later",
            req.order_id
        )));
    };
    if payer.is_some_and(|payer| payer != order.customer_id) {
        return Err(AppError::forbidden("only the order's customer may pay it"));
    }
    if order.status != "PLACED" {
        return Err(AppError::conflict(format!(
            "order {} is {}: nothing to authorize",
            order.order_id, order.status
        )));
    }
    if payments.iter().any(Payment::is_live) {
        return Err(AppError::conflict(format!(
            "order {} already has a payment",
            order.order_id
        )));
    }
    if req.currency != order.currency {
        return Err(AppError::bad_input(format!(
            "order {} is in {}, not {}",
            order.order_id, order.currency, req.currency
        )));
    }
    if req.amount != order.total {
        return Err(AppError::bad_input(format!(
            "the amount due on order {} is {} (minor units), not {}",
            order.order_id, order.total, req.amount
        )));
    }
    Ok(())
}

/// What an approved return of `returned` (sku, quantity) refunds: each unit at the price
/// charged; a SKU not on the order refunds nothing.
pub fn return_value(lines: &[FactLine], returned: &[(String, i32)]) -> i64 {
    returned
        .iter()
        .filter_map(|(sku, quantity)| {
            let line = lines.iter().find(|l| &l.sku == sku)?;
            let units = i64::from((*quantity).min(line.quantity));
            Some(units.saturating_mul(line.unit_price))
        })
        .fold(0i64, i64::saturating_add)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Method;

    fn facts(status: &str) -> OrderFacts {
        OrderFacts {
            order_id: Uuid::nil(),
            customer_id: Uuid::from_u128(7),
            currency: "USD".into(),
            total: 1500,
            status: status.into(),
            stock_reserved: true,
        }
    }

    fn request(amount: i64, currency: &str) -> AuthorizeRequest {
        AuthorizeRequest::new(Uuid::nil(), amount, currency.into(), Method::Card).unwrap()
    }

    fn code(r: Result<(), AppError>) -> Option<&'static str> {
        r.err().map(|e| e.code().as_str())
    }

    #[test]
    fn authorization_must_match_a_known_open_order_exactly() {
        let me = Some(Uuid::from_u128(7));
        let placed = facts("PLACED");
        assert!(check_authorization(Some(&placed), &[], &request(1500, "USD"), me).is_ok());
        assert!(check_authorization(Some(&placed), &[], &request(1500, "USD"), None).is_ok());
        let cases = [
            (None, request(1500, "USD"), me, "NOT_YET_KNOWN"),
            (
                Some(&placed),
                request(1500, "USD"),
                Some(Uuid::nil()),
                "FORBIDDEN",
            ),
            (Some(&placed), request(1501, "USD"), me, "BAD_USER_INPUT"),
            (
                Some(&placed),
                request(1_000_000, "USD"),
                me,
                "BAD_USER_INPUT",
            ),
            (Some(&placed), request(1500, "EUR"), me, "BAD_USER_INPUT"),
        ];
        for (facts, req, payer, expected) in cases {
            assert_eq!(
                code(check_authorization(facts, &[], &req, payer)),
                Some(expected)
            );
        }
        let cancelled = facts("CANCELLED");
        assert_eq!(
            code(check_authorization(
                Some(&cancelled),
                &[],
                &request(1500, "USD"),
                me
            )),
            Some("CONFLICT")
        );
    }

    #[test]
    fn a_return_refunds_the_units_at_the_prices_charged() {
        let lines = vec![
            FactLine {
                sku: "A".into(),
                quantity: 2,
                unit_price: 300,
            },
            FactLine {
                sku: "B".into(),
                quantity: 1,
                unit_price: 50,
            },
        ];
        let returned = vec![
            ("A".to_string(), 1),
            ("B".to_string(), 5),
            ("Z".to_string(), 1),
        ];
        assert_eq!(return_value(&lines, &returned), 350);
    }

    #[test]
    fn nothing_is_due_once_cancelled_or_captured_and_a_refund_makes_nothing_due_again() {
        assert_eq!(amount_due(1000, false, []), 1000);
        assert_eq!(amount_due(1000, false, [300]), 700);
        // Captured in full, part refunded for a return: nothing due.
        assert_eq!(amount_due(1000, false, [1000]), 0);
        assert_eq!(amount_due(1000, false, [600, 600]), 0);
        assert_eq!(amount_due(1000, true, []), 0);
        assert_eq!(amount_due(1000, false, [i64::MAX, 1]), 0);
    }
}
