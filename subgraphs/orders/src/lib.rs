//! The orders subgraph: owns the catalog (`Product @key(fields: "sku")`) and
//! `Order @key(fields: "id")`, and adds `orders` to the customers subgraph's `Customer`.

pub mod cancellations;
pub mod db;
pub mod domain;
pub mod events;
pub mod graphql;
pub mod seed;

use async_graphql::SDLExportOptions;
use axum::Router;
use graphql::subscription::{self, Subscription};
use graphql::{batch::PerRequest, loaders::loaders, mutation::Mutation, query::Query};
use sqlx::migrate::Migrator;
use sqlx::PgPool;
use subgraph_kit::limits::Bounded;
use subgraph_kit::server::{graphql_router, Subgraph};
use subgraph_kit::{AppResult, ErrorCodes};

/// The schema type served by this subgraph.
pub type OrdersSchema = async_graphql::Schema<Query, Mutation, Subscription>;

static MIGRATOR: Migrator = sqlx::migrate!();

/// The orders service, for `subgraph_kit::server::run`.
pub struct Orders;

impl Subgraph for Orders {
    const NAME: &'static str = "orders";
    const DEFAULT_PORT: u16 = 4002;
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
        vec![Box::pin(cancellations::run(pool.clone()))]
    }
}

/// The federated schema over `pool`.
pub fn schema(pool: PgPool) -> OrdersSchema {
    async_graphql::Schema::build(Query, Mutation, Subscription)
        .enable_federation()
        .enable_subscription_in_federation()
        .extension(ErrorCodes)
        .extension(PerRequest::default())
        .bounded()
        .data(loaders(pool.clone()))
        .data(subgraph_kit::live::Changes::new(
            pool.clone(),
            subscription::CHANNEL,
        ))
        .data(pool)
        .finish()
}

/// The subgraph's SDL as the gateway composes it. It does not depend on data, so the schema
/// is built without a database.
pub fn sdl() -> String {
    let sdl = async_graphql::Schema::build(Query, Mutation, Subscription)
        .enable_federation()
        .enable_subscription_in_federation()
        .extension(ErrorCodes)
        .finish()
        .sdl_with_options(SDLExportOptions::new().federation());
    subgraph_kit::sdl::federation_sdl(&sdl)
}
