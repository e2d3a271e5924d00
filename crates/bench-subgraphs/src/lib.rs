//! The public federation benchmark's four subgraphs (The Guild's gateway benchmark):
//! accounts, inventory, products and reviews, served from one HTTP server at
//! `/accounts`, `/inventory`, `/products` and `/reviews`. All data is static and indexed
//! at start-up, so under load the gateway in front of them is the bottleneck.

pub mod accounts;
pub mod data;
pub mod inventory;
pub mod products;
pub mod reviews;

use async_graphql_axum::GraphQL;
use axum::routing::{get, post_service};
use axum::Router;
use data::Fixture;
use std::net::SocketAddr;
use tokio::net::TcpListener;

/// The four subgraphs' names, which are also their URL paths.
pub const SUBGRAPHS: [&str; 4] = ["accounts", "inventory", "products", "reviews"];

/// The router serving all four subgraphs (POST) and `GET /health`.
pub fn router(fixture: &Fixture) -> Router {
    Router::new()
        .route(
            "/accounts",
            post_service(GraphQL::new(accounts::schema(&fixture.users))),
        )
        .route(
            "/inventory",
            post_service(GraphQL::new(inventory::schema(&fixture.stock))),
        )
        .route(
            "/products",
            post_service(GraphQL::new(products::schema(&fixture.products))),
        )
        .route(
            "/reviews",
            post_service(GraphQL::new(reviews::schema(&fixture.reviews))),
        )
        .route("/health", get(|| async { "OK" }))
}

/// Serves the subgraphs on an already bound listener until the task is dropped.
pub async fn serve(listener: TcpListener, fixture: &Fixture) -> std::io::Result<()> {
    axum::serve(listener, router(fixture)).await
}

/// Like [`serve`], each subgraph named in `delays` answering that much later (a slow
/// service, for benches of incremental delivery: `bench/defer.sh`).
pub async fn serve_with_delays(
    listener: TcpListener,
    fixture: &Fixture,
    delays: Vec<(String, std::time::Duration)>,
) -> std::io::Result<()> {
    let delays = std::sync::Arc::new(delays);
    let app = router(fixture).layer(axum::middleware::from_fn(
        move |req: axum::extract::Request, next: axum::middleware::Next| {
            let delay = delays
                .iter()
                .find(|(name, _)| req.uri().path().trim_start_matches('/') == name)
                .map(|(_, d)| *d);
            async move {
                if let Some(d) = delay {
                    tokio::time::sleep(d).await;
                }
                next.run(req).await
            }
        },
    ));
    axum::serve(listener, app).await
}

/// Binds `addr` (port 0 picks a free port) and serves the embedded fixture in a
/// background task; returns the bound address. For tests and benches.
pub async fn spawn(addr: SocketAddr) -> Result<SocketAddr, SpawnError> {
    let fixture = Fixture::embedded()?;
    let listener = TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    let app = router(&fixture);
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(bound)
}

/// Why the subgraphs could not be started.
#[derive(Debug, thiserror::Error)]
pub enum SpawnError {
    #[error(transparent)]
    Data(#[from] data::DataError),
    #[error("cannot listen: {0}")]
    Io(#[from] std::io::Error),
}
