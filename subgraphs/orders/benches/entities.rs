//! `_entities` throughput and latency of the orders subgraph: batches of 1, 10 and 100 Orders
//! (with their lines and products) against a seeded database on the real PostgreSQL.
//!
//! Run: `cargo bench -p orders` (env `BENCH_REQUESTS_SCALE` scales the request counts,
//! `BENCH_CONCURRENCY` sets the requests in flight). Prints a markdown table.

use futures::stream::{self, StreamExt};
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use subgraph_kit::ids;
use subgraph_kit::testing::{spawn_app_with, TestApp};

const QUERY: &str = "query($r: [_Any!]!) { _entities(representations: $r) {
    ... on Order { id status placedAt customer { id } total { amount currency }
                   lines { quantity unitPrice { amount } lineTotal { amount }
                           product { sku name price { amount currency } } } } } }";

/// (batch size, requests measured).
const RUNS: [(usize, usize); 3] = [(1, 4000), (10, 2000), (100, 500)];

struct Measured {
    batch: usize,
    requests: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

fn main() -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(bench())
}

async fn bench() -> anyhow::Result<()> {
    let scale: f64 = env_or("BENCH_REQUESTS_SCALE", 1.0);
    let concurrency: usize = env_or("BENCH_CONCURRENCY", 8);
    let app = spawn_app_with::<orders::Orders>(true).await;
    let mut results = Vec::new();
    for (batch, requests) in RUNS {
        let requests = ((requests as f64 * scale) as usize).max(10);
        run(&app, batch, requests / 10, concurrency).await?; // warm-up
        results.push(run(&app, batch, requests, concurrency).await?);
    }
    println!("\n`_entities` on the orders subgraph, {concurrency} requests in flight, seeded database ({} orders) on PostgreSQL at 127.0.0.1:5432\n", ids::ORDERS);
    println!("| Orders per request | Requests | Requests/s | Orders/s | p50 ms | p99 ms |");
    println!("|---:|---:|---:|---:|---:|---:|");
    for m in &results {
        let rps = m.requests as f64 / m.elapsed.as_secs_f64();
        println!(
            "| {} | {} | {:.0} | {:.0} | {:.2} | {:.2} |",
            m.batch,
            m.requests,
            rps,
            rps * m.batch as f64,
            percentile(&m.latencies, 0.50),
            percentile(&m.latencies, 0.99),
        );
    }
    Ok(())
}

/// Send `requests` `_entities` requests of `batch` orders each, `concurrency` at a time.
async fn run(
    app: &TestApp,
    batch: usize,
    requests: usize,
    concurrency: usize,
) -> anyhow::Result<Measured> {
    let start = Instant::now();
    let outcomes: Vec<Result<Duration, String>> = stream::iter(0..requests)
        .map(|n| async move {
            // Different orders in every request, so no two in flight ask for the same rows.
            let reps: Value = (0..batch)
                .map(|k| json!({"__typename": "Order", "id": ids::order_id((n * batch + k) % ids::ORDERS)}))
                .collect();
            let sent = Instant::now();
            let res = app.gql(QUERY, json!({"r": reps})).await;
            let took = sent.elapsed();
            let resolved = res["data"]["_entities"]
                .as_array()
                .map(|a| a.iter().filter(|o| !o.is_null()).count());
            if res["errors"].is_null() && resolved == Some(batch) {
                Ok(took)
            } else {
                Err(format!("bad response: {res}"))
            }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    let elapsed = start.elapsed();
    let mut latencies = outcomes
        .into_iter()
        .collect::<Result<Vec<_>, _>>()
        .map_err(anyhow::Error::msg)?;
    latencies.sort();
    Ok(Measured {
        batch,
        requests,
        elapsed,
        latencies,
    })
}

/// The `q` quantile of sorted `latencies`, in milliseconds (nearest rank).
fn percentile(latencies: &[Duration], q: f64) -> f64 {
    if latencies.is_empty() {
        return 0.0;
    }
    let rank = ((q * latencies.len() as f64).ceil() as usize).clamp(1, latencies.len());
    latencies[rank - 1].as_secs_f64() * 1e3
}

fn env_or<T: std::str::FromStr>(var: &str, default: T) -> T {
    std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
