//! SQL for inventory and shipments.

mod inventory;
pub mod orders;
mod shipments;

pub use inventory::{adjust_stock, release, stock_by_skus, try_reserve};
pub use shipments::{
    insert_shipment, lock_due, lock_order_shipments, lock_shipment, shipments_by_ids,
    shipments_by_order_ids, update_status,
};
