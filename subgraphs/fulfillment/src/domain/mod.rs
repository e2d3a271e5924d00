//! Fulfillment rules: validated requests, the shipment state machine, and who may do what.
//! No SQL, no GraphQL.

pub mod access;
mod order;
mod shipment;
mod stock;

pub use order::{check_shipment, unshipped, KnownOrder};
pub use shipment::{CreateShipment, Line, Shipment, Status};
pub use stock::{validate_sku, StockAdjustment, StockError, MAX_STOCK, MAX_STOCK_DELTA};

/// Why a request breaks a fulfillment rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    #[error("{0}")]
    Invalid(String),
    #[error("shipment is {current}: cannot {action}")]
    WrongState {
        current: Status,
        action: &'static str,
    },
}

impl From<DomainError> for subgraph_kit::AppError {
    fn from(e: DomainError) -> Self {
        match e {
            DomainError::Invalid(msg) => subgraph_kit::AppError::bad_input(msg),
            DomainError::WrongState { .. } => subgraph_kit::AppError::conflict(e.to_string()),
        }
    }
}

/// Longest carrier name, tracking number or SKU accepted.
pub const MAX_TEXT_LEN: usize = 64;

/// Trim `value` and require 1 to [`MAX_TEXT_LEN`] characters.
pub(crate) fn required_text(field: &str, value: &str) -> Result<String, DomainError> {
    let v = value.trim();
    if v.is_empty() || v.chars().count() > MAX_TEXT_LEN {
        return Err(DomainError::Invalid(format!(
            "{field} must be 1 to {MAX_TEXT_LEN} characters"
        )));
    }
    Ok(v.to_string())
}
