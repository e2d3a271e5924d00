//! The returns subgraph: return requests and their review (approve, reject, refunded).
//! It extends `Order` and `Payment` with their `returns`.

pub mod db;
pub mod domain;
pub mod events;
pub mod graphql;
pub mod seed;

use async_graphql::dataloader::DataLoader;
use async_graphql::{EmptySubscription, SDLExportOptions};
use axum::Router;
use graphql::{Mutation, PerRequest, Query, ReturnById, ReturnsByOrder, ReturnsByPayment};
use sqlx::migrate::Migrator;
use sqlx::PgPool;
use subgraph_kit::limits::Bounded;
use subgraph_kit::server::{graphql_router, Subgraph};
use subgraph_kit::{AppResult, ErrorCodes};

static MIGRATOR: Migrator = sqlx::migrate!();

pub type ReturnsSchema = async_graphql::Schema<Query, Mutation, EmptySubscription>;

/// The returns subgraph, run by `subgraph_kit::server::run`.
pub struct Returns;

impl Subgraph for Returns {
    const NAME: &'static str = "returns";
    const DEFAULT_PORT: u16 = 4005;
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
}

/// The executable schema over `pool`.
pub fn schema(pool: PgPool) -> ReturnsSchema {
    async_graphql::Schema::build(Query, Mutation, EmptySubscription)
        .enable_federation()
        .extension(ErrorCodes)
        .extension(PerRequest::default())
        .bounded()
        .data(DataLoader::new(ReturnById(pool.clone()), tokio::spawn))
        .data(DataLoader::new(ReturnsByOrder(pool.clone()), tokio::spawn))
        .data(DataLoader::new(
            ReturnsByPayment(pool.clone()),
            tokio::spawn,
        ))
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
