//! What fulfillment knows of an order (from orders' events) and the checks a shipment must
//! pass against it.

use super::Line;
use std::collections::HashMap;
use subgraph_kit::AppError;
use uuid::Uuid;

/// An order as fulfillment knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownOrder {
    pub order_id: Uuid,
    pub customer_id: Uuid,
    /// `PLACED`, `PAID`, `FULFILLED` or `CANCELLED`, as orders last said.
    pub status: String,
    /// Its lines are out of stock, held for it.
    pub reserved: bool,
}

/// Per SKU, what is ordered and not yet in a (live) shipment: `ordered` less `shipped`.
pub fn unshipped(ordered: &[Line], shipped: &[Line]) -> Vec<Line> {
    let sent: HashMap<&str, i64> = shipped.iter().fold(HashMap::new(), |mut acc, l| {
        *acc.entry(l.sku.as_str()).or_default() += i64::from(l.quantity);
        acc
    });
    ordered
        .iter()
        .filter_map(|l| {
            let left = i64::from(l.quantity) - sent.get(l.sku.as_str()).copied().unwrap_or(0);
            let quantity = i32::try_from(left).ok().filter(|q| *q > 0)?;
            Some(Line {
                sku: l.sku.clone(),
                quantity,
            })
        })
        .collect()
}

/// Check a staff `createShipment` of `lines` against the order: known (else
/// `NOT_YET_KNOWN`: its events may still be on their way), PAID, and every line a SKU of the
/// order within what is ordered and not shipped yet.
pub fn check_shipment(
    order: Option<&KnownOrder>,
    unshipped: &[Line],
    lines: &[Line],
) -> Result<(), AppError> {
    let Some(order) = order else {
        return Err(AppError::not_yet_known(
            "the order is not known to fulfillment (yet): retry later",
        ));
    };
    if order.status != "PAID" {
        return Err(AppError::conflict(format!(
            "order {} is {}: only a PAID order ships",
            order.order_id, order.status
        )));
    }
    for line in lines {
        let left = unshipped
            .iter()
            .find(|l| l.sku == line.sku)
            .map_or(0, |l| l.quantity);
        if line.quantity > left {
            return Err(AppError::bad_input(format!(
                "{} unit(s) of {} requested, {left} ordered and not yet shipped",
                line.quantity, line.sku
            )));
        }
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

    fn order(status: &str) -> KnownOrder {
        KnownOrder {
            order_id: Uuid::nil(),
            customer_id: Uuid::nil(),
            status: status.into(),
            reserved: true,
        }
    }

    #[test]
    fn what_is_left_to_ship_is_ordered_less_shipped() {
        let ordered = [line("A", 3), line("B", 1)];
        let left = unshipped(&ordered, &[line("A", 1), line("B", 1)]);
        assert_eq!(left, vec![line("A", 2)]);
    }

    #[test]
    fn a_shipment_must_fit_a_known_paid_order() {
        let left = [line("A", 2)];
        let code = |r: Result<(), AppError>| r.err().map(|e| e.code().as_str());
        assert!(check_shipment(Some(&order("PAID")), &left, &[line("A", 2)]).is_ok());
        assert_eq!(
            code(check_shipment(None, &left, &[line("A", 1)])),
            Some("NOT_YET_KNOWN")
        );
        let placed = order("PLACED");
        assert_eq!(
            code(check_shipment(Some(&placed), &left, &[line("A", 1)])),
            Some("CONFLICT")
        );
        let paid = order("PAID");
        assert_eq!(
            code(check_shipment(Some(&paid), &left, &[line("A", 3)])),
            Some("BAD_USER_INPUT")
        );
        assert_eq!(
            code(check_shipment(Some(&paid), &left, &[line("Z", 1)])),
            Some("BAD_USER_INPUT")
        );
    }
}
