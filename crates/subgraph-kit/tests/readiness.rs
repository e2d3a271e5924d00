//! `/ready` follows the database and the broker for real: a PostgreSQL database that refuses
//! connections and a NATS server that was stopped make it 503 naming them, and it is 200 again
//! once they are back; `/health` stays 200 throughout.

use axum::routing::get;
use axum::Router;
use sqlx::postgres::PgPoolOptions;
use sqlx::{Connection, PgConnection};
use std::net::TcpListener as StdListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use subgraph_kit::readiness::{self, Readiness};
use subgraph_kit::server::serve;
use subgraph_kit::testing::{server_url, TestDb};

/// Serve `/ready` and `/health` on an ephemeral port; returns the base URL.
async fn serve_probes(readiness: Readiness) -> String {
    let router = Router::new()
        .route("/ready", get(readiness::ready).with_state(readiness))
        .route("/health", get(|| async { "ok" }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(serve(listener, router, std::future::pending()));
    format!("http://{addr}")
}

async fn probe(base: &str, path: &str) -> (u16, String) {
    let res = reqwest::get(format!("{base}{path}")).await.expect("probe");
    (res.status().as_u16(), res.text().await.expect("body"))
}

/// Probe `/ready` until it answers `want` (dependencies change state asynchronously).
async fn ready_becomes(base: &str, want: (u16, &str)) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let got = probe(base, "/ready").await;
        if (got.0, got.1.as_str()) == want {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "/ready stayed {got:?}, want {want:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Let connections into `db` or not, and end the ones it has.
async fn database_reachable(db: &TestDb, reachable: bool) {
    let mut admin = PgConnection::connect(&server_url()).await.expect("admin");
    sqlx::query(&format!(
        "ALTER DATABASE {} WITH ALLOW_CONNECTIONS {reachable}",
        db.name
    ))
    .execute(&mut admin)
    .await
    .expect("alter database");
    if !reachable {
        sqlx::query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1")
            .bind(&db.name)
            .execute(&mut admin)
            .await
            .expect("terminate backends");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn ready_fails_while_the_database_is_unreachable_and_health_does_not() {
    let db = TestDb::create().await;
    let pool = PgPoolOptions::new()
        .acquire_timeout(Duration::from_secs(1))
        .connect(&db.url)
        .await
        .expect("pool");
    let base = serve_probes(Readiness::new(pool)).await;
    assert_eq!(probe(&base, "/ready").await, (200, "ready".into()));

    database_reachable(&db, false).await;
    ready_becomes(&base, (503, "database unavailable")).await;
    assert_eq!(probe(&base, "/health").await, (200, "ok".into()));

    database_reachable(&db, true).await;
    ready_becomes(&base, (200, "ready")).await;
}

/// A NATS server of this test's own on `port`, so stopping it disturbs no one.
fn nats_server(port: u16) -> Child {
    Command::new("nats-server")
        .args(["-a", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("nats-server on PATH (Debian: apt-get install nats-server)")
}

#[tokio::test(flavor = "multi_thread")]
async fn ready_fails_while_the_broker_is_unreachable() {
    let port = StdListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let mut server = nats_server(port);
    let url = format!("nats://127.0.0.1:{port}");
    let client = async_nats::ConnectOptions::new()
        .retry_on_initial_connect()
        .connect(&url)
        .await
        .expect("connect to NATS");
    let db = TestDb::create().await;
    let pool = PgPoolOptions::new().connect(&db.url).await.expect("pool");
    let base = serve_probes(Readiness::new(pool).with_broker(client)).await;
    ready_becomes(&base, (200, "ready")).await;

    server.kill().expect("stop nats-server");
    let _ = server.wait();
    ready_becomes(&base, (503, "broker unavailable")).await;
    assert_eq!(probe(&base, "/health").await, (200, "ok".into()));

    let mut server = nats_server(port);
    ready_becomes(&base, (200, "ready")).await;
    let _ = server.kill();
    let _ = server.wait();
}
