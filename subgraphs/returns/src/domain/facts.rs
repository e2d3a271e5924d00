//! What returns knows of an order (from orders', fulfillment's and payments' events) and the
//! checks a return must pass against it.

use super::{Line, RequestReturn};
use std::collections::HashMap;
use subgraph_kit::AppError;
use uuid::Uuid;

/// What returns knows of one order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OrderFacts {
    pub customer_id: Uuid,
    /// Units delivered, per SKU.
    pub delivered: Vec<Line>,
    /// Units in returns that were not rejected, per SKU.
    pub returned: Vec<Line>,
    /// Payments of the order that captured money.
    pub captured_payments: Vec<Uuid>,
    /// Of those, the ones with money left to refund (captured more than refunded).
    pub refundable_payments: Vec<Uuid>,
}

/// Check a `requestReturn` by `requester` (`None`: staff): the order known (else
/// `NOT_YET_KNOWN`), the requester's, each line a delivered SKU within delivered less already
/// returned, the payment (if named) one that captured money for this order, and money left to
/// refund (`CONFLICT` once the order's payments were refunded in full).
pub fn check_return(
    order: Option<&OrderFacts>,
    requester: Option<Uuid>,
    req: &RequestReturn,
) -> Result<(), AppError> {
    let Some(order) = order else {
        return Err(AppError::not_yet_known(format!(
            "order {} is not known to returns (yet): retry later",
            req.order_id
        )));
    };
    if requester.is_some_and(|r| r != order.customer_id) {
        return Err(AppError::forbidden(
            "only the order's customer may return its goods",
        ));
    }
    let count = |lines: &[Line]| {
        lines
            .iter()
            .fold(HashMap::new(), |mut acc: HashMap<String, i64>, l| {
                *acc.entry(l.sku.clone()).or_default() += i64::from(l.quantity);
                acc
            })
    };
    let (delivered, returned) = (count(&order.delivered), count(&order.returned));
    for line in &req.lines {
        let left = delivered.get(&line.sku).copied().unwrap_or(0)
            - returned.get(&line.sku).copied().unwrap_or(0);
        if i64::from(line.quantity) > left {
            return Err(AppError::bad_input(format!(
                "{} unit(s) of {} to return, {} delivered and not yet returned",
                line.quantity,
                line.sku,
                left.max(0)
            )));
        }
    }
    if let Some(payment) = req.payment_id {
        if !order.captured_payments.contains(&payment) {
            return Err(AppError::bad_input(format!(
                "payment {payment} captured nothing for order {}",
                req.order_id
            )));
        }
        if !order.refundable_payments.contains(&payment) {
            return Err(AppError::conflict(format!(
                "payment {payment} was refunded in full already: nothing to refund a return from"
            )));
        }
    }
    // Approved, the return would wait for a refund that can never come.
    if !order.captured_payments.is_empty() && order.refundable_payments.is_empty() {
        return Err(AppError::conflict(
            "everything paid for this order was refunded already: nothing to refund a return from",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(sku: &str, quantity: i32) -> Line {
        Line {
            sku: sku.into(),
            quantity,
        }
    }

    #[test]
    fn a_return_must_fit_what_was_delivered_and_not_returned() {
        let me = Uuid::from_u128(1);
        let order = OrderFacts {
            customer_id: me,
            delivered: vec![line("A", 2)],
            returned: vec![line("A", 1)],
            captured_payments: vec![Uuid::from_u128(9)],
            refundable_payments: vec![Uuid::from_u128(9)],
        };
        let refunded = OrderFacts {
            refundable_payments: vec![],
            ..order.clone()
        };
        let req =
            |lines, payment| RequestReturn::new(Uuid::nil(), payment, "broken", lines).unwrap();
        let code = |r: Result<(), AppError>| r.err().map(|e| e.code().as_str());
        assert!(check_return(Some(&order), Some(me), &req(vec![line("A", 1)], None)).is_ok());
        let paid = Some(Uuid::from_u128(9));
        assert!(check_return(Some(&order), None, &req(vec![line("A", 1)], paid)).is_ok());
        let cases = [
            (
                None,
                Some(me),
                req(vec![line("A", 1)], None),
                "NOT_YET_KNOWN",
            ),
            (
                Some(&order),
                Some(Uuid::nil()),
                req(vec![line("A", 1)], None),
                "FORBIDDEN",
            ),
            (
                Some(&order),
                Some(me),
                req(vec![line("A", 2)], None),
                "BAD_USER_INPUT",
            ),
            (
                Some(&order),
                Some(me),
                req(vec![line("BOGUS", 1)], None),
                "BAD_USER_INPUT",
            ),
            (
                Some(&order),
                Some(me),
                req(vec![line("A", 1)], Some(Uuid::nil())),
                "BAD_USER_INPUT",
            ),
            (
                Some(&refunded),
                Some(me),
                req(vec![line("A", 1)], None),
                "CONFLICT",
            ),
            (
                Some(&refunded),
                None,
                req(vec![line("A", 1)], paid),
                "CONFLICT",
            ),
        ];
        for (facts, who, r, expected) in cases {
            assert_eq!(code(check_return(facts, who, &r)), Some(expected));
        }
    }
}
