//! What a subgraph says, to clients and in its log, when a client sends something huge or
//! wrong, and what it prints when it starts again: one real subgraph process
//! (`crowdcrunch subgraph customers`) on a fresh database of the real PostgreSQL.

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use subgraph_kit::testing::TestDb;

/// A megabyte of client input.
const MEGABYTE: usize = 1 << 20;

/// One subgraph process; its output lines are collected until it exits.
struct Subgraph {
    child: Child,
    addr: SocketAddr,
    lines: Arc<Mutex<Vec<String>>>,
}

impl Subgraph {
    fn start(database_url: &str, rust_log: &str) -> Subgraph {
        let addr = crate::support::free_addr();
        let mut child = Command::new(env!("CARGO_BIN_EXE_crowdcrunch"))
            .args(["subgraph", "customers"])
            .env("DATABASE_URL", database_url)
            .env("CUSTOMERS_LISTEN", addr.to_string())
            .env("SEED", "1")
            .env("RUST_LOG", rust_log)
            .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start crowdcrunch subgraph customers");
        let lines = Arc::new(Mutex::new(Vec::new()));
        for stream in [
            Box::new(child.stdout.take().expect("stdout")) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().expect("stderr")),
        ] {
            let lines = lines.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    lines.lock().expect("lines").push(line);
                }
            });
        }
        let subgraph = Subgraph { child, addr, lines };
        subgraph.wait_healthy();
        subgraph
    }

    fn wait_healthy(&self) {
        let deadline = Instant::now() + Duration::from_secs(120);
        let url = format!("http://{}/health", self.addr);
        while reqwest::blocking::get(&url).map_or(true, |r| !r.status().is_success()) {
            assert!(
                Instant::now() < deadline,
                "no /health:\n{}",
                self.lines().join("\n")
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn gql(&self, body: &Value) -> Value {
        reqwest::blocking::Client::new()
            .post(format!("http://{}/graphql", self.addr))
            .json(body)
            .send()
            .expect("POST /graphql")
            .json()
            .expect("a JSON answer")
    }

    /// SIGTERM, then every line it printed.
    fn stop(mut self) -> Vec<String> {
        kill(Pid::from_raw(self.child.id() as i32), Signal::SIGTERM).expect("SIGTERM");
        let status = self.child.wait().expect("wait");
        assert!(status.success(), "{status}:\n{}", self.lines().join("\n"));
        // The reader threads end with the pipes; give them a moment to push the last lines.
        std::thread::sleep(Duration::from_millis(200));
        self.lines()
    }

    fn lines(&self) -> Vec<String> {
        self.lines.lock().expect("lines").clone()
    }
}

fn new_database() -> TestDb {
    tokio::runtime::Runtime::new()
        .expect("tokio runtime")
        .block_on(TestDb::create())
}

#[test]
fn a_megabyte_argument_is_neither_echoed_back_nor_logged_whole() {
    let db = new_database();
    let subgraph = Subgraph::start(&db.url, "debug");
    let huge = "x".repeat(MEGABYTE);
    let inline = json!({ "query": format!("{{ customer(id: \"{huge}\") {{ id }} }}") });
    let variable = json!({
        "query": "query($id: ID!) { customer(id: $id) { id } }",
        "variables": { "id": huge },
    });
    for request in [inline, variable] {
        let answer = subgraph.gql(&request);
        let error = &answer["errors"][0];
        assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{answer:#}");
        let message = error["message"].as_str().expect("a message");
        assert!(message.len() < 400, "{} bytes echoed", message.len());
        assert!(message.ends_with("is not a valid id"), "{message}");
        assert!(message.contains("bytes left out"), "{message}");
    }
    let lines = subgraph.stop();
    let longest = lines.iter().map(String::len).max().unwrap_or(0);
    assert!(longest < 16 * 1024, "a log line of {longest} bytes");
    let refusals: Vec<Value> = lines
        .iter()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|l| l["fields"]["code"] == "BAD_USER_INPUT")
        .collect();
    assert_eq!(
        refusals.len(),
        2,
        "one line per refused request:\n{lines:#?}"
    );
    for line in refusals {
        assert_eq!(line["level"], "DEBUG", "{line}");
    }
}

#[test]
fn a_client_error_is_not_logged_at_the_default_level() {
    let db = new_database();
    let subgraph = Subgraph::start(&db.url, "info");
    let answer = subgraph.gql(&json!({ "query": "{ customer(id: \"nope\") { id } }" }));
    assert_eq!(answer["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    let lines = subgraph.stop();
    assert!(
        !lines.iter().any(|l| l.contains("nope")),
        "the refused input reached the log:\n{lines:#?}"
    );
}

#[test]
fn a_restart_prints_no_database_notices() {
    let db = new_database();
    Subgraph::start(&db.url, "info").stop();
    let lines = Subgraph::start(&db.url, "info").stop();
    let notices: Vec<&String> = lines
        .iter()
        .filter(|l| l.contains("notice") || l.contains("already exists"))
        .collect();
    assert!(notices.is_empty(), "{notices:#?}");
    assert!(
        lines.iter().any(|l| l.contains("\"listening\"")),
        "the second start did not get to listen:\n{lines:#?}"
    );
}
