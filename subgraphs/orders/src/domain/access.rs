//! Who may see and change orders: a customer their own, staff with `orders:manage` any. The
//! catalog (products) is public.

use super::Transition;
use subgraph_kit::auth::scopes::ORDERS_MANAGE;
use subgraph_kit::{AppError, Identity};
use uuid::Uuid;

/// Before looking anything up: only an authenticated caller may ask about orders at all (so an
/// anonymous caller cannot even learn whether an id exists).
pub fn ask(who: &Identity) -> Result<(), AppError> {
    who.require_authenticated()
}

/// `order(id)`, `_entities` of `Order`, and a customer's `orders` page: the order's customer,
/// or staff with `orders:manage`.
pub fn read(who: &Identity, customer: Uuid) -> Result<(), AppError> {
    who.require_owner_or_scope(Some(customer), ORDERS_MANAGE)
}

/// `placeOrder` for `customer`: the customer themself, or staff with `orders:manage`.
pub fn place(who: &Identity, customer: Uuid) -> Result<(), AppError> {
    who.require_owner_or_scope(Some(customer), ORDERS_MANAGE)
}

/// A status change of an order of `customer` asked by a caller: its customer or staff may
/// cancel it; paying and fulfilling follow payments' and fulfillment's events, never a caller.
pub fn change(who: &Identity, transition: Transition, customer: Uuid) -> Result<(), AppError> {
    match transition {
        Transition::Cancel => who.require_owner_or_scope(Some(customer), ORDERS_MANAGE),
        _ => Err(AppError::forbidden(format!(
            "orders {} only when another domain says so",
            transition.verb()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_customer_reads_places_and_cancels_only_their_own_orders() {
        let (me, other) = (Uuid::new_v4(), Uuid::new_v4());
        let who = Identity::customer(me);
        assert!(read(&who, me).is_ok() && place(&who, me).is_ok());
        assert!(change(&who, Transition::Cancel, me).is_ok());
        assert!(read(&who, other).is_err() && place(&who, other).is_err());
        assert!(change(&who, Transition::Cancel, other).is_err());
        assert!(change(&who, Transition::Fulfil, me).is_err());
    }

    #[test]
    fn staff_need_orders_manage() {
        let other_scope = Identity::staff(&["payments:manage"]);
        assert!(read(&other_scope, Uuid::new_v4()).is_err());
        let staff = Identity::staff(&[ORDERS_MANAGE]);
        assert!(change(&staff, Transition::Cancel, Uuid::new_v4()).is_ok());
        assert!(change(&staff, Transition::Fulfil, Uuid::new_v4()).is_err());
        assert!(read(&staff, Uuid::new_v4()).is_ok());
    }

    #[test]
    fn anonymous_may_not_even_ask() {
        assert!(ask(&Identity::ANONYMOUS).is_err());
    }
}
