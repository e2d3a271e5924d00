//! The staff scopes of the platform (OAuth 2 `scope`/`scp` claim values); `docs/auth.md` has
//! the table of which operation needs which.

/// Read any customer's record, and list customers.
pub const CUSTOMERS_READ: &str = "customers:read";
/// Create customers and change any customer's record.
pub const CUSTOMERS_MANAGE: &str = "customers:manage";
/// Read any order; place orders for any customer; cancel, mark paid or fulfilled.
pub const ORDERS_MANAGE: &str = "orders:manage";
/// Read any payment; authorize and capture payments.
pub const PAYMENTS_MANAGE: &str = "payments:manage";
/// Refund captured payments.
pub const PAYMENTS_REFUND: &str = "payments:refund";
/// Read any shipment; create shipments and move them along.
pub const FULFILLMENT_MANAGE: &str = "fulfillment:manage";
/// Adjust stock levels.
pub const INVENTORY_MANAGE: &str = "inventory:manage";
/// Read any return; request returns for any order; approve, reject, mark refunded.
pub const RETURNS_MANAGE: &str = "returns:manage";

/// Every scope above: what an administrator's token carries.
pub const ALL: [&str; 8] = [
    CUSTOMERS_READ,
    CUSTOMERS_MANAGE,
    ORDERS_MANAGE,
    PAYMENTS_MANAGE,
    PAYMENTS_REFUND,
    FULFILLMENT_MANAGE,
    INVENTORY_MANAGE,
    RETURNS_MANAGE,
];
