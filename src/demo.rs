//! The live part of the demo data: on a platform started with a broker and its demo data, a few
//! orders placed through the gateway as demo customers and carried by the domains' events
//! alone (paid, shipped, delivered, FULFILLED; one cancelled and refunded; one returned and
//! refunded), once per data directory, so the first run shows the lifecycle at work beside the
//! recorded history the seeds load.

use crate::launcher::say;
use anyhow::{bail, Context};
use crowdcrunch_auth::dev::{DevKey, TokenSpec};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use subgraph_kit::ids;

/// How long one order may take to get where its plan says (a bound on waiting, generous for a
/// loaded machine; the lifecycle takes a few seconds).
const PATIENCE: Duration = Duration::from_secs(300);

/// How often an order's state is read while waiting.
const POLL: Duration = Duration::from_millis(100);

/// Longest wait for one answer of the gateway.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// What the demo does with an order after placing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Plan {
    /// Nothing: the events carry it to FULFILLED.
    Fulfil,
    /// The customer cancels it once PAID: refunded, stock back.
    Cancel,
    /// Once FULFILLED the customer returns one unit and staff approve: refunded.
    Return,
}

/// (customer index, product index, quantity, plan); customers and products the README's
/// examples and the platform tests do not use, so the demo changes nothing they show.
const ORDERS: [(usize, usize, i32, Plan); 5] = [
    (95, 40, 1, Plan::Fulfil),
    (96, 41, 2, Plan::Fulfil),
    (97, 42, 1, Plan::Fulfil),
    (98, 43, 1, Plan::Cancel),
    (99, 44, 2, Plan::Return),
];

/// Where the demo records that it ran (a restart does not place its orders again).
fn marker(data_dir: &Path) -> PathBuf {
    data_dir.join("demo-orders.done")
}

/// Run the demo once against the gateway at `url` (tokens signed with the dev key of
/// `data_dir`), saying what became of each order; a failure is said, not fatal: the platform
/// runs on.
pub async fn run(url: String, data_dir: PathBuf) {
    if marker(&data_dir).exists() {
        return;
    }
    let key = match DevKey::ensure(&crate::token::key_dir(&data_dir)) {
        Ok(key) => key,
        Err(err) => {
            say(&format!("demo orders: no dev key: {err}"));
            return;
        }
    };
    let demo = Demo {
        url,
        key,
        client: match reqwest::Client::builder().timeout(REQUEST_TIMEOUT).build() {
            Ok(client) => client,
            Err(err) => {
                say(&format!("demo orders: no HTTP client: {err}"));
                return;
            }
        },
    };
    let started = Instant::now();
    let outcomes = futures::future::join_all(
        ORDERS
            .iter()
            .enumerate()
            .map(|(n, order)| demo.order(n, *order)),
    )
    .await;
    // Each order's outcome, a failure included: the demo is tried once per data directory
    // (a second run would find its orders moved on, and its return approved already).
    let said: Vec<String> = outcomes
        .into_iter()
        .enumerate()
        .map(|(n, outcome)| match outcome {
            Ok(line) => line,
            Err(err) => format!("order {n} failed: {err:#}"),
        })
        .collect();
    if let Err(err) = std::fs::write(marker(&data_dir), said.join("\n") + "\n") {
        say(&format!("demo orders: cannot record that they ran: {err}"));
    }
    say(&format!(
        "demo orders placed through the gateway and carried by events in {:.1} s: {}",
        started.elapsed().as_secs_f64(),
        said.join("; ")
    ));
}

struct Demo {
    url: String,
    key: DevKey,
    client: reqwest::Client,
}

impl Demo {
    /// Place order `n` as its customer and see its plan through; what became of it.
    async fn order(&self, n: usize, plan: (usize, usize, i32, Plan)) -> anyhow::Result<String> {
        let (customer, product, quantity, plan) = plan;
        let customer = ids::customer_id(customer);
        let me = self.token(Some(customer))?;
        let sku = ids::product_sku(product);
        let placed = self
            .gql_retrying(
                &me,
                "mutation($input: PlaceOrderInput!, $key: String!) {
                   placeOrder(input: $input, idempotencyKey: $key) { id } }",
                json!({
                    "key": format!("demo-order-{n}"),
                    "input": { "customerId": customer, "currency": ids::DEMO_CURRENCY,
                               "lines": [{ "sku": sku, "quantity": quantity }] },
                }),
            )
            .await?;
        let id = placed["placeOrder"]["id"]
            .as_str()
            .context("placeOrder answered no id")?
            .to_string();
        let status = |o: &Value| o["status"].as_str().unwrap_or("?").to_string();
        match plan {
            Plan::Fulfil => {
                let order = self
                    .wait(&me, &id, &["CANCELLED"], |o| o["status"] == "FULFILLED")
                    .await?;
                Ok(format!("{id} {}", status(&order)))
            }
            Plan::Cancel => {
                let paid = self
                    .wait(&me, &id, &["CANCELLED", "FULFILLED"], |o| {
                        o["status"] == "PAID"
                    })
                    .await?;
                if paid["status"] != "PAID" {
                    return Ok(format!("{id} not cancelled: {} first", status(&paid)));
                }
                let cancel = "mutation($id: ID!) { cancelOrder(id: $id) { status } }";
                if let Err(err) = self.gql(&me, cancel, json!({ "id": id })).await {
                    // The carrier took the parcel first (orders heard it): it is delivered.
                    return Ok(format!("{id} not cancelled: {err}"));
                }
                // Fulfillment answers: every parcel stopped (then refunded), or one delivered.
                let answered = self
                    .wait(&me, &id, &[], |o| o["status"] != "CANCELLING")
                    .await?;
                if answered["status"] != "CANCELLED" {
                    return Ok(format!(
                        "{id} not cancelled: a parcel was delivered first ({})",
                        status(&answered)
                    ));
                }
                self.wait(&me, &id, &[], |o| o["payments"][0]["status"] == "REFUNDED")
                    .await?;
                Ok(format!("{id} CANCELLED and refunded"))
            }
            Plan::Return => {
                let order = self
                    .wait(&me, &id, &["CANCELLED"], |o| {
                        o["status"] == "FULFILLED" && o["payments"][0]["status"] == "CAPTURED"
                    })
                    .await?;
                if order["status"] != "FULFILLED" {
                    return Ok(format!("{id} {}, nothing to return", status(&order)));
                }
                let payment = order["payments"][0]["id"].clone();
                // Returns learns of the delivery and the capture by their events, in its own
                // time: until then it answers NOT_YET_KNOWN (retryable).
                let requested = self
                    .gql_retrying(
                        &me,
                        "mutation($input: RequestReturnInput!, $key: String!) {
                           requestReturn(input: $input, idempotencyKey: $key) { id } }",
                        json!({
                            "key": format!("demo-return-{n}"),
                            "input": { "orderId": id, "paymentId": payment, "reason": "Too small",
                                       "lines": [{ "sku": sku, "quantity": 1 }] },
                        }),
                    )
                    .await?;
                let return_id = requested["requestReturn"]["id"].clone();
                let staff = self.token(None)?;
                self.gql(
                    &staff,
                    "mutation($id: ID!) { approveReturn(id: $id) { status } }",
                    json!({ "id": return_id }),
                )
                .await?;
                let settled = self
                    .wait(&me, &id, &[], |o| {
                        matches!(
                            o["returns"][0]["status"].as_str(),
                            Some("REFUNDED" | "REJECTED")
                        )
                    })
                    .await?;
                Ok(match settled["returns"][0]["status"].as_str() {
                    Some("REFUNDED") => format!("{id} delivered, one unit returned and refunded"),
                    _ => format!("{id} delivered, its return rejected by payments"),
                })
            }
        }
    }

    /// A token for `customer`, or a staff one that may review returns.
    fn token(&self, customer: Option<uuid::Uuid>) -> anyhow::Result<String> {
        let spec = TokenSpec {
            sub: customer.map_or("staff:demo".into(), |c| format!("customer:{c}")),
            customer_id: customer.map(|c| c.to_string()),
            scopes: match customer {
                Some(_) => Vec::new(),
                None => vec!["returns:manage".into()],
            },
            // Longer than the whole demo can take (a few waits of at most PATIENCE each).
            ttl_s: 3600,
        };
        Ok(self.key.mint(&spec)?)
    }

    /// The order's state each [`POLL`] until `done` says so or it reaches one of `ends`
    /// (the caller tells which); an error after [`PATIENCE`].
    async fn wait(
        &self,
        token: &str,
        id: &str,
        ends: &[&str],
        done: impl Fn(&Value) -> bool,
    ) -> anyhow::Result<Value> {
        let query = "query($id: ID!) { order(id: $id) { status
            payments { id status } returns { status } } }";
        let deadline = Instant::now() + PATIENCE;
        loop {
            // A gateway or subgraph restarting meanwhile is waited out like a slow step.
            if let Ok(data) = self.gql(token, query, json!({ "id": id })).await {
                let order = &data["order"];
                let status = order["status"].as_str().unwrap_or("");
                if done(order) || ends.contains(&status) {
                    return Ok(order.clone());
                }
            }
            if Instant::now() > deadline {
                bail!("order {id} did not get there in {} s", PATIENCE.as_secs());
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// [`Demo::gql`], again while the answer is `NOT_YET_KNOWN` (for up to [`PATIENCE`]).
    async fn gql_retrying(
        &self,
        token: &str,
        query: &str,
        variables: Value,
    ) -> anyhow::Result<Value> {
        let deadline = Instant::now() + PATIENCE;
        loop {
            match self.gql(token, query, variables.clone()).await {
                Err(err)
                    if err
                        .downcast_ref::<GraphqlError>()
                        .is_some_and(|e| e.code == "NOT_YET_KNOWN")
                        && Instant::now() < deadline =>
                {
                    tokio::time::sleep(POLL).await
                }
                other => return other,
            }
        }
    }

    /// `data` of an operation answered without errors.
    async fn gql(&self, token: &str, query: &str, variables: Value) -> anyhow::Result<Value> {
        let body: Value = self
            .client
            .post(&self.url)
            .bearer_auth(token)
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await?
            .json()
            .await?;
        if let Some(error) = body["errors"].get(0) {
            let text = |v: &Value, or: &str| v.as_str().unwrap_or(or).to_string();
            return Err(GraphqlError {
                message: text(&error["message"], "error"),
                code: text(&error["extensions"]["code"], "no code"),
            }
            .into());
        }
        Ok(body["data"].clone())
    }
}

/// The first error of an answer, with its `extensions.code`.
#[derive(Debug, thiserror::Error)]
#[error("{message} ({code})")]
struct GraphqlError {
    message: String,
    code: String,
}
