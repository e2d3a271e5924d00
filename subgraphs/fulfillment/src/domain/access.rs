//! Who may see and move shipments and stock: staff with `fulfillment:manage` create and move
//! shipments, a customer follows the shipments addressed to them, only `inventory:manage`
//! changes stock. Stock levels are public, like the catalog.

use subgraph_kit::auth::scopes::{FULFILLMENT_MANAGE, INVENTORY_MANAGE};
use subgraph_kit::auth::Visibility;
use subgraph_kit::{AppError, Identity};
use uuid::Uuid;

/// `createShipment`, `markShipped`, `markDelivered`.
pub fn manage(who: &Identity) -> Result<(), AppError> {
    who.require_scope(FULFILLMENT_MANAGE)
}

/// `shipment(id)` and `_entities` of `Shipment` addressed to `recipient`.
pub fn read(who: &Identity, recipient: Option<Uuid>) -> Result<(), AppError> {
    who.require_owner_or_scope(recipient, FULFILLMENT_MANAGE)
}

/// Which shipments of an order (`Order.shipments`) the caller sees.
pub fn visible(who: &Identity) -> Result<Visibility, AppError> {
    who.visibility(FULFILLMENT_MANAGE)
}

/// `adjustStock`.
pub fn adjust_stock(who: &Identity) -> Result<(), AppError> {
    who.require_scope(INVENTORY_MANAGE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_customer_follows_only_shipments_addressed_to_them() {
        let (me, other) = (Uuid::new_v4(), Uuid::new_v4());
        let who = Identity::customer(me);
        assert!(read(&who, Some(me)).is_ok());
        assert!(read(&who, Some(other)).is_err() && read(&who, None).is_err());
        assert!(manage(&who).is_err() && adjust_stock(&who).is_err());
    }

    #[test]
    fn shipping_and_stock_need_separate_scopes() {
        let shipper = Identity::staff(&[FULFILLMENT_MANAGE]);
        assert!(manage(&shipper).is_ok() && adjust_stock(&shipper).is_err());
        let stocker = Identity::staff(&[INVENTORY_MANAGE]);
        assert!(adjust_stock(&stocker).is_ok() && manage(&stocker).is_err());
    }
}
