//! Test helpers: a throw-away database per test on the real PostgreSQL, a real HTTP server on
//! port 0, a GraphQL client, and a counter of SQL statements.

use crate::config::DEFAULT_DATABASE_URL;
use crate::server::{prepare, serve, Subgraph};
use crate::ServiceConfig;
use serde_json::{json, Value};
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection, PgPool};
use std::net::SocketAddr;
use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::Layer;

/// The server tests run against: `TEST_DATABASE_URL`, else `DATABASE_URL`, else the local one.
pub fn server_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .or_else(|_| std::env::var("DATABASE_URL"))
        .unwrap_or_else(|_| DEFAULT_DATABASE_URL.to_string())
}

/// A database of its own for one test, dropped when the value is dropped.
pub struct TestDb {
    pub name: String,
    pub url: String,
    admin_url: String,
}

impl TestDb {
    /// Create an empty database with a unique name on the test server.
    pub async fn create() -> TestDb {
        let admin_url = server_url();
        let name = format!("cc_test_{}", uuid::Uuid::new_v4().simple());
        let mut conn = sqlx::PgConnection::connect(&admin_url)
            .await
            .expect("connect to the test PostgreSQL server");
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await
            .expect("create test database");
        let _ = conn.close().await;
        let opts = PgConnectOptions::from_str(&admin_url)
            .expect("valid test database url")
            .database(&name);
        TestDb {
            url: opts.to_url_lossy().to_string(),
            name,
            admin_url,
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let admin = self.admin_url.clone();
        let name = self.name.clone();
        // Drop cannot await: finish the clean-up on a thread of its own.
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async move {
                if let Ok(mut conn) = sqlx::PgConnection::connect(&admin).await {
                    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .execute(&mut conn)
                        .await;
                }
            });
        })
        .join();
    }
}

/// A subgraph served over real HTTP on an ephemeral port, with its own database.
pub struct TestApp {
    pub addr: SocketAddr,
    pub pool: PgPool,
    pub client: reqwest::Client,
    pub db: TestDb,
}

/// Start subgraph `S` on 127.0.0.1:0 against a fresh database (migrated, not seeded).
pub async fn spawn_app<S: Subgraph>() -> TestApp {
    spawn_app_with::<S>(false).await
}

/// Start subgraph `S` on 127.0.0.1:0 against a fresh database, optionally seeded.
pub async fn spawn_app_with<S: Subgraph>(seed: bool) -> TestApp {
    let db = TestDb::create().await;
    let config = ServiceConfig {
        name: S::NAME.to_string(),
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        database_url: db.url.clone(),
        max_connections: 10,
        seed,
    };
    let pool = prepare::<S>(&config).await.expect("prepare database");
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .expect("bind port 0");
    let addr = listener.local_addr().expect("local addr");
    let router = crate::server::observe(S::router(pool.clone()));
    tokio::spawn(serve(listener, router, std::future::pending()));
    TestApp {
        addr,
        pool,
        client: reqwest::Client::new(),
        db,
    }
}

impl TestApp {
    pub fn graphql_url(&self) -> String {
        format!("http://{}/graphql", self.addr)
    }

    /// POST a GraphQL request and return the whole JSON response.
    pub async fn gql(&self, query: &str, variables: Value) -> Value {
        self.client
            .post(self.graphql_url())
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("send GraphQL request")
            .json()
            .await
            .expect("GraphQL response is JSON")
    }

    /// Count rows of `table` (in the service's schema).
    pub async fn count(&self, table: &str) -> i64 {
        sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
            .fetch_one(&self.pool)
            .await
            .expect("count rows")
    }
}

/// The `extensions.code` of the first error in a response, if any.
pub fn error_code(response: &Value) -> Option<&str> {
    response["errors"][0]["extensions"]["code"].as_str()
}

/// Counts SQL statements that sqlx runs on the current thread while installed.
///
/// Use with `#[tokio::test]` (a current-thread runtime), so the server under test, its
/// database driver and the client all run on the thread the counter watches.
#[derive(Clone, Default)]
pub struct StatementCounter(Arc<AtomicUsize>);

impl StatementCounter {
    /// Start counting on this thread until the guard is dropped.
    pub fn install() -> (StatementCounter, CounterGuard) {
        let counter = StatementCounter::default();
        let layer = CountLayer(counter.0.clone());
        let subscriber = tracing_subscriber::registry().with(layer);
        // While the counter is the only live dispatcher, another test thread can register
        // sqlx's callsites as uninteresting and the cached interest then hides them from the
        // counter. A second live dispatcher plus a rebuild keeps the interest per-event.
        let keep_alive = tracing::Dispatch::new(tracing::subscriber::NoSubscriber::default());
        let guard = tracing::subscriber::set_default(subscriber);
        tracing::callsite::rebuild_interest_cache();
        (
            counter,
            CounterGuard {
                _guard: guard,
                _keep_alive: keep_alive,
            },
        )
    }

    pub fn get(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }

    pub fn reset(&self) {
        self.0.store(0, Ordering::SeqCst);
    }
}

/// Keeps a [`StatementCounter`] installed on its thread while alive.
pub struct CounterGuard {
    _guard: tracing::subscriber::DefaultGuard,
    _keep_alive: tracing::Dispatch,
}

struct CountLayer(Arc<AtomicUsize>);

impl<S: tracing::Subscriber> Layer<S> for CountLayer {
    fn on_event(&self, event: &tracing::Event<'_>, _ctx: Context<'_, S>) {
        if event.metadata().target() == "sqlx::query" {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
}
