//! The broker on a machine without one: with no `nats-server` on PATH the launcher fetches the
//! pinned release (checked against its SHA-256) into the user's cache once and runs the
//! lifecycle on it, also later offline; told not to fetch (`--no-download`) with nothing
//! cached, it serves without a broker and says so.

use crate::events::{place, wait_for};
use crate::support::{Options, Platform};
use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;
use subgraph_kit::ids;
use subgraph_kit::testing::TestDb;

/// This PATH without the directories that hold a `nats-server`.
fn path_without_nats_server() -> OsString {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let kept: Vec<PathBuf> = std::env::split_paths(&path)
        .filter(|dir| !dir.join("nats-server").exists())
        .collect();
    std::env::join_paths(kept).expect("PATH")
}

fn temp(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("cc-{name}-{}", uuid::Uuid::new_v4()))
}

#[test]
fn without_nats_server_on_path_the_launcher_fetches_the_pinned_one_once_and_orders_reach_fulfilled()
{
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    let db = runtime.block_on(TestDb::create());
    let (dir, cache) = (temp("fetch-data"), temp("fetch-cache"));
    let env = [
        ("PATH", path_without_nats_server()),
        ("CROWDCRUNCH_CACHE_DIR", cache.clone().into_os_string()),
        ("CROWDCRUNCH_NO_DOWNLOAD", "false".into()),
    ];
    let options = || Options {
        database_url: Some(&db.url),
        data_dir: &dir,
    };
    let mut platform = Platform::start_with_env(options(), &[], &env);
    let said = platform.output();
    assert!(
        said.contains("crowdcrunch: no nats-server on PATH: fetching NATS server 2.15.1"),
        "{said}"
    );
    assert!(
        said.contains("crowdcrunch: no NATS_URL: started nats-server"),
        "{said}"
    );
    let executable = cache.join("nats-server-2.15.1/nats-server");
    let version = std::process::Command::new(&executable)
        .arg("--version")
        .output()
        .expect("run the fetched nats-server");
    assert!(
        String::from_utf8_lossy(&version.stdout).contains("v2.15.1"),
        "{version:?}"
    );

    let customer = ids::customer_id(5);
    let me = platform.token(&["--customer", &customer.to_string()]);
    let order = place(&platform, &me, customer, 7, 1);
    let done = wait_for(&platform, &me, &order, |o| o["status"] == "FULFILLED");
    assert_eq!(done["shipments"][0]["status"], "DELIVERED", "{done:#}");
    crate::invariants::check(&runtime, &db.url);
    assert!(platform.interrupt(Duration::from_secs(60)).success());

    // Started again, told not to download: the cached server (its SHA-256 checked), and the
    // order is still there.
    let mut again = Platform::start_with_env(options(), &["--no-download"], &env);
    let said = again.output();
    assert!(!said.contains("fetching NATS server"), "{said}");
    assert!(
        said.contains("crowdcrunch: no NATS_URL: started nats-server"),
        "{said}"
    );
    wait_for(&again, &me, &order, |o| o["status"] == "FULFILLED");
    assert!(again.interrupt(Duration::from_secs(60)).success());
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&cache);
}

#[test]
fn told_not_to_fetch_and_without_nats_server_the_platform_serves_and_orders_wait_placed() {
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    let db = runtime.block_on(TestDb::create());
    let (dir, cache) = (temp("offline-data"), temp("offline-cache"));
    let env = [
        ("PATH", path_without_nats_server()),
        ("CROWDCRUNCH_CACHE_DIR", cache.clone().into_os_string()),
    ];
    let options = Options {
        database_url: Some(&db.url),
        data_dir: &dir,
    };
    let mut platform = Platform::start_with_env(options, &["--no-download"], &env);
    let said = platform.output();
    assert!(
        said.contains(
            "crowdcrunch: no NATS_URL and no nats-server: domain events stay in each outbox"
        ),
        "{said}"
    );
    assert!(!cache.exists(), "fetched although told not to");
    let customer = ids::customer_id(6);
    let me = platform.token(&["--customer", &customer.to_string()]);
    let order = place(&platform, &me, customer, 8, 1);
    std::thread::sleep(Duration::from_secs(2));
    let placed = wait_for(&platform, &me, &order, |o| !o["status"].is_null());
    assert_eq!(placed["status"], "PLACED", "{placed:#}");
    // Its event waits in the outbox, to be published once a broker is configured.
    let pool = runtime
        .block_on(sqlx::PgPool::connect(&db.url))
        .expect("database");
    let waiting: i64 = runtime
        .block_on(
            sqlx::query_scalar(
                "SELECT count(*) FROM orders.outbox WHERE published_at IS NULL
                 AND envelope->>'type' = 'OrderPlaced' AND envelope->'data'->>'orderId' = $1",
            )
            .bind(&order)
            .fetch_one(&pool),
        )
        .expect("outbox");
    assert_eq!(waiting, 1);
    assert!(platform.interrupt(Duration::from_secs(60)).success());
    let _ = std::fs::remove_dir_all(&dir);
}
