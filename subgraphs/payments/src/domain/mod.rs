//! Payment rules: validated requests and the state machine of a payment. No SQL, no GraphQL.

mod payment;

pub use payment::{
    AuthorizeRequest, Decision, DomainError, Method, Payment, RefundRequest, Status,
};
