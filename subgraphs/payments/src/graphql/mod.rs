//! The GraphQL surface of the payments subgraph.

mod batch;
mod loaders;
mod mutation;
mod query;
mod types;

pub use batch::PerRequest;
pub use loaders::{CancelledOrders, PaymentById, PaymentsByOrder};
pub use mutation::Mutation;
pub use query::Query;
pub use types::{MoneyInput, Order, PaymentMethod, PaymentNode, PaymentStatus};

use async_graphql::ID;
use subgraph_kit::AppError;
use uuid::Uuid;

/// Parse a client-supplied ID as a UUID.
pub(crate) fn parse_id(id: &ID, what: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(id)
        .map_err(|_| AppError::bad_input(format!("{what} {:?} is not a valid id", id.as_str())))
}
