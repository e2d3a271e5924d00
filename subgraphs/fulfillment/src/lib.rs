//! The fulfillment subgraph: stock on hand per SKU, reserved for each placed order, and the
//! shipments of paid orders. It extends the orders subgraph's `Product` with `stock` and
//! `Order` with `shipments`.

pub mod carrier;
pub mod db;
pub mod domain;
pub mod events;
pub mod graphql;
pub mod seed;

use async_graphql::dataloader::DataLoader;
use async_graphql::{EmptySubscription, SDLExportOptions};
use axum::Router;
use graphql::{Mutation, PerRequest, Query, ShipmentById, ShipmentsByOrder, StockBySku};
use sqlx::migrate::Migrator;
use sqlx::PgPool;
use subgraph_kit::limits::Bounded;
use subgraph_kit::server::{graphql_router, Subgraph};
use subgraph_kit::{AppResult, ErrorCodes};

static MIGRATOR: Migrator = sqlx::migrate!();

pub type FulfillmentSchema = async_graphql::Schema<Query, Mutation, EmptySubscription>;

/// The fulfillment subgraph, run by `subgraph_kit::server::run`.
pub struct Fulfillment;

impl Subgraph for Fulfillment {
    const NAME: &'static str = "fulfillment";
    const DEFAULT_PORT: u16 = 4004;
    const PRODUCES_EVENTS: bool = true;

    fn migrator() -> &'static Migrator {
        &MIGRATOR
    }

    fn router(pool: PgPool) -> Router {
        graphql_router(schema(pool.clone()), pool)
    }

    async fn seed(pool: &PgPool) -> AppResult<()> {
        seed::seed(pool).await
    }

    fn subscriptions(pool: &PgPool) -> Vec<subgraph_kit::events::Subscription> {
        events::subscriptions(pool)
    }

    fn workers(
        pool: &PgPool,
    ) -> Vec<std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>> {
        vec![Box::pin(carrier::run(
            pool.clone(),
            carrier::delay_from_env(),
        ))]
    }
}

/// The executable schema over `pool`.
pub fn schema(pool: PgPool) -> FulfillmentSchema {
    async_graphql::Schema::build(Query, Mutation, EmptySubscription)
        .enable_federation()
        .extension(ErrorCodes)
        .extension(PerRequest::default())
        .bounded()
        .data(DataLoader::new(ShipmentById(pool.clone()), tokio::spawn))
        .data(DataLoader::new(
            ShipmentsByOrder(pool.clone()),
            tokio::spawn,
        ))
        .data(DataLoader::new(StockBySku(pool.clone()), tokio::spawn))
        .data(pool)
        .finish()
}

/// The federation SDL of this subgraph (committed as `schema.graphql`).
pub fn sdl() -> String {
    let sdl = async_graphql::Schema::build(Query, Mutation, EmptySubscription)
        .enable_federation()
        .finish()
        .sdl_with_options(SDLExportOptions::new().federation());
    subgraph_kit::sdl::federation_sdl(&sdl)
}
