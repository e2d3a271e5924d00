//! Who may see and review returns: a customer asks for returns and sees their own; staff with
//! `returns:manage` see any, open them on a customer's behalf, and review them.

use subgraph_kit::auth::scopes::RETURNS_MANAGE;
use subgraph_kit::auth::Visibility;
use subgraph_kit::{AppError, Identity};
use uuid::Uuid;

/// `requestReturn`: returns the owner to record (the customer asking; `None` for staff).
pub fn request(who: &Identity) -> Result<Option<Uuid>, AppError> {
    who.require_authenticated()?;
    if let Some(customer) = who.customer_id() {
        return Ok(Some(customer));
    }
    who.require_scope(RETURNS_MANAGE)?;
    Ok(None)
}

/// `return(id)` and `_entities` of `Return` owned by `owner`.
pub fn read(who: &Identity, owner: Option<Uuid>) -> Result<(), AppError> {
    who.require_owner_or_scope(owner, RETURNS_MANAGE)
}

/// Which returns of an order or payment the caller sees.
pub fn visible(who: &Identity) -> Result<Visibility, AppError> {
    who.visibility(RETURNS_MANAGE)
}

/// `approveReturn`, `rejectReturn`.
pub fn review(who: &Identity) -> Result<(), AppError> {
    who.require_scope(RETURNS_MANAGE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_customer_asks_for_and_sees_only_their_own_returns() {
        let (me, other) = (Uuid::new_v4(), Uuid::new_v4());
        let who = Identity::customer(me);
        assert_eq!(request(&who).unwrap(), Some(me));
        assert!(read(&who, Some(me)).is_ok() && read(&who, Some(other)).is_err());
        assert!(review(&who).is_err());
    }

    #[test]
    fn reviewing_needs_returns_manage() {
        assert!(review(&Identity::staff(&[RETURNS_MANAGE])).is_ok());
        assert!(review(&Identity::staff(&["orders:manage"])).is_err());
        assert!(request(&Identity::staff(&["orders:manage"])).is_err());
        assert!(request(&Identity::ANONYMOUS).is_err());
    }
}
