//! Test helpers: a throw-away database per test on the real PostgreSQL, a real HTTP server on
//! port 0 that verifies tokens of a test signing key, tokens minted with that key, a GraphQL
//! client, and a counter of SQL statements.

use crate::auth::{scopes, AuthSettings, Authenticator};
use crate::config::DEFAULT_DATABASE_URL;
use crate::server::{prepare, serve, Subgraph};
use crate::ServiceConfig;
use crowdcrunch_auth::dev::{DevKey, TokenSpec, DEV_AUDIENCE, DEV_ISSUER};
use serde_json::{json, Value};
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection, PgPool};
use std::net::SocketAddr;
use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
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
        nats_url: None,
    };
    let pool = prepare::<S>(&config).await.expect("prepare database");
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .expect("bind port 0");
    let addr = listener.local_addr().expect("local addr");
    let auth = Authenticator::new(&test_auth_settings())
        .await
        .expect("load the test signing key");
    let router = crate::server::observe(S::router(pool.clone()), Arc::new(auth));
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

    /// POST a GraphQL request as an administrator (every staff scope) and return the whole
    /// JSON response. Tests of who may do what use [`TestApp::gql_as`].
    pub async fn gql(&self, query: &str, variables: Value) -> Value {
        self.gql_as(Some(&admin_token()), query, variables).await.1
    }

    /// POST a GraphQL request with bearer `token` (none: anonymous); status and JSON body.
    pub async fn gql_as(&self, token: Option<&str>, query: &str, variables: Value) -> (u16, Value) {
        let mut request = self
            .client
            .post(self.graphql_url())
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("send GraphQL request");
        let status = response.status().as_u16();
        let body = response.json().await.expect("GraphQL response is JSON");
        (status, body)
    }

    /// Count rows of `table` (in the service's schema).
    pub async fn count(&self, table: &str) -> i64 {
        sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
            .fetch_one(&self.pool)
            .await
            .expect("count rows")
    }
}

/// The signing key of this test process: a dev key in a temporary directory of its own.
pub fn test_key() -> &'static DevKey {
    static KEY: OnceLock<DevKey> = OnceLock::new();
    KEY.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("cc-test-key-{}", std::process::id()));
        DevKey::ensure(&dir).expect("create the test signing key")
    })
}

/// Settings that verify tokens of [`test_key`].
pub fn test_auth_settings() -> AuthSettings {
    AuthSettings {
        jwks_file: Some(test_key().jwks_path().to_path_buf()),
        jwks_url: None,
        issuer: Some(DEV_ISSUER.into()),
        audiences: vec![DEV_AUDIENCE.into()],
    }
}

fn mint(sub: String, customer_id: Option<uuid::Uuid>, scopes: &[&str]) -> String {
    test_key()
        .mint(&TokenSpec {
            sub,
            customer_id: customer_id.map(|id| id.to_string()),
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            ttl_s: 3600,
        })
        .expect("mint a test token")
}

/// A token of customer `id`.
pub fn customer_token(id: uuid::Uuid) -> String {
    mint(format!("customer-{id}"), Some(id), &[])
}

/// A staff token with `scopes`.
pub fn staff_token(scopes: &[&str]) -> String {
    mint("staff-test".into(), None, scopes)
}

/// A staff token with every scope.
pub fn admin_token() -> String {
    static TOKEN: OnceLock<String> = OnceLock::new();
    TOKEN.get_or_init(|| staff_token(&scopes::ALL)).clone()
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

/// Apply `event` with `handler` as its consumer would (one transaction, committed), without a
/// broker: what a subgraph's tests use to give it the facts other domains would send.
/// Panics if the handler refuses it.
pub async fn deliver<E: crate::events::Event>(
    pool: &PgPool,
    handler: &dyn crate::events::Handler,
    event: &E,
) {
    try_deliver(pool, handler, event)
        .await
        .expect("the handler applies the event");
}

/// As [`deliver`], returning the handler's refusal (the transaction rolled back).
pub async fn try_deliver<E: crate::events::Event>(
    pool: &PgPool,
    handler: &dyn crate::events::Handler,
    event: &E,
) -> Result<(), crate::events::HandlerError> {
    let envelope = crate::events::Envelope::new(event).expect("encode the event");
    let mut tx = pool.begin().await.expect("begin");
    match handler.handle(&mut tx, &envelope).await {
        Ok(()) => {
            tx.commit().await.expect("commit");
            Ok(())
        }
        Err(err) => {
            let _ = tx.rollback().await;
            Err(err)
        }
    }
}
