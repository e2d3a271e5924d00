//! GraphQL object types of the customers subgraph.

use crate::db::notifications::{self, NotificationRow};
use crate::db::CustomerRow;
use crate::domain::notification::MAX_NOTIFICATIONS;
use async_graphql::{ComplexObject, Context, Result, SimpleObject, ID};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use subgraph_kit::pagination::PageInfo;
use subgraph_kit::AppError;

/// A shopper with an account. Owned by this subgraph; other subgraphs reference it by `id`.
#[derive(Debug, Clone, Serialize, Deserialize, SimpleObject)]
#[graphql(complex)]
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

#[ComplexObject]
impl Customer {
    /// The e-mails sent to this customer about their orders, newest first (at most
    /// `first`, 1 to 100).
    async fn notifications(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20)] first: i32,
    ) -> Result<Vec<Notification>> {
        if !(1..=MAX_NOTIFICATIONS).contains(&first) {
            return Err(AppError::bad_input(format!(
                "first must be between 1 and {MAX_NOTIFICATIONS}"
            ))
            .into());
        }
        let id = uuid::Uuid::parse_str(&self.id)
            .map_err(|_| AppError::Internal(format!("customer id {} is not a UUID", *self.id)))?;
        let rows = notifications::latest(ctx.data::<PgPool>()?, id, i64::from(first)).await?;
        Ok(rows.into_iter().map(Notification::from).collect())
    }
}

/// An e-mail the notification service sent a customer.
#[derive(Debug, Clone, SimpleObject)]
pub struct Notification {
    pub id: ID,
    /// The order event that caused it, e.g. `OrderPlaced`.
    pub kind: String,
    pub subject: String,
    pub body: String,
    pub sent_at: DateTime<Utc>,
}

impl From<NotificationRow> for Notification {
    fn from(r: NotificationRow) -> Self {
        Notification {
            id: ID(r.id.to_string()),
            kind: r.kind,
            subject: r.subject,
            body: r.body,
            sent_at: r.created_at,
        }
    }
}

/// One page of customers in creation order.
#[derive(Debug, SimpleObject)]
pub struct CustomerConnection {
    pub nodes: Vec<Customer>,
    pub page_info: PageInfo,
}
