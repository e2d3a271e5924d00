//! Query root, including the federation entity resolvers for `Order`, `Product` and the
//! `Customer` stub this subgraph extends.

use crate::db::products;
use crate::graphql::batch::entity_batch;
use crate::graphql::customer::Customer;
use crate::graphql::loaders::{Loaders, Sku};
use crate::graphql::types::{Order, Product, ProductConnection};
use async_graphql::{Context, Object, Result, ID};
use sqlx::PgPool;
use subgraph_kit::pagination::{decode_cursor, encode_cursor, page_size, PageInfo};
use subgraph_kit::AppError;
use uuid::Uuid;

pub struct Query;

#[Object]
impl Query {
    /// The order with this id, or null.
    async fn order(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Order>> {
        let id = parse_id(&id)?;
        Ok(ctx
            .data::<Loaders>()?
            .load_one(id)
            .await
            .map_err(AppError::from)?)
    }

    /// The product with this SKU, or null.
    async fn product(&self, ctx: &Context<'_>, sku: ID) -> Result<Option<Product>> {
        let loaders = ctx.data::<Loaders>()?;
        Ok(loaders.load_one(Sku(sku.0)).await.map_err(AppError::from)?)
    }

    /// The catalog in SKU order, `first` at a time (at most 100).
    async fn products(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<ProductConnection> {
        let limit = page_size(first)?;
        let after = after.as_deref().map(decode_cursor).transpose()?;
        let mut rows = products::page(ctx.data::<PgPool>()?, after.as_deref(), limit + 1).await?;
        let has_next_page = rows.len() as i64 > limit;
        rows.truncate(limit as usize);
        let end_cursor = rows.last().map(|r| encode_cursor(&r.sku));
        Ok(ProductConnection {
            nodes: rows.into_iter().map(Product::from).collect(),
            page_info: PageInfo {
                has_next_page,
                end_cursor,
            },
        })
    }

    /// Federation: resolve `Order` representations; unknown or malformed ids give null.
    #[graphql(entity)]
    async fn find_order_by_id(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Order>> {
        let Ok(id) = Uuid::parse_str(&id) else {
            return Ok(None);
        };
        Ok(ctx
            .data::<Loaders>()?
            .load_one(id)
            .await
            .map_err(AppError::from)?)
    }

    /// Federation: resolve `Product` representations; unknown SKUs give null.
    #[graphql(entity)]
    async fn find_product_by_sku(&self, ctx: &Context<'_>, sku: ID) -> Result<Option<Product>> {
        let loaders = ctx.data::<Loaders>()?;
        Ok(loaders.load_one(Sku(sku.0)).await.map_err(AppError::from)?)
    }

    /// Federation: any customer id is a valid reference; one with no orders has an empty page.
    #[graphql(entity)]
    async fn find_customer_by_id(&self, ctx: &Context<'_>, id: ID) -> Customer {
        let batch = entity_batch(ctx);
        if let Some(batch) = &batch {
            batch.note_customers(ctx);
        }
        Customer { id, batch }
    }
}

/// Parse a client-supplied id.
pub fn parse_id(id: &ID) -> Result<Uuid, AppError> {
    Uuid::parse_str(id).map_err(|_| AppError::bad_input(format!("{:?} is not a valid id", id.0)))
}
