//! Payment rules: validated requests, the state machine of a payment, and who may see or
//! move it. No SQL, no GraphQL.

pub mod access;
mod order;
mod payment;
pub mod provider;

pub use order::{amount_due, check_authorization, return_value, FactLine, OrderFacts};
pub use payment::{
    AuthorizeRequest, Decision, DomainError, Method, Payment, RefundRequest, Status,
};
