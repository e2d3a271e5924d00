//! GraphQL object types of the customers subgraph.

use crate::db::CustomerRow;
use async_graphql::{SimpleObject, ID};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use subgraph_kit::pagination::PageInfo;

/// A shopper with an account. Owned by this subgraph; other subgraphs reference it by `id`.
#[derive(Debug, Clone, Serialize, Deserialize, SimpleObject)]
pub struct Customer {
    pub id: ID,
    /// Unique, stored lower-cased.
    pub email: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

impl From<CustomerRow> for Customer {
    fn from(row: CustomerRow) -> Self {
        Customer {
            id: ID(row.id.to_string()),
            email: row.email,
            name: row.name,
            created_at: row.created_at,
        }
    }
}

/// One page of customers in creation order.
#[derive(Debug, SimpleObject)]
pub struct CustomerConnection {
    pub nodes: Vec<Customer>,
    pub page_info: PageInfo,
}
