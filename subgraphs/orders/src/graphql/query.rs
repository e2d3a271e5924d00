//! Query root, including the federation entity resolvers for `Order`, `Product` and the
//! `Customer` stub this subgraph extends.

use crate::db::products;
use crate::domain::access;
use crate::graphql::batch::entity_batch;
use crate::graphql::customer::Customer;
use crate::graphql::loaders::{Loaders, Sku};
use crate::graphql::types::{Order, Product, ProductConnection};
use async_graphql::{Context, Object, Result, ID};
use sqlx::PgPool;
use subgraph_kit::auth::identity;
use subgraph_kit::pagination::{decode_cursor, encode_cursor, page_size, PageInfo};
use subgraph_kit::AppError;
use uuid::Uuid;

pub struct Query;

#[Object]
impl Query {
    /// The order with this id, or null: one's own, or any with `orders:manage`.
    #[graphql(directive = subgraph_kit::sdl::authenticated::apply())]
    async fn order(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Order>> {
        let id = parse_id(&id)?;
        load_order(ctx, id).await
    }

    /// The product with this SKU, or null.
    async fn product(&self, ctx: &Context<'_>, sku: ID) -> Result<Option<Product>> {
        let loaders = ctx.data::<Loaders>()?;
        Ok(loaders.load_one(Sku(sku.0)).await.map_err(AppError::from)?)
    }

    /// The catalog in SKU order, `first` at a time (at most 100).
    #[graphql(directive = subgraph_kit::sdl::list_size::apply(vec!["first".into()], vec!["nodes".into()], subgraph_kit::pagination::DEFAULT_PAGE_SIZE, false))]
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

    /// Federation: resolve `Order` representations; unknown or malformed ids give null,
    /// another customer's order FORBIDDEN.
    #[graphql(entity)]
    async fn find_order_by_id(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Order>> {
        access::ask(identity(ctx))?;
        let Ok(id) = Uuid::parse_str(&id) else {
            return Ok(None);
        };
        load_order(ctx, id).await
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

/// Order `id` if it exists and the caller may read it.
async fn load_order(ctx: &Context<'_>, id: Uuid) -> Result<Option<Order>> {
    let who = identity(ctx);
    access::ask(who)?;
    let order = ctx
        .data::<Loaders>()?
        .load_one(id)
        .await
        .map_err(AppError::from)?;
    if let Some(order) = &order {
        access::read(who, order.customer_id()?)?;
    }
    Ok(order)
}

/// Parse a client-supplied id.
pub fn parse_id(id: &ID) -> Result<Uuid, AppError> {
    Uuid::parse_str(id).map_err(|_| AppError::bad_input(format!("{:?} is not a valid id", id.0)))
}
