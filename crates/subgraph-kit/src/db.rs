//! The Postgres pool of one service, confined to the service's own schema.

use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, PgPool};
use std::str::FromStr;
use std::time::Duration;

/// Failure to reach or prepare the database.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("invalid schema name {0:?}")]
    SchemaName(String),
    #[error("database error: {0}")]
    Sqlx(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// Open a pool whose connections all use `schema` as their search path, creating the schema
/// if needed. Migrations run through this pool record themselves in `<schema>._sqlx_migrations`,
/// so each service's migration history is its own.
pub async fn connect(url: &str, schema: &str, max_connections: u32) -> Result<PgPool, DbError> {
    if schema.is_empty()
        || !schema
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        return Err(DbError::SchemaName(schema.to_string()));
    }
    // Notices are dropped at the server: every start would otherwise log "schema ... already
    // exists, skipping" and the same for sqlx's migrations table (`IF NOT EXISTS` notices).
    let options = PgConnectOptions::from_str(url)?
        .options([("search_path", schema), ("client_min_messages", "warning")])
        .log_slow_statements(tracing::log::LevelFilter::Warn, Duration::from_millis(500));
    // Create the schema on a one-off connection: the pool's search path names it already.
    let mut conn = options.connect().await?;
    sqlx::query(&format!("CREATE SCHEMA IF NOT EXISTS {schema}"))
        .execute(&mut conn)
        .await?;
    drop(conn);
    // A one-connection pool (the launcher's embedded pglite servers) queues every query behind
    // the one in flight, and opening that connection to a WASM server on a loaded machine can
    // take well over 10 s: a start-up seed must not time out waiting for it.
    let acquire_timeout = if max_connections <= 1 { 60 } else { 10 };
    let pool = PgPoolOptions::new()
        .max_connections(max_connections.max(1))
        .acquire_timeout(Duration::from_secs(acquire_timeout))
        // The first acquire opens the connection: ~2.5 s to an embedded (pglite) server, which
        // the default 2 s threshold reported as a slow-acquire warning on every start.
        .acquire_slow_threshold(Duration::from_secs(5))
        .connect_with(options)
        .await?;
    Ok(pool)
}

/// Apply the service's migrations inside its schema.
pub async fn migrate(pool: &PgPool, migrator: &Migrator) -> Result<(), DbError> {
    migrator.run(pool).await?;
    Ok(())
}
