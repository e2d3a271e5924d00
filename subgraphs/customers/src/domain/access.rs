//! Who may read and change customer records: the customer themself, or staff with
//! `customers:read` (reading) / `customers:manage` (creating and changing any record).

use subgraph_kit::auth::scopes::{CUSTOMERS_MANAGE, CUSTOMERS_READ};
use subgraph_kit::{AppError, Identity};
use uuid::Uuid;

/// `customer(id)` and `_entities` of `Customer`.
pub fn read(who: &Identity, customer: Uuid) -> Result<(), AppError> {
    who.require_owner_or_scope(Some(customer), CUSTOMERS_READ)
}

/// The `customers` list: every customer's name and e-mail.
pub fn list(who: &Identity) -> Result<(), AppError> {
    who.require_scope(CUSTOMERS_READ)
}

/// `createCustomer`: accounts are opened by staff (or the identity provider's back office),
/// since a customer token names a customer that already exists.
pub fn create(who: &Identity) -> Result<(), AppError> {
    who.require_scope(CUSTOMERS_MANAGE)
}

/// `updateCustomer`: one's own record, or any with `customers:manage`.
pub fn update(who: &Identity, customer: Uuid) -> Result<(), AppError> {
    who.require_owner_or_scope(Some(customer), CUSTOMERS_MANAGE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_customer_reads_and_changes_only_their_own_record() {
        let (me, other) = (Uuid::new_v4(), Uuid::new_v4());
        let who = Identity::customer(me);
        assert!(read(&who, me).is_ok() && update(&who, me).is_ok());
        assert!(read(&who, other).is_err() && update(&who, other).is_err());
        assert!(list(&who).is_err() && create(&who).is_err());
    }

    #[test]
    fn staff_read_with_customers_read_and_write_with_customers_manage() {
        let reader = Identity::staff(&[CUSTOMERS_READ]);
        assert!(list(&reader).is_ok() && read(&reader, Uuid::new_v4()).is_ok());
        assert!(update(&reader, Uuid::new_v4()).is_err() && create(&reader).is_err());
        let manager = Identity::staff(&[CUSTOMERS_MANAGE]);
        assert!(update(&manager, Uuid::new_v4()).is_ok() && create(&manager).is_ok());
    }
}
