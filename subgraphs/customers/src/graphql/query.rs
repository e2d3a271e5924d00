//! Query root, including the federation entity resolver for `Customer`.

use crate::db::{self, Position};
use crate::domain::access;
use crate::graphql::batch::{entity_batch, load_failed};
use crate::graphql::loader::{self, CustomerLoader};
use crate::graphql::types::{Customer, CustomerConnection};
use async_graphql::dataloader::DataLoader;
use async_graphql::{Context, Object, Result, ID};
use sqlx::PgPool;
use subgraph_kit::auth::identity;
use subgraph_kit::pagination::{page_size, PageInfo};
use subgraph_kit::sdl::authenticated;
use subgraph_kit::AppError;
use uuid::Uuid;

pub struct Query;

#[Object]
impl Query {
    /// The customer with this id, or null (one's own, or any with `customers:read`).
    #[graphql(directive = authenticated::apply())]
    async fn customer(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Customer>> {
        let id = parse_id(&id)?;
        access::read(identity(ctx), id)?;
        Ok(loader::load(ctx.data::<DataLoader<CustomerLoader>>()?, id).await?)
    }

    /// Customers in creation order, `first` at a time (at most 100); staff with
    /// `customers:read`.
    #[graphql(requires_scopes = "customers:read", directive = subgraph_kit::sdl::list_size::apply(vec!["first".into()], vec!["nodes".into()], subgraph_kit::pagination::DEFAULT_PAGE_SIZE, false))]
    async fn customers(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<CustomerConnection> {
        access::list(identity(ctx))?;
        let limit = page_size(first)?;
        let after = after.as_deref().map(Position::from_cursor).transpose()?;
        let mut rows = db::page(ctx.data::<PgPool>()?, after.as_ref(), limit + 1).await?;
        let has_next_page = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        let end_cursor = rows.last().map(|r| Position::of(r).to_cursor());
        Ok(CustomerConnection {
            nodes: rows.into_iter().map(Customer::from).collect(),
            page_info: PageInfo {
                has_next_page,
                end_cursor,
            },
        })
    }

    /// Federation: resolve `Customer` representations; unknown or malformed ids give null,
    /// another customer's FORBIDDEN.
    /// Every customer of the request is loaded by one statement (the request's entity batch).
    #[graphql(entity)]
    async fn find_customer_by_id(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Customer>> {
        let Ok(id) = Uuid::parse_str(&id) else {
            return Ok(None);
        };
        access::read(identity(ctx), id)?;
        let Some(batch) = entity_batch(ctx) else {
            return Ok(loader::load(ctx.data::<DataLoader<CustomerLoader>>()?, id).await?);
        };
        batch
            .customers
            .note(ctx, "Customer", "id", |s| Uuid::parse_str(s).ok());
        let pool = ctx.data::<PgPool>()?;
        let customer = batch
            .customers
            .get(&id, |ids| async move {
                let rows = db::find_by_ids(pool, &ids).await?;
                Ok(rows.into_iter().map(|r| (r.id, r.into())).collect())
            })
            .await
            .map_err(load_failed)?;
        Ok(customer)
    }
}

/// Parse a client-supplied id.
pub fn parse_id(id: &ID) -> Result<Uuid, AppError> {
    Uuid::parse_str(id).map_err(|_| AppError::bad_input(format!("{:?} is not a valid id", id.0)))
}
