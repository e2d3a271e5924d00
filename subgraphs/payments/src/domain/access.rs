//! Who may see and move payments: a customer pays and sees their own payments; staff with
//! `payments:manage` see and capture any, and only `payments:refund` gives money back.

use subgraph_kit::auth::scopes::{PAYMENTS_MANAGE, PAYMENTS_REFUND};
use subgraph_kit::auth::Visibility;
use subgraph_kit::{AppError, Identity};
use uuid::Uuid;

/// `authorizePayment`: a customer pays (and owns the payment); staff with `payments:manage`
/// may authorize on someone's behalf (the payment then has no customer owner). Returns the
/// owner to record.
pub fn authorize(who: &Identity) -> Result<Option<Uuid>, AppError> {
    who.require_authenticated()?;
    if let Some(customer) = who.customer_id() {
        return Ok(Some(customer));
    }
    who.require_scope(PAYMENTS_MANAGE)?;
    Ok(None)
}

/// `payment(id)` and `_entities` of `Payment` owned by `owner`.
pub fn read(who: &Identity, owner: Option<Uuid>) -> Result<(), AppError> {
    who.require_owner_or_scope(owner, PAYMENTS_MANAGE)
}

/// Which payments of an order (`Order.payments`, `Order.amountDue`) the caller sees.
pub fn visible(who: &Identity) -> Result<Visibility, AppError> {
    who.visibility(PAYMENTS_MANAGE)
}

/// `capturePayment`: staff only; a customer never captures their own authorization.
pub fn capture(who: &Identity) -> Result<(), AppError> {
    who.require_scope(PAYMENTS_MANAGE)
}

/// `refundPayment`: staff with `payments:refund` only.
pub fn refund(who: &Identity) -> Result<(), AppError> {
    who.require_scope(PAYMENTS_REFUND)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_customer_pays_and_sees_only_their_own_payments() {
        let (me, other) = (Uuid::new_v4(), Uuid::new_v4());
        let who = Identity::customer(me);
        assert_eq!(authorize(&who).unwrap(), Some(me));
        assert!(read(&who, Some(me)).is_ok());
        assert!(read(&who, Some(other)).is_err() && read(&who, None).is_err());
        assert!(capture(&who).is_err() && refund(&who).is_err());
        assert_eq!(visible(&who).unwrap(), Visibility::Owner(me));
    }

    #[test]
    fn capturing_and_refunding_need_their_own_scopes() {
        let manager = Identity::staff(&[PAYMENTS_MANAGE]);
        assert!(capture(&manager).is_ok() && refund(&manager).is_err());
        assert_eq!(authorize(&manager).unwrap(), None);
        let refunder = Identity::staff(&[PAYMENTS_REFUND]);
        assert!(refund(&refunder).is_ok() && capture(&refunder).is_err());
        assert!(authorize(&Identity::staff(&["orders:manage"])).is_err());
        assert!(authorize(&Identity::ANONYMOUS).is_err());
    }
}
