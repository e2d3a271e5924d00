//! Return rules: a validated request, the review state machine, and who may do what. No
//! SQL, no GraphQL.

pub mod access;
mod facts;
mod request;

pub use facts::{check_return, OrderFacts};
pub use request::{Line, RequestReturn, Return, Status};

/// Why a request breaks a return rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    #[error("{0}")]
    Invalid(String),
    #[error("return is {current}: cannot {action}")]
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

/// Longest reason accepted.
pub const MAX_REASON_LEN: usize = 500;
/// Longest SKU accepted.
pub const MAX_SKU_LEN: usize = 64;

/// Trim `value` and require 1 to `max` characters.
pub(crate) fn required_text(field: &str, value: &str, max: usize) -> Result<String, DomainError> {
    let v = value.trim();
    if v.is_empty() || v.chars().count() > max {
        return Err(DomainError::Invalid(format!(
            "{field} must be 1 to {max} characters"
        )));
    }
    Ok(v.to_string())
}
