//! The payments subgraph: authorizes, captures and refunds payments of orders, and extends
//! the orders subgraph's `Order` with `payments` and `amountDue` (through `@requires` on the
//! order's total).

pub mod db;
pub mod domain;
pub mod events;
pub mod graphql;
pub mod seed;

use async_graphql::dataloader::DataLoader;
use async_graphql::{EmptySubscription, SDLExportOptions};
use axum::Router;
use graphql::{CancelledOrders, Mutation, PaymentById, PaymentsByOrder, PerRequest, Query};
use sqlx::migrate::Migrator;
use sqlx::PgPool;
use subgraph_kit::limits::Bounded;
use subgraph_kit::server::{graphql_router, Subgraph};
use subgraph_kit::{AppResult, ErrorCodes};

static MIGRATOR: Migrator = sqlx::migrate!();

pub type PaymentsSchema = async_graphql::Schema<Query, Mutation, EmptySubscription>;

/// The payments subgraph, run by `subgraph_kit::server::run`.
pub struct Payments;

impl Subgraph for Payments {
    const NAME: &'static str = "payments";
    const DEFAULT_PORT: u16 = 4003;
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
pub fn schema(pool: PgPool) -> PaymentsSchema {
    async_graphql::Schema::build(Query, Mutation, EmptySubscription)
        .enable_federation()
        .extension(ErrorCodes)
        .extension(PerRequest::default())
        .bounded()
        .data(DataLoader::new(PaymentById(pool.clone()), tokio::spawn))
        .data(DataLoader::new(PaymentsByOrder(pool.clone()), tokio::spawn))
        .data(DataLoader::new(CancelledOrders(pool.clone()), tokio::spawn))
        .data(pool)
        .finish()
}

/// The federation SDL of this subgraph (committed as `schema.graphql`).
pub fn sdl() -> String {
    let sdl = schema_without_data().sdl_with_options(SDLExportOptions::new().federation());
    subgraph_kit::sdl::federation_sdl(&sdl)
}

fn schema_without_data() -> PaymentsSchema {
    async_graphql::Schema::build(Query, Mutation, EmptySubscription)
        .enable_federation()
        .finish()
}
