//! The launcher restarts a crashed service: SIGKILL payments under load, and while it is down
//! answers through the gateway lose only what payments contributes (partial data, coded errors
//! at the orders that lost it); once restarted they are whole again by themselves. The same
//! for the gateway; Ctrl-C still stops everything, unrestarted.

use crate::support::{process_gone, Options, Platform};
use nix::sys::signal::{kill, Signal};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use subgraph_kit::ids;
use subgraph_kit::testing::TestDb;

/// Touches customers and payments (through orders).
const ORDER_WITH_PAYMENTS: &str = "query($c: ID!, $o: ID!) {
  customer(id: $c) { email }
  order(id: $o) { id status payments { id status } }
}";

/// A customer's history across customers, orders, payments and fulfillment.
const HISTORY: &str = "query($c: ID!) {
  customer(id: $c) { email orders(first: 5) { nodes {
    id status total { amount currency }
    payments { id status } amountDue { amount currency }
    shipments { id status }
  } } }
}";

/// The fields payments contributes to an order in [`HISTORY`].
const PAYMENT_FIELDS: [&str; 2] = ["payments", "amountDue"];

/// Ask `query` through the gateway until the answer has no errors (the restarted service
/// serves again), then return it; panic with the last answer if that never happens.
fn poll_until_whole(platform: &Platform, query: &str, variables: &Value) -> Value {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let answer = platform
            .client
            .post(platform.graphql_url("gateway"))
            .bearer_auth(platform.token(&["--staff", "all"]))
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .ok()
            .and_then(|r| r.json::<Value>().ok());
        if let Some(body) = &answer {
            if body.get("errors").is_none() && !body["data"].is_null() {
                return body.clone();
            }
        }
        assert!(
            Instant::now() < deadline,
            "never whole again; last answer {answer:?}:\n{}",
            platform.output()
        );
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// Clients asking [`HISTORY`] in a loop until stopped; every answer is kept.
struct Load {
    stop: Arc<AtomicBool>,
    answers: Arc<Mutex<Vec<(u16, Value)>>>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl Load {
    fn start(platform: &Platform, clients: usize, variables: &Value) -> Load {
        let stop = Arc::new(AtomicBool::new(false));
        let answers = Arc::new(Mutex::new(Vec::new()));
        let url = platform.graphql_url("gateway");
        let token = platform.token(&["--staff", "all"]);
        let body = json!({ "query": HISTORY, "variables": variables });
        let threads = (0..clients)
            .map(|_| {
                let (stop, answers) = (stop.clone(), answers.clone());
                let (url, token, body) = (url.clone(), token.clone(), body.clone());
                std::thread::spawn(move || {
                    let client = reqwest::blocking::Client::new();
                    while !stop.load(Ordering::Relaxed) {
                        let sent = client.post(&url).bearer_auth(&token).json(&body).send();
                        let answer = sent.and_then(|r| {
                            let status = r.status().as_u16();
                            r.json::<Value>().map(|v| (status, v))
                        });
                        let answer = answer.unwrap_or_else(|e| (0, json!(e.to_string())));
                        answers.lock().expect("answers").push(answer);
                    }
                })
            })
            .collect();
        Load {
            stop,
            answers,
            threads,
        }
    }

    fn stop(self) -> Vec<(u16, Value)> {
        self.stop.store(true, Ordering::Relaxed);
        for t in self.threads {
            t.join().expect("load thread");
        }
        std::mem::take(&mut *self.answers.lock().expect("answers"))
    }
}

/// `answer` is `healthy`, or `healthy` with only payments' fields null and one coded error
/// (naming payments) at each order that lost them. Returns whether it was partial.
fn whole_or_partial(healthy: &Value, status: u16, answer: &Value) -> bool {
    assert_eq!(status, 200, "{answer}");
    let Some(errors) = answer.get("errors") else {
        assert_eq!(answer, healthy);
        return false;
    };
    let orders = answer["data"]["customer"]["orders"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("the outage blanked more than payments' fields: {answer}"));
    let want = healthy["data"]["customer"]["orders"]["nodes"]
        .as_array()
        .expect("healthy orders");
    assert_eq!(orders.len(), want.len(), "{answer}");
    assert_eq!(
        answer["data"]["customer"]["email"],
        healthy["data"]["customer"]["email"]
    );
    let mut lost = Vec::new();
    for (i, (order, want)) in orders.iter().zip(want).enumerate() {
        let mut rest = order.clone();
        let mut expected = want.clone();
        for field in PAYMENT_FIELDS {
            rest[field] = Value::Null;
            expected[field] = Value::Null;
        }
        assert_eq!(
            rest, expected,
            "order {i} lost more than payments' fields: {answer}"
        );
        if PAYMENT_FIELDS.iter().any(|f| order[*f].is_null()) {
            lost.push(json!(["customer", "orders", "nodes", i]));
        }
    }
    for error in errors.as_array().expect("errors is a list") {
        let code = error["extensions"]["code"].as_str();
        assert!(
            matches!(code, Some("SUBGRAPH_REQUEST_FAILED" | "SUBGRAPH_TIMEOUT")),
            "{error}"
        );
        assert_eq!(error["extensions"]["serviceName"], "payments", "{error}");
        assert!(
            lost.contains(&error["path"]),
            "error not at an order that lost data: {answer}"
        );
    }
    assert!(!lost.is_empty(), "errors but nothing lost: {answer}");
    true
}

#[test]
fn killed_payments_and_gateway_are_restarted_and_answers_are_whole_again() {
    let db = tokio::runtime::Runtime::new()
        .expect("tokio runtime")
        .block_on(TestDb::create());
    let dir = std::env::temp_dir().join(format!("cc-heal-{}", uuid::Uuid::new_v4()));
    let mut platform = Platform::start(Options {
        database_url: Some(&db.url),
        data_dir: &dir,
    });
    let vars = json!({ "c": ids::customer_id(1), "o": ids::order_id(1) });
    let healthy = poll_until_whole(&platform, ORDER_WITH_PAYMENTS, &vars);
    let history_vars = json!({ "c": ids::customer_id(1) });
    let history = poll_until_whole(&platform, HISTORY, &history_vars);
    let history_orders = history["data"]["customer"]["orders"]["nodes"].as_array();
    assert!(history_orders.is_some_and(|o| !o.is_empty()), "{history}");

    let load = Load::start(&platform, 3, &history_vars);
    let payments = platform.pid_of("payments");
    kill(payments, Signal::SIGKILL).expect("kill payments");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !process_gone(payments) {
        assert!(Instant::now() < deadline, "payments survived SIGKILL");
        std::thread::sleep(Duration::from_millis(5));
    }
    // Payments is down for at least the launcher's first back-off (0.5 s): ask now.
    let (status, down) = platform.gql("gateway", HISTORY, history_vars.clone());
    assert!(whole_or_partial(&history, status, &down), "{down}");
    platform.wait_for_line(
        "crowdcrunch: payments exited unexpectedly: restart 1",
        Duration::from_secs(60),
    );
    platform.wait_for_line(
        "crowdcrunch: payments ready again",
        Duration::from_secs(300),
    );
    assert_eq!(poll_until_whole(&platform, HISTORY, &history_vars), history);
    let answers = load.stop();
    let partial = answers
        .iter()
        .filter(|(status, answer)| whole_or_partial(&history, *status, answer))
        .count();
    assert!(partial > 0, "the load never saw payments down");
    println!(
        "payments killed under load: {} answers, {partial} partial, {} whole, none blank",
        answers.len(),
        answers.len() - partial
    );
    assert_eq!(
        poll_until_whole(&platform, ORDER_WITH_PAYMENTS, &vars),
        healthy
    );

    let gateway = platform.pid_of("gateway");
    kill(gateway, Signal::SIGKILL).expect("kill the gateway");
    platform.wait_for_line("crowdcrunch: gateway ready again", Duration::from_secs(300));
    assert_eq!(
        poll_until_whole(&platform, ORDER_WITH_PAYMENTS, &vars),
        healthy
    );

    let status = platform.interrupt(Duration::from_secs(60));
    assert!(
        status.success(),
        "launcher exit {status}:\n{}",
        platform.output()
    );
    let output = platform.output();
    assert!(
        output.contains("crowdcrunch: restarts during this run: payments 1, gateway 1"),
        "{output}"
    );
    // The intentional stop is not taken for crashes: nothing restarted after it.
    let after_stop = output
        .split("crowdcrunch: stopping...")
        .nth(1)
        .unwrap_or_else(|| panic!("no stop:\n{output}"));
    assert!(!after_stop.contains("unexpectedly"), "{output}");
    assert!(!after_stop.contains("restarted"), "{output}");
    assert_eq!(platform.lines("crowdcrunch: payments restarted").len(), 1);
}
