//! The one-command path on a machine without PostgreSQL: embedded pglite databases.

use crate::support::{data, process_gone, Options, Platform, GATEWAY, SERVICES};
use serde_json::json;
use std::time::Duration;

const CREATE: &str = "mutation($input: CreateCustomerInput!, $key: String!) {
  createCustomer(input: $input, idempotencyKey: $key) { id email }
}";
const CUSTOMER: &str = "query($id: ID!) { customer(id: $id) { id email name } }";

/// A data directory of its own, removed afterwards.
struct TempDir(std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn embedded_platform_serves_seeded_data_keeps_writes_across_restarts_and_stops_on_ctrl_c() {
    let dir = TempDir(std::env::temp_dir().join(format!("cc-embedded-{}", uuid::Uuid::new_v4())));
    let mut platform = Platform::start(Options {
        database_url: None,
        data_dir: &dir.0,
    });

    let (status, seeded) = platform.gql(
        "customers",
        "{ customers(first: 5) { nodes { id } } }",
        json!({}),
    );
    assert_eq!(status, 200);
    assert_eq!(
        data(&seeded)["customers"]["nodes"].as_array().map(Vec::len),
        Some(5)
    );

    let input = json!({ "email": "Ada@Example.com", "name": "Ada Lovelace" });
    let (_, created) = platform.gql(
        "customers",
        CREATE,
        json!({ "input": input, "key": "embedded-1" }),
    );
    let id = data(&created)["createCustomer"]["id"].clone();
    if GATEWAY {
        let (status, via_gateway) = platform.gql("gateway", CUSTOMER, json!({ "id": id }));
        assert_eq!(status, 200);
        assert_eq!(data(&via_gateway)["customer"]["email"], "ada@example.com");
    }

    let pids: Vec<_> = SERVICES.iter().map(|s| platform.pid_of(s)).collect();
    let status = platform.interrupt(Duration::from_secs(60));
    assert!(
        status.success(),
        "launcher exit {status}:\n{}",
        platform.output()
    );
    assert!(
        platform.output().contains("crowdcrunch: stopped"),
        "{}",
        platform.output()
    );
    assert!(
        pids.iter().all(|pid| process_gone(*pid)),
        "a child outlived the launcher"
    );
    drop(platform);

    let platform = Platform::start(Options {
        database_url: None,
        data_dir: &dir.0,
    });
    let (_, again) = platform.gql("customers", CUSTOMER, json!({ "id": id }));
    assert_eq!(data(&again)["customer"]["email"], "ada@example.com");
    // 100 seeded customers and Ada: the seed did not run again on the non-empty database.
    let (_, first) = platform.gql(
        "customers",
        "{ customers(first: 100) { nodes { id } pageInfo { endCursor } } }",
        json!({}),
    );
    let cursor = data(&first)["customers"]["pageInfo"]["endCursor"].clone();
    let (_, rest) = platform.gql(
        "customers",
        "query($after: String) { customers(first: 100, after: $after) { nodes { id } } }",
        json!({ "after": cursor }),
    );
    assert_eq!(
        data(&rest)["customers"]["nodes"].as_array().map(Vec::len),
        Some(1)
    );
}
