//! The customers subgraph: owns `Customer @key(fields: "id")` (id, email, name, createdAt),
//! with `customer`, `customers` and the `createCustomer` / `updateCustomer` mutations.

pub mod db;
pub mod domain;
pub mod events;
pub mod graphql;
pub mod seed;

use async_graphql::{EmptySubscription, SDLExportOptions};
use axum::Router;
use graphql::{batch::PerRequest, loader::customer_loader, mutation::Mutation, query::Query};
use sqlx::migrate::Migrator;
use sqlx::PgPool;
use subgraph_kit::limits::Bounded;
use subgraph_kit::server::{graphql_router, Subgraph};
use subgraph_kit::{AppResult, ErrorCodes};

/// The schema type served by this subgraph.
pub type CustomersSchema = async_graphql::Schema<Query, Mutation, EmptySubscription>;

static MIGRATOR: Migrator = sqlx::migrate!();

/// The customers service, for `subgraph_kit::server::run`.
pub struct Customers;

impl Subgraph for Customers {
    const NAME: &'static str = "customers";
    const DEFAULT_PORT: u16 = 4001;
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

/// The federated schema over `pool`.
pub fn schema(pool: PgPool) -> CustomersSchema {
    async_graphql::Schema::build(Query, Mutation, EmptySubscription)
        .enable_federation()
        .extension(ErrorCodes)
        .extension(PerRequest::default())
        .bounded()
        .data(customer_loader(pool.clone()))
        .data(pool)
        .finish()
}

/// The subgraph's SDL as the gateway composes it.
pub fn sdl() -> String {
    let sdl = schema_without_database().sdl_with_options(SDLExportOptions::new().federation());
    subgraph_kit::sdl::federation_sdl(&sdl)
}

/// The SDL does not depend on data, so build it with a pool that never connects.
fn schema_without_database() -> CustomersSchema {
    async_graphql::Schema::build(Query, Mutation, EmptySubscription)
        .enable_federation()
        .extension(ErrorCodes)
        .finish()
}
