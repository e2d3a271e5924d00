//! The HTTP side of a subgraph: `/graphql`, `/health`, `/ready`, graceful shutdown, and the
//! `run` entry point every subgraph binary calls.

use crate::db::{self, DbError};
use crate::{AppError, ServiceConfig};
use async_graphql::{ObjectType, Schema, SubscriptionType};
use async_graphql_axum::GraphQL;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use sqlx::migrate::Migrator;
use sqlx::PgPool;
use std::future::Future;
use std::time::Duration;
use tokio::net::TcpListener;

/// How often the database pool gauges are sampled.
const POOL_SAMPLE_PERIOD: Duration = Duration::from_secs(1);

/// What a subgraph crate provides to be run by [`run`].
pub trait Subgraph: 'static {
    /// Service name and Postgres schema.
    const NAME: &'static str;
    /// Port used when none is configured.
    const DEFAULT_PORT: u16;
    /// The service's migrations (`sqlx::migrate!()`).
    fn migrator() -> &'static Migrator;
    /// The service's routes, usually [`graphql_router`] over its schema.
    fn router(pool: PgPool) -> Router;
    /// Load the deterministic demo data if the schema holds none.
    fn seed(pool: &PgPool) -> impl Future<Output = Result<(), AppError>> + Send;
}

/// Why a subgraph could not run.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("seeding failed: {0}")]
    Seed(AppError),
    #[error("server error: {0}")]
    Io(#[from] std::io::Error),
}

/// Routes shared by every subgraph: GraphQL at `/graphql` (POST, and GET for queries),
/// `/health` (the process is up) and `/ready` (the database answers).
pub fn graphql_router<Q, M, S>(schema: Schema<Q, M, S>, pool: PgPool) -> Router
where
    Q: ObjectType + 'static,
    M: ObjectType + 'static,
    S: SubscriptionType + 'static,
{
    Router::new()
        .route_service("/graphql", GraphQL::new(schema))
        .route("/health", get(|| async { "ok" }))
        .route("/ready", get(ready).with_state(pool))
}

async fn ready(State(pool): State<PgPool>) -> (StatusCode, &'static str) {
    let ping = sqlx::query("SELECT 1").execute(&pool);
    match tokio::time::timeout(Duration::from_secs(2), ping).await {
        Ok(Ok(_)) => (StatusCode::OK, "ready"),
        _ => (StatusCode::SERVICE_UNAVAILABLE, "database unavailable"),
    }
}

/// Add what every subgraph serves besides its own routes: `GET /metrics`, a server span per
/// request continuing the caller's W3C trace, and HTTP request metrics.
pub fn observe(router: Router) -> Router {
    router
        .route("/metrics", get(crate::metrics::metrics_handler))
        .layer(axum::middleware::from_fn(crate::metrics::record_http))
        .layer(axum::middleware::from_fn(crate::telemetry::trace_http))
}

/// Prepare the database of subgraph `S` (schema, migrations, optional seed) and return its pool.
pub async fn prepare<S: Subgraph>(config: &ServiceConfig) -> Result<PgPool, RunError> {
    let pool = db::connect(&config.database_url, S::NAME, config.max_connections).await?;
    db::migrate(&pool, S::migrator()).await?;
    if config.seed {
        S::seed(&pool).await.map_err(RunError::Seed)?;
    }
    Ok(pool)
}

/// Run subgraph `S` until SIGINT or SIGTERM: configuration, telemetry, database, server.
pub async fn run<S: Subgraph>() -> Result<(), RunError> {
    let config = ServiceConfig::load(S::NAME, S::DEFAULT_PORT)?;
    crate::telemetry::init(S::NAME);
    if let Err(e) = crate::metrics::install(S::NAME) {
        tracing::warn!(error = %e, "metrics recorder not installed; /metrics stays empty");
    }
    let result = run_instrumented::<S>(&config).await;
    crate::telemetry::shutdown();
    result
}

/// Apply subgraph `S`'s migrations (and the seed when configured), then return: what a
/// deployment's migration step runs before a new version serves.
pub async fn migrate_only<S: Subgraph>() -> Result<(), RunError> {
    let config = ServiceConfig::load(S::NAME, S::DEFAULT_PORT)?;
    crate::telemetry::init(S::NAME);
    let pool = prepare::<S>(&config).await?;
    pool.close().await;
    tracing::info!(service = S::NAME, "migrations applied");
    crate::telemetry::shutdown();
    Ok(())
}

async fn run_instrumented<S: Subgraph>(config: &ServiceConfig) -> Result<(), RunError> {
    let pool = prepare::<S>(config).await?;
    let sampler = crate::metrics::spawn_pool_sampler(pool.clone(), POOL_SAMPLE_PERIOD);
    let listener = TcpListener::bind(config.listen).await?;
    tracing::info!(service = S::NAME, addr = %listener.local_addr()?, "listening");
    serve(
        listener,
        observe(S::router(pool.clone())),
        shutdown_signal(),
    )
    .await?;
    sampler.abort();
    pool.close().await;
    tracing::info!(service = S::NAME, "stopped");
    Ok(())
}

/// Serve `router` on `listener` until `shutdown` completes, letting in-flight requests finish.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
