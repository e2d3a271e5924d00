//! SQL for inventory and shipments.

mod inventory;
mod shipments;

pub use inventory::{adjust_stock, reserve, stock_by_skus};
pub use shipments::{
    insert_shipment, lock_shipment, shipments_by_ids, shipments_by_order_ids, update_status,
};
