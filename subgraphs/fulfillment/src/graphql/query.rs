use super::batch::{entity_batch, load_failed};
use super::loaders::ShipmentById;
use super::parse_id;
use super::types::{Order, Product, ShipmentNode};
use crate::db;
use crate::domain::access;
use async_graphql::dataloader::DataLoader;
use async_graphql::{Context, Object, Result, ID};
use sqlx::PgPool;
use subgraph_kit::auth::identity;
use uuid::Uuid;

pub struct Query;

#[Object]
impl Query {
    /// A shipment by id, or null when there is none: one addressed to the caller, or any
    /// with `fulfillment:manage`.
    #[graphql(directive = subgraph_kit::sdl::authenticated::apply())]
    async fn shipment(&self, ctx: &Context<'_>, id: ID) -> Result<Option<ShipmentNode>> {
        let who = identity(ctx);
        who.require_authenticated()?;
        let id = parse_id(&id, "shipment id")?;
        let loader = ctx.data::<DataLoader<ShipmentById>>()?;
        let shipment = loader.load_one(id).await.map_err(load_failed)?;
        if let Some(shipment) = &shipment {
            access::read(who, shipment.customer_id)?;
        }
        Ok(shipment.map(ShipmentNode))
    }

    /// Federation: Shipment representations; unknown or malformed ids give null.
    #[graphql(entity)]
    async fn find_shipment_by_id(&self, ctx: &Context<'_>, id: ID) -> Result<Option<ShipmentNode>> {
        identity(ctx).require_authenticated()?;
        let Ok(id) = Uuid::parse_str(&id) else {
            return Ok(None);
        };
        let Some(batch) = entity_batch(ctx) else {
            return self.shipment(ctx, ID(id.to_string())).await;
        };
        batch
            .shipments
            .note(ctx, "Shipment", "id", |s| Uuid::parse_str(s).ok());
        let pool = ctx.data::<PgPool>()?;
        let shipment = batch
            .shipments
            .get(&id, |ids| async move {
                let rows = db::shipments_by_ids(pool, &ids).await?;
                Ok(rows.into_iter().map(|s| (s.id, s)).collect())
            })
            .await
            .map_err(load_failed)?;
        if let Some(shipment) = &shipment {
            access::read(identity(ctx), shipment.customer_id)?;
        }
        Ok(shipment.map(ShipmentNode))
    }

    /// Federation: Product representations. Every SKU resolves; unstocked ones have stock 0.
    #[graphql(entity)]
    async fn find_product_by_sku(&self, ctx: &Context<'_>, sku: ID) -> Product {
        let batch = entity_batch(ctx);
        if let Some(batch) = &batch {
            batch
                .stock
                .note(ctx, "Product", "sku", |s| Some(s.to_string()));
        }
        Product {
            sku: sku.0,
            stock: None,
            batch,
        }
    }

    /// Federation: Order representations; malformed ids give null.
    #[graphql(entity)]
    async fn find_order_by_id(&self, ctx: &Context<'_>, id: ID) -> Option<Order> {
        let id = Uuid::parse_str(&id).ok()?;
        let batch = entity_batch(ctx);
        if let Some(batch) = &batch {
            batch
                .order_shipments
                .note(ctx, "Order", "id", |s| Uuid::parse_str(s).ok());
        }
        Some(Order { id, batch })
    }
}
